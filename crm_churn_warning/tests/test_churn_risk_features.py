"""The lifecycle stage and the tier of the learned churn risk's features, as they stood on each
date: the stage from the orders known on the date, by the lifecycle engine's own tests and the
company's thresholds; the tier from the history of the tier changes, unknown before the first
recorded change. A shop whose VIP customers churn less teaches the model a negative weight on
the tier's level, and a model stored before these features existed still scores."""

from datetime import date, timedelta

import numpy as np

from odoo.addons.crm_churn_warning.models.churn_data import MODEL_FITTED
from odoo.addons.crm_churn_warning.tools import churn_features, churn_learning
from odoo.addons.crm_lifecycle_tiering.tests.common import insert_orders

from .test_churn_risk_model import HORIZON, RiskCase

AS_OF = date(2025, 6, 30)
# (name, days before AS_OF of its orders, stage features on AS_OF: stage_repeat, stage_loyal,
# reactivated); the company's churn days 100, loyal from 4 orders and 200 days
STAGE_HISTORIES = [
    ("First", (10,), (0, 0, 0)),
    ("Repeat", (150, 60, 5), (1, 0, 0)),
    # two orders on one day: two orders, one order day
    ("Same Day", (20, 20), (1, 0, 0)),
    ("Loyal", (300, 200, 100, 30), (0, 1, 0)),
    # four orders, but a customer for 90 days only
    ("Young", (90, 60, 30, 1), (1, 0, 0)),
    # 150 days without an order, then back
    ("Back", (400, 250, 20), (1, 0, 1)),
    ("Loyal Back", (500, 480, 470, 300, 10), (0, 1, 1)),
]


def columns(features, names):
    """The named columns of a feature matrix (rows of churn_features.FEATURES)."""
    return features[:, [churn_features.FEATURES.index(name) for name in names]]


class TestStageFeatures(RiskCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.make_shop(
            "Stage Shop",
            crm_churn_days=100,
            crm_loyal_min_orders=4,
            crm_loyal_min_tenure_days=200,
        )
        cls.customers = {name: cls.make_customer(f"Stage {name}") for name, *_ in STAGE_HISTORIES}
        # churned on AS_OF: left out of the snapshot
        cls.gone = cls.make_customer("Stage Gone")
        orders = [
            (cls.customers[name], AS_OF - timedelta(days=ago), 50.0)
            for name, agos, _values in STAGE_HISTORIES
            for ago in agos
        ]
        orders += [(cls.gone, AS_OF - timedelta(days=150), 50.0)]
        # orders after the date change nothing on it
        orders += [(cls.customers["First"], AS_OF + timedelta(days=5), 50.0)] * 4
        insert_orders(cls.env, cls.company, orders, prefix="STAGE")

    def describe(self, on):
        days = self.Risk._get_days(self.company, on + timedelta(days=30))
        partner_ids, features, _labels = self.Risk._describe(
            self.company, days, on, HORIZON, self.company.crm_churn_days, labelled=False
        )
        return dict(
            zip(
                partner_ids.tolist(),
                columns(features, churn_features.STAGE_FEATURES).tolist(),
                strict=True,
            )
        )

    def test_stage_features_as_of_a_date(self):
        described = self.describe(AS_OF)
        self.assertEqual(
            {pid: tuple(values) for pid, values in described.items()},
            {self.customers[name].id: values for name, _agos, values in STAGE_HISTORIES},
        )
        # 260 days earlier: "Loyal" had ordered once (a first purchase), "Back" was churned
        # (left out), "Loyal Back" was loyal and back already; the others had not ordered
        earlier = self.describe(AS_OF - timedelta(days=260))
        self.assertEqual(
            {pid: tuple(values) for pid, values in earlier.items()},
            {
                self.customers["Loyal"].id: (0, 0, 0),
                self.customers["Loyal Back"].id: (0, 1, 1),
            },
        )

    def test_stages_agree_with_the_lifecycle_engine(self):
        """The lifecycle engine, run during the gap of "Back" and on AS_OF, sets the stages the
        features tell and records the reactivations the "reactivated" feature tells."""
        Engine = self.env["crm.value.engine"]
        partners = self.env["res.partner"].browse(c.id for c in self.customers.values())
        for on in (AS_OF - timedelta(days=360), AS_OF - timedelta(days=130), AS_OF):
            Engine._refresh_partners(partners, self.company, as_of=on)
        described = self.describe(AS_OF)
        names = {"stage_repeat": "repeat", "stage_loyal": "loyal"}
        for partner in partners.with_company(self.company):
            flags = dict(zip(churn_features.STAGE_FEATURES, described[partner.id], strict=True))
            stage = next((names[n] for n in names if flags[n]), "first_purchase")
            self.assertEqual(partner.crm_lifecycle_stage, stage, partner.name)
        reactivated = self.env["crm.lifecycle.event"].search(
            [("company_id", "=", self.company.id), ("is_reactivation", "=", True)]
        )
        self.assertEqual(
            reactivated.partner_id,
            self.customers["Back"] | self.customers["Loyal Back"],
        )
        self.assertEqual(
            {pid for pid, values in described.items() if values[2]},
            set(reactivated.partner_id.ids),
        )


class TestTierFeatures(RiskCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.make_shop("Tier History")
        cls.other = cls.make_shop("Other Tier History")
        cls.vip, cls.key, cls.standard = (
            cls.env.ref(f"crm_lifecycle_tiering.crm_customer_tier_{code}")
            for code in ("vip", "key", "standard")
        )
        cls.changed, cls.never, cls.late, cls.elsewhere = (
            cls.make_customer(f"Tier {name}") for name in ("Changed", "Never", "Late", "Elsewhere")
        )
        events = [
            (cls.changed, cls.company, date(2025, 1, 10), None, cls.vip),
            (cls.changed, cls.company, date(2025, 5, 1), cls.vip, cls.key),
            # two changes on one day: the later one holds
            (cls.changed, cls.company, date(2025, 6, 30), cls.key, cls.vip),
            (cls.changed, cls.company, date(2025, 6, 30), cls.vip, cls.key),
            (cls.late, cls.company, date(2025, 4, 15), None, cls.standard),
            (cls.elsewhere, cls.other, date(2025, 1, 10), None, cls.vip),
        ]
        Event = cls.env["crm.lifecycle.event"].sudo()
        Event.create(
            [
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "date": on,
                    "kind": "tier",
                    "old_tier_id": old and old.id,
                    "new_tier_id": new.id,
                }
                for partner, company, on, old, new in events
            ]
        )
        # a stage change is no tier change
        Event.create(
            {
                "partner_id": cls.elsewhere.id,
                "company_id": cls.company.id,
                "date": date(2025, 1, 10),
                "kind": "stage",
                "new_stage": "repeat",
            }
        )

    def tiers(self, on, partners, scope=None):
        features = self.Risk._get_tier_features(
            self.company, on, np.array(partners.ids), scope=scope
        )
        return dict(zip(partners.ids, map(tuple, features.tolist()), strict=True))

    def test_tier_as_of_a_date(self):
        partners = self.changed | self.never | self.late | self.elsewhere
        unknown = (0.0, 0.0)
        self.env.flush_all()
        # one query for the customers, however many, once their ids are loaded
        scope = self.Risk._load_scope(np.array(partners.ids))
        with self.assertQueryCount(1):
            early = self.tiers(date(2025, 3, 31), partners, scope=scope)
        # (tier known, level): VIP 1, Key 0.5, Standard 0 among the three tiers
        self.assertEqual(
            early,
            {
                self.changed.id: (1.0, 1.0),
                self.never.id: unknown,
                self.late.id: unknown,
                self.elsewhere.id: unknown,
            },
        )
        self.assertEqual(
            self.tiers(date(2025, 6, 29), partners),
            {
                self.changed.id: (1.0, 0.5),
                self.never.id: unknown,
                self.late.id: (1.0, 0.0),
                self.elsewhere.id: unknown,
            },
        )
        self.assertEqual(self.tiers(date(2025, 6, 30), partners)[self.changed.id], (1.0, 0.5))
        self.assertEqual(self.tiers(date(2024, 12, 31), partners)[self.changed.id], unknown)
        # a tier of the company's own ranks among the shared ones; archived tiers keep their rank
        gold = self.env["crm.customer.tier"].create(
            {"name": "Gold", "code": "gold", "sequence": 2, "company_id": self.company.id}
        )
        self.key.sudo().active = False
        # VIP, Key (archived), Gold, Standard
        self.assertEqual(self.tiers(date(2025, 6, 29), self.changed)[self.changed.id], (1.0, 2 / 3))
        self.assertEqual(self.tiers(date(2025, 6, 29), self.late)[self.late.id], (1.0, 0.0))
        self.assertEqual(gold.company_id, self.company)
        self.assertEqual(
            self.Risk.with_company(self.other)
            ._get_tier_features(self.other, date(2025, 3, 31), np.array(self.elsewhere.ids))
            .tolist(),
            [[1.0, 1.0]],
        )

    def test_scoring_tier_is_the_current_tier(self):
        """The value engine records a customer's first tier too: as of the day it ran, the
        tier the features tell is the customer's current tier."""
        customers = self.env["res.partner"].create(
            [{"name": f"Tiered {n}", "is_company": True} for n in range(4)]
        )
        insert_orders(
            self.env,
            self.company,
            [
                (customer, AS_OF - timedelta(days=20 * k), 3000.0 * n)
                for n, customer in enumerate(customers)
                for k in range(1 + 3 * n)
            ],
            prefix="TIERED",
        )
        self.env["crm.tier.rule"].create(
            [
                {"tier_id": tier.id, "company_id": self.company.id, "min_revenue_period": amount}
                for tier, amount in ((self.vip, 50000.0), (self.key, 10000.0))
            ]
        )
        self.env["crm.value.engine"]._refresh_partners(customers, self.company, as_of=AS_OF)
        tiers = customers.with_company(self.company).mapped("crm_tier_id")
        self.assertGreater(len(tiers), 1)
        ranked = self.env["crm.customer.tier"].search(
            [("company_id", "in", [self.company.id, False])]
        )
        levels = {tier: 1 - ranked.ids.index(tier.id) / (len(ranked) - 1) for tier in ranked}
        self.assertEqual(
            self.tiers(AS_OF, customers),
            {
                customer.id: (1.0, levels[customer.with_company(self.company).crm_tier_id])
                for customer in customers
            },
        )
        # the day before the engine first ran: not known
        self.assertEqual(set(self.tiers(AS_OF - timedelta(days=1), customers).values()), {(0, 0)})


class TestLearnedTierEffect(RiskCase):
    """A shop whose customers order about monthly from January 2024; the tiers were first
    assigned at the end of 2024 (the addon's installation) and a few customers moved since. The
    VIP customers stop ordering far more rarely than the others (the known effect): the model
    learns a negative weight on the tier's level from the dates after the installation, and
    the dates before it, where the tier is unknown, still count."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.make_shop("Tier Shop")
        tiers = [
            cls.env.ref(f"crm_lifecycle_tiering.crm_customer_tier_{code}")
            for code in ("vip", "key", "standard")
        ]
        # the chance to stop after each order, per tier
        stop = {tiers[0]: 0.01, tiers[1]: 0.05, tiers[2]: 0.1}
        rng = np.random.default_rng(11)
        start, end = date(2024, 1, 1), date(2025, 12, 31)
        cls.installed = date(2024, 12, 31)
        partners = cls.env["res.partner"].create(
            [{"name": f"Tier Shopper {n}", "is_company": True} for n in range(360)]
        )
        orders, events = [], []
        for partner in partners:
            tier = tiers[int(rng.integers(0, 3))]
            events.append((partner, cls.installed, False, tier))
            day = start + timedelta(days=int(rng.integers(0, 45)))
            while day <= end and rng.random() >= stop[tier]:
                orders.append((partner, day, float(rng.integers(20, 200))))
                day += timedelta(days=int(rng.integers(10, 50)))
        insert_orders(cls.env, cls.company, orders, prefix="TIERSHOP")
        cls.env["crm.lifecycle.event"].sudo().create(
            [
                {
                    "partner_id": partner.id,
                    "company_id": cls.company.id,
                    "date": on,
                    "kind": "tier",
                    "old_tier_id": old and old.id,
                    "new_tier_id": new.id,
                }
                for partner, on, old, new in events
            ]
        )
        cls.partners = partners

    def test_vip_customers_churn_less(self):
        as_of = date(2025, 9, 30)
        model = self.Risk._train_company(self.company, as_of)
        self.assertEqual(model.state, MODEL_FITTED, model.notice)
        # twelve month ends from July 2024, the first five before the tiers were first
        # assigned: the tier is unknown on them
        self.assertEqual(model.first_snapshot, date(2024, 7, 31))
        days = self.Risk._get_days(self.company, as_of)
        for on, known in ((date(2024, 11, 30), 0), (date(2024, 12, 31), 1)):
            _ids, features, _labels = self.Risk._describe(
                self.company, days, on, HORIZON, self.company.crm_churn_days
            )
            self.assertEqual(set(columns(features, ["tier_known"])[:, 0]), {known})
        params = model.sudo().params
        self.assertEqual(params["features"], list(churn_features.FEATURES))
        # fitted on the features that vary: not on complaints and answers (there are none)
        # nor on reactivations (nobody stayed away for the churn days and came back)
        self.assertEqual(
            set(churn_features.FEATURES) - set(params["names"]),
            {*churn_features.CONTEXT_FEATURES[:-1], "reactivated"},
        )
        coef = dict(zip(params["names"], params["coef"], strict=True))
        self.assertLess(coef["tier_level"], -0.2)
        self.assertGreater(model.validation_auc, model.recency_auc)
        # nothing after the date counts: a later tier change and later orders
        before = self.Risk._get_training(self.company)
        scores = self.Risk._predict(self.company, as_of, params)
        vip = self.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        self.env["crm.lifecycle.event"].sudo().create(
            [
                {
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    "date": as_of + timedelta(days=1),
                    "kind": "tier",
                    "new_tier_id": vip.id,
                }
                for partner in self.partners
            ]
        )
        insert_orders(
            self.env,
            self.company,
            [(partner, as_of + timedelta(days=2), 99.0) for partner in self.partners],
            prefix="TIERLATER",
        )
        self.Risk._train_company(self.company, as_of)
        self.assertEqual(self.Risk._get_training(self.company), before)
        self.assertEqual(self.Risk._predict(self.company, as_of, params), scores)

    def test_a_model_stored_before_the_features_still_scores(self):
        """A model fitted on fewer features (stored by an earlier version) scores with those
        it knows, and the nightly run trains it again, within its refit period."""
        as_of = date(2025, 9, 30)
        self.company.crm_churn_refit_days = 30
        model = self.Risk._train_company(self.company, as_of)
        params = model.sudo().params
        added = churn_features.STAGE_FEATURES + churn_features.TIER_FEATURES
        kept = [i for i, name in enumerate(params["names"]) if name not in added]
        older = {
            **{key: params[key] for key in ("intercept", "a", "b")},
            **{key: [params[key][i] for i in kept] for key in ("names", "mean", "scale", "coef")},
        }
        model.sudo().params = older
        scores = self.Risk._predict(self.company, as_of, older)
        self.assertTrue(scores)
        days = self.Risk._get_days(self.company, as_of)
        partner_ids, features, _labels = self.Risk._describe(
            self.company, days, as_of, HORIZON, self.company.crm_churn_days, labelled=False
        )
        expected = churn_learning.predict(older, columns(features, older["names"]))
        self.assertEqual([scores[pid][0] for pid in partner_ids.tolist()], expected.tolist())
        # a feature the stored model needs and that is no longer described: the rules score
        gone = dict(older, names=["retired_feature", *older["names"][1:]])
        with self.assertLogs(
            "odoo.addons.crm_churn_warning.models.crm_churn_risk_model", "WARNING"
        ) as logs:
            self.assertEqual(self.Risk._predict(self.company, as_of, gone), {})
        self.assertIn("retired_feature", logs.output[0])
        # trained again the next day, within the refit period, with today's features
        later = as_of + timedelta(days=1)
        self.assertEqual(self.Risk._train_if_due(self.company, later), model)
        self.assertEqual(model.as_of, later)
        self.assertEqual(model.sudo().params["features"], list(churn_features.FEATURES))
        self.assertEqual(self.Risk._train_if_due(self.company, later + timedelta(days=1)), model)
        self.assertEqual(model.as_of, later)
