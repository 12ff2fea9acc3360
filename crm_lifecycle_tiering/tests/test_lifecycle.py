import json
from datetime import timedelta

import numpy as np

from odoo.exceptions import AccessError

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import REASON_REACTIVATED

from .common import ValueCase


class TestLifecycle(ValueCase):
    def stage(self, partner, company=None):
        return self.val(partner, company).crm_lifecycle_stage

    def stage_path(self, partner):
        events = self.env["crm.lifecycle.event"].search(
            [("partner_id", "=", partner.id), ("kind", "=", "stage")], order="date, id"
        )
        return [(e.old_stage or None, e.new_stage) for e in events]

    def test_every_transition_and_reactivation(self):
        t0 = self.AS_OF - timedelta(days=800)
        customer = self.make_customer("Journey Co")
        self.make_order(customer, 100, t0, confirm=False)
        self.run_engine(as_of=t0)
        self.assertEqual(self.stage(customer), "prospect")
        self.make_order(customer, 100, t0 + timedelta(days=1))
        self.run_engine(as_of=t0 + timedelta(days=2))
        self.assertEqual(self.stage(customer), "first_purchase")
        self.make_order(customer, 100, t0 + timedelta(days=60))
        self.run_engine(as_of=t0 + timedelta(days=61))
        self.assertEqual(self.stage(customer), "repeat")
        for day in (120, 200, 380):
            self.make_order(customer, 100, t0 + timedelta(days=day))
        # 5 orders, but tenure is 365 days only from day 366
        self.run_engine(as_of=t0 + timedelta(days=365))
        self.assertEqual(self.stage(customer), "repeat")
        self.run_engine(as_of=t0 + timedelta(days=381))
        self.assertEqual(self.stage(customer), "loyal")
        # 180 days without order are allowed, 181 are not
        self.run_engine(as_of=t0 + timedelta(days=380 + 180))
        self.assertEqual(self.stage(customer), "loyal")
        self.run_engine(as_of=t0 + timedelta(days=380 + 181))
        self.assertEqual(self.stage(customer), "churned")
        self.make_order(customer, 100, t0 + timedelta(days=700))
        self.run_engine(as_of=t0 + timedelta(days=701))
        self.assertEqual(self.stage(customer), "loyal")
        self.assertEqual(
            self.stage_path(customer),
            [
                (None, "prospect"),
                ("prospect", "first_purchase"),
                ("first_purchase", "repeat"),
                ("repeat", "loyal"),
                ("loyal", "churned"),
                ("churned", "loyal"),
            ],
        )
        reactivation = self.env["crm.lifecycle.event"].search(
            [("partner_id", "=", customer.id), ("is_reactivation", "=", True)]
        )
        self.assertEqual(len(reactivation), 1)
        self.assertEqual(reactivation.date, t0 + timedelta(days=701))
        self.assertEqual(self.val(customer).crm_stage_since, t0 + timedelta(days=701))
        # the chatter tells the same story: a reactivation, from Churned to Loyal
        note = self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", customer.id),
                (
                    "subtype_id",
                    "=",
                    self.env.ref("crm_lifecycle_tiering.mt_partner_reactivated").id,
                ),
            ]
        )
        self.assertEqual(len(note), 1)
        self.assertEqual(
            [
                (t.field_id.name, t.old_value_char, t.new_value_char)
                for t in note.tracking_value_ids
            ],
            [("crm_lifecycle_stage", "Churned", "Loyal")],
        )
        self.assertEqual(json.loads(reactivation.reason), {"code": REASON_REACTIVATED})
        self.assertEqual(reactivation.reason_text, "Reactivated: bought again after churning")

    def test_metrics(self):
        customer = self.make_customer("Metrics Co")
        days = [400, 300, 100, 100, 10]
        amounts = [1000, 2000, 300, 700, 500]
        for day, amount in zip(days, amounts, strict=True):
            self.make_order(customer, amount, self.AS_OF - timedelta(days=day))
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": customer.id})
        self.make_order(contact, 250, self.AS_OF - timedelta(days=5))
        self.run_engine()
        p = self.val(customer)
        self.assertEqual(p.crm_first_order_date, self.AS_OF - timedelta(days=400))
        self.assertEqual(p.crm_last_order_date, self.AS_OF - timedelta(days=5))
        self.assertEqual(p.crm_order_count, 6)
        self.assertAlmostEqual(p.crm_revenue_total, 4750)
        self.assertEqual(p.crm_order_count_period, 5)
        self.assertAlmostEqual(p.crm_revenue_period, 3750)
        self.assertAlmostEqual(p.crm_avg_order_value, 791.67)
        # from day -400 to day -5 over 6 orders: 395 days / 5 intervals
        self.assertAlmostEqual(p.crm_purchase_interval, 79.0)
        self.assertFalse(self.val(contact).crm_lifecycle_stage)

    def test_recency_and_tenure_are_searchable(self):
        customer = self.make_customer("Recent Co")
        today = self.crm_today(self.vc)
        self.make_order(customer, 100, today - timedelta(days=40))
        self.make_order(customer, 100, today - timedelta(days=10))
        self.run_engine(as_of=today)
        Partner = self.env["res.partner"].with_company(self.vc)
        self.assertEqual(self.val(customer).crm_recency_days, 10)
        self.assertEqual(self.val(customer).crm_tenure_days, 40)
        self.assertIn(customer, Partner.search([("crm_recency_days", "<=", 10)]))
        self.assertNotIn(customer, Partner.search([("crm_recency_days", ">", 10)]))
        self.assertIn(customer, Partner.search([("crm_tenure_days", ">=", 40)]))

    def test_rfm_against_an_independent_computation(self):
        rng = np.random.default_rng(7)
        customers = []
        for i in range(23):
            customer = self.make_customer(f"RFM {i:02d}")
            for _n in range(int(rng.integers(1, 6))):
                day = self.AS_OF - timedelta(days=int(rng.integers(0, 700)))
                self.make_order(customer, float(rng.integers(1, 50)) * 100, day)
            customers.append(customer)
        self.run_engine()
        self.env.cr.execute(
            """
            SELECT p.commercial_partner_id, max(so.date_order)::date, count(*),
                   sum(so.amount_untaxed)
              FROM sale_order so JOIN res_partner p ON p.id = so.partner_id
             WHERE so.company_id = %s AND so.state = 'sale' GROUP BY 1
            """,
            [self.vc.id],
        )
        rows = {r[0]: r[1:] for r in self.env.cr.fetchall()}
        last = np.array([rows[c.id][0].toordinal() for c in customers])
        count = np.array([rows[c.id][1] for c in customers])
        revenue = np.array([float(rows[c.id][2]) for c in customers])

        def scores(values):
            # quintile breakpoints as percentile_disc: the smallest value covering each fifth
            breakpoints = np.quantile(values, [0.2, 0.4, 0.6, 0.8], method="inverted_cdf")
            return [1 + int((v > breakpoints).sum()) for v in values]

        expected = list(zip(scores(last), scores(count), scores(revenue), strict=True))
        actual = [
            (self.val(c).crm_rfm_r, self.val(c).crm_rfm_f, self.val(c).crm_rfm_m) for c in customers
        ]
        self.assertEqual(actual, expected)
        segments = self.env["crm.rfm.segment"].search([])
        for customer, (r, f, _m) in zip(customers, expected, strict=True):
            segment = next(
                s for s in segments if s.r_min <= r <= s.r_max and s.f_min <= f <= s.f_max
            )
            self.assertEqual(self.val(customer).crm_rfm_segment_id, segment)
        # value score weights 20/25/35/10/5/5: R, F, M, tenure (36 months), referrals, potential
        c = customers[0]
        r, f, m = expected[0]
        first = self.val(c).crm_first_order_date
        months = (self.AS_OF.year - first.year) * 12 + self.AS_OF.month - first.month
        months -= 1 if self.AS_OF.day < first.day else 0
        score = (
            100
            * (20 * (r - 1) / 4 + 25 * (f - 1) / 4 + 35 * (m - 1) / 4 + 10 * min(months / 36, 1))
            / 100
        )
        self.assertAlmostEqual(self.val(c).crm_value_score, round(score, 1))

    def test_other_currency(self):
        customer = self.make_customer("Euro Buyer")
        day = self.AS_OF - timedelta(days=20)
        self.env["res.currency.rate"].create(
            {
                "name": day - timedelta(days=5),
                "rate": 0.8,
                "currency_id": self.eur.id,
                "company_id": self.vc.id,
            }
        )
        order = self.make_order(customer, 800, day, currency=self.eur)
        self.assertEqual(order.currency_id, self.eur)
        self.run_engine()
        self.assertAlmostEqual(self.val(customer).crm_revenue_total, 1000)

    def test_invoices_net_of_refunds(self):
        self.env["account.chart.template"].try_loading(
            "generic_coa", company=self.vc, install_demo=False
        )
        self.vc.crm_value_source = "invoice"
        customer = self.make_customer("Invoiced Co")
        day = self.AS_OF - timedelta(days=20)
        invoice, refund = (
            self.make_invoice(customer, amount, date, move_type, state="draft", company=self.vc)
            for move_type, amount, date in (
                ("out_invoice", 1000, day),
                ("out_refund", 300, day + timedelta(days=3)),
            )
        )
        (invoice | refund).action_post()
        self.run_engine()
        p = self.val(customer)
        self.assertAlmostEqual(p.crm_revenue_total, 700)
        self.assertEqual(p.crm_order_count, 1)
        self.assertEqual(p.crm_last_order_date, day)

    def test_companies_have_separate_values(self):
        customer = self.make_customer("Shared Customer")
        day = self.AS_OF - timedelta(days=3)
        self.make_order(customer, 100, day)
        self.env.user.company_ids |= self.other_company
        self.make_order(customer, 900, day, company=self.other_company)
        self.make_order(customer, 900, day - timedelta(days=1), company=self.other_company)
        self.run_engine()
        self.run_engine(company=self.other_company)
        self.assertAlmostEqual(self.val(customer).crm_revenue_total, 100)
        self.assertEqual(self.val(customer).crm_lifecycle_stage, "first_purchase")
        other = self.val(customer, self.other_company)
        self.assertAlmostEqual(other.crm_revenue_total, 1800)
        self.assertEqual(other.crm_lifecycle_stage, "repeat")
        Partner = self.env["res.partner"]
        self.assertIn(
            customer,
            Partner.with_company(self.other_company).search(
                [("crm_lifecycle_stage", "=", "repeat")]
            ),
        )
        self.assertNotIn(
            customer, Partner.with_company(self.vc).search([("crm_lifecycle_stage", "=", "repeat")])
        )
        events = self.env["crm.lifecycle.event"].search([("partner_id", "=", customer.id)])
        self.assertEqual(set(events.company_id.ids), {self.vc.id, self.other_company.id})
        # a user of one company sees that company's events only
        visible = (
            self.env["crm.lifecycle.event"]
            .with_user(self.tier_user)
            .with_context(allowed_company_ids=[self.vc.id])
            .search([("partner_id", "=", customer.id)])
        )
        self.assertEqual(visible.company_id, self.vc)

    def test_history_is_read_only_but_for_the_administrator(self):
        customer = self.make_customer("History Co")
        self.make_order(customer, 100, self.AS_OF)
        self.run_engine()
        event = self.env["crm.lifecycle.event"].search([("partner_id", "=", customer.id)], limit=1)
        as_manager = event.with_user(self.tier_manager).with_context(
            allowed_company_ids=[self.vc.id]
        )
        self.assertEqual(as_manager.new_stage, "first_purchase")
        with self.assertRaises(AccessError):
            as_manager.write({"reason": "rewritten"})
        with self.assertRaises(AccessError):
            as_manager.unlink()
        with self.assertRaises(AccessError):
            self.env["crm.lifecycle.event"].with_user(self.tier_user).create(
                {"partner_id": customer.id, "company_id": self.vc.id, "kind": "tier"}
            )
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.vc
        event.with_user(admin).with_context(allowed_company_ids=[self.vc.id]).write(
            {"reason": "corrected"}
        )
        self.assertEqual(event.reason, "corrected")
        # a reason written by hand is kept as written, in every language
        self.env["res.lang"]._activate_lang("fr_FR")
        self.assertEqual(event.with_context(lang="fr_FR").reason_text, "corrected")
