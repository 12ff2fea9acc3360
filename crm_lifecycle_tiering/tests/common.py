import os
from datetime import UTC, date, datetime, time

import pytz
from psycopg2.errors import CheckViolation

from odoo.tests import HttpCase, TransactionCase, new_test_user
from odoo.tools import mute_logger

# The time zone of every test: the context of the test environment (and so of every user acting
# through it), the main company, the companies the tests create and the demo users. UTC unless
# the test command is given --tz (CRM_TEST_TZ), to run the whole suite as a company elsewhere.
TEST_TZ = os.environ.get("CRM_TEST_TZ") or "UTC"


def pin_time_zone(cls):
    """Pins the class's environment to TEST_TZ (see above); demo data sets Mitchell Admin and the
    superuser's partner in Europe/Brussels, so two 'todays' would otherwise differ near midnight."""
    cls.env = cls.env(context=dict(cls.env.context, tz=TEST_TZ))
    users = (
        cls.env.user
        | cls.env.ref("base.user_admin")
        | cls.env["res.users"].search([("login", "=", "demo")])
    )
    users.partner_id.tz = TEST_TZ
    # the zone the demo data was installed in, for tests that check how the demo was dated
    cls.install_tz = cls.env.company._crm_tz()
    cls.env.company.partner_id.tz = TEST_TZ


class CrmZoneMixin:
    """The time zone pinned (TEST_TZ) and one notion of today, for every test class of ours."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        pin_time_zone(cls)

    @classmethod
    def crm_today(cls, company=None):
        """Today in the company's time zone, as every engine and cron of ours sees it."""
        return (company or cls.env.company)._crm_today()

    @classmethod
    def install_today(cls):
        """Today in the zone the demo data was installed in: the demo is dated from that day,
        which near midnight is not today where the tests pin the company."""
        return datetime.now(UTC).astimezone(pytz.timezone(cls.install_tz)).date()

    @classmethod
    def to_utc(cls, moment, company=None):
        """The stored (naive UTC) value of `moment`, a wall-clock time in the company's zone:
        test data at the edges of a day stays on its day wherever the company is."""
        return (company or cls.env.company)._crm_utc(moment.date(), moment.time())


class CrmCase(CrmZoneMixin, TransactionCase):
    """Base of every test of ours (see CrmZoneMixin)."""

    @classmethod
    def make_invoice(
        cls,
        partner,
        amount,
        day,
        move_type="out_invoice",
        currency=None,
        reverses=None,
        state="posted",
        company=None,
    ):
        """A customer invoice (or credit note, reversing `reverses` when given; or a vendor
        bill or refund, `in_*` types, in a purchase journal) of `amount` untaxed in `currency`
        dated `day`; posted, left in draft, or posted and cancelled."""
        company = company or getattr(cls, "company", None) or cls.env.company
        journal_type = "purchase" if move_type.startswith("in_") else "sale"
        journal = cls.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", journal_type)], limit=1
        )
        values = {
            "move_type": move_type,
            "partner_id": partner.id,
            "invoice_date": day,
            "journal_id": journal.id,
            "currency_id": (currency or company.currency_id).id,
            "invoice_line_ids": [
                (0, 0, {"name": "Work", "quantity": 1, "price_unit": amount, "tax_ids": False})
            ],
        }
        if reverses:
            values["reversed_entry_id"] = reverses.id
        move = cls.env["account.move"].with_company(company).create(values)
        if state in ("posted", "cancel"):
            move.action_post()
        if state == "cancel":
            move.button_cancel()
        return move

    @classmethod
    def use_order_tiers(cls, company, vip_orders, key_orders):
        """The default tiers (cls.tier_vip, tier_key, tier_standard) given in `company` by
        the orders of the value window alone: the shared rules archived, VIP from `vip_orders`
        orders, Key from `key_orders`."""
        ref = cls.env.ref
        cls.tier_vip = ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        cls.tier_key = ref("crm_lifecycle_tiering.crm_customer_tier_key")
        cls.tier_standard = ref("crm_lifecycle_tiering.crm_customer_tier_standard")
        Rule = cls.env["crm.tier.rule"]
        Rule.search([("company_id", "=", False)]).active = False
        Rule.create(
            [
                {"tier_id": tier.id, "company_id": company.id, "min_orders_period": orders}
                for tier, orders in ((cls.tier_vip, vip_orders), (cls.tier_key, key_orders))
            ]
        )

    @classmethod
    def make_customer(cls, name, **values):
        """A customer company."""
        return cls.env["res.partner"].create({"name": name, "is_company": True, **values})

    def assert_checks_refuse(self, record, cases):
        """Each write of `cases` [(field, value, constraint)] on `record` is refused by the
        database check `constraint` of its table, and leaves the record as it was."""
        before = {field: record[field] for field, _value, _constraint in cases}
        for field, value, constraint in cases:
            with (
                self.subTest(field=field, value=value),
                mute_logger("odoo.sql_db"),
                self.assertRaisesRegex(CheckViolation, f'"{record._table}_{constraint}"'),
                self.cr.savepoint(),
            ):
                record.write({field: value})
                record.flush_recordset()
        record.invalidate_recordset()
        self.assertEqual({field: record[field] for field in before}, before)

    def activities_of(self, records, activity_type):
        """The activities of `activity_type` on `records`."""
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", records._name),
                ("res_id", "in", records.ids),
                ("activity_type_id", "=", activity_type.id),
            ]
        )


class CrmHttpCase(CrmZoneMixin, HttpCase):
    """Base of our browser tests (see CrmZoneMixin)."""


class AdminScreenCase(CrmHttpCase):
    """The screens as the administrator sees them on a laptop (1440x900), in the administrator's
    company."""

    browser_size = "1440x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.company = cls.admin.company_id


class TieringCase(CrmCase):
    """Users of each group and a second company, built once per class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Tiering Other Co"})
        cls.employee = new_test_user(cls.env, login="tier_employee", groups="base.group_user")
        cls.tier_user = new_test_user(
            cls.env,
            login="tier_user",
            groups="sales_team.group_sale_salesman",
        )
        cls.tier_manager = new_test_user(
            cls.env,
            login="tier_manager",
            groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_manager,"
            "sales_team.group_sale_salesman",
        )
        cls.Tier = cls.env["crm.customer.tier"]
        cls.tier_vip = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        cls.tier_key = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_key")
        cls.tier_standard = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_standard")


class ValueCase(TieringCase):
    """A company of its own (demo data never interferes), its own rules, and helpers that make
    confirmed orders at given dates and run the engine as of a given date."""

    AS_OF = date(2026, 6, 30)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd = cls.env.ref("base.USD")
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.vc = cls.env["res.company"].create(
            {
                "name": "Value Test Co",
                "currency_id": cls.usd.id,
                "crm_tier_grace_days": 0,
            }
        )
        cls.env.user.company_ids |= cls.vc
        for user in (cls.tier_user, cls.tier_manager, cls.employee):
            user.company_ids |= cls.vc
        cls.env["crm.tier.rule"].search([("company_id", "=", False)]).active = False
        cls.product = cls.env["product.product"].create(
            {"name": "Consulting Day", "type": "service", "list_price": 100, "taxes_id": False}
        )
        cls.engine = cls.env["crm.value.engine"]

    @classmethod
    def make_order(cls, partner, amount, day, company=None, currency=None, confirm=True):
        return make_sale_order(
            cls.env,
            partner,
            company or cls.vc,
            [{"product_id": cls.product.id, "price_unit": amount, "tax_ids": False}],
            currency=currency,
            confirm=confirm,
            moment=datetime.combine(day, time(10, 0)),
        )

    def run_engine(self, as_of=None, company=None):
        return self.engine._run(company or self.vc, origin="cron", as_of=as_of or self.AS_OF)

    def val(self, partner, company=None):
        return partner.with_company(company or self.vc)

    def make_rule(self, tier, **values):
        return self.env["crm.tier.rule"].create(
            {"tier_id": tier.id, "company_id": self.vc.id, **values}
        )


def make_sale_order(
    env, partner, company, lines, currency=None, confirm=True, moment=None, **values
):
    """A sale order of `partner` in `company` with `lines` (the values of its order lines) and
    the header `values`; in `currency` when given, by a pricelist of the company in it (found or
    made once); confirmed unless `confirm` is false; dated `moment` (naive UTC) when given."""
    values = {
        "partner_id": partner.id,
        "company_id": company.id,
        "order_line": [(0, 0, line) for line in lines],
        **values,
    }
    if currency and currency != company.currency_id:
        Pricelist = env["product.pricelist"]
        pricelist = Pricelist.search(
            [("currency_id", "=", currency.id), ("company_id", "=", company.id)], limit=1
        ) or Pricelist.create(
            {
                "name": f"{currency.name} prices",
                "currency_id": currency.id,
                "company_id": company.id,
            }
        )
        values["pricelist_id"] = pricelist.id
    order = env["sale.order"].with_company(company).create(values)
    if confirm:
        order.action_confirm()
    if moment:
        order.date_order = moment
    return order


def commit_callbacks(cr):
    """The callbacks waiting for the commit and the rollback (bus notifications, e-mails sent
    after the commit, tracking…) and the sizes of their data, once the pending ones ran."""
    cr.flush()
    return [
        (len(queue), {key: len(value) for key, value in queue.data.items()})
        for queue in (cr.precommit, cr.postcommit, cr.prerollback, cr.postrollback)
    ]


def preview_traces(env):
    """What a preview (Getting Started) must leave as it was, in any addon: the callbacks
    waiting for the commit, the counts of e-mails, activities, messages and history events."""
    env.invalidate_all()
    return {
        "callbacks": commit_callbacks(env.cr),
        "mails": env["mail.mail"].search_count([]),
        "activities": env["mail.activity"].with_context(active_test=False).search_count([]),
        "messages": env["mail.message"].search_count([]),
        "events": env["crm.lifecycle.event"].search_count([]),
    }


def make_company_user(env, login, groups, company, **values):
    """A user of `company` only, in the given groups."""
    return new_test_user(
        env,
        login=login,
        groups=groups,
        company_id=company.id,
        company_ids=[(6, 0, company.ids)],
        **values,
    )


def insert_orders(env, company, orders, prefix="HISTORY", state="sale", hour=12):
    """Sale orders in `company` of [(partner, day, untaxed amount)], confirmed (or in `state`),
    inserted set-wise (headers only: the engines read order dates and untaxed amounts), as a
    database holding years of history has them; each at `hour` o'clock (noon) of its day in
    the company's time zone, so that it belongs to that day wherever the company is."""
    moments = [company._crm_utc(day, time(hour, 0)) for _partner, day, _amount in orders]
    env.flush_all()
    env.cr.execute(
        """
        INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id,
                                company_id, currency_id, currency_rate, state, date_order,
                                amount_untaxed, amount_tax, amount_total, create_date,
                                write_date, create_uid, write_uid)
        SELECT %(prefix)s || '-' || o.ord, o.partner, o.partner, o.partner, %(company)s,
               %(currency)s, 1.0, %(state)s, o.moment, o.amount, 0, o.amount,
               now(), now(), %(uid)s, %(uid)s
          FROM unnest(%(partners)s::int[], %(moments)s::timestamp[], %(amounts)s::numeric[])
               WITH ORDINALITY AS o(partner, moment, amount, ord)
        """,
        {
            "prefix": prefix,
            "company": company.id,
            "currency": company.currency_id.id,
            "state": state,
            "partners": [partner.id for partner, _day, _amount in orders],
            "moments": moments,
            "amounts": [amount for _partner, _day, amount in orders],
            "uid": env.uid,
        },
    )
    env["sale.order"].invalidate_model()
