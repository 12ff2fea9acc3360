"""Bad input refused with a clear message, nothing lost: signal parameters and settings out of
bounds, backtests of impossible dates, tiers playbooks are restricted to, and merging two
customers who both have an open churn warning."""

from datetime import date, timedelta

from psycopg2.errors import CheckViolation

from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.crm_churn_warning.models.churn_data import (
    OPEN_STATES,
    STATE_DISMISSED,
    STATE_NEW,
)

from .common import ChurnCase


@tagged("post_install", "-at_install")
class TestChurnBadInput(ChurnCase):
    def assertCheckRefused(self, record, values, constraint):
        with (
            self.subTest(values=values),
            mute_logger("odoo.sql_db"),
            self.assertRaisesRegex(CheckViolation, f'"{constraint}"'),
            self.cr.savepoint(),
        ):
            record.write(values)
            record.flush_recordset()

    def test_signal_parameters_out_of_bounds_refused(self):
        complaints, overdue = self.signals["complaints"], self.signals["overdue"]
        before = [(s.period_days, s.weight, s.factor, s.threshold) for s in (complaints, overdue)]
        for signal, values, constraint in (
            (complaints, {"period_days": 1_000_000}, "crm_churn_signal_period_days_max"),
            (complaints, {"period_days": 3651}, "crm_churn_signal_period_days_max"),
            (complaints, {"weight": float("nan")}, "crm_churn_signal_weight_max"),
            (complaints, {"weight": float("inf")}, "crm_churn_signal_weight_max"),
            (complaints, {"weight": 101}, "crm_churn_signal_weight_max"),
            (overdue, {"factor": float("nan")}, "crm_churn_signal_parameters_max"),
            (overdue, {"threshold": float("inf")}, "crm_churn_signal_parameters_max"),
        ):
            self.assertCheckRefused(signal, values, constraint)
        (complaints | overdue).invalidate_recordset()
        self.assertEqual(
            [(s.period_days, s.weight, s.factor, s.threshold) for s in (complaints, overdue)],
            before,
        )
        complaints.write({"period_days": 3650, "weight": 100})
        complaints.flush_recordset()

    def test_settings_and_playbook_days_out_of_bounds_refused(self):
        company = self.company
        fields = (
            "crm_churn_snooze_days",
            "crm_churn_win_back_days",
            "crm_churn_refit_days",
            "crm_churn_backtest_horizon",
        )
        before = {name: company[name] for name in fields}
        for name in fields:
            for value in (3651, 1_000_000, 2**31 - 1):
                self.assertCheckRefused(
                    company, {name: value}, "res_company_crm_churn_warning_days_max"
                )
        company.invalidate_recordset()
        self.assertEqual({name: company[name] for name in fields}, before)
        playbook = self.env.ref("crm_churn_warning.crm_churn_playbook_default")
        self.assertCheckRefused(
            playbook, {"deadline_days": 1_000_000}, "crm_churn_playbook_deadline_days_max"
        )
        company.write(dict.fromkeys(fields, 3650))
        company.flush_recordset()

    def test_backtest_of_impossible_dates_refused(self):
        Backtest = self.env["crm.churn.backtest"].with_user(self.churn_manager)
        today = self.crm_today(self.company)
        for as_of, horizon, message in (
            (date(1, 1, 2), 90, "A backtest replays a date from 1970-01-01 on: 0001-01-02"),
            (date(1969, 12, 31), 90, "from 1970-01-01 on: 1969-12-31 is too early"),
            (today - timedelta(days=100), 2**31 - 1, "cannot exceed 3650 days"),
            (today - timedelta(days=5000), 3651, "cannot exceed 3650 days"),
        ):
            with self.subTest(as_of=as_of, horizon=horizon):
                with self.assertRaisesRegex(UserError, message):
                    Backtest._run_backtest(self.company, as_of, horizon)
        # the wizard's form survives a horizon out of bounds; running it says why not
        form = Form(
            self.env["crm.churn.backtest.wizard"]
            .with_user(self.churn_manager)
            .with_company(self.company)
        )
        form.horizon_days = 2**31 - 1
        self.assertEqual(form.as_of, today - timedelta(days=3651))
        wizard = form.save()
        with self.assertRaisesRegex(UserError, "cannot exceed 3650 days"):
            wizard.action_run()
        self.assertFalse(Backtest.search([("company_id", "=", self.company.id)]))

    def test_tier_of_a_playbook_not_deleted(self):
        tier, other_tier = self.env["crm.customer.tier"].create(
            [
                {"name": "Churn Bad Input Gold", "code": "churn_bad_input_gold"},
                {"name": "Churn Bad Input Tin", "code": "churn_bad_input_tin"},
            ]
        )
        playbook = self.env["crm.churn.playbook"].create(
            {
                "name": "Gold retention",
                "sequence": -100,  # before every other playbook
                "tier_ids": [(6, 0, tier.ids)],
                "min_level": "low",
                "kind": "both",
                "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
            }
        )
        with self.assertRaisesRegex(
            UserError,
            "Tier Churn Bad Input Gold cannot be deleted: the retention playbooks Gold "
            "retention are restricted to it",
        ):
            tier.unlink()
        self.assertTrue(tier.exists())
        self.assertEqual(playbook.tier_ids, tier)
        # archived, the tier keeps restricting its playbook
        tier.action_archive()
        match = self.env["crm.churn.playbook"]._get_matcher(self.company)
        self.assertEqual(match(tier.id, "high", "risk"), playbook)
        self.assertNotEqual(match(other_tier.id, "high", "risk"), playbook)
        other_tier.unlink()
        self.assertFalse(other_tier.exists())

    def test_merge_customers_with_open_warnings(self):
        """The merge keeps one open warning (the newest), dismisses the other with a note and
        moves its pending activities to the one kept."""
        kept_customer = self.make_customer("Merge Kept Ltd")
        merged_customer = self.make_customer("Merge Merged Ltd")
        Warning = self.env["crm.churn.warning"]
        dismissed = Warning.create(
            {"partner_id": merged_customer.id, "company_id": self.company.id, "level": "low"}
        )
        dismissed.action_dismiss()
        dismissed.flush_recordset()
        older, newer = Warning.create(
            [
                {"partner_id": partner.id, "company_id": self.company.id, "level": level}
                for partner, level in ((kept_customer, "high"), (merged_customer, "medium"))
            ]
        )
        activity = older.activity_schedule(
            "mail.mail_activity_data_todo", summary="Call the customer", user_id=self.churn_user.id
        )
        self.env["base.partner.merge.automatic.wizard"]._merge(
            (kept_customer | merged_customer).ids, kept_customer
        )
        self.assertFalse(merged_customer.exists())
        warnings = Warning.search([("partner_id", "=", kept_customer.id)])
        self.assertEqual(warnings, older | newer | dismissed)
        self.assertEqual(warnings.filtered(lambda w: w.state in OPEN_STATES), newer)
        self.assertRecordValues(
            older | newer,
            [
                {"state": STATE_DISMISSED, "outcome_date": self.crm_today(self.company)},
                {"state": STATE_NEW, "outcome_date": False},
            ],
        )
        note = (
            f"Customer merge: Merge Merged Ltd merged into Merge Kept Ltd, whose open churn "
            f"warning is now {newer.name}; this one was closed."
        )
        self.assertEqual(older.outcome_note, note)
        self.assertIn(note, older.message_ids.mapped(lambda m: m.body.striptags()))
        self.assertEqual(activity.res_id, newer.id)
        self.assertEqual(newer.activity_ids, activity)
