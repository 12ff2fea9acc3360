from datetime import date, timedelta

import psycopg2

from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.crm_churn_warning.models.churn_data import (
    KIND_RISK,
    KIND_WIN_BACK,
    LEVEL_HIGH,
    LEVEL_LOW,
    LEVEL_MEDIUM,
    MODEL_INSUFFICIENT,
    STATE_DISMISSED,
    STATE_LOST,
    STATE_NEW,
    STATE_RETAINED,
)

from .common import AS_OF, logged_events, scoring_row
from .test_churn_currency import MoneyCase

EXPIRED = "crm_churn_warning.mt_crm_churn_warning_win_back_expired"


def ago(days):
    return AS_OF - timedelta(days=days)


@tagged("post_install", "-at_install")
class TestChurnSettings(MoneyCase):
    """The company's churn settings at other values than out of the box, and what each one
    changes."""

    def row(self, partner, level, score, stage="repeat"):
        """A scoring row as crm.churn.engine hands it to the warnings."""
        return scoring_row(partner, level, score, stage=stage)

    def sync(self, rows, as_of):
        return self.env["crm.churn.warning"]._sync_scores(self.company, as_of, rows)

    def warning_of(self, partner):
        return self.env["crm.churn.warning"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.company.id)], order="id"
        )

    # ------------------------------------------------------------------ levels
    def test_level_thresholds_and_warning_level(self):
        """Signals overdue (3), spend drop (2), frequency drop (2), no engagement (1), of 8,
        each by its strength. Out of the box (low 20, medium 40, high 60, warn from medium) 12
        is no risk, 33.3 and 37.5 low; at low 10, medium 25, high 35 and warning from low they
        are low, medium and high, and every one of them gets a warning."""
        self.only_signals("overdue", "spend_drop", "frequency_drop", "no_engagement")
        # never contacted since the first order 170 days ago: (1 + 170 / 90) / 3 of 1 of 8
        quiet = self.make_customer("Quiet")
        for days in (170, 140, 110, 80, 50, 20):
            self.make_order(quiet, 100, ago(days))
        late = self.make_customer("Late")  # 87 days against 17.6: 3 of 8
        for days in (175, 130, 95, 89, 88, 87):
            self.make_order(late, 100, ago(days))
        self.make_message(late, ago(5))
        # spend and orders halved, at their thresholds: two thirds of 2 + 2 of 8
        halving = self.make_customer("Halving")
        for days in (170, 150, 130, 110, 60, 30):
            self.make_order(halving, 100, ago(days))
        self.make_message(halving, ago(10))
        happy = self.make_customer("Happy")
        for days in (100, 70, 40, 10):
            self.make_order(happy, 100, ago(days))
        self.make_message(happy, ago(3))
        customers = quiet | late | halving | happy

        rows = self.evaluate()
        self.assertEqual(
            [(rows[c.id]["score"], rows[c.id]["level"]) for c in customers],
            [(12.0, "none"), (37.5, LEVEL_LOW), (33.3, LEVEL_LOW), (0.0, "none")],
        )
        self.assertEqual(
            rows[late.id]["reason_data"],
            [["overdue", [["overdue", {"days": 87, "interval": 17.6}]]]],
        )
        self.assertEqual(
            self.env["crm.churn.reason"]._render(rows[late.id]["reason_data"]),
            "No order for 87 days; usual interval 18 days",
        )

        self.company.write(
            {
                "crm_churn_level_low": 10,
                "crm_churn_level_medium": 25,
                "crm_churn_level_high": 35,
                "crm_churn_warning_level": LEVEL_LOW,
            }
        )
        # a real run: the scores stored and handed to the warnings
        with self.patch_model():
            self.engine._score_company(self.company, as_of=AS_OF)
        self.assertEqual(
            [(c.crm_churn_score, c.crm_churn_level) for c in customers.with_company(self.company)],
            [(12.0, LEVEL_LOW), (37.5, LEVEL_HIGH), (33.3, LEVEL_MEDIUM), (0.0, "none")],
        )
        warnings = self.env["crm.churn.warning"].search(
            [("company_id", "=", self.company.id)], order="score"
        )
        self.assertEqual(
            [(w.partner_id, w.level, w.score, w.kind, w.state, w.date) for w in warnings],
            [
                (quiet, LEVEL_LOW, 12.0, KIND_RISK, STATE_NEW, AS_OF),
                (halving, LEVEL_MEDIUM, 33.3, KIND_RISK, STATE_NEW, AS_OF),
                (late, LEVEL_HIGH, 37.5, KIND_RISK, STATE_NEW, AS_OF),
            ],
        )
        # the export proposes the company's warning level
        self.assertEqual(
            self.env["crm.churn.export.wizard"].with_company(self.company).create({}).min_level,
            LEVEL_LOW,
        )

    # ------------------------------------------------------------------ snooze
    def test_snooze_days(self):
        today = self.crm_today(self.company)
        self.company.crm_churn_snooze_days = 7
        customer = self.make_customer("Snoozed a Week")
        warning = self.make_warning(customer, today)
        self.assertEqual(warning.snooze_default_date, today + timedelta(days=7))
        self.company.crm_churn_snooze_days = 12
        self.assertEqual(warning.snooze_default_date, today + timedelta(days=12))
        self.company.crm_churn_snooze_days = 7
        warning.action_dismiss()
        self.assertEqual(
            (warning.state, warning.snooze_until, warning.outcome_date),
            (STATE_DISMISSED, today + timedelta(days=7), today),
        )
        row = self.row(customer, LEVEL_HIGH, 70.0)
        self.assertEqual(self.sync([row], today + timedelta(days=6))["created"], 0)
        self.assertEqual(self.sync([row], today + timedelta(days=7))["created"], 1)
        self.assertEqual(self.warning_of(customer)[1].date, today + timedelta(days=7))

        # no snooze: a dismissed customer is warned again by the next scoring, the same day
        self.company.crm_churn_snooze_days = 0
        other = self.make_customer("Never Snoozed")
        dismissed = self.make_warning(other, today)
        dismissed.action_dismiss()
        self.assertEqual(dismissed.snooze_until, today)
        self.assertEqual(self.sync([self.row(other, LEVEL_HIGH, 70.0)], today)["created"], 1)
        self.assertEqual(self.warning_of(other).mapped("state"), [STATE_DISMISSED, STATE_NEW])

    # ------------------------------------------------------------------ win-back
    def test_win_back_days(self):
        self.company.crm_churn_win_back_days = 60
        expired = self.make_warning(self.make_customer("Gone"), ago(60), kind=KIND_WIN_BACK)
        young = self.make_warning(self.make_customer("Maybe"), ago(59), kind=KIND_WIN_BACK)
        back_customer = self.make_customer("Back")
        back = self.make_warning(back_customer, ago(70), kind=KIND_WIN_BACK)
        self.make_order(back_customer, 300, ago(65))
        # a risk warning is not bound to the win-back horizon
        risk = self.make_warning(self.make_customer("At Risk"), ago(100))

        Warning = self.env["crm.churn.warning"]
        self.assertEqual(Warning._close_outcomes(self.company, AS_OF), {"retained": 1, "lost": 1})
        self.assertEqual((expired.state, expired.outcome_date), (STATE_LOST, AS_OF))
        self.assertEqual(expired.days_to_outcome, 60)
        self.assertEqual(
            logged_events(expired, EXPIRED),
            [
                {
                    "state": ("New", "Lost"),
                    "outcome_date": (False, str(AS_OF)),
                    "days_to_outcome": (0, 60),
                }
            ],
        )
        self.assertEqual(
            (back.state, back.outcome_date, back.revenue_after), (STATE_RETAINED, ago(65), 300.0)
        )
        self.assertEqual((young.state, risk.state), (STATE_NEW, STATE_NEW))
        # one day shorter: the next run loses the warning of 59 days too
        self.company.crm_churn_win_back_days = 59
        self.assertEqual(Warning._close_outcomes(self.company, AS_OF), {"retained": 0, "lost": 1})
        self.assertEqual(young.state, STATE_LOST)
        self.assertEqual(logged_events(young, EXPIRED)[0]["days_to_outcome"], (0, 59))
        self.assertEqual(risk.state, STATE_NEW)

    # ------------------------------------------------------------------ backtest
    def test_backtest_horizon_and_level(self):
        """Horizon 30 days and warning from high: the wizard proposes them and the latest date
        whose horizon is over (today - 31); a customer ordering on the 30th day after it did
        not churn, one ordering on the 31st did."""
        self.company.write(
            {"crm_churn_backtest_horizon": 30, "crm_churn_warning_level": LEVEL_HIGH}
        )
        self.only_signals("overdue")
        today = self.crm_today(self.company)
        as_of = today - timedelta(days=31)
        within = self.make_customer("Back Within")
        after = self.make_customer("Back After")
        lapsing = self.make_customer("Lapsing")  # 60 days against 20: overdue, high
        histories = {within: (60, 30, 0), after: (60, 30, 0), lapsing: (100, 80, 60)}
        for customer, days in histories.items():
            for day in days:
                self.make_order(customer, 100, as_of - timedelta(days=day))
        self.make_order(within, 100, as_of + timedelta(days=30))
        self.make_order(after, 100, as_of + timedelta(days=31))

        Wizard = self.env["crm.churn.backtest.wizard"].with_user(self.churn_manager)
        with Form(Wizard.with_company(self.company)) as form:
            self.assertEqual(form.horizon_days, 30)
            self.assertEqual(form.min_level, LEVEL_HIGH)
            self.assertEqual(form.as_of, as_of)
            wizard = form.save()
        action = wizard.action_run()
        backtest = self.env["crm.churn.backtest"].browse(action["res_id"])
        self.assertRecordValues(
            backtest,
            [
                {
                    "as_of": as_of,
                    "horizon_days": 30,
                    "horizon_end": as_of + timedelta(days=30),
                    "min_level": LEVEL_HIGH,
                    "customer_count": 3,
                    "churned_count": 2,
                    "flagged_count": 1,
                    "true_positive": 1,
                    "false_positive": 0,
                    "false_negative": 1,
                    "true_negative": 1,
                }
            ],
        )
        churned = {r["partner_id"] for r in backtest._get_customer_results() if r["churned"]}
        self.assertEqual(churned, {after.id, lapsing.id})
        # a date whose 30 days are not over yet is refused
        Backtest = self.env["crm.churn.backtest"].with_user(self.churn_manager)
        late = today - timedelta(days=30)
        with self.assertRaisesRegex(
            UserError,
            f"The horizon of a backtest as of {late.isoformat()} is not over yet: whether "
            f"customers churned within 30 days is known only from "
            f"{(today + timedelta(days=1)).isoformat()}. Choose a date on or before "
            f"{as_of.isoformat()}, or a shorter horizon.",
        ):
            Backtest._run_backtest(self.company, late, 30)

    # ------------------------------------------------------------------ purchase model
    def test_refit_days(self):
        self.company.crm_churn_refit_days = 3
        Model = self.env["crm.churn.model"]
        first = date(2026, 6, 1)
        model = Model._fit_if_due(self.company, first)
        self.assertEqual((model.state, model.as_of), (MODEL_INSUFFICIENT, first))
        self.assertEqual(Model._fit_if_due(self.company, first + timedelta(days=2)), model)
        self.assertEqual(model.as_of, first)
        # 3 days after the last fit (the default would wait 7)
        self.assertEqual(Model._fit_if_due(self.company, first + timedelta(days=3)), model)
        self.assertEqual(model.as_of, first + timedelta(days=3))

    def test_model_min_customers(self):
        repeat = self.make_customer("Model Repeat")
        self.make_orders(repeat, [date(2026, 1, 15), date(2026, 3, 15)])
        self.make_orders(self.make_customer("Model Once"), [date(2026, 2, 15)])
        self.make_orders(self.make_customer("Model Once Too"), [date(2026, 4, 15)])
        Model = self.env["crm.churn.model"]
        self.company.crm_churn_model_min_customers = 4
        self.assertEqual(
            Model._fit_params(self.company, AS_OF),
            (
                None,
                "Only 3 customers with orders up to 2026-06-30; at least 4 are needed to fit "
                "the purchase model.",
            ),
        )
        # three are enough customers; the repeat buyers are still too few
        self.company.crm_churn_model_min_customers = 3
        self.assertEqual(
            Model._fit_params(self.company, AS_OF),
            (
                None,
                "Only 1 of the 3 customers ordered again after their first order day; at least "
                "10 repeat buyers are needed to fit the purchase model.",
            ),
        )

    # ------------------------------------------------------------------ the settings form
    def test_settings_form_writes_the_company(self):
        values = {
            "crm_churn_level_low": 15.0,
            "crm_churn_level_medium": 35.0,
            "crm_churn_level_high": 55.0,
            "crm_churn_warning_level": LEVEL_HIGH,
            "crm_churn_snooze_days": 14,
            "crm_churn_win_back_days": 90,
            "crm_churn_refit_days": 2,
            "crm_churn_model_min_customers": 20,
            "crm_churn_clv_discount": 0.02,
            "crm_churn_backtest_horizon": 45,
        }
        settings = self.env["res.config.settings"].with_company(self.company).create(values)
        settings.execute()
        self.assertRecordValues(self.company, [values])

    @mute_logger("odoo.sql_db")
    def test_settings_out_of_range_refused(self):
        cases = [
            ({"crm_churn_level_low": 50, "crm_churn_level_medium": 40}, "churn_levels_ordered"),
            ({"crm_churn_level_high": 100.5}, "churn_levels_ordered"),
            ({"crm_churn_level_low": -1}, "churn_levels_ordered"),
            ({"crm_churn_snooze_days": -1}, "churn_warning_days_positive"),
            ({"crm_churn_win_back_days": 0}, "churn_warning_days_positive"),
            ({"crm_churn_refit_days": 0}, "churn_warning_days_positive"),
            ({"crm_churn_model_min_customers": 0}, "churn_warning_days_positive"),
            ({"crm_churn_backtest_horizon": 0}, "churn_warning_days_positive"),
            ({"crm_churn_clv_discount": 1.0}, "churn_clv_discount_range"),
            ({"crm_churn_clv_discount": -0.01}, "churn_clv_discount_range"),
            # the lifecycle's churn days, which the engine's stages read, stay checked
            ({"crm_churn_days": 0}, "churn_days_positive"),
        ]
        for values, constraint in cases:
            with (
                self.subTest(values=values),
                self.assertRaisesRegex(
                    psycopg2.errors.CheckViolation,
                    f'violates check constraint "res_company_crm_{constraint}"',
                ),
                self.env.cr.savepoint(),
            ):
                self.company.write(values)
                self.company.flush_recordset()
        # the edges are accepted: equal levels, 0 and 100, no snooze, no discount
        self.company.write(
            {
                "crm_churn_level_low": 0,
                "crm_churn_level_medium": 100,
                "crm_churn_level_high": 100,
                "crm_churn_snooze_days": 0,
                "crm_churn_clv_discount": 0.0,
            }
        )
        self.company.flush_recordset()
