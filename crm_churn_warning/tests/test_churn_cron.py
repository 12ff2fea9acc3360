from datetime import timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.crm_churn_warning.models.crm_churn_engine import CURSOR_PARAM

from .common import AS_OF, ChurnCase


def ago(days):
    return AS_OF - timedelta(days=days)


@tagged("post_install", "-at_install")
class TestChurnCron(ChurnCase):
    """The nightly run: batches, commits, resumption, and what it hands to the warnings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Churn Cron Other Co"})
        # five customers, every one overdue (interval 10 days, last order 50 days ago or more)
        cls.customers = cls.env["res.partner"]
        for i in range(5):
            customer = cls.make_customer(f"Cron Customer {i}")
            cls.make_orders(customer, cls.every(ago(50 + i + 20), 10, 3))
            cls.customers |= customer
        cls.make_orders(cls.customers[0], [ago(30)], company=cls.other_company)
        cls.Cron = type(cls.env["ir.cron"])

    def setUp(self):
        super().setUp()
        self.only_signals("overdue")
        self.commits = []

    def commit_progress(self, stop_after=None):
        """A stand-in for ir.cron._commit_progress that never commits; it reports no time left
        from the `stop_after`-th call."""
        test = self

        def commit_progress(cron, processed=0, remaining=None, deactivate=False):
            test.commits.append((processed, remaining))
            return 0 if stop_after and len(test.commits) >= stop_after else 1000.0

        return patch.object(self.Cron, "_commit_progress", commit_progress)

    def cursor(self, company=None):
        return (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(CURSOR_PARAM % (company or self.company).id)
        )

    def test_resumes_after_the_last_committed_batch(self):
        with self.batch_size(2), self.commit_progress(stop_after=1):
            first = self.score(resumable=True)
        self.assertEqual((first["done"], first["scored"], first["written"]), (False, 2, 2))
        self.assertEqual(self.commits, [(2, 3)])
        ids = self.customers.sorted("id").ids
        self.assertEqual(self.cursor(), f"{AS_OF.isoformat()}:{ids[1]}")
        self.assertEqual([row["partner_id"] for row in first["synced"]], ids[:2])
        scored = self.customers.with_company(self.company).filtered("crm_churn_level")
        self.assertEqual(scored.ids, ids[:2])

        # the rerun starts after the cursor: nobody is scored twice
        self.commits = []
        with self.batch_size(2), self.commit_progress():
            second = self.score(resumable=True)
        self.assertEqual((second["done"], second["scored"], second["written"]), (True, 3, 3))
        self.assertEqual(self.commits, [(2, 1), (1, 0)])
        self.assertEqual([row["partner_id"] for row in second["synced"]], ids[2:])
        self.assertFalse(self.cursor())
        self.assertEqual(
            self.customers.with_company(self.company).mapped("crm_churn_level"), ["high"] * 5
        )

        # a cursor of another day is not resumed
        self.env["ir.config_parameter"].sudo().set_param(
            CURSOR_PARAM % self.company.id, f"{ago(1).isoformat()}:{ids[3]}"
        )
        with self.batch_size(2), self.commit_progress():
            third = self.score(resumable=True)
        self.assertEqual((third["scored"], third["written"]), (5, 0))

    def test_batches_hand_their_rows_to_the_warnings(self):
        with (
            self.batch_size(2),
            self.commit_progress(),
            self.patch_model(),
            self.patch_warnings() as calls,
        ):
            result = self.engine._score_company(self.company, as_of=AS_OF)
        self.assertEqual((result["done"], result["scored"]), (True, 5))
        self.assertEqual(self.commits, [])  # not resumable: no commit
        self.assertEqual(len(calls["sync"]), 3)
        self.assertEqual(
            [(company, as_of, len(rows)) for company, as_of, rows in calls["sync"]],
            [(self.company, AS_OF, 2), (self.company, AS_OF, 2), (self.company, AS_OF, 1)],
        )
        row = calls["sync"][0][2][0]
        self.assertEqual(row["partner_id"], self.customers.sorted("id")[0].id)
        self.assertEqual(row["level"], "high")
        self.assertEqual(
            row["reason_data"], [["overdue", [["overdue", {"days": 50, "interval": 10.0}]]]]
        )

    def test_cron_scores_every_company_and_closes_outcomes(self):
        with (
            self.commit_progress(),
            self.patch_model() as model_calls,
            self.patch_warnings() as calls,
        ):
            self.engine._cron_score()
        companies = self.env["res.company"].search([], order="id")
        today = {c: self.crm_today(c) for c in companies}
        self.assertEqual(model_calls["fit_if_due"], [(c, today[c]) for c in companies])
        self.assertEqual(calls["close"], [(c, today[c]) for c in companies])
        synced = {}
        for company, _as_of, rows in calls["sync"]:
            synced.setdefault(company, set()).update(row["partner_id"] for row in rows)
        self.assertEqual(synced[self.company], set(self.customers.ids))
        self.assertEqual(synced[self.other_company], set(self.customers[0].ids))
        self.assertEqual(
            self.customers[0].with_company(self.company).crm_churn_scored_date, today[self.company]
        )

    def test_cron_out_of_time_stops_and_resumes(self):
        with (
            self.batch_size(2),
            self.commit_progress(stop_after=1),
            self.patch_model(),
            self.patch_warnings() as calls,
        ):
            self.engine._cron_score()
        # stopped after the first batch of a company with more customers than a batch: its
        # outcomes and the later companies wait
        stopped_in = calls["sync"][-1][0]
        self.assertEqual([c for c, _d, _r in calls["sync"]].count(stopped_in), 1)
        self.assertTrue(self.cursor(stopped_in))
        self.assertNotIn(stopped_in, [company for company, _d in calls["close"]])
        self.commits = []
        with (
            self.batch_size(2),
            self.commit_progress(),
            self.patch_model(),
            self.patch_warnings() as calls_again,
        ):
            self.engine._cron_score()
        self.assertFalse(self.cursor(stopped_in))
        self.assertIn(stopped_in, [company for company, _d in calls_again["close"]])
        first_ids = {row["partner_id"] for row in calls["sync"][-1][2]}
        resumed = [
            row["partner_id"]
            for company, _d, rows in calls_again["sync"]
            if company == stopped_in
            for row in rows
        ]
        self.assertTrue(resumed)
        self.assertFalse(first_ids & set(resumed))

    def test_second_run_the_same_day_writes_nothing(self):
        written = []
        run = type(self.engine)._run

        def counting_run(engine, *args, **kwargs):
            result = run(engine, *args, **kwargs)
            written.append(result["written"])
            return result

        with (
            self.commit_progress(),
            self.patch_model(),
            self.patch_warnings() as calls,
            patch.object(type(self.engine), "_run", counting_run),
        ):
            self.engine._cron_score()
            first_rows = list(calls["sync"])
            written_first = sum(written)
            written.clear()
            calls["sync"].clear()
            self.engine._cron_score()
        self.assertGreaterEqual(written_first, 6)
        self.assertEqual(sum(written), 0)
        self.assertEqual(calls["sync"], first_rows)

    def test_score_now_for_managers_only(self):
        cron = self.env.ref("crm_churn_warning.ir_cron_crm_churn_score")
        self.assertEqual(cron.code, "model._cron_score()")
        self.assertTrue(cron.active)
        with self.assertRaises(AccessError):
            self.engine.with_user(self.churn_user).action_score_now()
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        action = self.engine.with_user(self.churn_manager).action_score_now()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(
            len(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]) - triggers), 1
        )
        server_action = self.env.ref("crm_churn_warning.crm_churn_engine_action_score_now")
        self.assertEqual(
            server_action.group_ids,
            self.env.ref("crm_churn_warning.crm_churn_warning_group_manager"),
        )
