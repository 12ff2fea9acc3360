import base64
import io
from datetime import date, datetime, time, timedelta
from unittest.mock import patch

from openpyxl import load_workbook

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from odoo.addons.crm_churn_warning.models.churn_data import (
    LEVEL_HIGH,
    LEVEL_LOW,
    LEVEL_MEDIUM,
    LEVEL_NONE,
    SIGNAL_CODES,
    SIGNAL_OVERDUE,
)
from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import STAGE_CHURNED, STAGE_REPEAT
from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase, make_company_user

from .test_churn_model import cdnow_rows, load_orders

AS_OF = date(2026, 3, 31)
# valid thresholds of the signals that do not read a percentage
THRESHOLDS = {"low_satisfaction": 2.0, "p_alive": 0.3}
HORIZON = 90


class BacktestCase(CrmCase):
    """A company of its own (demo data never interferes), a churn manager and a churn user of
    it, and helpers that place confirmed orders on given days."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create(
            {"name": "Backtest Co", "currency_id": cls.env.ref("base.USD").id}
        )
        cls.other_company = cls.env["res.company"].create({"name": "Backtest Other Co"})
        cls.env.user.company_ids |= cls.company | cls.other_company
        cls.manager = make_company_user(
            cls.env,
            "backtest_manager",
            "sales_team.group_sale_manager,crm_churn_warning.crm_churn_warning_group_manager",
            cls.company,
            name="Backtest Manager",
        )
        cls.churn_user = make_company_user(
            cls.env,
            "backtest_user",
            "sales_team.group_sale_salesman,crm_churn_warning.crm_churn_warning_group_user",
            cls.company,
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Backtest Service", "type": "service", "list_price": 100, "taxes_id": False}
        )

    @classmethod
    def make_orders(cls, orders, company=None, confirm=True):
        """Creates (and confirms) one order per (partner, day, amount), dated that day."""
        company = company or cls.company
        records = (
            cls.env["sale.order"]
            .with_company(company)
            .create(
                [
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "order_line": [
                            (
                                0,
                                0,
                                {
                                    "product_id": cls.product.id,
                                    "price_unit": amount,
                                    "tax_ids": False,
                                },
                            )
                        ],
                    }
                    for partner, _day, amount in orders
                ]
            )
        )
        if confirm:
            records.action_confirm()
        for order, (_partner, day, _amount) in zip(records, orders, strict=True):
            moment = day if isinstance(day, datetime) else datetime.combine(day, time(10))
            # the times of these orders are the company's (23:00 on T is still T there)
            order.date_order = cls.to_utc(moment, company)
        return records

    def run_backtest(self, user=None, as_of=AS_OF, horizon=HORIZON, min_level=LEVEL_MEDIUM):
        return (
            self.env["crm.churn.backtest"]
            .with_user(user or self.manager)
            .with_company(self.company)
            ._run_backtest(self.company, as_of, horizon, min_level)
        )


@tagged("post_install", "-at_install")
class TestBacktestMetrics(BacktestCase):
    """The metrics on a hand-made replay: the engine is stubbed with ten scored customers (and
    two already churned), the outcome comes from real orders around the horizon's edges.

    customer  score  level   outcome      (warning level: medium)
    c0        80     high    churned      TP  (ties with c1; c0 comes first, lower id)
    c1        80     high    ordered      FP
    c2        65     high    churned      TP
    c3        50     medium  churned      TP
    c4        45     medium  ordered      FP
    c5        30     low     churned      FN
    c6        25     low     ordered      TN
    c7        10     none    ordered      TN
    c8         0     none    ordered      TN
    c9         0     none    ordered      TN
    TP 3, FP 2, FN 1, TN 4: precision 3/5, recall 3/4, F1 2/3, accuracy 7/10, churn rate 4/10;
    top decile = c0 (churned): rate 1, lift 2.5.
    """

    SCORES = [
        (80.0, LEVEL_HIGH),
        (80.0, LEVEL_HIGH),
        (65.0, LEVEL_HIGH),
        (50.0, LEVEL_MEDIUM),
        (45.0, LEVEL_MEDIUM),
        (30.0, LEVEL_LOW),
        (25.0, LEVEL_LOW),
        (10.0, LEVEL_NONE),
        (0.0, LEVEL_NONE),
        (0.0, LEVEL_NONE),
    ]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.customers = Partner.create(
            [{"name": f"Backtest c{i}", "is_company": True} for i in range(10)]
        )
        cls.gone = Partner.create(
            [{"name": f"Backtest gone {i}", "is_company": True} for i in range(2)]
        )
        c = cls.customers
        contact = Partner.create({"name": "Buyer of c4", "parent_id": c[4].id})
        end = AS_OF + timedelta(days=HORIZON)
        cls.make_orders(
            [
                (c[0], datetime.combine(AS_OF, time(23, 0)), 100),  # on T: not after it
                (c[1], datetime.combine(end, time(23, 0)), 100),  # last day of the horizon
                (c[2], end + timedelta(days=1), 100),  # the day after the horizon
                (contact, AS_OF + timedelta(days=10), 100),  # a contact orders for c4
                (c[6], AS_OF + timedelta(days=30), 100),
                (c[7], AS_OF + timedelta(days=30), 100),
                (c[8], AS_OF + timedelta(days=60), 100),
                (c[9], AS_OF + timedelta(days=1), 100),
                (cls.gone[0], AS_OF + timedelta(days=5), 100),
            ]
        )
        # neither a quotation nor another company's order counts
        cls.make_orders([(c[3], AS_OF + timedelta(days=10), 100)], confirm=False)
        cls.make_orders([(c[5], AS_OF + timedelta(days=10), 100)], company=cls.other_company)

    def engine_rows(self):
        rows = [
            {
                "partner_id": partner.id,
                "score": score,
                "level": level,
                "reason_data": [["overdue", [["overdue", {"days": 100 + i, "interval": 30}]]]],
                "stage": STAGE_REPEAT,
                "last_order_date": AS_OF - timedelta(days=i),
                "p_alive": None,
            }
            for i, (partner, (score, level)) in enumerate(
                zip(self.customers, self.SCORES, strict=True)
            )
        ]
        rows += [
            {
                "partner_id": partner.id,
                "score": 90.0,
                "level": LEVEL_HIGH,
                "reason_data": [],
                "stage": STAGE_CHURNED,
                "last_order_date": AS_OF - timedelta(days=400),
                "p_alive": None,
            }
            for partner in self.gone
        ]
        # the engine's order is not the ranking's
        return list(reversed(rows))

    def stub_engine(self, rows=None):
        result = {"done": True, "scored": 0, "written": 0, "results": rows}
        if rows is None:
            result["results"] = self.engine_rows()
        return patch.object(
            self.registry["crm.churn.engine"], "_score_company", return_value=result
        )

    def test_metrics_on_a_hand_made_replay(self):
        with self.stub_engine() as score:
            backtest = self.run_backtest()
        score.assert_called_once_with(self.company, as_of=AS_OF, dry_run=True)
        self.assertRecordValues(
            backtest,
            [
                {
                    "company_id": self.company.id,
                    "user_id": self.manager.id,
                    "as_of": AS_OF,
                    "horizon_days": HORIZON,
                    "horizon_end": date(2026, 6, 29),
                    "min_level": LEVEL_MEDIUM,
                    "scored_count": 12,
                    "excluded_count": 2,
                    "customer_count": 10,
                    "churned_count": 4,
                    "flagged_count": 5,
                    "true_positive": 3,
                    "false_positive": 2,
                    "false_negative": 1,
                    "true_negative": 4,
                    "top_decile_count": 1,
                    "top_decile_churned": 1,
                }
            ],
        )
        self.assertAlmostEqual(backtest.precision, 0.6)
        self.assertAlmostEqual(backtest.recall, 0.75)
        self.assertAlmostEqual(backtest.f1_score, 2 / 3, places=4)
        self.assertAlmostEqual(backtest.accuracy, 0.7)
        self.assertAlmostEqual(backtest.base_rate, 0.4)
        self.assertAlmostEqual(backtest.top_decile_rate, 1.0)
        self.assertAlmostEqual(backtest.lift_top_decile, 2.5)
        # ranking quality: of the 4 x 6 (churned, not churned) pairs, the churned customer
        # scores higher in 19 and ties in one (c0 and c1 at 80): 19.5 / 24. Ranked by days
        # since the last order (c_i ordered i days before T) the churned are the recent ones:
        # higher in 4 pairs only (c2 and c3 over c1, c5 over c1 and c4)
        self.assertAlmostEqual(backtest.auc, 19.5 / 24, places=4)
        self.assertAlmostEqual(backtest.recency_auc, 4 / 24, places=4)
        self.assertGreaterEqual(backtest.duration, backtest.duration_replay)
        # the confusion matrix by level, highest first
        self.assertRecordValues(
            backtest.line_ids,
            [
                {
                    "level": LEVEL_HIGH,
                    "flagged": True,
                    "customer_count": 3,
                    "churned_count": 2,
                    "retained_count": 1,
                },
                {
                    "level": LEVEL_MEDIUM,
                    "flagged": True,
                    "customer_count": 2,
                    "churned_count": 1,
                    "retained_count": 1,
                },
                {
                    "level": LEVEL_LOW,
                    "flagged": False,
                    "customer_count": 2,
                    "churned_count": 1,
                    "retained_count": 1,
                },
                {
                    "level": LEVEL_NONE,
                    "flagged": False,
                    "customer_count": 3,
                    "churned_count": 0,
                    "retained_count": 3,
                },
            ],
        )
        for line, rate, share, average in zip(
            backtest.line_ids,
            (2 / 3, 0.5, 0.5, 0.0),
            (0.3, 0.2, 0.2, 0.3),
            (75.0, 47.5, 27.5, 10 / 3),
            strict=True,
        ):
            self.assertAlmostEqual(line.churn_rate, rate, places=4)
            self.assertAlmostEqual(line.share, share, places=4)
            self.assertAlmostEqual(line.average_score, average, places=1)
        # every customer's outcome, highest score first, ties by customer
        results = backtest._get_customer_results()
        c = self.customers
        self.assertEqual([r["partner_id"] for r in results], c.ids)
        self.assertEqual(
            [r["partner_id"] for r in results if r["churned"]], [c[0].id, c[2].id, c[3].id, c[5].id]
        )
        self.assertEqual([r["partner_id"] for r in results if r["flagged"]], c[:5].ids)
        self.assertEqual(results[0]["name"], "Backtest c0")
        # the reasons as codes, written in words by the export
        self.assertEqual(
            results[0]["reasons"], [["overdue", [["overdue", {"days": 100, "interval": 30}]]]]
        )
        self.assertEqual(results[1]["last_order_date"], (AS_OF - timedelta(days=1)).isoformat())

    def test_rankings_at_the_same_warning_share(self):
        """The replayed score (the weighted rules: the company's history is too short to learn
        from) and the recency baseline on the same ten customers. Both flag five; ranked by
        days since the last order, the five flagged are c9 to c5, of whom only c5 churned."""
        with self.stub_engine():
            backtest = self.run_backtest()
        self.assertRecordValues(
            backtest.ranking_ids,
            [
                {
                    "ranking": "rules",
                    "replayed": True,
                    "customer_count": 10,
                    "flagged_count": 5,
                    "true_positive": 3,
                    "has_brier": False,
                },
                {
                    "ranking": "recency",
                    "replayed": False,
                    "customer_count": 10,
                    "flagged_count": 5,
                    "true_positive": 1,
                    "has_brier": False,
                },
            ],
        )
        rules, recency = backtest.ranking_ids
        # the replayed ranking's figures are the backtest's
        for fname in ("precision", "recall", "f1_score", "auc", "lift_top_decile"):
            self.assertAlmostEqual(rules[fname], backtest[fname], places=4)
        self.assertAlmostEqual(recency.auc, backtest.recency_auc, places=4)
        self.assertAlmostEqual(recency.precision, 0.2)
        self.assertAlmostEqual(recency.recall, 0.25)
        self.assertAlmostEqual(recency.f1_score, 2 * 0.2 * 0.25 / 0.45, places=4)
        # the top decile by recency is c9, who ordered again
        self.assertEqual(recency.top_decile_rate, 0.0)
        self.assertEqual(recency.lift_top_decile, 0.0)
        # no learned probability: no calibration
        self.assertFalse(backtest.calibration)
        self.assertFalse(backtest.calibration_chart)
        # a second run warning from high only flags three (c0, c1, c2): the recency baseline
        # then flags c9, c8 and c7, none of whom churned
        with self.stub_engine():
            strict = self.run_backtest(min_level=LEVEL_HIGH)
        self.assertEqual(strict.ranking_ids.mapped("flagged_count"), [3, 3])
        self.assertEqual(strict.ranking_ids.mapped("true_positive"), [2, 0])
        # the comparison of the selected runs: their rankings only, side by side
        Ranking = self.env["crm.churn.backtest.ranking"].with_user(self.manager)
        action = (backtest | strict).with_user(self.manager).action_compare()
        self.assertEqual(action["res_model"], "crm.churn.backtest.ranking")
        groups = Ranking._read_group(
            action["domain"], ["backtest_id", "ranking"], ["true_positive:sum"]
        )
        self.assertEqual(
            sorted((group.id, ranking, tp) for group, ranking, tp in groups),
            sorted(
                [
                    (backtest.id, "rules", 3),
                    (backtest.id, "recency", 1),
                    (strict.id, "rules", 2),
                    (strict.id, "recency", 0),
                ]
            ),
        )
        action = backtest.with_user(self.manager).action_compare()
        self.assertEqual(Ranking.search(action["domain"]), backtest.ranking_ids)
        # the results are the run's: a manager can neither write nor create them
        with self.assertRaises(AccessError):
            backtest.with_user(self.manager).write({"auc": 0.99})
        with self.assertRaises(AccessError):
            rules.with_user(self.manager).write({"auc": 0.99})
        with self.assertRaises(AccessError):
            self.env["crm.churn.backtest.ranking"].with_user(self.manager).create(
                {"backtest_id": backtest.id, "ranking": "learned", "auc": 0.99}
            )

    def test_warning_level_changes_the_prediction(self):
        backtests = {}
        # low: c5 (low, churned) is now caught; c6 (low, ordered) becomes a false alarm
        for level, (tp, fp, fn, tn), precision, recall in (
            (LEVEL_LOW, (4, 3, 0, 3), 4 / 7, 1.0),
            (LEVEL_HIGH, (2, 1, 2, 5), 2 / 3, 0.5),
        ):
            with self.stub_engine():
                backtest = backtests[level] = self.run_backtest(min_level=level)
            self.assertRecordValues(
                backtest,
                [
                    {
                        "true_positive": tp,
                        "false_positive": fp,
                        "false_negative": fn,
                        "true_negative": tn,
                    }
                ],
            )
            self.assertAlmostEqual(backtest.precision, precision, places=4)
            self.assertAlmostEqual(backtest.recall, recall)
        self.assertAlmostEqual(backtests[LEVEL_LOW].f1_score, 8 / 11, places=4)
        self.assertEqual(
            backtests[LEVEL_LOW].line_ids.filtered("flagged").mapped("level"),
            ["high", "medium", "low"],
        )

    def test_invoice_value_source(self):
        """Valued by invoices, only posted customer invoices dated in the horizon count."""
        self.env["account.chart.template"].try_loading(
            "generic_coa", company=self.company, install_demo=False
        )
        self.company.crm_value_source = "invoice"
        c = self.customers
        contact_c4 = c[4].child_ids
        end = AS_OF + timedelta(days=HORIZON)
        for move_type, partner, day, state in (
            ("out_invoice", c[0], AS_OF + timedelta(days=10), "posted"),
            ("out_invoice", contact_c4, end, "posted"),  # the horizon's last day
            ("out_invoice", c[5], AS_OF, "posted"),  # on T: not after it
            ("out_refund", c[3], AS_OF + timedelta(days=10), "posted"),  # a refund
            ("out_invoice", c[2], AS_OF + timedelta(days=10), "draft"),  # left in draft
        ):
            self.make_invoice(partner, 100, day, move_type=move_type, state=state)
        with self.stub_engine():
            backtest = self.run_backtest()
        ordered = [r["partner_id"] for r in backtest._get_customer_results() if not r["churned"]]
        # the confirmed orders of the others no longer count
        self.assertEqual(sorted(ordered), sorted([c[0].id, c[4].id]))
        self.assertEqual(backtest.churned_count, 8)

    def test_undefined_ratios_are_zero(self):
        # nobody flagged and nobody churned: no precision, recall, F1 or lift to speak of
        metrics = self.env["crm.churn.backtest"]._compute_metrics(
            [{"partner_id": 1, "score": 0.0, "level": LEVEL_NONE}], set(), LEVEL_MEDIUM
        )
        self.assertEqual(
            (
                metrics["precision"],
                metrics["recall"],
                metrics["f1_score"],
                metrics["lift_top_decile"],
                metrics["accuracy"],
            ),
            (0.0, 0.0, 0.0, 0.0, 1.0),
        )

    def test_configuration_snapshot(self):
        Signal = self.env["crm.churn.signal"]
        # a company's own overdue signal replaces the shared one; an archived one switches off
        Signal.create(
            {
                "name": "Overdue (Backtest Co)",
                "code": SIGNAL_OVERDUE,
                "company_id": self.company.id,
                "weight": 5,
                "factor": 2.0,
            }
        )
        Signal.create(
            {
                "name": "No engagement off",
                "code": "no_engagement",
                "company_id": self.company.id,
                "active": False,
            }
        )
        self.company.crm_churn_level_high = 70
        with self.stub_engine():
            backtest = self.run_backtest()
        config = backtest.configuration
        codes = [signal["code"] for signal in config["signals"]]
        self.assertNotIn("no_engagement", codes)
        self.assertNotIn("p_alive", codes)  # no statistical model as of the date
        self.assertEqual(
            sorted(codes),
            sorted(
                code for code, _label in SIGNAL_CODES if code not in ("no_engagement", "p_alive")
            ),
        )
        overdue = config["signals"][codes.index(SIGNAL_OVERDUE)]
        self.assertEqual(
            overdue,
            {
                "code": SIGNAL_OVERDUE,
                "name": "Overdue (Backtest Co)",
                "weight": 5.0,
                "company_specific": True,
                "factor": 2.0,
            },
        )
        self.assertEqual(config["levels"], {"low": 20.0, "medium": 40.0, "high": 70.0})
        self.assertEqual(config["min_level"], LEVEL_MEDIUM)
        self.assertIn("Overdue (Backtest Co) 5", backtest.signal_summary)
        self.assertIn("- Overdue (Backtest Co), weight 5: factor 2", backtest.configuration_text)
        self.assertIn("high from 70; flagged from Medium", backtest.configuration_text)
        self.assertIn("No statistical model as of the date", backtest.configuration_text)
        # the run's texts in the reader's language, whoever ran it
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["crm_churn_warning"], ["zh_CN"])
        chinese = backtest.with_context(lang="zh_CN")
        self.assertEqual(chinese.name, "基准日期 2026-03-31，观察期 90 天，自“中等”级别起预警")
        self.assertIn("自“中等”级别起标记", chinese.configuration_text)
        self.assertNotIn("flagged from", chinese.configuration_text)
        self.assertEqual(backtest.name, "As of 2026-03-31, 90 days, warning from Medium")

    def test_guards(self):
        today = self.crm_today(self.company)
        with self.stub_engine() as score:
            with self.assertRaisesRegex(UserError, "is not over yet"):
                self.run_backtest(as_of=today - timedelta(days=30))
            with self.assertRaisesRegex(UserError, "is in the future"):
                self.run_backtest(as_of=today + timedelta(days=1))
            with self.assertRaisesRegex(UserError, "at least one day"):
                self.run_backtest(horizon=0)
            score.assert_not_called()
        # a horizon ending today is not over (today's orders are not all in); one that ended
        # yesterday is
        with self.stub_engine() as score, self.assertRaisesRegex(UserError, "is not over yet"):
            self.run_backtest(as_of=today - timedelta(days=HORIZON))
        with self.stub_engine():
            self.assertTrue(self.run_backtest(as_of=today - timedelta(days=HORIZON + 1)))
        # nobody scored, or everyone already churned
        with self.stub_engine([]), self.assertRaisesRegex(UserError, "no customer who could"):
            self.run_backtest()
        gone_only = [row for row in self.engine_rows() if row["stage"] == STAGE_CHURNED]
        with self.stub_engine(gone_only), self.assertRaisesRegex(UserError, "no customer who"):
            self.run_backtest()

    def test_managers_only(self):
        Backtest = self.env["crm.churn.backtest"]
        with self.stub_engine() as score:
            with self.assertRaises(AccessError):
                self.run_backtest(user=self.churn_user)
            with self.assertRaises(AccessError):
                self.env["crm.churn.backtest.wizard"].with_user(self.churn_user).create({})
            # a manager cannot run it for a company they do not work in
            with self.assertRaises(AccessError):
                Backtest.with_user(self.manager)._run_backtest(
                    self.other_company, AS_OF, HORIZON, LEVEL_MEDIUM
                )
            score.assert_not_called()
            backtest = self.run_backtest()
        with self.assertRaises(AccessError):
            Backtest.with_user(self.churn_user).search([])
        with self.assertRaises(AccessError):
            backtest.with_user(self.churn_user).action_export_xlsx()
        # the company rule: another company's backtest stays out of sight
        other = Backtest.create(
            {
                "company_id": self.other_company.id,
                "as_of": AS_OF,
                "horizon_days": HORIZON,
                "min_level": LEVEL_MEDIUM,
            }
        )
        self.assertEqual(Backtest.with_user(self.manager).search([]), backtest)
        self.assertIn(other, Backtest.search([]))

    def test_wizard(self):
        today = self.crm_today(self.company)
        self.company.crm_churn_backtest_horizon = 60
        self.company.crm_churn_warning_level = LEVEL_HIGH
        Wizard = self.env["crm.churn.backtest.wizard"].with_user(self.manager)
        form = Form(Wizard.with_company(self.company))
        self.assertEqual(form.horizon_days, 60)
        self.assertEqual(form.min_level, LEVEL_HIGH)
        self.assertEqual(form.as_of, today - timedelta(days=61))
        form.horizon_days = HORIZON
        self.assertEqual(form.as_of, today - timedelta(days=HORIZON + 1))
        form.as_of = AS_OF
        form.min_level = LEVEL_MEDIUM
        wizard = form.save()
        self.assertEqual(wizard.company_id, self.company)
        with self.stub_engine():
            action = wizard.action_run()
        backtest = self.env["crm.churn.backtest"].browse(action["res_id"])
        self.assertEqual(action["res_model"], "crm.churn.backtest")
        self.assertEqual(action["view_mode"], "form")
        self.assertRecordValues(
            backtest,
            [
                {
                    "as_of": AS_OF,
                    "horizon_days": HORIZON,
                    "min_level": LEVEL_MEDIUM,
                    "true_positive": 3,
                    "name": "As of 2026-03-31, 90 days, warning from Medium",
                }
            ],
        )

    def test_xlsx_export(self):
        with self.stub_engine():
            backtest = self.run_backtest()
        action = backtest.with_user(self.manager).action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(
            action["url"],
            f"/web/content/crm.churn.backtest/{backtest.id}/xlsx_file/"
            "churn-backtest-2026-03-31-90d.xlsx?download=true",
        )
        book = load_workbook(io.BytesIO(base64.b64decode(backtest.xlsx_file)))
        self.assertEqual(book.sheetnames, ["Summary", "Confusion Matrix", "Rankings", "Customers"])
        rankings = list(book["Rankings"].iter_rows(values_only=True))
        self.assertEqual(
            rankings[0][:5],
            (
                "Ranking",
                "Score of the Run",
                "Ranking Quality (AUC)",
                "Flagged",
                "Flagged and Churned",
            ),
        )
        self.assertEqual(rankings[1][:2], ("Weighted rules", "Yes"))
        self.assertEqual(rankings[1][3:5], (5, 3))
        self.assertAlmostEqual(rankings[1][5], 0.6)
        self.assertEqual(rankings[2][:2], ("Days since last order", "No"))
        self.assertEqual(rankings[2][3:5], (5, 1))
        self.assertAlmostEqual(rankings[2][2], 4 / 24, places=4)
        # no Brier score without a probability
        self.assertIsNone(rankings[1][-1])

        summary = list(book["Summary"].iter_rows(values_only=True))
        self.assertEqual(summary[0][0], "Churn backtest of Backtest Co")
        values = {row[0]: row[1] for row in summary if row and row[0]}
        self.assertEqual(values["As Of"], datetime(2026, 3, 31))
        self.assertEqual(values["Horizon (days)"], 90)
        self.assertEqual(values["Warn From Level"], "Medium")
        self.assertEqual(values["Customers"], 10)
        self.assertEqual(values["Already Churned"], 2)
        self.assertEqual(values["Flagged and Churned"], 3)
        self.assertEqual(values["Flagged, Not Churned"], 2)
        self.assertEqual(values["Churned, Not Flagged"], 1)
        self.assertEqual(values["Not Flagged, Not Churned"], 4)
        self.assertAlmostEqual(values["Precision"], 0.6)
        self.assertAlmostEqual(values["Recall"], 0.75)
        self.assertAlmostEqual(values["F1 Score"], 2 / 3, places=4)
        self.assertAlmostEqual(values["Top-Decile Lift"], 2.5)
        self.assertEqual(values["High Risk From"], 60)
        self.assertEqual(values["Run By"], "Backtest Manager")
        signal_header = summary.index(
            ("Name", "Code", "Weight", "Factor", "Period (days)", "Threshold", "Minimum Count")
        )
        self.assertEqual(summary[signal_header + 1][:4], ("Overdue order", "Overdue order", 3, 1.5))

        matrix = list(book["Confusion Matrix"].iter_rows(values_only=True))
        self.assertEqual(
            matrix[2][:5], ("Churn Risk", "Flagged", "Customers", "Churned", "Not Churned")
        )
        self.assertEqual(matrix[3][:5], ("High", "Yes", 3, 2, 1))
        self.assertEqual(matrix[4][:5], ("Medium", "Yes", 2, 1, 1))
        self.assertEqual(matrix[5][:5], ("Low", "No", 2, 1, 1))
        self.assertEqual(matrix[6][:5], ("None", "No", 3, 0, 3))
        self.assertEqual(matrix[7][:5], ("Total", None, 10, 4, 6))
        self.assertEqual(matrix[9][:3], ("Predicted / Actual", "Churned", "Not Churned"))
        self.assertEqual(matrix[10][:3], ("Flagged", 3, 2))
        self.assertEqual(matrix[11][:3], ("Not Flagged", 1, 4))

        customers = list(book["Customers"].iter_rows(values_only=True))
        self.assertEqual(
            customers[0],
            (
                "Customer",
                "Churn Score",
                "Churn Risk",
                "Flagged",
                "Churned",
                "Last Order",
                "Reasons",
            ),
        )
        self.assertEqual(len(customers), 11)
        self.assertEqual(
            customers[1],
            (
                "Backtest c0",
                80,
                "High",
                "Yes",
                "Yes",
                datetime(2026, 3, 31),
                "No order for 100 days; usual interval 30 days",
            ),
        )
        self.assertEqual(customers[6][:5], ("Backtest c5", 30, "Low", "No", "Yes"))


@tagged("post_install", "-at_install")
class TestBacktestReplay(BacktestCase):
    """A history built so that the right answer is known, through the real engine: ten
    customers bought every 30 days until 120 days before T and then stopped (overdue on T, and
    no order after T: churned), ten bought every 30 days through T and after it (neither). Only
    the overdue signal counts in the company, so a stopped customer scores 100 (high) and a
    regular one 0: precision and recall are 1."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the company keeps only the overdue signal: its own archived copies switch the others off
        cls.env["crm.churn.signal"].create(
            [
                {
                    "name": label,
                    "code": code,
                    "company_id": cls.company.id,
                    "active": False,
                    "threshold": THRESHOLDS.get(code, 50.0),
                }
                for code, label in SIGNAL_CODES
                if code != SIGNAL_OVERDUE
            ]
        )
        Partner = cls.env["res.partner"]
        cls.stopped = Partner.create(
            [{"name": f"Stopped {i:02d}", "is_company": True} for i in range(10)]
        )
        cls.regular = Partner.create(
            [{"name": f"Regular {i:02d}", "is_company": True} for i in range(10)]
        )
        orders = [
            (partner, AS_OF - timedelta(days=days), 100 + 10 * i)
            for i, partner in enumerate(cls.stopped)
            for days in range(300, 119, -30)  # T-300 ... T-120
        ]
        orders += [
            (partner, AS_OF + timedelta(days=days), 100 + 10 * i)
            for i, partner in enumerate(cls.regular)
            for days in range(-290, 80, 30)  # T-290 ... T-20, then T+10, T+40, T+70
        ]
        cls.make_orders(orders)

    def replay(self):
        rows = (
            self.env["crm.churn.engine"]
            .with_company(self.company)
            ._score_company(self.company, as_of=AS_OF, dry_run=True)["results"]
        )
        return {row["partner_id"]: row for row in rows}

    def test_known_answer(self):
        form = Form(
            self.env["crm.churn.backtest.wizard"].with_user(self.manager).with_company(self.company)
        )
        form.horizon_days = HORIZON
        form.as_of = AS_OF
        form.min_level = LEVEL_MEDIUM
        action = form.save().action_run()
        backtest = self.env["crm.churn.backtest"].browse(action["res_id"])
        self.assertRecordValues(
            backtest,
            [
                {
                    "scored_count": 20,
                    "excluded_count": 0,
                    "customer_count": 20,
                    "churned_count": 10,
                    "flagged_count": 10,
                    "true_positive": 10,
                    "false_positive": 0,
                    "false_negative": 0,
                    "true_negative": 10,
                    "precision": 1.0,
                    "recall": 1.0,
                    "f1_score": 1.0,
                    "accuracy": 1.0,
                    "base_rate": 0.5,
                    "top_decile_count": 2,
                    "top_decile_churned": 2,
                    "lift_top_decile": 2.0,
                    "auc": 1.0,
                    "recency_auc": 1.0,
                }
            ],
        )
        self.assertEqual(
            [(line.level, line.customer_count, line.churned_count) for line in backtest.line_ids],
            [(LEVEL_HIGH, 10, 10), (LEVEL_MEDIUM, 0, 0), (LEVEL_LOW, 0, 0), (LEVEL_NONE, 10, 0)],
        )
        self.assertEqual([s["code"] for s in backtest.configuration["signals"]], [SIGNAL_OVERDUE])
        results = {r["partner_id"]: r for r in backtest._get_customer_results()}
        first = results[self.stopped[0].id]
        self.assertEqual((first["score"], first["level"], first["churned"]), (100.0, "high", True))
        self.assertEqual(
            self.env["crm.churn.reason"]._render(first["reasons"]),
            "No order for 120 days; usual interval 30 days",
        )
        self.assertEqual(first["last_order_date"], (AS_OF - timedelta(days=120)).isoformat())
        regular = results[self.regular[0].id]
        self.assertEqual(
            (regular["score"], regular["level"], regular["churned"]), (0, "none", False)
        )
        # nothing of the replay was written on the customers
        self.assertFalse(any(self.stopped.with_company(self.company).mapped("crm_churn_score")))

    def test_orders_after_the_date_do_not_change_the_replay(self):
        before = self.replay()
        self.assertEqual(len(before), 20)
        self.assertEqual({row["score"] for row in before.values()}, {0.0, 100.0})
        # a big order soon after T from a stopped customer, and a regular one stops after T
        self.make_orders([(self.stopped[0], AS_OF + timedelta(days=5), 100000)])
        self.env["sale.order"].search(
            [("partner_id", "=", self.regular[0].id), ("date_order", ">", AS_OF)]
        ).write({"state": "cancel"})
        after = self.replay()
        keys = ("score", "level", "reason_data", "stage", "last_order_date")
        self.assertEqual(
            {pid: tuple(row[k] for k in keys) for pid, row in after.items()},
            {pid: tuple(row[k] for k in keys) for pid, row in before.items()},
        )
        # the outcome, though, follows what happened after T
        backtest = self.run_backtest()
        self.assertRecordValues(
            backtest,
            [{"true_positive": 9, "false_positive": 1, "false_negative": 1, "true_negative": 9}],
        )


@tagged("post_install", "-at_install")
class TestBacktestRankingsCdnow(CrmCase):
    """The CDNOW sample replayed as of 31 March 1998 with a 90-day horizon."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create(
            {
                "name": "CDNOW Rankings",
                "currency_id": cls.env.ref("base.USD").id,
                "crm_churn_backtest_horizon": 90,
            }
        )
        cls.env.user.company_ids |= cls.company
        load_orders(cls.env, cls.company, cdnow_rows(), "CDNOWRANK")

    def test_rankings_side_by_side(self):
        """Warning the 15% most at risk (medium and above, levels by share), the learned risk
        is right more often than the weighted rules and both baselines on the same number of
        customers: 81 of its 93 churned, against 76 by days since the last order, 75 by
        P(alive) and 70 by the rules. Its calibration table holds the 590 customers."""
        Backtest = self.env["crm.churn.backtest"]
        self.company.write({"crm_churn_score_method": "learned", "crm_churn_level_basis": "share"})
        backtest = Backtest._run_backtest(self.company, date(1998, 3, 31), 90, LEVEL_MEDIUM)
        self.assertEqual(backtest.customer_count, 590)
        self.assertEqual(backtest.flagged_count, 93)
        lines = {line.ranking: line for line in backtest.ranking_ids}
        self.assertEqual(
            backtest.ranking_ids.mapped("ranking"), ["learned", "rules", "recency", "p_alive"]
        )
        learned = lines["learned"]
        self.assertTrue(learned.replayed)
        self.assertEqual(set(backtest.ranking_ids.mapped("flagged_count")), {93})
        self.assertEqual(
            [lines[key].true_positive for key in ("learned", "recency", "p_alive", "rules")],
            [81, 76, 75, 70],
        )
        self.assertAlmostEqual(learned.precision, 81 / 93, places=4)
        self.assertAlmostEqual(learned.f1_score, backtest.f1_score, places=4)
        for key in ("rules", "recency", "p_alive"):
            self.assertGreater(learned.f1_score, lines[key].f1_score)
            self.assertGreater(learned.auc, lines[key].auc)
            self.assertGreater(learned.lift_top_decile, lines[key].lift_top_decile)
            self.assertFalse(lines[key].has_brier)
        self.assertAlmostEqual(learned.auc, backtest.auc, places=4)
        self.assertAlmostEqual(lines["p_alive"].auc, backtest.p_alive_auc, places=4)
        self.assertTrue(learned.has_brier)
        self.assertAlmostEqual(learned.brier_score, backtest.brier_score, places=3)
        # the calibration: ten groups of 59, predicted and actual rising together at the top
        table = backtest.calibration
        self.assertEqual([row["count"] for row in table], [59] * 10)
        self.assertGreater(table[-1]["actual"], 3 * table[0]["actual"])
        self.assertAlmostEqual(
            sum(row["actual"] * row["count"] for row in table), backtest.churned_count, places=6
        )
        self.assertEqual(backtest.calibration_chart.count("o_crm_churn_risk_calibration_row"), 10)
        # the workbook carries both
        book = load_workbook(
            io.BytesIO(self.env["crm.churn.backtest.xlsx"]._build_workbook(backtest))
        )
        self.assertEqual(
            book.sheetnames,
            ["Summary", "Confusion Matrix", "Rankings", "Calibration", "Customers"],
        )
        calibration = list(book["Calibration"].iter_rows(values_only=True))
        self.assertEqual(calibration[1][:2], (1, 59))
        self.assertAlmostEqual(calibration[10][3], table[-1]["actual"])
        rankings = list(book["Rankings"].iter_rows(values_only=True))
        self.assertEqual(rankings[1][:2], ("Learned churn risk", "Yes"))
        self.assertAlmostEqual(rankings[1][-1], learned.brier_score, places=6)

        # with the weighted rules as the company's score, the learned risk trained as of the
        # date is still measured beside them on the same customers
        self.company.crm_churn_score_method = "rules"
        rules_run = Backtest._run_backtest(self.company, date(1998, 3, 31), 90, LEVEL_MEDIUM)
        lines = {line.ranking: line for line in rules_run.ranking_ids}
        self.assertEqual(rules_run.score_method, "rules")
        self.assertTrue(lines["rules"].replayed)
        self.assertFalse(lines["learned"].replayed)
        self.assertAlmostEqual(lines["learned"].auc, learned.auc, places=3)
        self.assertEqual(len(rules_run.calibration), 10)
