from datetime import datetime, time, timedelta

import numpy as np

from odoo.tests import tagged

from odoo.addons.crm_churn_warning.models.churn_data import (
    LEVEL_CHURNED,
    LEVEL_HIGH,
    LEVEL_LOW,
    LEVEL_MEDIUM,
    LEVEL_NONE,
)
from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import STAGE_CHURNED, STAGE_REPEAT
from odoo.addons.crm_lifecycle_tiering.tests.common import CrmHttpCase

from .common import AS_OF, ChurnCase

PARAMS = {"r": 0.8, "alpha": 4.0, "a": 0.5, "b": 2.0}


def ago(days):
    return AS_OF - timedelta(days=days)


@tagged("post_install", "-at_install")
class TestChurnScoreCoherence(ChurnCase):
    """The score is the purchase model's drop-out probability plus, for the chance that the
    customer still buys, the weighted strength of the rule signals; churned customers show as
    win-back. Shared signals at their defaults: overdue 3, spend drop 2, frequency drop 2,
    complaints 2, low satisfaction 2, no engagement 1 (12 for the rule signals), the
    statistical signal 2."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for signal in cls.signals.values():
            signal.active = True

    def test_churned_customer_is_win_back_not_a_medium_risk(self):
        """The case of the report: a churned customer with P(alive) 12.6% triggered overdue,
        no engagement and the statistical signal, 6 of 14: "Medium 43%"."""
        # every 30 days, the last order 200 days ago (churned after 180), never contacted
        gone = self.make_customer("Gone For Months")
        self.make_orders(gone, self.every(ago(200 + 5 * 30), 30, 6))
        # every 30 days, the last order 10 days ago, called 5 days ago
        active = self.make_customer("Ordering Regularly")
        self.make_orders(active, self.every(ago(10 + 7 * 30), 30, 8))
        self.make_message(active, ago(5))
        predictions = {gone.id: (0.126, 0.05, 40.0), active.id: (0.9, 2.5, 3000.0)}

        result = self.score(params=PARAMS, predictions=predictions)
        rows = {row["partner_id"]: row for row in result["synced"]}
        self.assertEqual(
            [r["code"] for r in rows[gone.id]["reasons"]], ["overdue", "no_engagement", "p_alive"]
        )
        # 200 days against 30, overdue at twice its factor and more: full; 350 days without
        # contact, twice the 90 days and more: full. Signs (3 + 1) / 12; risk 0.874 + 0.126 / 3
        self.assertEqual(rows[gone.id]["score"], 91.6)
        self.assertGreaterEqual(rows[gone.id]["score"], 100 * (1 - 0.126))
        self.assertEqual(
            (rows[gone.id]["level"], rows[gone.id]["stage"]), (LEVEL_HIGH, STAGE_CHURNED)
        )
        # nothing triggered: the model's 10% chance that the customer stopped buying
        self.assertEqual(rows[active.id]["reasons"], [])
        self.assertEqual((rows[active.id]["score"], rows[active.id]["level"]), (10.0, LEVEL_NONE))
        self.assertEqual(rows[active.id]["stage"], STAGE_REPEAT)

        gone_in_co, active_in_co = self.stored(gone), self.stored(active)
        self.assertEqual(gone_in_co.crm_churn_level, LEVEL_CHURNED)
        self.assertEqual(gone_in_co.crm_churn_badge, "Churned – win-back")
        self.assertEqual(gone_in_co.crm_churn_score, 91.6)
        self.assertEqual(active_in_co.crm_churn_level, LEVEL_NONE)
        self.assertFalse(active_in_co.crm_churn_badge)
        Partner = self.env["res.partner"].with_company(self.company)
        both = (gone | active).ids
        self.assertEqual(
            Partner.search([("id", "in", both), ("crm_churn_level", "=", LEVEL_CHURNED)]), gone
        )
        self.assertFalse(
            Partner.search(
                [("id", "in", both), ("crm_churn_level", "in", (LEVEL_LOW, LEVEL_MEDIUM))]
            )
        )
        # ordering again brings the customer back among the risk levels
        self.make_orders(gone, [ago(1)])
        predictions[gone.id] = (0.95, 1.0, 900.0)
        self.score(params=PARAMS, predictions=predictions)
        gone_in_co.invalidate_recordset()
        self.assertNotEqual(gone_in_co.crm_churn_level, LEVEL_CHURNED)
        self.assertFalse(gone_in_co.crm_churn_badge)

    def test_score_follows_the_probability_alive(self):
        """Customers alike but for P(alive): the score is 1 - P(alive) when nothing else
        triggers, and every band is reached."""
        customers = self.env["res.partner"]
        for index in range(5):
            customer = self.make_customer(f"Alike {index}")
            self.make_orders(customer, self.every(ago(10 + 3 * 20), 20, 4))
            self.make_message(customer, ago(3))
            customers |= customer
        probabilities = (0.2, 0.45, 0.75, 0.95, 1.0)
        predictions = {
            customer.id: (p, 1.0, 100.0)
            for customer, p in zip(customers, probabilities, strict=True)
        }
        rows = self.evaluate(params=PARAMS, predictions=predictions)
        self.assertEqual(
            [(rows[c.id]["score"], rows[c.id]["level"]) for c in customers],
            [
                (80.0, LEVEL_HIGH),
                (55.0, LEVEL_MEDIUM),
                (25.0, LEVEL_LOW),
                (5.0, LEVEL_NONE),
                (0.0, LEVEL_NONE),
            ],
        )
        # a warning sign on top: the customer who still buys carries it in full, the one the
        # model gives up on hardly moves; the score stays at least 1 - P(alive)
        self.make_complaint(customers[0], ago(5), priority="3")
        self.make_complaint(customers[3], ago(5), priority="3")
        rows = self.evaluate(params=PARAMS, predictions=predictions)
        # signs 2 / 12: 0.8 + 0.2 / 6 and 0.05 + 0.95 / 6
        self.assertEqual(rows[customers[0].id]["score"], 83.3)
        self.assertEqual(rows[customers[3].id]["score"], 20.8)
        # the statistical signal archived: the rule signals alone
        self.signals["p_alive"].active = False
        rows = self.evaluate(params=PARAMS, predictions=predictions)
        self.assertEqual(rows[customers[0].id]["score"], round(100 * 2 / 12, 1))
        self.assertEqual(rows[customers[1].id]["score"], 0.0)

    def test_scores_rank_by_how_far_past_the_threshold(self):
        """Without a model, a triggered signal counts by its strength: two thirds of its weight
        at its threshold, the full weight at twice the overdue factor or the engagement period,
        or when spend or orders stopped. No longer steps of one weight."""
        self.only_signals("overdue")
        late = []
        for days in (50, 60, 75, 90, 150):  # usual interval 30 days, factor 1.5 (45 days)
            customer = self.make_customer(f"Late by {days}")
            self.make_orders(customer, self.every(ago(days + 3 * 30), 30, 4))
            late.append(customer)
        rows = self.evaluate()
        # (1 + days / 45) / 3, full from 90 days on
        self.assertEqual(
            [rows[c.id]["score"] for c in late],
            [70.4, 77.8, 88.9, 100.0, 100.0],
        )
        self.assertEqual(
            [rows[c.id]["level"] for c in late],
            [LEVEL_HIGH, LEVEL_HIGH, LEVEL_HIGH, LEVEL_HIGH, LEVEL_HIGH],
        )

        self.only_signals("spend_drop")
        dropping = self.make_customer("Spend Down 65%")
        self.make_orders(dropping, [ago(150), ago(30)], [2000, 700])
        rows = self.evaluate()
        # threshold 50%: 2/3 + (0.65 - 0.5) / 0.5 / 3
        self.assertEqual(rows[dropping.id]["score"], 76.7)

        self.only_signals("no_engagement")
        quiet = self.make_customer("Quiet 120 Days")
        self.make_orders(quiet, [ago(300), ago(5)])
        self.make_message(quiet, ago(120))
        rows = self.evaluate()
        # period 90 days: (1 + 120 / 90) / 3
        self.assertEqual(rows[quiet.id]["score"], 77.8)

        # every default rule signal, over the 12 of their weights
        self.only_signals(
            "overdue", "spend_drop", "frequency_drop", "complaints", "low_satisfaction"
        )
        self.signals["no_engagement"].active = True
        rows = self.evaluate()
        # late by 60 days, orders 150, 120, 90 and 60 days ago: overdue (1 + 60 / 45) / 3
        # (weight 3); one order in the last 90 days against three before, spend and orders
        # down 2/3: 2/3 + (2/3 - 1/2) / (1/2) / 3 (weights 2 and 2); no contact since the
        # first order 150 days ago: (1 + 150 / 90) / 3 (weight 1)
        self.assertEqual(
            [r["code"] for r in rows[late[1].id]["reasons"]],
            ["overdue", "spend_drop", "frequency_drop", "no_engagement"],
        )
        overdue = (1 + 60 / 45) / 3
        drop = 2 / 3 + (2 / 3 - 1 / 2) / (1 / 2) / 3
        engagement = min(1, (1 + 150 / 90) / 3)
        self.assertEqual(
            rows[late[1].id]["score"],
            round(100 * (3 * overdue + 2 * drop + 2 * drop + engagement) / 12, 1),
        )
        self.assertEqual(rows[late[1].id]["score"], 52.8)


@tagged("post_install", "-at_install")
class TestChurnScoreFittedModel(ChurnCase):
    """With the purchase model fitted on the company's history (no stand-in): customers who
    stopped ordering months ago, not churned yet, reach the high band; regular ones do not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.crm_churn_model_min_customers = 20
        rng = np.random.default_rng(3)

        def history(last, mean_gap, span):
            """Order days back from `last` days ago, random gaps of `mean_gap` days on
            average, over `span` days."""
            days = [last]
            while days[-1] < last + span:
                days.append(days[-1] + max(1, int(rng.exponential(mean_gap))))
            return [ago(days_ago) for days_ago in days[:-1]]

        cls.regular = cls.env["res.partner"]
        for index in range(40):
            customer = cls.make_customer(f"Regular {index:02d}")
            # every 20 to 45 days on average for a year, the last order 0 to 14 days ago
            cls.make_orders(customer, history(index % 15, 20 + index % 26, 360))
            cls.make_message(customer, ago(10))
            cls.regular |= customer
        cls.fading = cls.env["res.partner"]
        for index in range(8):
            customer = cls.make_customer(f"Fading {index}")
            # every 30 days on average for a year, silent for the last 120 to 155 days
            cls.make_orders(customer, history(120 + 5 * index, 30, 360))
            cls.make_message(customer, ago(10))
            cls.fading |= customer

    def test_fading_customers_reach_the_high_band(self):
        for signal in self.signals.values():
            signal.active = True
        self.assertEqual(
            self.env["crm.churn.model"]._fit_company(self.company, AS_OF).state, "fitted"
        )
        # a dry run fits the same model as of the date
        with self.patch_warnings():
            result = self.engine._score_company(self.company, as_of=AS_OF, dry_run=True)
        rows = {row["partner_id"]: row for row in result["results"]}
        fading = [rows[customer.id] for customer in self.fading]
        regular = [rows[customer.id] for customer in self.regular]
        self.assertEqual({row["level"] for row in fading}, {LEVEL_HIGH})
        self.assertLessEqual({row["level"] for row in regular}, {LEVEL_NONE, LEVEL_LOW})
        self.assertLess(max(row["score"] for row in regular), min(row["score"] for row in fading))
        for row in fading:
            # overdue, spend and orders down to nothing, in full (3 + 2 + 2 of 12), on top of
            # the model's chance that the customer stopped buying: ranked by that chance
            self.assertEqual(
                [reason["code"] for reason in row["reasons"]][:3],
                ["overdue", "spend_drop", "frequency_drop"],
            )
            self.assertLess(row["p_alive"], 0.9)
            self.assertAlmostEqual(
                row["score"], 100 * (1 - row["p_alive"] + row["p_alive"] * 7 / 12), delta=0.1
            )


@tagged("post_install", "-at_install")
class TestWinBackTour(CrmHttpCase):
    def test_churned_customer_shows_win_back(self):
        """A churn manager opens a customer who stopped ordering seven months ago: the form
        says Churned – win-back, not a risk level."""
        company = self.env.ref("base.main_company")
        company.crm_churn_days = 180
        customer = self.env["res.partner"].create(
            {"name": "Tour Lapsed Traders", "is_company": True}
        )
        product = self.env["product.product"].create(
            {"name": "Tour Service", "type": "service", "list_price": 500, "taxes_id": False}
        )
        today = self.crm_today(company)
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": customer.id,
                    "company_id": company.id,
                    "order_line": [(0, 0, {"product_id": product.id, "tax_ids": False})],
                }
                for _i in range(4)
            ]
        )
        orders.action_confirm()
        # every 30 days, the last one 210 days ago
        for index, order in enumerate(orders):
            order.date_order = self.to_utc(
                datetime.combine(today - timedelta(days=210 + 30 * (3 - index)), time(10)),
                company,
            )
        # the nightly runs: customer values (lifecycle stage) and churn scores
        self.env["crm.value.engine"]._refresh_partners(customer, company, as_of=today)
        self.env["crm.churn.engine"]._score_company(company, as_of=today, partners=customer)
        self.assertEqual(customer.with_company(company).crm_lifecycle_stage, STAGE_CHURNED)
        self.assertEqual(customer.with_company(company).crm_churn_level, LEVEL_CHURNED)

        self.start_tour(
            f"/odoo/res.partner/{customer.id}", "crm_churn_win_back_tour", login="admin"
        )
