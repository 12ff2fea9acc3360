"""The company's tiering settings, set through the settings screen to values other than their
defaults: the engine's result follows each of them exactly."""

from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo.tests import tagged

from .common import ValueCase


@tagged("post_install", "-at_install")
class TestSettings(ValueCase):
    """Every test builds its own customers: the RFM scores of the value score depend on who the
    company's buyers are."""

    def configure(self, **values):
        settings = self.env["res.config.settings"].with_company(self.vc).create(values)
        self.assertEqual(settings.company_id, self.vc)
        settings.execute()
        for name, value in values.items():
            self.assertEqual(self.vc[name], value, name)

    def stage(self, partner):
        return self.val(partner).crm_lifecycle_stage

    def test_defaults(self):
        """The values the other tests move away from (the test company sets no grace)."""
        company = self.env["res.company"].create({"name": "Defaults Co"})
        self.assertEqual(
            [
                company[name]
                for name in (
                    "crm_value_source",
                    "crm_value_window_months",
                    "crm_tier_grace_days",
                    "crm_loyal_min_orders",
                    "crm_loyal_min_tenure_days",
                    "crm_churn_days",
                    "crm_score_weight_recency",
                    "crm_score_weight_frequency",
                    "crm_score_weight_monetary",
                    "crm_score_weight_tenure",
                    "crm_score_weight_referral",
                    "crm_score_weight_potential",
                )
            ],
            ["order", 12, 30, 5, 365, 180, 20, 25, 35, 10, 5, 5],
        )

    def test_company_day_in_utc(self):
        """A day of the company, as the datetime columns store it: its start in the company's
        time zone, on the days clocks change too."""
        company = self.env["res.company"].create({"name": "Zoned Co"})
        company.partner_id.tz = "Europe/Paris"
        # 29 March 2026: clocks go from 02:00 to 03:00 in Paris
        self.assertEqual(company._crm_utc(date(2026, 3, 29)), datetime(2026, 3, 28, 23, 0))
        self.assertEqual(company._crm_utc(date(2026, 3, 29), time(12)), datetime(2026, 3, 29, 10))
        self.assertEqual(company._crm_utc(date(2026, 3, 30)), datetime(2026, 3, 29, 22, 0))
        company.partner_id.tz = "Asia/Shanghai"
        self.assertEqual(company._crm_utc(date(2028, 2, 29)), datetime(2028, 2, 28, 16, 0))
        company.partner_id.tz = False  # no zone: UTC
        self.assertEqual(company._crm_utc(date(2028, 2, 29)), datetime(2028, 2, 29, 0, 0))

    def test_value_window_months(self):
        # as of 2026-06-30, a 3-month window starts on 2026-03-31
        self.assertEqual(self.AS_OF, date(2026, 6, 30))
        inside = self.make_customer("Window Inside")
        for day, amount in (
            (date(2026, 3, 30), 100),
            (date(2026, 3, 31), 200),
            (date(2026, 6, 1), 400),
        ):
            self.make_order(inside, amount, day)
        outside = self.make_customer("Window Outside")
        self.make_order(outside, 600, date(2026, 3, 30))
        rule = self.make_rule(self.tier_key, min_revenue_period=600)
        self.run_engine()
        for partner, count, revenue in ((inside, 3, 700.0), (outside, 1, 600.0)):
            values = self.val(partner)
            self.assertEqual(
                (values.crm_order_count_period, values.crm_revenue_period), (count, revenue)
            )
            self.assertEqual(values.crm_tier_id, self.tier_key)
        self.assertEqual(
            self.val(outside).crm_tier_reason_text, "Revenue 12 months $\xa0600.00 ≥ $\xa0600.00"
        )

        self.configure(crm_value_window_months=3)
        self.run_engine()
        values = self.val(inside)
        self.assertEqual((values.crm_order_count_period, values.crm_revenue_period), (2, 600.0))
        # all-time figures do not depend on the window
        self.assertEqual((values.crm_order_count, values.crm_revenue_total), (3, 700.0))
        self.assertEqual((values.crm_tier_id, values.crm_tier_rule_id), (self.tier_key, rule))
        self.assertEqual(values.crm_tier_reason_text, "Revenue 3 months $\xa0600.00 ≥ $\xa0600.00")
        values = self.val(outside)
        self.assertEqual((values.crm_order_count_period, values.crm_revenue_period), (0, 0.0))
        self.assertEqual(values.crm_tier_id, self.tier_standard)

    def test_churn_days(self):
        kept = self.make_customer("Quiet 60 Days")
        self.make_order(kept, 100, self.AS_OF - timedelta(days=60))
        lost = self.make_customer("Quiet 61 Days")
        self.make_order(lost, 100, self.AS_OF - timedelta(days=61))
        self.run_engine()
        self.assertEqual((self.stage(kept), self.stage(lost)), ("first_purchase", "first_purchase"))
        self.configure(crm_churn_days=60)
        self.run_engine()
        self.assertEqual((self.stage(kept), self.stage(lost)), ("first_purchase", "churned"))
        # the day after, 61 days without order for the first one too
        self.run_engine(as_of=self.AS_OF + timedelta(days=1))
        self.assertEqual(self.stage(kept), "churned")

    def test_loyal_min_orders_and_tenure(self):
        loyal = self.make_customer("3 Orders Over 90 Days")
        short = self.make_customer("3 Orders Over 89 Days")
        few = self.make_customer("2 Orders Over 200 Days")
        for partner, days in ((loyal, (90, 45, 1)), (short, (89, 45, 1)), (few, (200, 1))):
            for day in days:
                self.make_order(partner, 100, self.AS_OF - timedelta(days=day))
        self.run_engine()
        # the defaults (5 orders, 365 days): nobody is loyal
        self.assertEqual(
            [self.stage(p) for p in (loyal, short, few)], ["repeat", "repeat", "repeat"]
        )
        self.configure(crm_loyal_min_orders=3, crm_loyal_min_tenure_days=90)
        self.run_engine()
        self.assertEqual(
            [self.stage(p) for p in (loyal, short, few)], ["loyal", "repeat", "repeat"]
        )
        self.configure(crm_loyal_min_orders=2, crm_loyal_min_tenure_days=200)
        self.run_engine()
        self.assertEqual(
            [self.stage(p) for p in (loyal, short, few)], ["repeat", "repeat", "loyal"]
        )

    def test_tier_grace_days(self):
        customer = self.make_customer("Graceful")
        self.make_order(customer, 6000, self.AS_OF - timedelta(days=300))
        self.make_order(customer, 6000, self.AS_OF - timedelta(days=200))
        self.make_rule(self.tier_vip, min_revenue_period=10000)
        self.configure(crm_tier_grace_days=10)
        self.run_engine()
        self.assertEqual(self.val(customer).crm_tier_id, self.tier_vip)
        # 2026-09-08: the order of 2025-09-03 has left the window, 6,000 < 10,000
        failing = date(2026, 9, 8)
        self.assertEqual(failing, self.AS_OF + timedelta(days=70))
        self.run_engine(as_of=failing)
        values = self.val(customer)
        self.assertEqual(
            (values.crm_tier_id, values.crm_tier_grace_since), (self.tier_vip, failing)
        )
        self.assertEqual(
            values.crm_tier_reason_text,
            "Keeps VIP until 09/18/2026 (grace period; no longer meets its rules since "
            "09/08/2026): No rule of a higher tier matches: Standard by default",
        )
        self.run_engine(as_of=date(2026, 9, 17))
        self.assertEqual(self.val(customer).crm_tier_id, self.tier_vip)
        self.run_engine(as_of=date(2026, 9, 18))
        values = self.val(customer)
        self.assertEqual(values.crm_tier_id, self.tier_standard)
        self.assertFalse(values.crm_tier_grace_since)
        self.assertEqual(values.crm_tier_since, date(2026, 9, 18))

    def test_value_score_weights(self):
        # the only buyer of the company: its R, F and M scores are 1, their components 0;
        # tenure 18 of 36 months = 0.5, 2 of 5 referrals = 0.4, High potential 3 of 3 = 1.0
        customer = self.make_customer("Weighted")
        self.make_order(customer, 100, self.AS_OF - relativedelta(months=18))
        for n in range(2):
            self.make_customer(f"Referred {n}", crm_referred_by_id=customer.id)
        customer.with_company(self.vc).crm_potential = "3"
        rule = self.make_rule(self.tier_key, min_value_score=50)
        self.run_engine()
        values = self.val(customer)
        self.assertEqual((values.crm_rfm_r, values.crm_rfm_f, values.crm_rfm_m), (1, 1, 1))
        # defaults 20/25/35/10/5/5: (10 * 0.5 + 5 * 0.4 + 5 * 1.0) / 100 = 12.0 %
        self.assertEqual(values.crm_value_score, 12.0)
        self.assertEqual(values.crm_tier_id, self.tier_standard)

        self.configure(
            crm_score_weight_recency=0,
            crm_score_weight_frequency=0,
            crm_score_weight_monetary=0,
            crm_score_weight_tenure=10,
            crm_score_weight_referral=20,
            crm_score_weight_potential=30,
        )
        self.run_engine()
        values = self.val(customer)
        # (10 * 0.5 + 20 * 0.4 + 30 * 1.0) / 60 = 43 / 60 = 71.7 %
        self.assertEqual(values.crm_value_score, 71.7)
        self.assertEqual((values.crm_tier_id, values.crm_tier_rule_id), (self.tier_key, rule))
        self.assertEqual(values.crm_tier_reason_text, "Value score 71.7 ≥ 50.0")

        # tenure alone: 18 of 36 months = 50.0, exactly the threshold
        self.configure(crm_score_weight_referral=0, crm_score_weight_potential=0)
        self.run_engine()
        values = self.val(customer)
        self.assertEqual(values.crm_value_score, 50.0)
        self.assertEqual(values.crm_tier_reason_text, "Value score 50.0 ≥ 50.0")
        # recency alone: a score of 1 out of 5 is worth nothing
        self.configure(crm_score_weight_recency=1, crm_score_weight_tenure=0)
        self.run_engine()
        values = self.val(customer)
        self.assertEqual(values.crm_value_score, 0.0)
        self.assertEqual(values.crm_tier_id, self.tier_standard)

    def test_settings_of_one_company_leave_the_other_alone(self):
        main_before = {
            name: self.company[name]
            for name in ("crm_value_window_months", "crm_churn_days", "crm_tier_grace_days")
        }
        self.configure(crm_value_window_months=6, crm_churn_days=90, crm_tier_grace_days=7)
        self.assertEqual({name: self.company[name] for name in main_before}, main_before)
