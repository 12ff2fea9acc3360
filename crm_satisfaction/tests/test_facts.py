"""The facts this addon gives other addons as SQL queries, which the churn engine composes into
its aggregation: each customer's complaints and satisfaction answers as they stood at the end of
a date, its last follow-up visit, and the recommendation answers counted by NPS category."""

from datetime import datetime, time, timedelta

from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase

from ..models.complaint_data import PRIORITY_NORMAL, PRIORITY_URGENT, SLA_BREACHED
from ..models.satisfaction_data import NPS_DETRACTOR


@tagged("post_install", "-at_install")
class TestSatisfactionFacts(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Facts Co"})
        cls.other_company = cls.env["res.company"].create({"name": "Facts Other Co"})
        cls.env.user.company_ids |= cls.company | cls.other_company
        cls.customer = cls.make_customer("Facts Customer")
        cls.buyer = cls.env["res.partner"].create(
            {"name": "Facts Buyer", "parent_id": cls.customer.id}
        )
        cls.neighbour = cls.make_customer("Facts Neighbour")
        # the date the facts are asked for: ten days ago
        cls.as_of = cls.crm_today(cls.company) - timedelta(days=10)

    def day(self, offset):
        """The date ``offset`` days from as_of."""
        return self.as_of + timedelta(days=offset)

    def moment(self, offset):
        """10:00 UTC on the day ``offset`` days from as_of."""
        return datetime.combine(self.day(offset), time(10, 0))

    def make_complaint(self, partner, reported, priority=PRIORITY_NORMAL, company=None, **engine):
        """A complaint reported on a day (offset from as_of), without SLA policy; ``engine``
        values (closed_date, sla_status…) as the application would have written them."""
        company = company or self.company
        complaint = (
            self.env["crm.complaint"]
            .with_company(company)
            .create(
                {
                    "name": f"Facts complaint of {partner.name}",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "priority": priority,
                    "reported_date": self.moment(reported),
                    "sla_id": False,
                }
            )
        )
        if engine:
            complaint.sudo().write(engine)
        return complaint

    def make_response(self, partner, offset, company=None, **scores):
        Response = self.env["crm.satisfaction.response"]
        return Response.create(
            {
                "partner_id": partner.id,
                "company_id": (company or self.company).id,
                "date": self.day(offset),
                **Response._prepare_score_values(scores),
            }
        )

    def rows(self, query):
        self.env.flush_all()
        return {row[0]: row[1:] for row in self.env.execute_query(query)}

    def test_complaint_facts_as_of_a_date(self):
        # urgent, open, filed by the customer's buyer: counts for the customer
        self.make_complaint(self.buyer, -5, PRIORITY_URGENT)
        # past its SLA since before as_of, closed only after it: open and critical at as_of
        breached = self.make_complaint(self.customer, -40)
        breached.stage_id = self.env.ref("crm_satisfaction.crm_complaint_stage_closed")
        breached.sudo().write(
            {
                "closed_date": self.moment(5),
                "sla_status": SLA_BREACHED,
                "sla_breached_date": self.moment(-35),
            }
        )
        # breached after as_of: not critical at as_of; closed before it
        self.make_complaint(
            self.customer,
            -20,
            closed_date=self.moment(-1),
            sla_status=SLA_BREACHED,
            sla_breached_date=self.moment(2),
        )
        # reported after as_of, and one of another company: left out at as_of
        self.make_complaint(self.customer, 3, PRIORITY_URGENT)
        self.make_complaint(self.customer, -3, PRIORITY_URGENT, company=self.other_company)
        self.make_complaint(self.neighbour, -3)
        Complaint = self.env["crm.complaint"]

        facts = self.rows(Complaint._get_complaint_facts_query(self.company, self.as_of, 30))
        self.assertEqual(facts, {self.customer.id: (2, 2), self.neighbour.id: (0, 1)})
        # the same complaints ten days later (today): the breached one is closed, the later
        # urgent one open, the one reported 30 days before out of the period
        today = self.crm_today(self.company)
        facts = self.rows(Complaint._get_complaint_facts_query(self.company, today, 30))
        self.assertEqual(facts, {self.customer.id: (2, 2), self.neighbour.id: (0, 1)})
        facts = self.rows(Complaint._get_complaint_facts_query(self.company, today, 10))
        self.assertEqual(facts, {self.customer.id: (2, 1), self.neighbour.id: (0, 0)})
        # restricted to some customers, given by a query
        only = SQL("SELECT unnest(%s::int[])", self.neighbour.ids)
        facts = self.rows(
            Complaint._get_complaint_facts_query(self.company, self.as_of, 30, partner_ids=only)
        )
        self.assertEqual(facts, {self.neighbour.id: (0, 1)})

    def test_satisfaction_facts_as_of_a_date(self):
        self.make_response(self.buyer, -100, csat=5)  # satisfaction score 100
        self.make_response(self.customer, -60, nps=10)  # a promoter, 100
        self.make_response(self.customer, -50, nps=3)  # a detractor, 30
        self.make_response(self.customer, -10, csat=2)  # 25
        self.make_response(self.customer, 2, csat=1, nps=0)  # after as_of
        self.make_response(self.customer, -5, csat=1, company=self.other_company)
        self.make_response(self.neighbour, -1, csat=4, nps=8)  # 75
        Response = self.env["crm.satisfaction.response"]

        facts = self.rows(Response._get_satisfaction_facts_query(self.company, self.as_of))
        self.assertEqual(set(facts), {self.customer.id, self.neighbour.id})
        csat, nps, category, recent, previous = facts[self.customer.id]
        self.assertEqual((csat, nps, category), (2, 3, NPS_DETRACTOR))
        # the last 90 days against the 90 before
        self.assertAlmostEqual(recent, (100 + 30 + 25) / 3)
        self.assertEqual(previous, 100.0)
        self.assertEqual(facts[self.neighbour.id], (4, 8, "passive", 75.0, None))
        only = SQL("SELECT unnest(%s::int[])", self.neighbour.ids)
        facts = self.rows(
            Response._get_satisfaction_facts_query(self.company, self.as_of, partner_ids=only)
        )
        self.assertEqual(list(facts), [self.neighbour.id])

        # the recommendation answers by category: (promoters, passives, detractors)
        counts = Response._get_nps_counts([("company_id", "=", self.company.id)], "partner_id")
        self.assertEqual(counts, {self.customer: (1, 0, 2), self.neighbour: (0, 1, 0)})
        counts = Response._get_nps_counts(
            [("company_id", "=", self.company.id), ("date", "<=", self.as_of)], "company_id"
        )
        self.assertEqual(counts, {self.company: (1, 1, 1)})

    def test_last_visit(self):
        Followup = self.env["crm.followup"]
        Followup.create(
            [
                {"partner_id": partner.id, "company_id": company.id, "date": self.day(offset)}
                for partner, company, offset in (
                    (self.buyer, self.company, -30),
                    (self.customer, self.other_company, -5),
                    (self.customer, self.company, 1),
                )
            ]
        )
        # in every company; the other partners of the database left aside
        ours = (self.customer | self.buyer | self.neighbour).ids
        visits = self.rows(Followup._get_last_visit_query(self.as_of))
        self.assertEqual(
            {pid: row for pid, row in visits.items() if pid in ours},
            {self.customer.id: (self.day(-5),)},
        )
