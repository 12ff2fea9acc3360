"""Occasions on which the company greets its customers (birthdays, holidays, first-purchase
anniversaries): who receives them, with which e-mail template per tier."""

from datetime import date

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .greeting_data import (
    GREETING_KINDS,
    HOLIDAY_REPEATS,
    KIND_HOLIDAY,
    REPEAT_DATES,
    REPEAT_YEARLY,
    greeted_month_days,
    month_day_key,
)

# a leap year: every month and day that exists in some year exists in it
_ANY_LEAP_YEAR = 2000


class CrmGreetingOccasion(models.Model):
    _name = "crm.greeting.occasion"
    _description = "Greeting Occasion"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    kind = fields.Selection(GREETING_KINDS, required=True, default=KIND_HOLIDAY)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty to greet in every company.",
    )
    holiday_repeat = fields.Selection(
        HOLIDAY_REPEATS, string="Repeats", required=True, default=REPEAT_YEARLY
    )
    holiday_month = fields.Integer(string="Month")
    holiday_day = fields.Integer(string="Day")
    date_ids = fields.One2many("crm.greeting.occasion.date", "occasion_id", string="Dates")
    tier_ids = fields.Many2many(
        "crm.customer.tier",
        string="Tiers",
        check_company=True,
        help="The tiers whose customers are greeted; leave empty to greet every customer.",
    )
    template_id = fields.Many2one(
        "mail.template",
        string="Default Template",
        required=True,
        domain=[("model", "=", "res.partner")],
        help="The e-mail sent to customers of a tier without a template of its own.",
    )
    template_line_ids = fields.One2many(
        "crm.greeting.template", "occasion_id", string="Templates per Tier"
    )
    log_count = fields.Integer(string="Greetings Sent", compute="_compute_log_count")

    _holiday_month_valid = models.Constraint(
        "CHECK(holiday_month IS NULL OR holiday_month = 0 OR holiday_month BETWEEN 1 AND 12)",
        "The month of a holiday is 1 to 12.",
    )

    @api.constrains("kind", "holiday_repeat", "holiday_month", "holiday_day")
    def _check_holiday_day(self):
        for occasion in self:
            if occasion.kind != KIND_HOLIDAY or occasion.holiday_repeat != REPEAT_YEARLY:
                continue
            try:
                date(_ANY_LEAP_YEAR, occasion.holiday_month, occasion.holiday_day)
            except ValueError:
                raise ValidationError(
                    self.env._(
                        "%(occasion)s: %(month)s/%(day)s is not a day of the year; give the"
                        " month (1-12) and a day of that month.",
                        occasion=occasion.name,
                        month=occasion.holiday_month,
                        day=occasion.holiday_day,
                    )
                ) from None

    @api.constrains("template_id", "template_line_ids")
    def _check_templates(self):
        for occasion in self:
            templates = occasion.template_id | occasion.template_line_ids.template_id
            if any(template.model != "res.partner" for template in templates):
                raise ValidationError(
                    self.env._(
                        "%(occasion)s: a greeting template must be a template of contacts.",
                        occasion=occasion.name,
                    )
                )

    def _compute_log_count(self):
        counts = dict(
            self.env["crm.greeting.log"]._read_group(
                [("occasion_id", "in", self.ids)], ["occasion_id"], ["__count"]
            )
        )
        for occasion in self:
            occasion.log_count = counts.get(occasion, 0)

    def action_open_logs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_satisfaction.crm_greeting_log_action"
        )
        action["domain"] = [("occasion_id", "=", self.id)]
        return action

    def _is_today(self, day):
        """Whether this occasion falls on ``day`` (birthdays and anniversaries fall on each
        customer's own day: always)."""
        self.ensure_one()
        if self.kind != KIND_HOLIDAY:
            return True
        if self.holiday_repeat == REPEAT_DATES:
            return day in self.date_ids.mapped("date")
        return month_day_key(self.holiday_month, self.holiday_day) in greeted_month_days(day)

    def _get_template(self, tier_id):
        """The template for a customer of the tier ``tier_id`` (an id or None)."""
        self.ensure_one()
        line = self.template_line_ids.filtered(lambda line: line.tier_id.id == tier_id)[:1]
        return line.template_id or self.template_id

    @api.model
    def _get_due_occasions(self, company, day):
        """The active occasions of ``company`` (its own and the shared ones) falling on ``day``."""
        occasions = self.search([("company_id", "in", [False, company.id])], order="sequence, id")
        return occasions.filtered(lambda occasion: occasion._is_today(day))


class CrmGreetingOccasionDate(models.Model):
    _name = "crm.greeting.occasion.date"
    _description = "Greeting Occasion Date"
    _order = "date"

    occasion_id = fields.Many2one(
        "crm.greeting.occasion", required=True, index=True, ondelete="cascade"
    )
    date = fields.Date(required=True)

    _occasion_date_unique = models.Constraint(
        "UNIQUE(occasion_id, date)", "An occasion lists each date once."
    )

    @api.constrains("occasion_id", "date")
    def _check_one_per_year(self):
        for occasion in self.occasion_id:
            years = [line.date.year for line in occasion.date_ids]
            if len(years) != len(set(years)):
                raise ValidationError(
                    self.env._("%(occasion)s: give one date per year.", occasion=occasion.name)
                )


class CrmGreetingTemplate(models.Model):
    _name = "crm.greeting.template"
    _description = "Greeting Template per Tier"
    _order = "occasion_id, id"

    occasion_id = fields.Many2one(
        "crm.greeting.occasion", required=True, index=True, ondelete="cascade"
    )
    tier_id = fields.Many2one("crm.customer.tier", required=True)
    template_id = fields.Many2one(
        "mail.template",
        required=True,
        domain=[("model", "=", "res.partner")],
    )

    _occasion_tier_unique = models.Constraint(
        "UNIQUE(occasion_id, tier_id)", "An occasion has one template per tier."
    )
