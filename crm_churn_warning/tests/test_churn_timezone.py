from datetime import date, timedelta

from odoo.tests import tagged

from .common import ChurnCase

ORDER_DAY_UTC = date(2026, 3, 1)
ORDER_DAY_LOCAL = date(2026, 3, 2)


@tagged("post_install", "-at_install")
class TestChurnTimezone(ChurnCase):
    """A transaction's day is its date in the company's time zone: an order placed on 2 March
    at 07:30 in Shanghai (1 March 23:30 UTC) belongs to 2 March there."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.utc_company = cls.env["res.company"].create(
            {"name": "Churn UTC Co", "currency_id": cls.usd.id}
        )
        cls.utc_company.partner_id.tz = False
        cls.env.user.company_ids |= cls.utc_company
        cls.customer = cls.make_customer("Late Evening Buyer")
        cls.make_orders(cls.customer, [ORDER_DAY_UTC])
        cls.make_orders(cls.customer, [ORDER_DAY_UTC], company=cls.utc_company)
        cls.env.cr.execute(
            "UPDATE sale_order SET date_order = '2026-03-01 23:30:00' WHERE partner_id = %s",
            [cls.customer.id],
        )
        cls.env["sale.order"].invalidate_model()

    def order_days(self, company, as_of):
        query = self.env["crm.customer.data"]._get_days_query(company, as_of)
        return [
            day
            for partner_id, day, _value, _purchase in self.env.execute_query(query)
            if partner_id == self.customer.id
        ]

    def test_company_time_zone(self):
        self.assertEqual(self.company._crm_tz(), "Asia/Shanghai")
        self.assertEqual(self.utc_company._crm_tz(), "UTC")

    def test_churn_days_in_company_time_zone(self):
        self.assertEqual(self.order_days(self.company, ORDER_DAY_UTC), [])
        self.assertEqual(self.order_days(self.company, ORDER_DAY_LOCAL), [ORDER_DAY_LOCAL])
        self.assertEqual(self.order_days(self.utc_company, ORDER_DAY_UTC), [ORDER_DAY_UTC])

        before = self.evaluate(as_of=ORDER_DAY_UTC).get(self.customer.id, {})
        self.assertFalse(before.get("last_order_date"))
        after = self.evaluate(as_of=ORDER_DAY_LOCAL)[self.customer.id]
        self.assertEqual(after["last_order_date"], ORDER_DAY_LOCAL)
        utc = self.evaluate(as_of=ORDER_DAY_UTC, company=self.utc_company)[self.customer.id]
        self.assertEqual(utc["last_order_date"], ORDER_DAY_UTC)

    def test_tiering_dates_in_company_time_zone(self):
        Engine = self.env["crm.value.engine"]

        def figures(company, as_of):
            rows = Engine._evaluate_company(company, as_of=as_of)
            new = next((r["new"] for r in rows if r["partner_id"] == self.customer.id), {})
            return new.get("crm_first_order_date"), new.get("crm_last_order_date")

        self.assertEqual(figures(self.company, ORDER_DAY_UTC), (None, None))
        self.assertEqual(figures(self.company, ORDER_DAY_LOCAL), ("2026-03-02", "2026-03-02"))
        self.assertEqual(figures(self.utc_company, ORDER_DAY_UTC), ("2026-03-01", "2026-03-01"))

    def test_backtest_horizon_in_company_time_zone(self):
        """The horizon (T, T + H] holds the order on its local day."""
        Backtest = self.env["crm.churn.backtest"]
        ids = self.customer.ids
        for company, order_day in (
            (self.company, ORDER_DAY_LOCAL),
            (self.utc_company, ORDER_DAY_UTC),
        ):
            self.assertEqual(
                Backtest._get_ordering_partner_ids(company, order_day - timedelta(1), 1, ids),
                set(ids),
            )
            self.assertEqual(Backtest._get_ordering_partner_ids(company, order_day, 30, ids), set())
