from datetime import date

from odoo.tests import tagged

from odoo.addons.crm_churn_warning.models.churn_data import (
    STATE_DISMISSED,
    STATE_LOST,
    STATE_NEW,
    STATE_RETAINED,
)
from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import STAGE_CHURNED

from .test_churn_currency import MoneyCase

CLOSED_ON = date(2026, 6, 30)
JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


@tagged("post_install", "-at_install")
class TestRetentionAnalysis(MoneyCase):
    """The retention analysis (pivot and graph of crm.churn.warning) by tier and by month on
    ten warnings closed by the nightly outcomes as of 2026-06-30:

    customer            tier      raised      outcome     orders after       days
    VIP Jan Kept        VIP       2026-01-10  retained    01-20 $1,000,      10
                                                          02-05 $500
    VIP Jan Lost        VIP       2026-01-25  lost        -                  156
    VIP Feb Kept        VIP       2026-02-14  retained    03-01 $250         15
    Key Jan Kept        Key       2026-01-05  retained    01-06 $300         1
    Key Feb Lost        Key       2026-02-03  lost        -                  147
    Key Feb Dismissed   Key       2026-02-20  dismissed   -                  -
    Standard Jan Open   Standard  2026-01-15  open        -                  -
    Standard Mar Open   Standard  2026-03-05  open        -                  -
    Standard Mar Lost   Standard  2026-03-12  lost        -                  110
    No Tier Mar Kept    -         2026-03-20  retained    04-01 $80.50       12

    The retention rate counts retained among retained and lost warnings (open and dismissed
    ones are left out), the days to outcome average over the same warnings; the revenue saved
    is the revenue since the warning of the retained ones. The VIP customers are the churn
    user's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        vip = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        key = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_key")
        standard = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_standard")
        cls.tiers = {"vip": vip, "key": key, "standard": standard}
        spec = [
            ("VIP Jan Kept", vip, date(2026, 1, 10), "retained"),
            ("VIP Jan Lost", vip, date(2026, 1, 25), "lost"),
            ("VIP Feb Kept", vip, date(2026, 2, 14), "retained"),
            ("Key Jan Kept", key, date(2026, 1, 5), "retained"),
            ("Key Feb Lost", key, date(2026, 2, 3), "lost"),
            ("Key Feb Dismissed", key, date(2026, 2, 20), "dismissed"),
            ("Standard Jan Open", standard, date(2026, 1, 15), "open"),
            ("Standard Mar Open", standard, date(2026, 3, 5), "open"),
            ("Standard Mar Lost", standard, date(2026, 3, 12), "lost"),
            ("No Tier Mar Kept", None, date(2026, 3, 20), "retained"),
        ]
        cls.Warning = cls.env["crm.churn.warning"]
        cls.warnings = {}
        for name, tier, raised, outcome in spec:
            customer = cls.make_customer(name, user_id=cls.churn_user.id if tier == vip else False)
            warning = cls.make_warning(customer, raised, tier_id=tier.id if tier else False)
            cls.warnings[name] = warning
            if outcome == "lost":
                customer.with_company(cls.company).crm_lifecycle_stage = STAGE_CHURNED
            elif outcome == "dismissed":
                warning.action_dismiss()
        partner = {name: warning.partner_id for name, warning in cls.warnings.items()}
        cls.make_order(partner["VIP Jan Kept"], 700, date(2025, 12, 1))  # before the warning
        cls.make_order(partner["VIP Jan Kept"], 1000, date(2026, 1, 20))
        cls.make_order(partner["VIP Jan Kept"], 500, date(2026, 2, 5))
        cls.make_order(partner["VIP Feb Kept"], 250, date(2026, 3, 1))
        cls.make_order(partner["Key Jan Kept"], 300, date(2026, 1, 6))
        cls.make_order(partner["No Tier Mar Kept"], 80.5, date(2026, 4, 1))
        cls.make_order(partner["Standard Mar Open"], 900, date(2026, 3, 1))  # before
        cls.closed = cls.Warning._close_outcomes(cls.company, CLOSED_ON)

    def figures(self, groupby, user=None):
        """{group key: (count, retention rate, revenue saved, days to outcome)} of the
        company's warnings; a tier key is its code name (None without tier), a month its
        first day; rates and days rounded to 4 decimals."""
        names = {tier.id: code for code, tier in self.tiers.items()}
        Warning = self.Warning.with_user(user) if user else self.Warning
        groups = Warning._read_group(
            [("company_id", "=", self.company.id)],
            groupby,
            ["__count", "retention_rate:avg", "revenue_saved:sum", "days_to_outcome:avg"],
        )
        result = {}
        for *keys, count, rate, saved, days in groups:
            key = tuple(names.get(value.id) if hasattr(value, "_name") else value for value in keys)
            result[key if len(key) > 1 else key[0]] = (
                count,
                round(float(rate), 4),
                float(saved),
                round(float(days), 4),
            )
        return result

    def test_outcomes(self):
        self.assertEqual(self.closed, {"retained": 4, "lost": 3})
        expected = {
            "VIP Jan Kept": (STATE_RETAINED, date(2026, 1, 20), 1500.0, 10),
            "VIP Jan Lost": (STATE_LOST, CLOSED_ON, 0.0, 156),
            "VIP Feb Kept": (STATE_RETAINED, date(2026, 3, 1), 250.0, 15),
            "Key Jan Kept": (STATE_RETAINED, date(2026, 1, 6), 300.0, 1),
            "Key Feb Lost": (STATE_LOST, CLOSED_ON, 0.0, 147),
            "Standard Mar Lost": (STATE_LOST, CLOSED_ON, 0.0, 110),
            "No Tier Mar Kept": (STATE_RETAINED, date(2026, 4, 1), 80.5, 12),
            "Standard Jan Open": (STATE_NEW, False, 0.0, 0),
            "Standard Mar Open": (STATE_NEW, False, 0.0, 0),
        }
        for name, (state, outcome_date, saved, days) in expected.items():
            warning = self.warnings[name]
            self.assertEqual(
                (warning.state, warning.outcome_date, warning.revenue_saved),
                (state, outcome_date, saved),
                name,
            )
            self.assertEqual(warning.days_to_outcome, days, name)
        self.assertEqual(self.warnings["Key Feb Dismissed"].state, STATE_DISMISSED)

    def test_by_tier(self):
        self.assertEqual(
            self.figures(["tier_id"]),
            {
                # 2 of 3; (10 + 156 + 15) / 3 days
                "vip": (3, round(200 / 3, 4), 1750.0, round(181 / 3, 4)),
                # 1 of 2 (the dismissed warning is no outcome); (1 + 147) / 2
                "key": (3, 50.0, 300.0, 74.0),
                # 0 of 1 (two open warnings)
                "standard": (3, 0.0, 0.0, 110.0),
                None: (1, 100.0, 80.5, 12.0),
            },
        )

    def test_by_month(self):
        self.assertEqual(
            self.figures(["date:month"]),
            {
                # VIP kept and lost, Key kept, Standard open: 2 of 3; (10 + 156 + 1) / 3
                JAN: (4, round(200 / 3, 4), 1800.0, round(167 / 3, 4)),
                # VIP kept, Key lost, Key dismissed: 1 of 2; (15 + 147) / 2
                FEB: (3, 50.0, 250.0, 81.0),
                # Standard open and lost, no tier kept: 1 of 2; (110 + 12) / 2
                MAR: (3, 50.0, 80.5, 61.0),
            },
        )

    def test_by_tier_and_month(self):
        self.assertEqual(
            self.figures(["tier_id", "date:month"]),
            {
                ("vip", JAN): (2, 50.0, 1500.0, 83.0),
                ("vip", FEB): (1, 100.0, 250.0, 15.0),
                ("key", JAN): (1, 100.0, 300.0, 1.0),
                ("key", FEB): (2, 0.0, 0.0, 147.0),
                # only an open warning: no outcome to average (SQL NULL, which _read_group
                # gives as 0)
                ("standard", JAN): (1, 0.0, 0.0, 0.0),
                ("standard", MAR): (2, 0.0, 0.0, 110.0),
                (None, MAR): (1, 100.0, 80.5, 12.0),
            },
        )

    def test_pivot_reads_the_same(self):
        groups = self.Warning.formatted_read_group(
            [("company_id", "=", self.company.id)],
            ["date:month"],
            ["retention_rate:avg", "revenue_saved:sum", "__count"],
        )
        self.assertEqual(
            [
                (
                    group["date:month"][1],
                    group["__count"],
                    round(float(group["retention_rate:avg"]), 2),
                    group["revenue_saved:sum"],
                )
                for group in groups
            ],
            [
                ("January 2026", 4, 66.67, 1800.0),
                ("February 2026", 3, 50.0, 250.0),
                ("March 2026", 3, 50.0, 80.5),
            ],
        )

    def test_churn_user_sees_own_customers_only(self):
        self.assertEqual(
            self.figures(["date:month"], user=self.churn_user),
            {
                JAN: (2, 50.0, 1500.0, 83.0),
                FEB: (1, 100.0, 250.0, 15.0),
            },
        )
