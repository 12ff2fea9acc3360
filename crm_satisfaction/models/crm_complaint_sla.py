from odoo import fields, models
from odoo.fields import Domain

from .complaint_data import PRIORITIES


class CrmComplaintSla(models.Model):
    """Deadlines to acknowledge and to resolve a complaint, in working hours of a calendar,
    matched by the customer's tier, the priority and the category: first match by sequence."""

    _name = "crm.complaint.sla"
    _description = "Complaint SLA Policy"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", help="Leave empty to use it in every company.")
    tier_ids = fields.Many2many(
        "crm.customer.tier", string="Customer Tiers", help="Empty: customers of any tier."
    )
    priority = fields.Selection(PRIORITIES, help="Empty: any priority.")
    category_ids = fields.Many2many(
        "crm.complaint.category", string="Categories", help="Empty: any category."
    )
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        required=True,
        default=lambda self: self.env.company.resource_calendar_id,
    )
    ack_hours = fields.Float(string="Acknowledge within (hours)", required=True, default=8)
    resolve_hours = fields.Float(string="Resolve within (hours)", required=True, default=40)
    complaint_count = fields.Integer(compute="_compute_complaint_count")

    _hours_valid = models.Constraint(
        "CHECK(ack_hours > 0 AND resolve_hours > 0 AND resolve_hours >= ack_hours)",
        "SLA times must be positive, and the time to resolve at least the time to acknowledge.",
    )

    def _compute_complaint_count(self):
        counts = dict(
            self.env["crm.complaint"]._read_group(
                [("sla_id", "in", self.ids)], ["sla_id"], ["__count"]
            )
        )
        for sla in self:
            sla.complaint_count = counts.get(sla, 0)

    def _get_policy(self, company, tier, priority, category):
        """First policy of these (all active ones of the company when called on an empty
        recordset) by sequence matching the tier, priority and category."""
        policies = self or self.search(Domain("company_id", "in", [company.id, False]))
        for sla in policies.sorted(lambda p: (p.sequence, p.id)):
            if sla.company_id and sla.company_id != company:
                continue
            if sla.tier_ids and tier not in sla.tier_ids:
                continue
            if sla.priority and sla.priority != priority:
                continue
            if sla.category_ids and category not in sla.category_ids:
                continue
            return sla
        return self.browse()
