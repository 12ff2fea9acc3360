import random
from datetime import timedelta

from odoo import api, fields, models


class CrmComplaintDemo(models.AbstractModel):
    """Demo complaints of the main company, in every stage and SLA state."""

    _name = "crm.complaint.demo"
    _description = "Complaint Demo Data"

    # (subject, category, priority, working hours since reported, stage, working hours to
    #  acknowledge, to resolve (None: not reached), VIP customer). With the shipped policies
    #  (standard 8 h / 40 h, urgent 4 h / 24 h, VIP 2 h / 16 h) these give every SLA state.
    _SCENARIOS = [
        ("Damaged goods on delivery", "delivery", "1", 1, "new", None, None, False),
        ("Wrong item shipped", "delivery", "1", 7, "new", None, None, False),
        (
            "Invoice does not match the quotation",
            "billing",
            "1",
            10,
            "acknowledged",
            2,
            None,
            False,
        ),
        ("Rude answer on the hotline", "service", "2", 15, "investigating", 3, None, True),
        (
            "Product stopped working after two weeks",
            "product",
            "3",
            30,
            "investigating",
            2,
            None,
            False,
        ),
        ("Late delivery for the third time", "delivery", "2", 20, "new", None, None, False),
        ("Spare parts never arrived", "after_sales", "1", 35, "investigating", 4, None, False),
        ("Discount not applied", "billing", "0", 12, "resolved", 1, 10, False),
        ("Packaging torn", "delivery", "0", 60, "closed", 1, 6, False),
        ("Technician missed the appointment", "after_sales", "2", 100, "closed", 3, 60, False),
        ("Colour differs from the sample", "product", "1", 50, "rejected", 2, 12, False),
        ("Billing reminder after payment", "billing", "1", 80, "closed", 1, 4, True),
        ("Warranty claim refused", "after_sales", "2", 30, "resolved", 1, 20, False),
        ("Noise from the unit", "product", "1", 6, "waiting", 2, None, False),
    ]

    @api.model
    def _load_demo_complaints(self):
        rng = random.Random(4)
        company = self.env.ref("base.main_company")
        Partner = self.env["res.partner"].with_company(company)
        customers = Partner.search(
            [("crm_lifecycle_stage", "in", ["first_purchase", "repeat", "loyal", "churned"])],
            order="id",
        )
        if not customers:
            return
        stages = {
            key: self.env.ref(f"crm_satisfaction.crm_complaint_stage_{key}")
            for key in ("new", "acknowledged", "investigating", "resolved", "closed", "rejected")
        }
        waiting = self.env["crm.complaint.stage"].search(
            [("is_waiting", "=", True), ("is_closed", "=", False), ("sla_step", "!=", "resolved")],
            limit=1,
        ) or self.env["crm.complaint.stage"].create(
            {
                "name": "Waiting for customer",
                "sequence": 3,
                "sla_step": "acknowledged",
                "is_waiting": True,
            }
        )
        stages["waiting"] = waiting
        now = fields.Datetime.now()
        calendar = company.resource_calendar_id
        Complaint = (
            self.env["crm.complaint"]
            .with_company(company)
            .with_context(mail_notrack=True, mail_create_nolog=True)
        )
        vip = customers.filtered(lambda p: p.crm_tier_id.code == "vip")
        standard = customers.filtered(lambda p: p.crm_tier_id.code == "standard") or customers
        for subject, category, priority, elapsed, stage, ack, resolve, is_vip in self._SCENARIOS:
            partner = rng.choice(vip if is_vip and vip else standard)
            reported = calendar.plan_hours(-elapsed, now)
            complaint = Complaint.create(
                {
                    "name": subject,
                    "partner_id": (partner.child_ids[:1] or partner).id,
                    "company_id": company.id,
                    "category_id": self.env.ref(
                        f"crm_satisfaction.crm_complaint_category_{category}"
                    ).id,
                    "priority": priority,
                    "channel": rng.choice(["phone", "email", "portal", "web", "chat"]),
                    "reported_date": reported,
                    "description": f"<p>{subject}.</p>",
                }
            )
            values = {"stage_id": stages[stage].id}
            if ack is not None:
                values["acknowledged_date"] = calendar.plan_hours(ack, reported)
                values["ack_hours_taken"] = ack
            if resolve is not None:
                values["resolved_date"] = calendar.plan_hours(resolve, reported)
                values["resolve_hours_taken"] = resolve
            if stages[stage].is_closed:
                values["closed_date"] = values["resolved_date"] + timedelta(hours=24)
                values["resolution"] = "<p>Replaced the goods and apologised.</p>"
                values["root_cause"] = "Handling at the warehouse"
            complaint.write(values)
        self.env["crm.complaint"].search([("company_id", "=", company.id)])._update_sla_status(now)
