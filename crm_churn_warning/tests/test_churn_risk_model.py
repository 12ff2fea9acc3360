"""The learned churn risk on the CDNOW sample: trained as of 31 March 1998 on the month ends whose
90-day horizon had ended by then, it ranks the 590 customers not yet churned on that date
better than both simple baselines (P(alive) 0.71, days since the last order 0.67 on the same
customers); it reads nothing after its date; too little history gives a notice, not a model."""

from collections import Counter
from datetime import date, datetime, time, timedelta
from unittest.mock import patch

import numpy as np
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError
from odoo.service.model import call_kw
from odoo.tools import mute_logger

from odoo.addons.crm_churn_warning.models.churn_data import MODEL_FITTED, MODEL_INSUFFICIENT
from odoo.addons.crm_churn_warning.tools import churn_features, churn_learning
from odoo.addons.crm_lifecycle_tiering.tests.common import (
    CrmCase,
    insert_orders,
    make_company_user,
)

from .test_churn_model import cdnow_rows, load_orders

AS_OF = date(1998, 3, 31)
HORIZON = 90


class RiskCase(CrmCase):
    """A test of the learned churn risk, on companies of its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Risk = cls.env["crm.churn.risk.model"]

    @classmethod
    def make_shop(cls, name, **values):
        """A company of the test's user, its backtest horizon HORIZON."""
        company = cls.env["res.company"].create(
            {"name": name, "crm_churn_backtest_horizon": HORIZON, **values}
        )
        cls.env.user.company_ids |= company
        return company


class TestChurnRiskModel(RiskCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.make_shop("CDNOW Risk", currency_id=cls.env.ref("base.USD").id)
        cls.cdnow = load_orders(cls.env, cls.company, cdnow_rows(), "CDNOWRISK")

    def outcome(self, as_of):
        """{partner id: (probability, days since the last order, P(alive), churned)} of the
        customers not churned on ``as_of``, scored by the model trained as of that date;
        churned: no order within the horizon, from the whole history."""
        model = self.Risk._train_company(self.company, as_of)
        self.assertEqual(model.state, MODEL_FITTED, model.notice)
        scored = self.Risk._predict(self.company, as_of, model.sudo().params)
        days = self.Risk._get_days(self.company, as_of)
        summary = days.summary(as_of.toordinal())
        partner_ids, features, _labels = self.Risk._describe(
            self.company, days, as_of, HORIZON, self.company.crm_churn_days, labelled=False
        )
        later = self.Risk._get_days(self.company, as_of + timedelta(days=HORIZON))
        ordered = dict(
            zip(
                later.partner_ids.tolist(),
                later.ordered_between(as_of.toordinal(), as_of.toordinal() + HORIZON).tolist(),
                strict=True,
            )
        )
        last = dict(zip(days.partner_ids.tolist(), summary["last"].tolist(), strict=True))
        p_alive = features[:, churn_features.FEATURES.index("p_alive")]
        return {
            pid: (scored[pid][0], as_of.toordinal() - last[pid], alive, not ordered[pid])
            for pid, alive in zip(partner_ids.tolist(), p_alive.tolist(), strict=True)
        }

    def test_beats_the_baselines_on_unseen_customers(self):
        model = self.Risk._train_company(self.company, AS_OF)
        # twelve month ends, the latest one held out for validation
        self.assertRecordValues(
            model,
            [
                {
                    "state": MODEL_FITTED,
                    "snapshot_count": 12,
                    "first_snapshot": date(1997, 1, 31),
                    "validation_date": date(1997, 12, 31),
                    "horizon_days": HORIZON,
                }
            ],
        )
        self.assertEqual(len(model.calibration), 10)
        self.assertEqual(sum(row["count"] for row in model.calibration), model.validation_count)
        self.assertGreater(model.validation_auc, model.recency_auc)

        outcome = self.outcome(AS_OF)
        probability, recency, p_alive, churned = zip(*outcome.values(), strict=True)
        self.assertEqual(len(outcome), 590)
        self.assertEqual(sum(churned), 383)
        learned = churn_learning.auc(churned, probability)
        by_recency = churn_learning.auc(churned, recency)
        by_p_alive = churn_learning.auc(churned, [-p for p in p_alive])
        self.assertAlmostEqual(by_recency, 0.672, places=3)
        self.assertAlmostEqual(by_p_alive, 0.71, delta=0.01)
        self.assertGreaterEqual(learned, 0.72)
        self.assertGreater(learned, by_p_alive)
        # probabilities are calibrated: their mean is near the share that churned (64.9%)
        self.assertAlmostEqual(sum(probability) / len(probability), 0.649, delta=0.1)

    def test_reads_nothing_after_its_date(self):
        """Orders after the training date, added or removed, change neither the model nor the
        scores."""
        self.Risk._train_company(self.company, AS_OF)
        before = self.Risk._get_training(self.company)
        scores = self.Risk._predict(self.company, AS_OF, before["params"])
        # more orders after the date, for the first 50 customers
        partners = self.env["res.partner"].browse(sorted(self.cdnow.values())[:50])
        insert_orders(
            self.env,
            self.company,
            [(partner, AS_OF + timedelta(days=3), 25.0) for partner in partners],
            prefix="LATER",
        )
        self.Risk._train_company(self.company, AS_OF)
        self.assertEqual(self.Risk._get_training(self.company), before)
        self.assertEqual(self.Risk._predict(self.company, AS_OF, before["params"]), scores)
        # every order after the date removed
        self.env["sale.order"].search(
            [("company_id", "=", self.company.id), ("date_order", ">", AS_OF + timedelta(1))]
        ).write({"state": "cancel"})
        self.Risk._train_company(self.company, AS_OF)
        self.assertEqual(self.Risk._get_training(self.company), before)

    def test_too_little_history_gives_a_notice(self):
        model = self.Risk._train_company(self.company, date(1997, 4, 30))
        self.assertEqual(model.state, MODEL_INSUFFICIENT)
        self.assertFalse(model.sudo().params)
        self.assertIn("fewer than two month ends", model.notice)
        # two month ends, but a handful of customers
        small = self.env["res.company"].create({"name": "Tiny Risk"})
        customers = [self.make_customer(f"Tiny {n}") for n in range(5)]
        insert_orders(
            self.env,
            small,
            [
                (c, date(2025, 1, 10) + timedelta(days=30 * k), 10.0)
                for c in customers
                for k in range(8)
            ],
        )
        model = self.Risk._train_company(small, date(2025, 12, 31))
        self.assertEqual(model.state, MODEL_INSUFFICIENT)
        self.assertIn("Too little history", model.notice)
        self.assertIn("the churn score uses the weighted rules", model.notice)
        # stored as a code and figures, written in each reader's language
        self.assertEqual(model.notice_data["code"], "few_customers")
        self.env["res.lang"]._activate_lang("zh_CN")
        self.assertNotIn("Too little history", model.with_context(lang="zh_CN").notice)

    def test_access(self):
        user = make_company_user(
            self.env, "risk_user", "crm_churn_warning.crm_churn_warning_group_user", self.company
        )
        manager = make_company_user(
            self.env,
            "risk_manager",
            "crm_churn_warning.crm_churn_warning_group_manager",
            self.company,
        )
        model = self.Risk._train_company(self.company, date(1997, 4, 30))
        self.assertEqual(model.with_user(user).state, MODEL_INSUFFICIENT)
        with self.assertRaisesRegex(AccessError, "not allowed to modify"):
            model.with_user(manager).write({"validation_auc": 0.99})
        with self.assertRaisesRegex(AccessError, "Only churn managers"):
            model.with_user(user).action_retrain()
        # the lists' buttons, as the web client calls them: with the selected records or none
        for args in ([[model.id]], [[]]):
            call_kw(self.Risk.with_user(manager), "action_train_companies", args, {})
            self.assertEqual(model.as_of, self.company._crm_today())
            model.as_of = AS_OF
            call_kw(
                self.env["crm.churn.model"].with_user(manager), "action_fit_companies", args, {}
            )
        other = make_company_user(
            self.env,
            "risk_other",
            "crm_churn_warning.crm_churn_warning_group_manager",
            self.env.ref("base.main_company"),
        )
        self.assertFalse(self.Risk.with_user(other).search([("id", "=", model.id)]))

    def test_trained_again_when_due_and_by_the_nightly_run(self):
        self.company.crm_churn_refit_days = 30
        first = self.Risk._train_company(self.company, AS_OF)
        trained_on = first.trained_on
        # within the refit period: kept as it is
        self.assertEqual(self.Risk._train_if_due(self.company, AS_OF + timedelta(days=29)), first)
        self.assertEqual((first.as_of, first.trained_on), (AS_OF, trained_on))
        later = AS_OF + timedelta(days=30)
        self.assertEqual(self.Risk._train_if_due(self.company, later), first)
        self.assertEqual(first.as_of, later)
        # the nightly run trains each company as of its today, once (its batches not
        # committed: a test runs in one transaction)
        with patch.object(
            type(self.env["ir.cron"]), "_commit_progress", lambda cron, *args, **kwargs: 1000.0
        ):
            self.env["crm.churn.engine"]._cron_score()
            self.assertEqual(first.as_of, self.company._crm_today())
            trained_on = first.trained_on
            self.env["crm.churn.engine"]._cron_score()
        self.assertEqual(first.trained_on, trained_on)
        self.assertEqual(self.Risk.search_count([("company_id", "=", self.company.id)]), 1)

    def test_calibration_chart_in_the_readers_language(self):
        model = self.Risk._train_company(self.company, AS_OF)
        chart = model.calibration_chart
        self.assertEqual(chart.count("o_crm_churn_risk_calibration_row"), 10)
        self.assertIn("Customers by predicted risk", chart)
        first = model.calibration[0]
        self.assertIn(f"{100 * first['predicted']:.1f}%", chart)
        self.assertIn("Decile 1 (lowest risk)", chart)
        self.env["res.lang"]._activate_lang("zh_CN")
        chinese = model.with_context(lang="zh_CN").calibration_chart
        self.assertNotIn("Customers by predicted risk", chinese)
        self.assertIn("按预测风险", chinese)

    def test_learned_score_and_reasons_ranked_by_what_they_add(self):
        """With the learned score, a customer's score is the probability of no order within
        the horizon, and the reasons come most telling first, with the points they add."""
        self.company.crm_churn_score_method = "learned"
        Engine = self.env["crm.churn.engine"]
        rows = Engine._score_company(self.company, as_of=AS_OF, dry_run=True)["results"]
        params = self.Risk._train(self.company, AS_OF)["params"]
        learned = self.Risk._predict(self.company, AS_OF, params)
        scored = [row for row in rows if row["partner_id"] in learned]
        self.assertEqual(len(scored), 590)
        for row in scored:
            self.assertEqual(row["score"], round(100.0 * learned[row["partner_id"]][0], 1))
            weights = [reason["weight"] for reason in row["reasons"]]
            self.assertEqual(weights, sorted(weights, reverse=True))
        # the reasons a learned score gives first: those whose features add a point or more
        render = self.env["crm.churn.reason"]._render
        telling = [row for row in scored if row["reasons"] and row["reasons"][0]["weight"] >= 1]
        self.assertGreater(len(telling), 100)
        overdue = max(
            (row for row in telling if row["reasons"][0]["code"] == "overdue"),
            key=lambda row: row["reasons"][0]["weight"],
        )
        self.assertNotEqual(overdue["score"], overdue["rule_score"])
        points = int(overdue["reasons"][0]["weight"])
        self.assertRegex(
            render(overdue["reason_data"]).splitlines()[0],
            rf"^No order for \d+ days; usual interval [\d.,]+ days \(\+{points} points\)$",
        )
        # the backtest replays the date through the same path: trained on what was known then
        backtest = self.env["crm.churn.backtest"]._run_backtest(self.company, AS_OF, HORIZON)
        self.assertEqual(backtest.scored_count - backtest.excluded_count, 590)
        self.assertEqual(backtest.score_method, "learned")
        self.assertGreaterEqual(backtest.auc, 0.72)
        # side by side on the same 590 customers: the rules 0.657, days since the last order
        # 0.672, P(alive) 0.71
        self.assertAlmostEqual(backtest.rule_auc, 0.657, delta=0.005)
        self.assertAlmostEqual(backtest.recency_auc, 0.672, delta=0.001)
        self.assertAlmostEqual(backtest.p_alive_auc, 0.71, delta=0.01)
        self.assertGreater(backtest.auc, max(backtest.rule_auc, backtest.p_alive_auc))
        self.assertLess(backtest.brier_score, 0.22)

    def test_rules_stand_in_while_too_little_history(self):
        small = self.env["res.company"].create(
            {"name": "Short History", "crm_churn_score_method": "learned"}
        )
        customers = [self.make_customer(f"Short {n}") for n in range(3)]
        insert_orders(
            self.env,
            small,
            [
                (customer, AS_OF - timedelta(days=40 * k), 10.0)
                for customer in customers
                for k in (1, 3)
            ],
        )
        self.assertEqual(self.Risk._train_company(small, AS_OF).state, MODEL_INSUFFICIENT)
        rows = self.env["crm.churn.engine"]._score_company(small, as_of=AS_OF, dry_run=True)[
            "results"
        ]
        self.assertEqual(len(rows), 3)
        for row in rows:
            self.assertEqual(row["score"], row["rule_score"])
            self.assertFalse(
                any("points" in part[1] for reason in row["reasons"] for part in reason["details"])
            )

    def test_levels_by_shares_of_the_customers_most_at_risk(self):
        """With levels by shares, the 5% of customers most at risk are at high risk, the 15%
        at medium risk or above, the 30% at low risk or above, whatever their probabilities
        (most CDNOW customers have more than a 60% probability of no order in 90 days)."""
        self.company.write(
            {
                "crm_churn_score_method": "learned",
                "crm_churn_level_basis": "share",
                "crm_churn_share_high": 5.0,
                "crm_churn_share_medium": 15.0,
                "crm_churn_share_low": 30.0,
            }
        )
        rows = self.env["crm.churn.engine"]._score_company(self.company, as_of=AS_OF, dry_run=True)[
            "results"
        ]
        learned = [row for row in rows if row["stage"] != "churned"]
        self.assertEqual(len(learned), 590)
        levels = Counter(row["level"] for row in learned)
        # ceil(590 x 5%) = 30, ceil(590 x 15%) = 89, ceil(590 x 30%) = 177: each level holds
        # its share, and the customers tied on its lowest score
        for level, count in (
            (("high",), 30),
            (("high", "medium"), 89),
            (("high", "medium", "low"), 177),
        ):
            lowest = min(row["score"] for row in learned if row["level"] in level)
            self.assertEqual(
                sum(levels[name] for name in level),
                sum(1 for row in learned if row["score"] >= lowest),
            )
            self.assertGreaterEqual(sum(levels[name] for name in level), count)
            self.assertLess(sum(1 for row in learned if row["score"] > lowest), count)
        self.assertLess(levels["high"], 35)
        # with score thresholds, the same customers: most of them at high risk (60 and up)
        self.company.crm_churn_level_basis = "score"
        rows = self.env["crm.churn.engine"]._score_company(self.company, as_of=AS_OF, dry_run=True)[
            "results"
        ]
        levels = Counter(row["level"] for row in rows if row["stage"] != "churned")
        self.assertGreater(levels["high"], 295)
        with self.assertRaisesRegex(IntegrityError, "crm_churn_shares_ordered"):
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                self.company.write({"crm_churn_share_high": 20.0, "crm_churn_share_medium": 10.0})
                self.env.flush_all()


class TestLearnedComplaintEffect(RiskCase):
    """A shop whose customers order about monthly; a third of them file a complaint at some
    point, and four in five of those stop ordering a few days later (the known effect), while
    the others stop at random far more rarely. The learned risk puts positive weight on recent
    complaints and ranks the customers better than the days since their last order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.make_shop("Complaint Shop")
        rng = np.random.default_rng(7)
        start, end = date(2024, 1, 1), date(2025, 12, 31)
        orders, complaints = [], []
        for number in range(300):
            partner = cls.make_customer(f"Shopper {number}")
            day = start + timedelta(days=int(rng.integers(0, 60)))
            while day <= end:
                orders.append((partner, day, float(rng.integers(20, 200))))
                if rng.random() < 0.08:
                    # a complaint a few days after the order; most such customers stop
                    complaints.append((partner, day + timedelta(days=int(rng.integers(1, 10)))))
                    if rng.random() < 0.75:
                        break
                elif rng.random() < 0.02:
                    break  # gone without a word
                day += timedelta(days=int(rng.integers(5, 70)))
        insert_orders(cls.env, cls.company, orders, prefix="SHOP")
        Complaint = cls.env["crm.complaint"].with_company(cls.company)
        for partner, filed in complaints:
            Complaint.create(
                {
                    "name": f"Complaint of {partner.name}",
                    "partner_id": partner.id,
                    "company_id": cls.company.id,
                    "reported_date": datetime.combine(filed, time(9, 0)),
                }
            )

    def test_complaints_weigh_and_the_score_beats_recency(self):
        as_of = date(2025, 9, 30)
        model = self.Risk._train_company(self.company, as_of)
        self.assertEqual(model.state, MODEL_FITTED, model.notice)
        params = model.sudo().params
        coef = dict(zip(params["names"], params["coef"], strict=True))
        # the known effect, learned: a recent complaint weighs as much as the longest gap
        self.assertGreater(coef["recent_complaints"], 0.5)
        self.assertGreater(model.validation_auc, model.recency_auc)
        self.company.crm_churn_score_method = "learned"
        backtest = self.env["crm.churn.backtest"]._run_backtest(self.company, as_of, HORIZON)
        self.assertEqual(backtest.score_method, "learned")
        # measured: 0.934 against 0.889 for the days since the last order, 0.901 for the rules
        self.assertGreater(backtest.auc, backtest.recency_auc + 0.03)
        self.assertGreater(backtest.auc, backtest.rule_auc)
        # the reason of a customer who complained recently: the complaints, with their points
        rows = self.env["crm.churn.engine"]._score_company(self.company, as_of=as_of, dry_run=True)[
            "results"
        ]
        complained = [
            row for row in rows if row["reasons"] and row["reasons"][0]["code"] == "complaints"
        ]
        self.assertTrue(complained)
        self.assertIn("points)", self.env["crm.churn.reason"]._render(complained[0]["reason_data"]))
