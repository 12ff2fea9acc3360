"""New complaints of a tier's customers: to the tier's account manager, else its key-account
team's leader, before the complaint team's routing; starting at the tier's default priority,
which sets their SLA policy."""

from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase, make_company_user

from ..models.complaint_data import PRIORITY_HIGH, PRIORITY_LOW, PRIORITY_NORMAL
from .common import TierCompanyMixin, make_sla


@tagged("post_install", "-at_install")
class TestTierRouting(TierCompanyMixin, CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_tier_companies("Routing")
        users = {
            login: make_company_user(cls.env, login, "base.group_user", cls.company)
            for login in ("rt_manager", "rt_leader", "rt_agent", "rt_gone")
        }
        cls.manager, cls.leader, cls.agent, cls.gone = users.values()
        cls.team = cls.env["crm.complaint.team"].create(
            {
                "name": "Routing desk",
                "company_id": cls.company.id,
                "member_ids": [(6, 0, cls.agent.ids)],
            }
        )
        cls.category = cls.env["crm.complaint.category"].create(
            {"name": "Routing delivery", "team_id": cls.team.id, "company_id": cls.company.id}
        )
        cls.key_accounts = cls.env["crm.team"].create(
            {"name": "Key accounts", "company_id": cls.company.id, "user_id": cls.leader.id}
        )
        Tier = cls.env["crm.customer.tier"]
        cls.vip, cls.key, cls.standard = (
            Tier.create({"name": name, "code": f"routing_{name.lower()}", "sequence": sequence})
            for sequence, name in enumerate(("Vip", "Key", "Standard"))
        )
        cls.vip.write({"complaint_priority": PRIORITY_HIGH})
        cls.vip.with_company(cls.company).account_manager_id = cls.manager
        cls.key.with_company(cls.company).account_team_id = cls.key_accounts
        make_sla(cls.calendar, "High", 1, 1, 4, priority=PRIORITY_HIGH)
        make_sla(cls.calendar, "Everyone", 2, 8, 40)
        cls.customers = {}
        for tier in (cls.vip, cls.key, cls.standard):
            customer = cls.env["res.partner"].create({"name": f"Routing {tier.name} Co"})
            customer.with_company(cls.company).sudo().crm_tier_id = tier
            cls.customers[tier] = customer
        cls.contact = cls.env["res.partner"].create(
            {"name": "Routing VIP buyer", "parent_id": cls.customers[cls.vip].id}
        )

    def file(self, partner, **values):
        return self.env["crm.complaint"].create(
            {
                "name": "Late",
                "partner_id": partner.id,
                "company_id": self.company.id,
                "category_id": self.category.id,
                **values,
            }
        )

    def test_vip_to_the_account_manager_at_high_priority(self):
        # filed by one of the VIP's contacts: the tier is the company's
        complaint = self.file(self.contact)
        self.assertEqual(complaint.user_id, self.manager)
        # the complaint team stays the category's: its leader and manager escalate as before
        self.assertEqual(complaint.team_id, self.team)
        self.assertEqual(complaint.priority, PRIORITY_HIGH)
        self.assertEqual(complaint.sla_id.name, "High")

    def test_key_to_the_key_account_team_leader(self):
        complaint = self.file(self.customers[self.key])
        self.assertEqual((complaint.user_id, complaint.priority), (self.leader, PRIORITY_NORMAL))
        self.assertEqual(complaint.sla_id.name, "Everyone")

    def test_standard_to_the_category_team_as_before(self):
        complaint = self.file(self.customers[self.standard])
        self.assertEqual(
            (complaint.team_id, complaint.user_id, complaint.priority),
            (self.team, self.agent, PRIORITY_NORMAL),
        )

    def test_what_staff_choose_is_kept(self):
        complaint = self.file(
            self.customers[self.vip], user_id=self.agent.id, priority=PRIORITY_LOW
        )
        self.assertEqual((complaint.user_id, complaint.priority), (self.agent, PRIORITY_LOW))
        # raised by hand, then the customer's tier changes: the priority stays
        complaint.priority = PRIORITY_NORMAL
        self.customers[self.vip].with_company(self.company).sudo().crm_tier_id = self.standard
        self.assertEqual(complaint.priority, PRIORITY_NORMAL)

    def test_changing_the_customer_takes_its_tier_priority(self):
        complaint = self.file(self.customers[self.standard])
        complaint.partner_id = self.customers[self.vip]
        self.assertEqual(complaint.priority, PRIORITY_HIGH)

    def test_missing_people_fall_back_to_the_general_routing(self):
        # an archived account manager, a key-account team without a leader: the complaint
        # team's member gets the complaint
        self.vip.with_company(self.company).account_manager_id = self.gone
        self.gone.active = False
        self.assertEqual(self.file(self.customers[self.vip]).user_id, self.agent)
        self.key_accounts.user_id = False
        self.assertEqual(self.file(self.customers[self.key]).user_id, self.agent)
        # the tier's people in one company route nothing in another
        self.customers[self.vip].with_company(self.other_company).sudo().crm_tier_id = self.vip
        self.assertFalse(
            self.env["crm.customer.tier"]._get_dedicated_user(
                self.customers[self.vip], self.other_company
            )
        )

    def test_entitlement_line_gives_the_priority(self):
        line = self.vip.with_company(self.company).with_context(lang="en_US").entitlement_summary
        self.assertIn("Complaints: High priority, answered within 1 h, resolved within 4 h", line)
        self.assertIn(f"Account manager: {self.manager.name}", line)
        line = self.vip.with_company(self.company).with_context(lang="zh_CN").entitlement_summary
        self.assertIn("投诉：高优先级，1 小时内响应，4 小时内解决", line)
