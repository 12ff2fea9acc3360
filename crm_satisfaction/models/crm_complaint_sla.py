import logging
import math
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

from .complaint_data import PRIORITIES, SLA_MAX_HOURS

_logger = logging.getLogger(__name__)


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
    # also refuses NaN and infinity, which PostgreSQL sorts above every number
    _hours_max = models.Constraint(
        f"CHECK(ack_hours <= {SLA_MAX_HOURS} AND resolve_hours <= {SLA_MAX_HOURS})",
        "An SLA policy allows at most 2000 working hours (a working year) to acknowledge or to "
        "resolve a complaint.",
    )

    @api.constrains("calendar_id", "ack_hours", "resolve_hours")
    def _check_calendar_plans_hours(self):
        """The deadlines of every complaint in the policy's scope are planned in its working
        hours: a calendar without working hours, or with too few of them for the time allowed,
        cannot plan them."""
        now = fields.Datetime.now()
        for sla in self:
            hours = sla.resolve_hours
            if not (math.isfinite(hours) and 0 < hours <= SLA_MAX_HOURS):
                continue  # refused by the database constraints
            if not sla.calendar_id.plan_hours(hours, now):
                raise ValidationError(
                    self.env._(
                        "The working hours “%(calendar)s” of SLA policy %(policy)s cannot plan "
                        "%(hours)s working hours: give the calendar working hours, or allow less "
                        "time.",
                        calendar=sla.calendar_id.display_name,
                        policy=sla.display_name,
                        hours=f"{hours:g}",
                    )
                )

    def _compute_complaint_count(self):
        counts = dict(
            self.env["crm.complaint"]._read_group(
                [("sla_id", "in", self.ids)], ["sla_id"], ["__count"]
            )
        )
        for sla in self:
            sla.complaint_count = counts.get(sla, 0)

    def _plan_deadline(self, hours, start):
        """The moment ``hours`` working hours of the policy's calendar after ``start`` (naive
        UTC). A calendar that cannot plan them (its working hours removed or cut since the
        policy was saved) gives plain hours after ``start`` instead, logged: a complaint is
        always filed, with a deadline."""
        self.ensure_one()
        deadline = self.calendar_id.plan_hours(hours, start)
        if not deadline:
            _logger.warning(
                "SLA policy %s (id %s): its working hours %r cannot plan %s hours from %s; the "
                "deadline is counted in plain hours.",
                self.name,
                self.id,
                self.calendar_id.name,
                hours,
                start,
            )
            deadline = start + timedelta(hours=hours)
        return deadline

    def _get_policy(self, company, tier, priority, category):
        """First policy of these (all active ones of the company when called on an empty
        recordset) by sequence matching the tier, priority and category."""
        policies = self or self.search(Domain("company_id", "in", [company.id, False]))
        for sla in policies.sorted(lambda p: (p.sequence, p.id)):
            if sla.company_id and sla.company_id != company:
                continue
            # archived tiers included: the policy of an archived tier stays restricted to it
            tiers = sla.with_context(active_test=False).tier_ids
            if tiers and tier not in tiers:
                continue
            if sla.priority and sla.priority != priority:
                continue
            if sla.category_ids and category not in sla.category_ids:
                continue
            return sla
        return self.browse()
