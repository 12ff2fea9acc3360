"""SLA policies restricted to complaint categories: a policy with categories applies to the
complaints of those categories only, and the first matching policy by sequence (then id) wins,
however specific the ones after it are."""

from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase
from odoo.addons.crm_satisfaction.models.complaint_data import (
    PRIORITY_NORMAL,
    PRIORITY_URGENT,
    SLA_BREACHED,
    SLA_ON_TRACK,
)

from .common import make_office_calendar, make_sla

# 2026-03-02 is a Monday; the office calendar works Monday to Friday, 8-12 and 13-17 UTC
MONDAY_10 = datetime(2026, 3, 2, 10, 0)


@tagged("post_install", "-at_install")
class TestSlaCategory(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "SLA Category Co"})
        cls.other_company = cls.env["res.company"].create({"name": "SLA Category Other Co"})
        cls.env.user.company_ids |= cls.company | cls.other_company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.calendar = make_office_calendar(cls.env, cls.company)
        cls.env["crm.complaint.sla"].search([]).active = False
        Category = cls.env["crm.complaint.category"]
        cls.delivery = Category.create({"name": "Late delivery", "company_id": cls.company.id})
        cls.billing = Category.create({"name": "Wrong invoice", "company_id": cls.company.id})
        cls.quality = Category.create({"name": "Defect"})  # shared by all companies
        cls.vip = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        cls.team = cls.env["crm.complaint.team"].create(
            {"name": "SLA category team", "company_id": cls.company.id}
        )
        cls.customer = cls.env["res.partner"].create({"name": "Category Ltd", "is_company": True})
        cls.vip_customer = cls.env["res.partner"].create(
            {"name": "Category VIP", "is_company": True}
        )
        cls.vip_customer.with_company(cls.company).crm_tier_id = cls.vip
        delivery = [(6, 0, cls.delivery.ids)]
        cls.sla_vip_delivery = make_sla(
            cls.calendar,
            "VIP delivery",
            3,
            ack_hours=1,
            resolve_hours=2,
            tier_ids=[(6, 0, cls.vip.ids)],
            category_ids=delivery,
        )
        cls.sla_delivery = make_sla(
            cls.calendar, "Delivery", 5, ack_hours=2, resolve_hours=8, category_ids=delivery
        )
        # urgent delivery or billing complaints: more specific than "Delivery", but after it
        cls.sla_urgent_money = make_sla(
            cls.calendar,
            "Urgent delivery or billing",
            6,
            ack_hours=3,
            resolve_hours=12,
            priority=PRIORITY_URGENT,
            category_ids=[(6, 0, (cls.delivery | cls.billing).ids)],
        )
        # a policy of another company for the shared category never applies here
        cls.sla_other_company = make_sla(
            cls.calendar,
            "Defects elsewhere",
            1,
            ack_hours=1,
            resolve_hours=1,
            company_id=cls.other_company.id,
            category_ids=[(6, 0, cls.quality.ids)],
        )
        cls.sla_standard = make_sla(cls.calendar, "Standard", 90, ack_hours=8, resolve_hours=40)

    @freeze_time(MONDAY_10)
    def file(self, category=None, partner=None, priority=PRIORITY_NORMAL):
        return self.env["crm.complaint"].create(
            {
                "name": "Category SLA",
                "partner_id": (partner or self.customer).id,
                "company_id": self.company.id,
                "team_id": self.team.id,
                "reported_date": MONDAY_10,
                "category_id": category and category.id,
                "priority": priority,
            }
        )

    def test_category_policy_applies_to_its_categories_only(self):
        delivery = self.file(self.delivery)
        self.assertEqual(delivery.sla_id, self.sla_delivery)
        # 2 and 8 working hours from Monday 10:00 (Monday 10-12, 13-17, Tuesday 8-10)
        self.assertEqual(delivery.ack_deadline, datetime(2026, 3, 2, 12, 0))
        self.assertEqual(delivery.resolve_deadline, datetime(2026, 3, 3, 10, 0))
        # another category, no category, or the shared category whose only policy is another
        # company's: the standard policy (8 and 40 working hours)
        for complaint in (self.file(self.billing), self.file(), self.file(self.quality)):
            self.assertEqual(complaint.sla_id, self.sla_standard)
            self.assertEqual(complaint.ack_deadline, datetime(2026, 3, 3, 10, 0))
            self.assertEqual(complaint.resolve_deadline, datetime(2026, 3, 9, 10, 0))
        # an urgent billing complaint matches "Urgent delivery or billing"
        urgent_billing = self.file(self.billing, priority=PRIORITY_URGENT)
        self.assertEqual(urgent_billing.sla_id, self.sla_urgent_money)
        self.assertEqual(urgent_billing.ack_deadline, datetime(2026, 3, 2, 14, 0))
        self.assertEqual(urgent_billing.resolve_deadline, datetime(2026, 3, 3, 15, 0))
        # a VIP's delivery complaint: the tier-and-category policy, first by sequence
        vip_delivery = self.file(self.delivery, partner=self.vip_customer)
        self.assertEqual(vip_delivery.sla_id, self.sla_vip_delivery)
        self.assertEqual(vip_delivery.ack_deadline, datetime(2026, 3, 2, 11, 0))
        # a VIP's billing complaint: the tier-and-category policy does not apply
        self.assertEqual(
            self.file(self.billing, partner=self.vip_customer).sla_id, self.sla_standard
        )

    def test_first_matching_policy_by_sequence_wins(self):
        # urgent delivery complaints match "Delivery" (5) and "Urgent delivery or billing" (6):
        # the first by sequence wins, though the second also names the priority
        urgent_delivery = self.file(self.delivery, priority=PRIORITY_URGENT)
        self.assertEqual(urgent_delivery.sla_id, self.sla_delivery)
        self.assertEqual(urgent_delivery.ack_deadline, datetime(2026, 3, 2, 12, 0))
        # put first, the urgent policy takes over new complaints
        self.sla_urgent_money.sequence = 4
        self.assertEqual(
            self.file(self.delivery, priority=PRIORITY_URGENT).sla_id, self.sla_urgent_money
        )
        # equal sequences: the older policy (lower id) first
        self.sla_urgent_money.sequence = 5
        self.assertLess(self.sla_delivery.id, self.sla_urgent_money.id)
        self.assertEqual(
            self.file(self.delivery, priority=PRIORITY_URGENT).sla_id, self.sla_delivery
        )
        # an archived policy no longer matches
        self.sla_delivery.active = False
        self.assertEqual(self.file(self.delivery).sla_id, self.sla_standard)

    def test_changing_the_category_moves_the_deadlines(self):
        complaint = self.file(self.billing)
        self.assertEqual(complaint.sla_id, self.sla_standard)
        with freeze_time("2026-03-02 14:00:00"):
            complaint.category_id = self.delivery
            self.assertEqual(complaint.sla_id, self.sla_delivery)
            self.assertEqual(complaint.ack_deadline, datetime(2026, 3, 2, 12, 0))
            # the shorter deadline has already passed at 14:00: breached at once
            self.assertEqual(complaint.sla_status, SLA_BREACHED)
            self.assertEqual(complaint.sla_breached_date, datetime(2026, 3, 2, 14, 0))
        other = self.file(self.delivery)
        with freeze_time("2026-03-02 11:00:00"):
            other.category_id = self.billing
            self.assertEqual(other.sla_id, self.sla_standard)
            self.assertEqual(other.ack_deadline, datetime(2026, 3, 3, 10, 0))
            self.assertEqual(other.sla_status, SLA_ON_TRACK)
