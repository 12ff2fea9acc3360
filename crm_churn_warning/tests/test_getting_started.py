"""Getting Started, churn warnings: on a database holding the customers' history, the preview
shows the warnings the first night raises per salesperson and level within the capacity set in
the wizard, and the customers held back for the next nights; it leaves no warning, activity,
note, e-mail nor reference number behind, and the nightly runs after Apply raise exactly what it
showed. The capacity and the start date set in the wizard move the preview; only churn warning
managers change the capacity."""

from collections import Counter
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.crm_churn_warning.models.churn_data import (
    KIND_RISK,
    KIND_WIN_BACK,
    LEVEL_HIGH,
    LEVEL_MEDIUM,
)
from odoo.addons.crm_lifecycle_tiering.tests.common import preview_traces

from .common import ChurnCase


@tagged("post_install", "-at_install")
class TestGettingStartedChurn(ChurnCase):
    """Churn Test Co, start date T (today). Two signals count, with the same weight: an overdue
    order and no engagement. Every customer ordered 5 times 10 days apart:
    - A1, A2, A3 of salesperson A (churn_user), last order at T-160, never contacted: both
      signals, score 100 (high); A4, A5 of A, contacted at T-5: overdue only, 50 (medium);
    - B1 of salesperson B (churn_manager), as A1 (high); B2 of B, as A4 (medium); W of B, last
      order at T-250: churned since T-70, never contacted: a win-back warning at high risk;
    - N1, without salesperson, as A1 (high).
    Highest risk first, then the older customer: A1 A2 A3 A4 A5 for A, B1 W B2 for B."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.crm_today(cls.company)
        cls.company.crm_start_date = cls.today
        cls.salesperson_a, cls.salesperson_b = cls.churn_user, cls.churn_manager
        cls.nobody = cls.env["res.users"]
        cls.customers = {}
        for name, user, last, contacted in (
            ("A1", cls.salesperson_a, 160, False),
            ("A2", cls.salesperson_a, 160, False),
            ("A3", cls.salesperson_a, 160, False),
            ("A4", cls.salesperson_a, 160, True),
            ("A5", cls.salesperson_a, 160, True),
            ("B1", cls.salesperson_b, 160, False),
            ("W", cls.salesperson_b, 250, False),
            ("B2", cls.salesperson_b, 160, True),
            ("N1", cls.nobody, 160, False),
        ):
            partner = cls.make_customer(
                f"GS {name}", user_id=user.id, email=f"gs.{name.lower()}@example.com"
            )
            cls.make_orders(partner, cls.every(cls.today - timedelta(days=last + 40), 10, 5))
            if contacted:
                cls.make_message(partner, cls.today - timedelta(days=5))
            cls.customers[name] = partner
        cls.partners = cls.env["res.partner"].concat(*cls.customers.values())
        cls.value_manager = new_test_user(
            cls.env,
            login="gs_churn_value_manager",
            groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_manager",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.value_cron = cls.env.ref("crm_lifecycle_tiering.ir_cron_crm_value_recompute")
        cls.sequence = cls.env.ref("crm_churn_warning.seq_crm_churn_warning")

    def setUp(self):
        super().setUp()
        self.only_signals("overdue", "no_engagement", overdue=1, no_engagement=1)
        # the value recompute is due: the first night is today
        self.value_cron.nextcall = fields.Datetime.now() - timedelta(minutes=1)
        self.env["ir.cron.trigger"].search([("cron_id", "=", self.value_cron.id)]).unlink()

    # ------------------------------------------------------------------ helpers
    def open_wizard(self, user=None, **values):
        return (
            self.env["crm.getting.started"]
            .with_user(user or self.churn_manager)
            .with_company(self.company)
            .create(values)
        )

    def previewed(self, wizard):
        """({(salesperson, level): new warnings}, {salesperson: held back}, win-back warnings,
        offer e-mails, retention activities) of the last preview."""
        churn = wizard.preview_data["churn"]
        User = self.env["res.users"]
        created = Counter()
        win_back = 0
        for user_id, level, kind, count in churn["created"]:
            created[User.browse(user_id), level] += count
            win_back += count if kind == KIND_WIN_BACK else 0
        held = {User.browse(user_id): count for user_id, count in churn["held_back"]}
        return dict(created), held, win_back, churn["offers"], churn["activities"]

    def warnings(self):
        return self.env["crm.churn.warning"].search([("company_id", "=", self.company.id)])

    def snapshot(self):
        return {
            **preview_traces(self.env),
            "warnings": self.env["crm.churn.warning"].search_count([]),
            "lines": self.env["crm.churn.warning.line"].search_count([]),
            "references": self.sequence.number_next_actual,
            "partners": [
                (p.crm_lifecycle_stage, p.crm_churn_level, p.crm_churn_score)
                for p in self.partners.with_company(self.company)
            ],
            "company": (self.company.crm_churn_warning_capacity, self.company.crm_start_date),
        }

    # ------------------------------------------------------------------ tests
    def test_preview_then_apply_then_the_first_night(self):
        a, b, nobody = self.salesperson_a, self.salesperson_b, self.nobody
        wizard = self.open_wizard()
        self.assertEqual(wizard.churn_warning_capacity, 10)
        wizard.churn_warning_capacity = 2
        before = self.snapshot()
        self.assertEqual(before["partners"], [(False, False, 0.0)] * 9)

        wizard.action_preview()
        self.assertEqual(self.snapshot(), before, "the preview left something behind")
        # at most 2 new warnings for A (A1 A2; A3 A4 A5 held back), B (B1 W; B2 held back)
        # and for the customers without salesperson (N1); W's offer e-mail withheld: it
        # churned before the start date
        expected = {(a, LEVEL_HIGH): 2, (b, LEVEL_HIGH): 2, (nobody, LEVEL_HIGH): 1}
        created, held, win_back, offers, activities = self.previewed(wizard)
        self.assertEqual(created, expected)
        self.assertEqual(held, {a: 3, b: 1})
        self.assertEqual((win_back, offers, activities), (1, 0, 5))
        html = wizard.preview_html
        for text in ("At most 2 new warnings for one salesperson", "4 customers at risk"):
            self.assertIn(text, html)

        wizard.action_apply()
        self.assertEqual(self.company.crm_churn_warning_capacity, 2)
        after_apply = self.snapshot()
        self.assertEqual(after_apply["company"], (2, self.today))
        for key in ("warnings", "activities", "messages", "mails", "references", "partners"):
            self.assertEqual(after_apply[key], before[key], key)

        # the first night: the value recompute, then the churn scoring
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=60.0):
            self.env["crm.value.engine"]._cron_recompute_values()
            self.env["crm.churn.engine"]._cron_score()
        warnings = self.warnings()
        self.assertEqual(dict(Counter((w.user_id, w.level) for w in warnings)), expected)
        self.assertEqual(
            sorted(warnings.partner_id.mapped("name")),
            ["GS A1", "GS A2", "GS B1", "GS N1", "GS W"],
        )
        self.assertEqual(
            Counter(warnings.mapped("kind")), Counter({KIND_RISK: 4, KIND_WIN_BACK: 1})
        )
        self.assertEqual(len(warnings.activity_ids), 5)
        self.assertFalse(any(warnings.mapped("offer_sent_date")))
        self.assertEqual(len(set(warnings.mapped("name"))), 5)

    def test_capacity_and_start_date_move_the_preview(self):
        a, b, nobody = self.salesperson_a, self.salesperson_b, self.nobody
        wizard = self.open_wizard(churn_warning_capacity=3)
        before = self.snapshot()
        wizard.action_preview()
        created, held, _win_back, _offers, _activities = self.previewed(wizard)
        self.assertEqual(
            created,
            {(a, LEVEL_HIGH): 3, (b, LEVEL_HIGH): 2, (b, LEVEL_MEDIUM): 1, (nobody, LEVEL_HIGH): 1},
        )
        self.assertEqual(held, {a: 2})

        # no limit: every customer at risk gets a warning the first night
        with Form(wizard) as form:
            form.churn_warning_capacity = 0
            self.assertEqual(form.state, "draft", "the preview is outdated")
        wizard.action_preview()
        created, held, _win_back, _offers, activities = self.previewed(wizard)
        self.assertEqual(
            created,
            {
                (a, LEVEL_HIGH): 3,
                (a, LEVEL_MEDIUM): 2,
                (b, LEVEL_HIGH): 2,
                (b, LEVEL_MEDIUM): 1,
                (nobody, LEVEL_HIGH): 1,
            },
        )
        self.assertEqual((held, activities), ({}, 9))
        self.assertIn("No capacity limit", wizard.preview_html)

        # started 100 days ago: W churned after the start date and gets the win-back offer
        wizard.write({"churn_warning_capacity": 2, "start_date": self.today - timedelta(days=100)})
        wizard.action_preview()
        _created, _held, win_back, offers, _activities = self.previewed(wizard)
        self.assertEqual((win_back, offers), (1, 1))
        self.assertEqual(self.snapshot(), before, "the previews left something behind")

    def test_control_group_and_score_in_the_preview(self):
        """With half of the new warnings drawn into the control group and no capacity limit,
        the salespeople's table counts only the treated warnings, the control group is counted
        apart and gets no activity; the company's history is too short to learn from, so the
        preview says the weighted rules rank the customers."""
        self.company.crm_churn_control_share = 50
        wizard = self.open_wizard(churn_warning_capacity=0)
        before = self.snapshot()
        wizard.action_preview()
        created, held, _win_back, _offers, activities = self.previewed(wizard)
        churn = wizard.preview_data["churn"]
        treated = sum(created.values())
        # 9 customers at risk: 5 high (at least 2 of them drawn), 3 medium, W (win-back)
        self.assertEqual(treated + churn["control"], 9)
        self.assertGreaterEqual(churn["control"], 2)
        self.assertEqual((held, activities), ({}, treated))
        self.assertFalse(churn["learned"])
        html = wizard.preview_html
        self.assertIn(
            f"{churn['control']} more drawn into the control group: no playbook, no follow-up.",
            html,
        )
        # the company scores with the learned risk, which has too little history here
        self.assertEqual(self.company.crm_churn_score_method, "learned")
        self.assertIn(
            "Ranked by the weighted rules: the company&#39;s history is still too short to "
            "learn the churn risk from",
            html,
        )
        self.company.crm_churn_score_method = "rules"
        wizard.action_preview()
        self.assertIn(
            "Ranked by the weighted rules, the churn score chosen in the settings.",
            wizard.preview_html,
        )
        self.assertEqual(self.snapshot(), before, "the preview left something behind")

    def test_capacity_for_churn_warning_managers(self):
        wizard = self.open_wizard(user=self.value_manager)
        self.assertEqual(wizard.churn_warning_capacity, 10)
        wizard.action_preview()
        self.assertTrue(wizard.preview_data["churn"]["created"])
        wizard.churn_warning_capacity = 5
        message = "Only churn warning managers can change the capacity of warnings."
        with self.assertRaisesRegex(AccessError, message):
            wizard.action_preview()
        with self.assertRaisesRegex(AccessError, message):
            wizard.action_apply()
        self.assertEqual(self.company.crm_churn_warning_capacity, 10)
