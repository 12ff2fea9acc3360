"""The customers' transactions, as every engine, report and backtest of the three addons reads them.

A company values its customers by confirmed sales orders or by posted customer invoices
(``res.company.crm_value_source``). Whichever it is, the figures of a customer come from one
query, written here once:

- an order belongs to its day in the company's time zone (an order placed at 07:00 in Shanghai
  is a day there, not the previous UTC day); an invoice to its invoice date;
- amounts are untaxed, in the company currency (an order is divided by its rate, an order in the
  company currency is not divided by its rate of 1: the same sum without a numeric division per
  order; an invoice carries its signed amount in the company currency);
- a refund is a transaction of its own, with no order and a negative amount; it also names the
  day of the invoice it reverses, for readers that put it back on that day;
- the companies' own partners are never customers.
"""

from datetime import timedelta

from odoo import api, models
from odoo.tools import SQL

from .lifecycle_data import VALUE_SOURCE_INVOICE, local_date_sql


class CrmCustomerData(models.AbstractModel):
    _name = "crm.customer.data"
    _description = "Customer Transactions"

    @api.model
    def _get_transactions_query(self, company, date_to=None, date_from=None, partner_ids=None):
        """SQL of one row per transaction of the company's customers, with the columns:

        - ``partner_id``: the commercial partner;
        - ``day``: the day of the transaction (see the module's docstring);
        - ``base_day``: the day it counts for: a refund's reversed invoice's day when it has
          one, the transaction's own day otherwise;
        - ``orders``: 1 for an order or an invoice, 0 for a refund;
        - ``amount``: untaxed, in the company currency, negative for a refund (numeric);
        - ``moment``: when it was recorded (UTC): the order's date, the invoice's creation.

        Only transactions whose ``day`` is in [date_from, date_to] when those are given (dates,
        or SQL date expressions, e.g. of an enclosing query's row), of the commercial partners
        ``partner_ids`` when given (a list of ids or an SQL subquery).
        """

        def shift(bound, days):
            if isinstance(bound, SQL):
                return SQL("((%s)::date + %s)", bound, days)
            return bound + timedelta(days=days)

        conditions = []
        if partner_ids is not None:
            if isinstance(partner_ids, SQL):
                conditions.append(SQL("p.commercial_partner_id IN (%s)", partner_ids))
            else:
                conditions.append(SQL("p.commercial_partner_id = ANY(%s)", list(partner_ids)))
        if company.crm_value_source == VALUE_SOURCE_INVOICE:
            if date_from is not None:
                conditions.append(SQL("m.invoice_date >= %s", date_from))
            if date_to is not None:
                conditions.append(SQL("m.invoice_date < %s", shift(date_to, 1)))
            return SQL(
                """
                SELECT p.commercial_partner_id AS partner_id,
                       m.invoice_date AS day,
                       COALESCE(orig.invoice_date, m.invoice_date) AS base_day,
                       (m.move_type = 'out_invoice')::int AS orders,
                       m.amount_untaxed_signed AS amount,
                       m.create_date AS moment
                  FROM account_move m
                  JOIN res_partner p ON p.id = m.partner_id
                  LEFT JOIN account_move orig ON orig.id = m.reversed_entry_id
                                             AND m.move_type = 'out_refund'
                                             AND orig.move_type = 'out_invoice'
                 WHERE m.company_id = %(company)s
                   AND m.state = 'posted'
                   AND m.move_type IN ('out_invoice', 'out_refund')
                   AND p.commercial_partner_id NOT IN (SELECT partner_id FROM res_company)
                   %(conditions)s
                """,
                company=company.id,
                conditions=SQL("").join(SQL("AND %s ", c) for c in conditions),
            )
        day = local_date_sql(SQL("so.date_order"), company._crm_tz())
        if date_from is not None:
            # UTC bounds a day wider than the local ones (no offset exceeds 14 hours), so that
            # an index on date_order still narrows the scan
            conditions.append(SQL("so.date_order >= %s", shift(date_from, -1)))
            conditions.append(SQL("%s >= %s", day, date_from))
        if date_to is not None:
            conditions.append(SQL("so.date_order < %s", shift(date_to, 2)))
            conditions.append(SQL("%s <= %s", day, date_to))
        return SQL(
            """
            SELECT p.commercial_partner_id AS partner_id,
                   %(day)s AS day,
                   %(day)s AS base_day,
                   1 AS orders,
                   CASE WHEN COALESCE(so.currency_rate, 0) IN (0, 1)
                        THEN so.amount_untaxed
                        ELSE so.amount_untaxed / so.currency_rate END AS amount,
                   so.date_order AS moment
              FROM sale_order so
              JOIN res_partner p ON p.id = so.partner_id
             WHERE so.company_id = %(company)s
               AND so.state = 'sale'
               AND p.commercial_partner_id NOT IN (SELECT partner_id FROM res_company)
               %(conditions)s
            """,
            day=day,
            company=company.id,
            conditions=SQL("").join(SQL("AND %s ", c) for c in conditions),
        )

    @api.model
    def _get_days_query(self, company, as_of, partner_ids=None):
        """SQL of (partner_id, day, orders, amount) per commercial partner and transaction day up
        to ``as_of``, in the company currency: the days the purchase model, the churn engine and
        the backtest read. A refund reduces the day of the invoice it reverses; an unlinked
        refund stands on its own day, which has no order and so only reduces the customer's
        repeat value."""
        return SQL(
            """
            SELECT t.partner_id, t.base_day AS day, SUM(t.orders) AS orders,
                   SUM(t.amount)::float8 AS amount
              FROM (%(transactions)s) t
             GROUP BY 1, 2
            """,
            transactions=self._get_transactions_query(
                company, date_to=as_of, partner_ids=partner_ids
            ),
        )

    @api.model
    def _flush_transactions(self):
        """Flushes what the transactions' queries read."""
        self.env["sale.order"].flush_model(
            ["company_id", "state", "date_order", "partner_id", "amount_untaxed", "currency_rate"]
        )
        self.env["account.move"].flush_model(
            [
                "company_id",
                "state",
                "move_type",
                "invoice_date",
                "partner_id",
                "amount_untaxed_signed",
                "reversed_entry_id",
            ]
        )
        self.env["res.partner"].flush_model(["commercial_partner_id"])
