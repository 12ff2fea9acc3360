from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.crm_churn_warning.models import churn_data
from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    EVENT_STAGE,
    EVENT_TIER,
    STAGE_CHURNED,
    STAGE_REPEAT,
)

from .test_churn_warning import WarningCase

SHIPPED_REASONS = [
    "Price",
    "Switched to a competitor",
    "Service or quality",
    "No longer needs it",
    "Moved or closed",
    "Unreachable",
    "Other",
]


class TestChurnLostReason(WarningCase):
    """Lost warnings and churned customers take a reason from the configurable list; the
    losses are reported by reason, tier and month."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Reason = cls.env["crm.churn.lost.reason"]
        cls.price = cls.env.ref("crm_churn_warning.crm_churn_lost_reason_price")
        cls.competitor = cls.env.ref("crm_churn_warning.crm_churn_lost_reason_competitor")
        cls.service = cls.env.ref("crm_churn_warning.crm_churn_lost_reason_service")
        # the first days of the two months before this one: each date stays in its month
        # whatever day today is
        this_month = cls.today.replace(day=1)
        cls.month_1 = this_month - relativedelta(months=2)
        cls.month_2 = this_month - relativedelta(months=1)

    def make_warning(self, name, tier=None, user=None, company=None):
        """An open high-risk warning of a new customer, raised 30 days ago."""
        company = company or self.company
        customer = self.make_customer(name, user=user)
        return self.Warning.with_company(company).create(
            {
                "partner_id": customer.id,
                "company_id": company.id,
                "level": churn_data.LEVEL_HIGH,
                "score": 70.0,
                "tier_id": tier.id if tier else False,
                "date": self.today - timedelta(days=30),
            }
        )

    def make_lost(self, name, tier, day, reason=None, user=None):
        """A warning closed lost on `day`, with `reason` given afterwards."""
        warning = self.make_warning(name, tier, user)
        warning._close(churn_data.STATE_LOST, day)
        if reason:
            warning.lost_reason_id = reason
        return warning

    def make_churn(self, partner, tier, day, reason=None, **values):
        """The stage change of `partner` to Churned on `day` in its history."""
        return self.env["crm.lifecycle.event"].create(
            {
                "partner_id": partner.id,
                "company_id": self.company.id,
                "date": day,
                "kind": EVENT_STAGE,
                "old_stage": STAGE_REPEAT,
                "new_stage": STAGE_CHURNED,
                "old_tier_id": tier.id,
                "new_tier_id": tier.id,
                "churn_lost_reason_id": reason.id if reason else False,
                **values,
            }
        )

    def open_wizard(self, warnings, user, **values):
        """The "Mark Lost" dialog of `warnings` as `user` opens it from the form."""
        action = warnings.with_user(user).action_open_lose()
        self.assertEqual(action["res_model"], "crm.churn.warning.lose")
        return (
            self.env[action["res_model"]]
            .with_user(user)
            .with_context(**action["context"])
            .create(values)
        )

    # ------------------------------------------------------------------ the list
    def test_shipped_reasons_and_rights(self):
        """Users read the reasons, only managers configure them."""
        as_user = self.Reason.with_user(self.salesperson)
        self.assertEqual(as_user.search([]).mapped("name")[: len(SHIPPED_REASONS)], SHIPPED_REASONS)
        with self.assertRaises(AccessError):
            as_user.create({"name": "Too expensive"})
        with self.assertRaises(AccessError):
            self.price.with_user(self.salesperson).name = "Cost"
        reason = self.Reason.with_user(self.manager).create(
            {"name": "Too expensive", "company_id": self.company.id}
        )
        self.assertIn(reason, as_user.search([]))
        # a reason of another company is not offered here
        foreign = self.Reason.create({"name": "Elsewhere", "company_id": self.other_company.id})
        self.assertNotIn(foreign, as_user.search([]))

    # ------------------------------------------------------------------ warnings
    def test_wizard_sets_reason_and_posts_note(self):
        warning = self.make_warning("Wizard Lost", self.tier_vip, user=self.salesperson)
        wizard = self.open_wizard(
            warning,
            self.salesperson,
            lost_reason_id=self.competitor.id,
            lost_feedback="<p>Signed with a cheaper supplier</p>",
        )
        self.assertEqual(wizard.warning_ids, warning)
        wizard.action_lost_reason_apply()
        self.assertEqual(warning.state, churn_data.STATE_LOST)
        self.assertEqual(warning.outcome_date, self.today)
        self.assertEqual(warning.lost_reason_id, self.competitor)
        notes = warning.message_ids.filtered(lambda m: "cheaper supplier" in m.body)
        self.assertEqual(len(notes), 1)
        self.assertIn("Closing note:", notes.body)
        self.assertEqual(notes.author_id, self.salesperson.partner_id)
        # without a note nothing more is posted
        second = self.make_warning("Wizard Lost Quietly", user=self.salesperson)
        self.open_wizard(
            second, self.salesperson, lost_reason_id=self.price.id
        ).action_lost_reason_apply()
        self.assertEqual(second.lost_reason_id, self.price)
        self.assertFalse(second.message_ids.filtered(lambda m: "Closing note:" in (m.body or "")))

    def test_wizard_refuses_other_company(self):
        """The dialog acts only on the warnings of the companies the user works in at the
        moment it is applied, and on warnings the user may see."""
        self.manager.company_ids |= self.other_company
        both = [self.company.id, self.other_company.id]
        foreign = self.make_warning("Foreign Lost", company=self.other_company)
        Lose = self.env["crm.churn.warning.lose"].with_user(self.manager)
        wizard = Lose.with_context(allowed_company_ids=both).create(
            {"warning_ids": [(6, 0, foreign.ids)], "lost_reason_id": self.price.id}
        )
        with self.assertRaisesRegex(
            UserError, "only mark lost the warnings of the companies you work in"
        ) as cm:
            wizard.with_context(allowed_company_ids=[self.company.id]).action_lost_reason_apply()
        self.assertEqual(
            str(cm.exception),
            "You can only mark lost the warnings of the companies you work in: " + foreign.name,
        )
        self.assertEqual(foreign.state, churn_data.STATE_NEW)
        self.assertFalse(foreign.lost_reason_id)
        # a salesperson cannot open it on the warning of another salesperson's customer
        theirs = self.make_warning("Theirs Lost", user=self.salesperson_2)
        with self.assertRaisesRegex(AccessError, "Churn Warning"):
            self.env["crm.churn.warning.lose"].with_user(self.salesperson).create(
                {"warning_ids": [(6, 0, theirs.ids)], "lost_reason_id": self.price.id}
            )
        self.assertEqual(theirs.state, churn_data.STATE_NEW)

    def test_engine_closed_warning_gets_reason_afterwards(self):
        warning = self.make_warning("Engine Lost", self.tier_key, user=self.salesperson)
        warning.partner_id.with_company(self.company).crm_lifecycle_stage = STAGE_CHURNED
        self.assertEqual(self.Warning._close_outcomes(self.company, self.today)["lost"], 1)
        self.assertEqual(warning.state, churn_data.STATE_LOST)
        self.assertFalse(warning.lost_reason_id)
        warning.with_user(self.salesperson).lost_reason_id = self.service
        self.assertEqual(warning.lost_reason_id, self.service)
        # reopened, it is open again and loses its reason; an open warning takes none
        warning.action_reopen()
        self.assertEqual(warning.state, churn_data.STATE_NEW)
        self.assertFalse(warning.lost_reason_id)
        with self.assertRaisesRegex(
            ValidationError, f"Only lost warnings take a lost reason: {warning.name}"
        ):
            warning.with_user(self.salesperson).lost_reason_id = self.price

    # ------------------------------------------------------------------ churned customers
    def test_churned_customer_reason(self):
        """The reason of a churned customer is kept on its churn; a reactivated customer shows
        none, its churn keeps it; a customer who is not churned takes none."""
        customer = self.make_customer("Churned Reason", user=self.salesperson)
        as_user = customer.with_user(self.salesperson).with_company(self.company)
        with self.assertRaisesRegex(UserError, "only a churned customer takes a churn reason"):
            as_user.crm_churn_lost_reason_id = self.price
        customer.with_company(self.company).crm_lifecycle_stage = STAGE_CHURNED
        older = self.make_churn(customer, self.tier_key, self.month_1, reason=self.competitor)
        churn = self.make_churn(customer, self.tier_key, self.month_2 + timedelta(days=2))
        as_user.invalidate_recordset()
        self.assertFalse(as_user.crm_churn_lost_reason_id)
        foreign = self.Reason.create({"name": "Elsewhere", "company_id": self.other_company.id})
        with self.assertRaisesRegex(UserError, "The reason Elsewhere belongs to another company."):
            customer.with_company(self.company).crm_churn_lost_reason_id = foreign
        as_user.crm_churn_lost_reason_id = self.price
        self.assertEqual(churn.churn_lost_reason_id, self.price)
        self.assertEqual(older.churn_lost_reason_id, self.competitor)
        as_user.invalidate_recordset()
        self.assertEqual(as_user.crm_churn_lost_reason_id, self.price)
        # reactivated: nothing on the customer, the churn keeps its reason for the reports
        customer.with_company(self.company).crm_lifecycle_stage = STAGE_REPEAT
        as_user.invalidate_recordset()
        self.assertFalse(as_user.crm_churn_lost_reason_id)
        self.assertEqual(churn.churn_lost_reason_id, self.price)
        # only churns take a reason
        with self.assertRaisesRegex(
            ValidationError, "Only the churn of a customer takes a churn reason."
        ):
            self.make_churn(customer, self.tier_key, self.today, reason=self.price, kind=EVENT_TIER)

    # ------------------------------------------------------------------ report
    def test_report_by_reason_tier_and_month(self):
        m1, m2 = self.month_1, self.month_2
        vip, key = self.tier_vip, self.tier_key
        mine = self.make_lost("Mine M1", vip, m1 + timedelta(days=1), self.price, self.salesperson)
        self.make_lost("Other M1", vip, m1 + timedelta(days=4), self.price)
        self.make_lost("Key M1", key, m1 + timedelta(days=2), self.competitor)
        self.make_lost("Unexplained M2", vip, m2 + timedelta(days=1))
        self.make_lost("Key M2", key, m2 + timedelta(days=3), self.price)
        self.make_warning("Still Open", vip)  # not lost: not counted
        self.make_churn(mine.partner_id, vip, m1 + timedelta(days=3), self.price)
        churned = self.make_customer("Churned M2")
        self.make_churn(churned, key, m2 + timedelta(days=2), self.service)
        # a return to repeat purchase is no churn
        self.make_churn(churned, key, self.today, new_stage=STAGE_REPEAT, old_stage=STAGE_CHURNED)

        def figures(user=None):
            Report = self.env["crm.churn.lost.report"]
            Report = Report.with_user(user) if user else Report
            return {
                (reason.name or None, tier.name, month): count
                for reason, tier, month, count in Report._read_group(
                    [("company_id", "=", self.company.id)],
                    ["lost_reason_id", "tier_id", "date:month"],
                    ["__count"],
                )
            }

        self.assertEqual(
            figures(),
            {
                ("Price", vip.name, m1): 3,
                ("Switched to a competitor", key.name, m1): 1,
                (None, vip.name, m2): 1,
                ("Price", key.name, m2): 1,
                ("Service or quality", key.name, m2): 1,
            },
        )
        sources = self.env["crm.churn.lost.report"]._read_group(
            [("company_id", "=", self.company.id)], ["source"], ["__count"]
        )
        self.assertEqual(dict(sources), {"warning": 5, "churn": 2})
        # a salesperson sees the losses of their own customers; the other company none
        self.assertEqual(figures(self.salesperson), {("Price", vip.name, m1): 2})
        self.assertEqual(figures(self.other_manager), {})
