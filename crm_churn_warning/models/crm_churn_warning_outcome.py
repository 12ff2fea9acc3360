"""Churn warnings' outcomes.

After each nightly scoring, ``_close_outcomes`` closes open warnings: retained when the customer
ordered after the warning (with the revenue since), lost when a risk customer's lifecycle stage
turned churned or when a win-back warning found no order within the company's win-back horizon.
The revenue since a retained warning is kept current for a year after it. What a customer
ordered comes from the customers' transactions (crm.customer.data), orders or invoices as the
company values its customers.
"""

from datetime import timedelta

from odoo import api, models
from odoo.fields import Domain
from odoo.tools import SQL

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    STAGE_CHURNED,
    VALUE_SOURCE_INVOICE,
)

from .churn_data import (
    KIND_RISK,
    KIND_WIN_BACK,
    OPEN_STATES,
    REVENUE_AFTER_DAYS,
    STATE_LOST,
    STATE_RETAINED,
)


class CrmChurnWarningOutcome(models.AbstractModel):
    """Mixed into crm.churn.warning: its methods run on warnings."""

    _name = "crm.churn.warning.outcome"
    _description = "Churn Warning Outcomes"

    # ------------------------------------------------------------------ outcomes
    @api.model
    def _get_revenue_domain(self, company, as_of):
        """Warnings whose revenue since is (re)computed: open ones, and retained ones still in
        the year after their warning."""
        return Domain("company_id", "=", company.id) & (
            Domain("state", "in", OPEN_STATES)
            | (
                Domain("state", "=", STATE_RETAINED)
                & Domain("date", ">=", as_of - timedelta(days=REVENUE_AFTER_DAYS))
            )
        )

    def _get_revenue_after(self, company, as_of, days=REVENUE_AFTER_DAYS):
        """{warning id: (first order date, orders, revenue)} for the warnings of ``self`` whose
        customer ordered after the warning, up to ``as_of`` and within the ``days`` after it
        (a year by default), in one query. An order counts when placed after the warning was
        raised (the scoring that raised it saw the orders before) or on a later day."""
        if not self:
            return {}
        self.env.flush_all()
        if company.crm_value_source == VALUE_SOURCE_INVOICE:
            # an invoice dated after the warning's day, or on that day and entered after it
            after = SQL("(t.day > w.date OR (t.day = w.date AND t.moment > w.create_date))")
        else:
            after = SQL("(t.moment > w.create_date OR t.day > w.date)")
        query = SQL(
            """
            SELECT w.id,
                   MIN(t.day) FILTER (WHERE t.orders > 0),
                   COUNT(*) FILTER (WHERE t.orders > 0),
                   COALESCE(SUM(t.amount), 0)::float8
              FROM crm_churn_warning w
              JOIN (%(transactions)s) t ON t.partner_id = w.partner_id
             WHERE w.id = ANY(%(ids)s)
               AND %(after)s
               AND t.day <= LEAST(%(as_of)s::date, w.date + %(days)s)
             GROUP BY w.id
            """,
            transactions=self.env["crm.customer.data"]._get_transactions_query(
                company,
                date_to=as_of,
                date_from=min(
                    min(self.mapped("date")),
                    # an order entered after the warning, on any local day
                    min(self.mapped("create_date")).date() - timedelta(days=1),
                ),
                partner_ids=self.partner_id.ids,
            ),
            after=after,
            ids=self.ids,
            as_of=as_of,
            days=days,
        )
        self.env.cr.execute(query)
        return {
            warning_id: (first, orders, round(revenue, 2))
            for warning_id, first, orders, revenue in self.env.cr.fetchall()
            if orders
        }

    @api.model
    def _close_outcomes(self, company, as_of=None):
        """Closes the open warnings of the company whose outcome is known, and keeps the
        revenue since the warning of retained ones current for a year. Returns the counts of
        retained and lost warnings."""
        Warning = self.sudo().with_company(company).with_context(tracking_disable=True)
        as_of = as_of or company._crm_today()
        currency = company.currency_id
        candidates = Warning.search(Warning._get_revenue_domain(company, as_of))
        figures = candidates._get_revenue_after(company, as_of)
        retained, changes = Warning.browse(), {}
        for warning in candidates:
            first, orders, revenue = figures.get(warning.id, (None, 0, 0.0))
            if warning.state in OPEN_STATES:
                if not orders:
                    continue
                old = {
                    "state": warning.state,
                    "orders_after": warning.orders_after,
                    "revenue_after": warning.revenue_after,
                }
                outcome_date = min(max(first, warning.date), as_of)
                warning.write(
                    {
                        "state": STATE_RETAINED,
                        "outcome_date": outcome_date,
                        "orders_after": orders,
                        "revenue_after": revenue,
                    }
                )
                retained |= warning
                changes[warning.id] = [
                    ("state", old["state"], STATE_RETAINED),
                    ("outcome_date", False, outcome_date),
                    ("orders_after", old["orders_after"], orders),
                    ("revenue_after", old["revenue_after"], revenue),
                ]
            elif warning.orders_after != orders or currency.compare_amounts(
                warning.revenue_after, revenue
            ):
                warning.write({"orders_after": orders, "revenue_after": revenue})
        retained._unlink_open_activities()
        retained._log_events("crm_churn_warning.mt_crm_churn_warning_retained", changes)

        # risk customers whose lifecycle stage turned churned, by the date: more than the
        # company's churn days without an order then (a replay of a past date does not lose a
        # warning over a churn that came later)
        self.env.cr.execute(
            SQL(
                """
                SELECT w.id
                  FROM crm_churn_warning w
                  JOIN res_partner p ON p.id = w.partner_id
                 WHERE w.company_id = %(company)s
                   AND w.state IN %(open)s
                   AND w.kind = %(risk)s
                   AND p.crm_lifecycle_stage ->> %(cid)s = %(churned)s
                   AND COALESCE((p.crm_last_order_date ->> %(cid)s)::date + %(churn_days)s
                                < %(as_of)s, TRUE)
                """,
                company=company.id,
                open=OPEN_STATES,
                risk=KIND_RISK,
                cid=str(company.id),
                churned=STAGE_CHURNED,
                churn_days=company.crm_churn_days,
                as_of=as_of,
            )
        )
        churned = Warning.browse([r[0] for r in self.env.cr.fetchall()]) - retained
        churned._close_lost_churned(as_of)

        # win-back warnings without an order within the horizon
        horizon = as_of - timedelta(days=company.crm_churn_win_back_days)
        expired = (
            Warning.search(
                [
                    ("company_id", "=", company.id),
                    ("state", "in", OPEN_STATES),
                    ("kind", "=", KIND_WIN_BACK),
                    ("date", "<=", horizon),
                ]
            )
            - retained
        )
        if expired:
            states = {warning.id: warning.state for warning in expired}
            expired._close(STATE_LOST, as_of)
            expired._log_events(
                "crm_churn_warning.mt_crm_churn_warning_win_back_expired",
                {
                    warning.id: [
                        ("state", states[warning.id], STATE_LOST),
                        ("outcome_date", False, as_of),
                        ("days_to_outcome", 0, warning.days_to_outcome),
                    ]
                    for warning in expired
                },
            )
        return {"retained": len(retained), "lost": len(churned) + len(expired)}

    def _close_lost_churned(self, as_of):
        if not self:
            return
        states = {warning.id: warning.state for warning in self}
        self.with_context(tracking_disable=True)._close(STATE_LOST, as_of)
        self._log_events(
            "crm_churn_warning.mt_crm_churn_warning_churned",
            {
                warning_id: [("state", state, STATE_LOST), ("outcome_date", False, as_of)]
                for warning_id, state in states.items()
            },
        )
