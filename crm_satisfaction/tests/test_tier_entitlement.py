"""The complaint deadlines and the follow-up interval of a tier in its entitlement line, and the
line under the tier badge of a complaint."""

from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import (
    CrmCase,
    CrmHttpCase,
    make_company_user,
)
from odoo.addons.crm_satisfaction.models.followup_data import FOLLOWUP_ACTIVITY_TYPE_XMLID
from odoo.addons.mail.tools.discuss import Store

from .common import TierCompanyMixin, make_sla


class TestTierEntitlement(TierCompanyMixin, CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_tier_companies("Entitlement")
        cls.tier = cls.env["crm.customer.tier"].create(
            {"name": "Platinum", "code": "platinum_entitlement", "followup_interval_days": 30}
        )
        category = cls.env["crm.complaint.category"].create({"name": "Late delivery"})
        # by sequence: a policy of one category (not the tier's general deadlines), the tier's,
        # the one of every tier
        make_sla(
            cls.calendar,
            "Platinum delivery",
            1,
            1,
            4,
            tier_ids=cls.tier.ids,
            category_ids=category.ids,
        )
        make_sla(cls.calendar, "Platinum", 2, 2, 16.5, tier_ids=cls.tier.ids)
        make_sla(cls.calendar, "Everyone", 3, 8, 40)
        cls.customer = cls.env["res.partner"].create({"name": "Platinum Co", "is_company": True})
        cls.customer.with_company(cls.company).sudo().crm_tier_id = cls.tier

    def summary(self, lang, company=None):
        tier = self.tier.with_company(company or self.company).with_context(lang=lang)
        return tier.entitlement_summary

    def test_deadlines_and_followups_in_english_and_chinese(self):
        self.assertEqual(
            self.summary("en_US"),
            "Complaints: answered within 2 h, resolved within 16.5 h · Follow-up every 30 days",
        )
        self.assertEqual(
            self.summary("zh_CN"), "投诉：2 小时内响应，16.5 小时内解决 · 每 30 天回访一次"
        )

    def test_no_policy_in_the_other_company(self):
        self.assertEqual(self.summary("en_US", self.other_company), "Follow-up every 30 days")
        self.tier.followup_interval_days = 0
        self.assertEqual(self.summary("en_US", self.other_company), "")

    def test_line_under_the_complaint_badge(self):
        complaint = self.env["crm.complaint"].create(
            {"name": "Late again", "partner_id": self.customer.id, "company_id": self.company.id}
        )
        self.assertEqual(complaint.tier_id, self.tier)
        self.assertEqual(
            complaint.crm_tier_summary,
            "Complaints: answered within 2 h, resolved within 16.5 h · Follow-up every 30 days",
        )

    def test_followup_activity_carries_the_tier_to_the_chatter(self):
        followup_type = self.env.ref(FOLLOWUP_ACTIVITY_TYPE_XMLID)
        salesperson = make_company_user(
            self.env, "entitlement_salesperson", "sales_team.group_sale_salesman", self.company
        )
        salesperson.company_ids |= self.other_company
        followup, todo = self.env["mail.activity"].create(
            [
                {
                    "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "res_id": self.customer.id,
                    "activity_type_id": activity_type.id,
                    "user_id": salesperson.id,
                    "crm_followup_company_id": self.company.id,
                }
                for activity_type in (followup_type, self.env.ref("mail.mail_activity_data_todo"))
            ]
        )
        # read from another company, the follow-up shows the tier of its own company
        followup = followup.with_user(salesperson).with_company(self.other_company)
        self.assertEqual(followup.crm_tier_id, self.tier)
        self.assertFalse(todo.with_user(salesperson).crm_tier_id)
        data = Store().add(followup).get_result()["mail.activity"][0]
        self.assertEqual(data["crm_tier_name"], "Platinum")
        self.assertEqual(
            data["crm_tier_summary"],
            "Complaints: answered within 2 h, resolved within 16.5 h · Follow-up every 30 days",
        )
        # an employee without the tiering group gets no tier in the chatter
        employee = make_company_user(
            self.env, "entitlement_employee", "base.group_user", self.company
        )
        followup = followup.with_env(self.env(user=employee))
        data = Store().add(followup).get_result()["mail.activity"][0]
        self.assertNotIn("crm_tier_name", data)


@tagged("post_install", "-at_install")
class TestFollowupTierTour(CrmHttpCase):
    def test_followup_tier_in_the_chatter_tour(self):
        admin = self.env.ref("base.user_admin")
        tier_vip = self.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        tier_vip.service_policy = "<p>Dedicated hotline within the hour</p>"
        customer = self.env["res.partner"].create({"name": "Followed VIP Ltd", "is_company": True})
        customer.with_company(admin.company_id).sudo().crm_tier_id = tier_vip
        self.env["mail.activity"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                "res_id": customer.id,
                "activity_type_id": self.env.ref(FOLLOWUP_ACTIVITY_TYPE_XMLID).id,
                "user_id": admin.id,
                "crm_followup_company_id": admin.company_id.id,
            }
        )
        self.start_tour(f"/odoo/res.partner/{customer.id}", "crm_followup_tier_tour", login="admin")
