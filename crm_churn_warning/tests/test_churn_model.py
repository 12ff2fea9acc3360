import os
import subprocess
import sys
import warnings
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
from psycopg2.errors import UniqueViolation

from odoo.exceptions import AccessError
from odoo.tests import new_test_user
from odoo.tools import mute_logger

from odoo.addons.crm_churn_warning.models.churn_data import MODEL_FITTED, MODEL_INSUFFICIENT
from odoo.addons.crm_churn_warning.tools import churn_stats
from odoo.addons.crm_lifecycle_tiering.tests.common import (
    CrmCase,
    insert_orders,
    make_company_user,
)

LIFETIMES_WHEEL = "lifetimes==0.11.3"
CDNOW_MEMBER = "lifetimes/datasets/CDNOW_sample.txt"
CDNOW_END = date(1997, 9, 30)
# Fader, Hardie & Lee (2005), BG/NBD on the CDNOW sample (weeks), and the Gamma-Gamma fit of
# "RFM and CLV" (2005) on the same customers
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "ll": -9582.4}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def cdnow_rows():
    """(customer id, date, dollar value) of every line of CDNOW_sample.txt, read from the
    lifetimes 0.11.3 wheel, downloaded once into ~/.cache/crm-addons."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "crm-addons"
    cache.mkdir(parents=True, exist_ok=True)
    wheels = sorted(cache.glob("[Ll]ifetimes-0.11.3-*.whl"))
    if not wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
            + ["--only-binary", ":all:", "--dest", str(cache), LIFETIMES_WHEEL],
            check=True,
            timeout=300,
        )
        wheels = sorted(cache.glob("[Ll]ifetimes-0.11.3-*.whl"))
    with zipfile.ZipFile(wheels[0]) as wheel:
        text = wheel.read(CDNOW_MEMBER).decode()
    rows = []
    for line in text.splitlines():
        # customer id, id in the master file, date YYYYMMDD, number of CDs, dollar value
        fields = line.split()
        if len(fields) == 5:
            day = datetime.strptime(fields[2], "%Y%m%d").date()
            rows.append((fields[0], day, float(fields[4])))
    return rows


def load_orders(env, company, transactions, prefix):
    """Confirmed sale orders of the company, set-wise: one partner per customer key of
    transactions [(key, date, untaxed value)]. Returns {key: partner id}."""
    cr = env.cr
    keys = sorted({key for key, _day, _value in transactions})
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, is_company, active, type, customer_rank,
                                 supplier_rank, autopost_bills, create_date, write_date,
                                 create_uid, write_uid)
        SELECT %(prefix)s || k, %(prefix)s || k, TRUE, TRUE, 'contact', 1, 0, 'ask', now(),
               now(), 1, 1
          FROM unnest(%(keys)s::text[]) k
        RETURNING id, name
        """,
        {"prefix": f"{prefix} ", "keys": keys},
    )
    ids = {name.removeprefix(f"{prefix} "): pid for pid, name in cr.fetchall()}
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", [list(ids.values())]
    )
    env.invalidate_all()
    Partner = env["res.partner"]
    insert_orders(
        env,
        company,
        [(Partner.browse(ids[key]), day, value) for key, day, value in transactions],
        prefix=prefix,
    )
    return ids


def simulate(rng, customers, start, weeks, params):
    """Transactions of customers following BG/NBD purchases and Gamma-Gamma values."""
    rows = []
    for index in range(customers):
        rate = rng.gamma(params["r"], 1 / params["alpha"])  # purchases a week
        dropout = rng.beta(params["a"], params["b"])
        mean_scale = 1 / rng.gamma(params["q"], 1 / params["gamma"])
        t = rng.uniform(0, 12)
        while t <= weeks:
            value = round(rng.gamma(params["p"], mean_scale), 2) + 0.01
            rows.append((f"C{index:05d}", start + timedelta(days=int(t * 7)), value))
            # after each repeat purchase (not the first) the customer may drop out
            if len(rows) > 1 and rows[-2][0] == rows[-1][0] and rng.random() < dropout:
                break
            t += rng.exponential(1 / rate)
    return rows


SIMULATED = {"r": 0.5, "alpha": 5.0, "a": 0.6, "b": 3.0, "p": 6.0, "q": 4.0, "gamma": 20.0}
SIM_START = date(2024, 1, 1)
SIM_END = SIM_START + timedelta(weeks=52)


class TestChurnStats(CrmCase):
    """The formulas on hand-computable cases (no database data needed)."""

    bgnbd = {"r": 1.0, "alpha": 1.0, "a": 1.0, "b": 1.0}

    def test_p_alive_by_hand(self):
        # odds = a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x) = 1 * (4 / 2)^2 = 4
        alive = churn_stats.p_alive(self.bgnbd, [1], [1], [3])
        self.assertAlmostEqual(alive[0], 0.2)
        # no repeat purchase: nobody has seen the customer drop out
        self.assertEqual(churn_stats.p_alive(self.bgnbd, [0, 0], [0, 0], [1, 500]).tolist(), [1, 1])

    def test_p_alive_falls_with_older_last_purchase(self):
        recency = np.array([38.0, 30.0, 20.0, 10.0, 1.0])
        alive = churn_stats.p_alive(PUBLISHED_BGNBD, [3] * 5, recency, [39.0] * 5)
        self.assertTrue(np.all(np.diff(alive) < 0), alive)
        self.assertTrue(np.all((alive > 0) & (alive < 1)))

    def test_extreme_histories_stay_finite(self):
        # 10,000 purchases in 100 weeks: silent for the last 99 weeks (gone), or buying to the
        # last day (about 100 a week, still active)
        x = [10000, 10000, 500, 0]
        t_x = [1.0, 99.99, 0.5, 0.0]
        T = [100.0, 100.0, 1000.0, 0.0]
        alive = churn_stats.p_alive(PUBLISHED_BGNBD, x, t_x, T)
        expected = churn_stats.conditional_expected_purchases(PUBLISHED_BGNBD, 13, x, t_x, T)
        self.assertTrue(np.all(np.isfinite(alive)) and np.all(np.isfinite(expected)))
        self.assertAlmostEqual(alive[0], 0.0)
        self.assertAlmostEqual(expected[0], 0.0)
        self.assertGreater(alive[1], 0.99)
        self.assertGreater(expected[1], 1000)
        self.assertEqual(alive[3], 1.0)

    def test_expected_purchases_out_of_float_range_without_warning(self):
        # a drop-out distribution this narrow makes (1 - z)^(a - 1) underflow to 0 while the
        # series overflows: no finite figure (NaN, which the callers store as 0), and no numpy
        # RuntimeWarning in the logs
        params = {"r": 0.5, "alpha": 5.0, "a": 1e4, "b": 2.0}
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            expected = churn_stats.conditional_expected_purchases(
                params, 13, [0, 1, 5], [0, 5, 50], [10, 10, 100]
            )
        self.assertTrue(np.all(np.isnan(expected)), expected)

    def test_expected_purchases(self):
        params = PUBLISHED_BGNBD
        # the published example: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in the
        # next 39 weeks (Fader, Hardie & Lee 2005, section 3)
        self.assertAlmostEqual(
            churn_stats.conditional_expected_purchases(params, 39, [2], [30.43], [38.86])[0],
            1.226,
            places=3,
        )
        horizons = [
            churn_stats.conditional_expected_purchases(params, t, [0, 4], [0, 20], [30, 30])
            for t in (1, 13, 52)
        ]
        self.assertTrue(all(np.all(h > 0) for h in horizons))
        self.assertTrue(np.all(horizons[0] < horizons[1]) and np.all(horizons[1] < horizons[2]))
        # a = 1 is a removable singularity of the closed form
        near = {**params, "a": 1.0}
        value = churn_stats.conditional_expected_purchases(near, 13, [2], [20], [30])[0]
        below = churn_stats.conditional_expected_purchases(
            {**near, "a": 0.999}, 13, [2], [20], [30]
        )
        self.assertAlmostEqual(value, below[0], places=3)

    def test_expected_spend_by_hand(self):
        params = {"p": 2.0, "q": 3.0, "gamma": 10.0}
        spend = churn_stats.conditional_expected_spend(params, [2, 0], [20.0, 0.0])
        # p (gamma + x m) / (p x + q - 1) = 2 * 50 / 6; without repeats p gamma / (q - 1) = 10
        self.assertAlmostEqual(spend[0], 100 / 6)
        self.assertAlmostEqual(spend[1], 10.0)
        heavy = churn_stats.conditional_expected_spend({**params, "q": 0.8}, [2, 1, 0], [20, 40, 0])
        self.assertEqual(heavy.tolist(), [20, 40, 30])

    def test_clv_discounts_monthly_purchases(self):
        gg = PUBLISHED_GAMMA_GAMMA
        args = ([0, 2, 26], [0, 30.43, 30.86], [38.86, 38.86, 31.0], [0, 30.0, 30.0])
        spend = churn_stats.conditional_expected_spend(gg, args[0], args[3])
        months = 12
        month = churn_stats.WEEKS_PER_MONTH
        # without discount the monthly increments add up to the purchases of the whole year
        undiscounted = churn_stats.clv(PUBLISHED_BGNBD, gg, *args, months=months, discount=0)
        year = churn_stats.conditional_expected_purchases(
            PUBLISHED_BGNBD, months * month, *args[:3]
        )
        np.testing.assert_allclose(undiscounted, spend * year, rtol=1e-9)
        discounted = churn_stats.clv(PUBLISHED_BGNBD, gg, *args, months=months, discount=0.01)
        by_month = sum(
            spend
            * (
                churn_stats.conditional_expected_purchases(PUBLISHED_BGNBD, i * month, *args[:3])
                - churn_stats.conditional_expected_purchases(
                    PUBLISHED_BGNBD, (i - 1) * month, *args[:3]
                )
            )
            / 1.01**i
            for i in range(1, months + 1)
        )
        np.testing.assert_allclose(discounted, by_month, rtol=1e-9)
        self.assertTrue(np.all(discounted < undiscounted) and np.all(discounted > 0))

    def test_fit_recovers_simulated_parameters(self):
        rows = simulate(np.random.default_rng(7), 4000, SIM_START, 52, SIMULATED)
        days = {}
        for key, day, value in rows:
            days.setdefault(key, {}).setdefault(day, 0.0)
            days[key][day] += value
        x, t_x, T, m = [], [], [], []
        for per_day in days.values():
            ordered = sorted(per_day)
            x.append(len(ordered) - 1)
            t_x.append((ordered[-1] - ordered[0]).days / 7)
            T.append((SIM_END - ordered[0]).days / 7)
            m.append(np.mean([per_day[d] for d in ordered[1:]]) if len(ordered) > 1 else 0)
        bgnbd = churn_stats.fit_bgnbd(x, t_x, T)
        spend = churn_stats.fit_gamma_gamma(x, m)
        # the fit is the maximum: moving any parameter lowers the likelihood
        best = churn_stats.bgnbd_log_likelihood(
            [bgnbd[k] for k in "r alpha a b".split()], x, t_x, T
        )
        self.assertAlmostEqual(best, bgnbd["ll"], places=6)
        for key in ("r", "alpha", "a", "b"):
            moved = {k: bgnbd[k] for k in ("r", "alpha", "a", "b")}
            moved[key] *= 1.02
            self.assertLess(churn_stats.bgnbd_log_likelihood(list(moved.values()), x, t_x, T), best)
        # and it lands near the parameters of the simulation (4,000 customers): the purchase
        # rate, the mean drop-out probability and the mean spend, which the data pin down best
        for key in ("r", "alpha"):
            self.assertAlmostEqual(bgnbd[key] / SIMULATED[key], 1, delta=0.15, msg=key)
        dropout = bgnbd["a"] / (bgnbd["a"] + bgnbd["b"])
        true_dropout = SIMULATED["a"] / (SIMULATED["a"] + SIMULATED["b"])
        self.assertAlmostEqual(dropout / true_dropout, 1, delta=0.15)
        mean_spend = spend["p"] * spend["gamma"] / (spend["q"] - 1)
        true_mean = SIMULATED["p"] * SIMULATED["gamma"] / (SIMULATED["q"] - 1)
        self.assertAlmostEqual(mean_spend / true_mean, 1, delta=0.1)

    def test_fit_without_data_raises_fit_error(self):
        with self.assertRaises(churn_stats.FitError):
            churn_stats.fit_bgnbd([], [], [])
        with self.assertRaises(churn_stats.FitError):
            churn_stats.fit_gamma_gamma([0, 0], [0, 0])


class TestChurnModel(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Model = cls.env["crm.churn.model"]
        usd = cls.env.ref("base.USD")
        cls.cdnow_company = cls.env["res.company"].create(
            {"name": "CDNOW Records", "currency_id": usd.id}
        )
        cls.sim_company = cls.env["res.company"].create(
            {"name": "Simulated Shop", "currency_id": usd.id}
        )
        cls.small_company = cls.env["res.company"].create(
            {"name": "Corner Shop", "currency_id": usd.id}
        )
        cls.env.user.company_ids |= cls.sim_company | cls.small_company
        cls.cdnow = load_orders(cls.env, cls.cdnow_company, cdnow_rows(), "CDNOW")
        sim_rows = simulate(np.random.default_rng(11), 300, SIM_START, 52, SIMULATED)
        cls.sim = load_orders(cls.env, cls.sim_company, sim_rows, "SIM")
        cls.churn_user = make_company_user(
            cls.env,
            "churn_model_user",
            "crm_churn_warning.crm_churn_warning_group_user",
            cls.cdnow_company,
        )
        cls.churn_manager = new_test_user(
            cls.env,
            login="churn_model_manager",
            groups="crm_churn_warning.crm_churn_warning_group_manager",
            company_id=cls.sim_company.id,
            company_ids=[(6, 0, (cls.sim_company | cls.small_company).ids)],
        )

    def summary_of(self, summary, partner_id):
        index = int(np.flatnonzero(summary["partner_id"] == partner_id)[0])
        return {key: summary[key][index] for key in ("x", "t_x", "T", "m")}

    # ------------------------------------------------------------------ CDNOW
    def test_cdnow_summary(self):
        summary = self.Model._get_summary(self.cdnow_company, CDNOW_END)
        self.assertEqual(len(summary["x"]), 2357)
        self.assertEqual(int(np.count_nonzero(summary["x"] > 0)), 946)
        self.assertEqual(sorted(summary["partner_id"].tolist()), sorted(self.cdnow.values()))
        # customer 00004 (ID 1 in the paper): 1997-01-01, -01-18, -08-02, and -12-12 after the
        # calibration period
        first = self.summary_of(summary, self.cdnow["00004"])
        self.assertEqual(first["x"], 2)
        self.assertAlmostEqual(first["t_x"], 213 / 7)  # 30.43 weeks
        self.assertAlmostEqual(first["T"], 272 / 7)  # 38.86 weeks
        self.assertAlmostEqual(first["m"], (29.73 + 14.96) / 2)
        single = self.summary_of(summary, self.cdnow["00050"])
        self.assertEqual((single["x"], single["t_x"], single["m"]), (0, 0, 0))
        later = self.Model._get_summary(self.cdnow_company, date(1997, 12, 31))
        self.assertEqual(self.summary_of(later, self.cdnow["00004"])["x"], 3)

    def test_cdnow_reproduces_published_parameters(self):
        """Same-day orders merged, calibration to 1997-09-30, T and t_x in weeks; Gamma-Gamma on
        the 946 repeat buyers with m = the mean value of their repeat purchases (the first
        purchase excluded), as in the paper and lifetimes' CDNOW summary. Including the first
        purchase in m gives p = 14.3, q = 3.95, gamma = 7.29 instead."""
        params, notice = self.Model._fit_params(self.cdnow_company, CDNOW_END)
        self.assertFalse(notice)
        for key, published in {**PUBLISHED_BGNBD, **PUBLISHED_GAMMA_GAMMA}.items():
            self.assertAlmostEqual(
                params[key] / published, 1, delta=0.01, msg=f"{key} = {params[key]}"
            )
        self.assertEqual((params["customers"], params["repeaters"]), (2357, 946))
        self.assertEqual(params["as_of"], "1997-09-30")
        self.assertFalse(self.Model._get_model(self.cdnow_company), "_fit_params writes nothing")

    def test_cdnow_predictions(self):
        self.cdnow_company.crm_churn_clv_discount = 0.01
        model = self.Model._fit_company(self.cdnow_company, CDNOW_END)
        self.assertEqual(model.state, MODEL_FITTED)
        self.assertAlmostEqual(model.r, 0.243, delta=0.0025)
        params = self.Model._get_params(self.cdnow_company)
        predictions = self.Model._predict(self.cdnow_company, CDNOW_END, params)
        self.assertEqual(len(predictions), 2357)
        alive, expected, value = predictions[self.cdnow["00004"]]
        self.assertAlmostEqual(
            alive, churn_stats.p_alive(params, [2], [213 / 7], [272 / 7])[0], places=9
        )
        self.assertTrue(0 < alive < 1)
        # 90 days = 12.86 weeks, well under the 1.226 expected in 39 weeks
        self.assertTrue(0.2 < expected < 1.226, expected)
        self.assertGreater(value, 0)
        for partner_id, (p_alive, purchases, clv) in predictions.items():
            self.assertTrue(0 <= p_alive <= 1 and purchases >= 0 and clv >= 0, partner_id)
        single = predictions[self.cdnow["00050"]]
        self.assertEqual(single[0], 1.0)
        # the value is discounted: it rises when the discount falls
        self.cdnow_company.crm_churn_clv_discount = 0.0
        undiscounted = self.Model._predict(self.cdnow_company, CDNOW_END, params)
        self.assertGreater(undiscounted[self.cdnow["00004"]][2], value)
        self.assertEqual(undiscounted[self.cdnow["00004"]][:2], (alive, expected))

    # ------------------------------------------------------------------ too little history
    def fit_insufficient(self, rows, prefix, notice):
        """The small company's model fitted as of 2025-06-30 on the orders of `rows` (see
        load_orders): not fitted, for the reason `notice` gives."""
        load_orders(self.env, self.small_company, rows, prefix)
        model = self.Model._fit_company(self.small_company, date(2025, 6, 30))
        self.assertEqual(model.state, MODEL_INSUFFICIENT)
        self.assertEqual(model.notice, notice)
        return model

    def test_insufficient_customers(self):
        model = self.fit_insufficient(
            [(f"S{i}", date(2025, 1, 1 + i), 10.0 + i) for i in range(12)],
            "SMALL",
            "Only 12 customers with orders up to 2025-06-30; at least 50 are needed to fit the "
            "purchase model.",
        )
        self.assertEqual((model.customers, model.repeaters, model.r), (12, 0, 0))
        self.assertIsNone(self.Model._get_params(self.small_company))
        self.assertEqual(self.Model._predict(self.small_company, date(2025, 6, 30), None), {})
        params, notice = self.Model._fit_params(self.small_company, date(2025, 6, 30))
        self.assertIsNone(params)
        self.assertEqual(notice, model.notice)

    def test_insufficient_repeat_buyers(self):
        self.small_company.crm_churn_model_min_customers = 5
        rows = [(f"R{i}", date(2025, 1, 1 + i % 20), 20.0) for i in range(60)]
        rows += [(f"R{i}", date(2025, 3, 1), 30.0) for i in range(3)]
        self.fit_insufficient(
            rows,
            "REPEAT",
            "Only 3 of the 60 customers ordered again after their first order day; at least 10 "
            "repeat buyers are needed to fit the purchase model.",
        )
        self.assertIsNone(self.Model._get_params(self.small_company))

    def test_company_without_orders(self):
        params, notice = self.Model._fit_params(self.small_company, date(2025, 6, 30))
        self.assertIsNone(params)
        self.assertIn("Only 0 customers", notice)
        summary = self.Model._get_summary(self.small_company, date(2025, 6, 30))
        self.assertEqual(len(summary["partner_id"]), 0)

    # ------------------------------------------------------------------ refits
    def test_fit_if_due(self):
        self.sim_company.crm_churn_refit_days = 7
        model = self.Model._fit_if_due(self.sim_company, SIM_END)
        self.assertEqual((model.state, model.as_of), (MODEL_FITTED, SIM_END))
        self.assertEqual(model.customers, 300)
        self.assertGreater(model.fit_seconds, 0)
        stored = self.Model._get_params(self.sim_company)
        again = self.Model._fit_if_due(self.sim_company, SIM_END + timedelta(days=6))
        self.assertEqual(again, model)
        self.assertEqual(again.as_of, SIM_END, "not due yet: the fit is kept")
        refit = self.Model._fit_if_due(self.sim_company, SIM_END + timedelta(days=7))
        self.assertEqual(refit, model)
        self.assertEqual(refit.as_of, SIM_END + timedelta(days=7))
        self.assertNotEqual(self.Model._get_params(self.sim_company)["ll"], stored["ll"])
        self.assertEqual(self.Model.search_count([("company_id", "=", self.sim_company.id)]), 1)
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation):
            with self.env.cr.savepoint():
                self.Model.create({"company_id": self.sim_company.id})
                self.env.flush_all()

    def test_insufficient_model_becomes_fitted(self):
        self.sim_company.crm_churn_model_min_customers = 500
        model = self.Model._fit_if_due(self.sim_company, SIM_END)
        self.assertEqual(model.state, MODEL_INSUFFICIENT)
        self.sim_company.crm_churn_model_min_customers = 50
        model = self.Model._fit_company(self.sim_company, SIM_END)
        self.assertEqual(model.state, MODEL_FITTED)
        self.assertFalse(model.notice)
        params = self.Model._get_params(self.sim_company)
        self.assertEqual(
            set(params),
            {"r", "alpha", "a", "b", "ll", "p", "q", "gamma", "gg_ll", "customers", "repeaters"}
            | {"as_of"},
        )
        self.assertEqual(params["as_of"], SIM_END.isoformat())

    # ------------------------------------------------------------------ companies
    def test_company_isolation(self):
        summary = self.Model._get_summary(self.sim_company, SIM_END)
        self.assertEqual(sorted(summary["partner_id"].tolist()), sorted(self.sim.values()))
        before = self.Model._fit_params(self.sim_company, SIM_END)[0]
        # a CDNOW customer orders in the simulated shop too: there it has one purchase day,
        # two orders of that day merged, a quotation and a cancelled order not counted
        shared = self.env["res.partner"].browse(self.cdnow["00004"])
        product = self.env["product.product"].create(
            {"name": "Record", "type": "service", "list_price": 10, "taxes_id": False}
        )
        day = SIM_END - timedelta(days=10)
        orders = self.env["sale.order"]
        for amount in (40, 60, 500, 700):
            orders |= (
                self.env["sale.order"]
                .with_company(self.sim_company)
                .create(
                    {
                        "partner_id": shared.id,
                        "company_id": self.sim_company.id,
                        "order_line": [
                            (
                                0,
                                0,
                                {"product_id": product.id, "price_unit": amount, "tax_ids": False},
                            )
                        ],
                    }
                )
            )
        orders[:2].action_confirm()
        orders[3].action_confirm()
        orders[3]._action_cancel()
        orders.write({"date_order": datetime.combine(day, time(9, 0))})
        summary = self.Model._get_summary(self.sim_company, SIM_END)
        self.assertEqual(len(summary["x"]), 301)
        row = self.summary_of(summary, shared.id)
        self.assertEqual((row["x"], row["t_x"], row["m"]), (0, 0, 0))
        self.assertAlmostEqual(row["T"], 10 / 7)
        # the CDNOW company's model is the same as before the order in the other company
        cdnow_summary = self.Model._get_summary(self.cdnow_company, CDNOW_END)
        self.assertEqual(self.summary_of(cdnow_summary, shared.id)["x"], 2)
        # the simulated shop's fit moves only by its own new customer
        after = self.Model._fit_params(self.sim_company, SIM_END)[0]
        self.assertEqual(after["customers"], before["customers"] + 1)
        self.assertEqual(after["repeaters"], before["repeaters"])

    def test_invoice_value_source(self):
        company = self.small_company
        self.env["account.chart.template"].try_loading(
            "generic_coa", company=company, install_demo=False
        )
        company.crm_value_source = "invoice"
        customer = self.env["res.partner"].create({"name": "Invoiced Listener", "is_company": True})
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": customer.id})
        as_of = date(2025, 6, 30)

        def move(move_type, amount, day, partner=customer, **values):
            return self.make_invoice(
                partner, amount, day, move_type=move_type, company=company, **values
            )

        day1, day2, day3 = date(2025, 1, 6), date(2025, 2, 3), date(2025, 3, 3)
        move("out_invoice", 1000, day1)
        move("out_invoice", 200, day1, contact)
        second = move("out_invoice", 500, day2)
        move("out_invoice", 300, day3)
        move("out_refund", 50, date(2025, 4, 1))  # not linked to an invoice
        move("out_invoice", 900, as_of + timedelta(days=1))  # after as_of
        move("out_invoice", 800, date(2025, 5, 1), state="draft")  # draft: not counted
        # a credit note of 100 on the second invoice, dated later, reduces that purchase
        move("out_refund", 100, date(2025, 5, 5), reverses=second)
        summary = self.Model._get_summary(company, as_of)
        self.assertEqual(summary["partner_id"].tolist(), [customer.id])
        row = self.summary_of(summary, customer.id)
        self.assertEqual(row["x"], 2)  # day 1 (two invoices merged), day 2, day 3
        self.assertAlmostEqual(row["t_x"], (day3 - day1).days / 7)
        self.assertAlmostEqual(row["T"], (as_of - day1).days / 7)
        # repeat purchases: day 2 net of its credit note (400) and day 3 (300), less the
        # unlinked refund (50)
        self.assertAlmostEqual(row["m"], (400 + 300 - 50) / 2)

    # ------------------------------------------------------------------ access
    def test_refit_button_and_access(self):
        Model = self.Model.with_user(self.churn_manager).with_context(
            allowed_company_ids=(self.sim_company | self.small_company).ids
        )
        Model.action_fit_companies()
        models = Model.search([])
        self.assertEqual(models.company_id, self.sim_company | self.small_company)
        sim_model = models.filtered(lambda m: m.company_id == self.sim_company)
        self.assertEqual(sim_model.state, MODEL_FITTED)
        self.assertEqual(
            models.filtered(lambda m: m.company_id == self.small_company).state, MODEL_INSUFFICIENT
        )
        cdnow_model = self.Model._fit_company(self.cdnow_company, CDNOW_END)
        # users see the models of their companies only
        self.assertEqual(self.Model.with_user(self.churn_user).search([]), cdnow_model)
        self.assertFalse(Model.search([("id", "=", cdnow_model.id)]))
        with self.assertRaises(AccessError):
            cdnow_model.with_user(self.churn_user).action_refit()
        with self.assertRaises(AccessError):
            cdnow_model.with_user(self.churn_user).write({"r": 1.0})
        sim_model.with_user(self.churn_manager).action_refit()
        today = self.crm_today(self.sim_company)
        self.assertEqual(sim_model.as_of, today)
