from datetime import timedelta

import numpy as np

from odoo import Command
from odoo.tests import tagged

from odoo.addons.crm_churn_warning.models.churn_data import MODEL_FITTED, MODEL_INSUFFICIENT
from odoo.addons.crm_churn_warning.tools import churn_stats
from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase, CrmHttpCase

from .test_churn_model import SIM_END, SIM_START, SIMULATED, load_orders, simulate

CALIBRATION_START = SIM_END - timedelta(days=90)
WEEKS_90 = 90 / 7
WEEKS_12M = 12 * 365.25 / 12 / 7


@tagged("post_install", "-at_install")
class TestPurchaseModelSummary(CrmCase):
    """What a fit tells a manager, checked against the model's formulas applied by hand to the
    simulated orders of 300 customers (2024, BG/NBD purchases and Gamma-Gamma values)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Model = cls.env["crm.churn.model"]
        usd = cls.env.ref("base.USD")
        cls.company = cls.env["res.company"].create({"name": "Summary Shop", "currency_id": usd.id})
        cls.rows = simulate(np.random.default_rng(23), 300, SIM_START, 52, SIMULATED)
        cls.partner_ids = load_orders(cls.env, cls.company, cls.rows, "SUMMARY")

    def by_hand(self, as_of):
        """(partner ids, x, t_x, T, m) of the customers with an order up to as_of, from the
        simulated rows: purchase days merged per customer and day, times in weeks."""
        days = {}
        for key, day, value in self.rows:
            if day <= as_of:
                per_day = days.setdefault(self.partner_ids[key], {})
                per_day[day] = per_day.get(day, 0.0) + value
        partner_ids = sorted(days)
        x, t_x, T, m = [], [], [], []
        for partner_id in partner_ids:
            ordered = sorted(days[partner_id])
            x.append(len(ordered) - 1)
            t_x.append((ordered[-1] - ordered[0]).days / 7)
            T.append((as_of - ordered[0]).days / 7)
            later = [days[partner_id][day] for day in ordered[1:]]
            m.append(sum(later) / len(later) if later else 0.0)
        return partner_ids, *(np.array(values, dtype=float) for values in (x, t_x, T, m))

    def purchase_days_between(self, start, end):
        """partner id -> days with an order in (start, end]."""
        days = {}
        for key, day, _value in self.rows:
            if start < day <= end:
                days.setdefault(self.partner_ids[key], set()).add(day)
        return {partner_id: len(found) for partner_id, found in days.items()}

    def test_manager_figures_by_hand(self):
        model = self.Model._fit_company(self.company, SIM_END)
        self.assertEqual((model.state, model.customers), (MODEL_FITTED, 300))
        params = self.Model._fit_params(self.company, SIM_END)[0]
        _ids, x, t_x, T, m = self.by_hand(SIM_END)

        alive = churn_stats.p_alive(params, x, t_x, T)
        likely = int(np.count_nonzero(alive >= 0.5))
        self.assertEqual(model.likely_active_count, likely)
        self.assertTrue(0 < likely < 300, likely)
        self.assertAlmostEqual(model.likely_active_share, likely / 300)

        orders_90 = churn_stats.conditional_expected_purchases(params, WEEKS_90, x, t_x, T)
        orders_12m = churn_stats.conditional_expected_purchases(params, WEEKS_12M, x, t_x, T)
        self.assertAlmostEqual(model.expected_orders_90, orders_90.sum(), delta=0.05)
        self.assertAlmostEqual(model.expected_orders_12m, orders_12m.sum(), delta=0.05)
        self.assertGreater(model.expected_orders_12m, 3 * model.expected_orders_90)
        # the expected value of a customer's next order: p (gamma + x m) / (p x + q - 1)
        p, q, gamma = params["p"], params["q"], params["gamma"]
        self.assertGreater(q, 1)
        spend = p * (gamma + x * m) / (p * x + q - 1)
        self.assertAlmostEqual(model.expected_revenue_90, (spend * orders_90).sum(), delta=0.01)
        self.assertAlmostEqual(model.expected_revenue_12m, (spend * orders_12m).sum(), delta=0.01)

    def test_calibration_against_the_orders_that_followed(self):
        model = self.Model._fit_company(self.company, SIM_END)
        self.assertEqual(model.calibration_date, CALIBRATION_START)
        self.assertFalse(model.calibration_notice)
        # the model fitted on the history up to 90 days before, its expectations of the 90 days
        # that followed, the customers of then ranked by them (equal ones by customer) in ten
        params = self.Model._fit_params(self.company, CALIBRATION_START)[0]
        partner_ids, x, t_x, T, _m = self.by_hand(CALIBRATION_START)
        predicted = churn_stats.conditional_expected_purchases(params, WEEKS_90, x, t_x, T)
        placed = self.purchase_days_between(CALIBRATION_START, SIM_END)
        actual = np.array([placed.get(partner_id, 0) for partner_id in partner_ids])
        ranked = sorted(range(len(partner_ids)), key=lambda i: (predicted[i], partner_ids[i]))
        expected = [
            (decile, len(group), round(predicted[group].sum(), 1), int(actual[group].sum()))
            for decile, group in enumerate(np.array_split(np.array(ranked), 10), start=1)
        ]
        self.assertEqual(
            [
                (line.decile, line.customer_count, round(line.predicted_orders, 1))
                + (line.actual_orders,)
                for line in model.calibration_ids
            ],
            expected,
        )
        self.assertAlmostEqual(model.calibration_predicted, predicted.sum(), delta=0.5)
        self.assertEqual(model.calibration_actual, int(actual.sum()))
        # simulated from the model itself, the model predicts the total within 30% (300
        # customers, 90 days), and the customers it expects most of order far more than those
        # it expects least of
        self.assertAlmostEqual(model.calibration_predicted / model.calibration_actual, 1, delta=0.3)
        lines = model.calibration_ids
        self.assertGreater(lines[-1].actual_orders, 3 * max(lines[0].actual_orders, 1))
        # the chart shows every group, predicted and actual
        chart = str(model.calibration_chart)
        self.assertEqual(chart.count("o_crm_churn_calibration_row"), 10)
        self.assertIn(f"{lines[-1].actual_orders:,}", chart)

    def test_thin_history_has_no_calibration_and_refits_clear_it(self):
        model = self.Model._fit_company(self.company, SIM_END)
        self.assertEqual(len(model.calibration_ids), 10)
        # every customer starts within the first 12 weeks: by mid-May all 300 had ordered, by
        # mid-February (90 days before) fewer than the 250 the company asks for
        self.company.crm_churn_model_min_customers = 250
        as_of = SIM_START + timedelta(days=135)
        start = as_of - timedelta(days=90)
        early = len(self.by_hand(start)[0])
        self.assertLess(early, 250)
        self.assertEqual(len(self.by_hand(as_of)[0]), 300)
        model = self.Model._fit_company(self.company, as_of)
        self.assertEqual(model.state, MODEL_FITTED)
        self.assertFalse(model.calibration_ids)
        self.assertEqual(model.calibration_date, start)
        self.assertEqual(
            model.calibration_notice,
            f"No calibration on the history up to {start}: Only {early} customers with orders "
            f"up to {start}; at least 250 are needed to fit the purchase model.",
        )
        self.assertFalse(model.calibration_chart)
        self.assertEqual((model.calibration_predicted, model.calibration_actual), (0, 0))
        # too little history for any model: no figures at all
        self.company.crm_churn_model_min_customers = 1000
        model = self.Model._fit_company(self.company, SIM_END)
        self.assertEqual(model.state, MODEL_INSUFFICIENT)
        self.assertEqual(
            (
                model.likely_active_count,
                model.expected_orders_90,
                model.expected_orders_12m,
                model.expected_revenue_90,
                model.expected_revenue_12m,
            ),
            (0, 0, 0, 0, 0),
        )
        self.assertFalse(model.calibration_ids)
        self.assertFalse(model.calibration_date)


@tagged("post_install", "-at_install")
class TestPurchaseModelTour(CrmHttpCase):
    def test_manager_reads_the_summary_first(self):
        """A churn manager opens the company's purchase model: customers likely still active,
        expected orders and revenue and the calibration come first, the parameters sit on
        the Technical page."""
        company = self.env.ref("base.main_company")
        Model = self.env["crm.churn.model"].sudo()
        model = Model._get_model(company) or Model.create({"company_id": company.id})
        model.write(
            {
                "state": MODEL_FITTED,
                "notice": False,
                "as_of": self.crm_today(company),
                "customers": 500,
                "repeaters": 320,
                "likely_active_count": 412,
                "expected_orders_90": 321.5,
                "expected_orders_12m": 1204.3,
                "expected_revenue_90": 250000,
                "expected_revenue_12m": 980000,
                "r": 0.61,
                "alpha": 9.87,
                "a": 0.42,
                "b": 3.1,
                "p": 5.2,
                "q": 3.4,
                "gamma": 120.5,
                "calibration_date": self.crm_today(company) - timedelta(days=90),
                "calibration_notice": False,
                "calibration_ids": [Command.clear()]
                + [
                    Command.create(
                        {
                            "decile": decile,
                            "customer_count": 45,
                            "predicted_low": 0.1 * decile,
                            "predicted_high": 0.1 * decile + 0.05,
                            "predicted_orders": 4.5 * decile,
                            "actual_orders": 4 * decile + 1,
                        }
                    )
                    for decile in range(1, 11)
                ],
            }
        )
        self.start_tour("/odoo", "crm_churn_purchase_model_tour", login="admin")
