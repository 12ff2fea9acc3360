from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, email_normalize, format_datetime, get_lang
from odoo.tools.misc import babel_locale_parse, posix_to_ldml

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    check_engine_fields,
    engine_write,
    is_engine_write,
)

from .complaint_data import (
    CHANNELS,
    COMPLAINT_ENGINE_FIELDS,
    PRIORITIES,
    PRIORITY_NORMAL,
    PRIORITY_URGENT,
    SLA_BREACHED,
    SLA_STATUSES,
    SLA_STEP_ACKNOWLEDGED,
    SLA_STEP_NEW,
    SLA_STEP_RESOLVED,
)
from .crm_complaint_stage import STAGE_ACKNOWLEDGE, STAGE_CONFIRM, STAGE_REOPEN


class CrmComplaint(models.Model):
    _name = "crm.complaint"
    _description = "Customer Complaint"
    _inherit = [
        "mail.thread.cc",
        "mail.activity.mixin",
        "portal.mixin",
        "crm.complaint.escalation",
    ]
    _order = "priority desc, id desc"
    _check_company_auto = True
    _primary_email = "email_from"
    _rec_names_search = ["name", "reference", "partner_id.name"]

    name = fields.Char(string="Subject", required=True, tracking=True)
    reference = fields.Char(readonly=True, copy=False, index="trigram", default="/")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", tracking=True, index=True, check_company=True
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id",
        store=True,
        index=True,
        string="Customer Company",
    )
    email_from = fields.Char(
        string="Email", compute="_compute_email_from", store=True, readonly=False
    )
    partner_phone = fields.Char(
        string="Phone", compute="_compute_partner_phone", store=True, readonly=False
    )
    channel = fields.Selection(CHANNELS, required=True, default="phone", tracking=True)
    reported_date = fields.Datetime(
        string="Reported on",
        required=True,
        default=fields.Datetime.now,
        tracking=True,
        help="When the customer complained; the SLA clock starts here.",
    )
    category_id = fields.Many2one("crm.complaint.category", tracking=True, check_company=True)
    priority = fields.Selection(
        PRIORITIES,
        compute="_compute_priority",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        tracking=True,
        groups="base.group_user",
        help="A new complaint takes the default complaint priority of its customer's tier "
        "(Normal when the tier sets none).",
    )
    description = fields.Html()
    sale_order_id = fields.Many2one("sale.order", string="Sales Order", check_company=True)
    invoice_id = fields.Many2one(
        "account.move",
        check_company=True,
        domain="[('move_type', 'in', ('out_invoice', 'out_refund'))]",
    )
    product_id = fields.Many2one("product.product", check_company=True)
    team_id = fields.Many2one(
        "crm.complaint.team",
        tracking=True,
        index=True,
        check_company=True,
        groups="base.group_user",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        tracking=True,
        index=True,
        domain="[('share', '=', False)]",
        groups="base.group_user",
    )
    stage_id = fields.Many2one(
        "crm.complaint.stage",
        tracking=True,
        index=True,
        copy=False,
        group_expand="_read_group_stage_ids",
        default=lambda self: self._default_stage(),
        ondelete="restrict",
    )
    is_closed = fields.Boolean(related="stage_id.is_closed", store=True)
    is_waiting = fields.Boolean(related="stage_id.is_waiting")
    tier_id = fields.Many2one(
        "crm.customer.tier",
        string="Customer Tier",
        compute="_compute_tier_id",
        store=True,
        groups="base.group_user",
        help="The customer's tier when the complaint was filed or its customer last changed.",
    )
    tier_color = fields.Integer(
        related="tier_id.color", string="Tier Color", groups="base.group_user"
    )
    root_cause = fields.Text(groups="base.group_user")
    resolution = fields.Html()
    compensation_amount = fields.Monetary(
        groups="base.group_user", string="Compensation", currency_field="currency_id"
    )
    customer_confirmed = fields.Boolean(string="Confirmed by Customer", copy=False, tracking=True)
    reopen_count = fields.Integer(copy=False, readonly=True)
    # SLA
    sla_id = fields.Many2one(
        "crm.complaint.sla",
        groups="base.group_user",
        string="SLA Policy",
        compute="_compute_sla_id",
        store=True,
        readonly=False,
        check_company=True,
    )
    ack_deadline = fields.Datetime(
        groups="base.group_user",
        string="Acknowledge by",
        compute="_compute_deadlines",
        store=True,
        copy=False,
    )
    resolve_deadline = fields.Datetime(
        groups="base.group_user",
        string="Resolve by",
        compute="_compute_deadlines",
        store=True,
        copy=False,
    )
    acknowledged_date = fields.Datetime(string="Acknowledged on", copy=False, readonly=True)
    resolved_date = fields.Datetime(string="Resolved on", copy=False, readonly=True)
    closed_date = fields.Datetime(string="Closed on", copy=False, readonly=True)
    sla_paused_since = fields.Datetime(
        groups="base.group_user", string="SLA Paused Since", copy=False, readonly=True
    )
    # working hours, to the tenth: "2.5", not "2.50" nor "02:30" (a time of day)
    sla_paused_hours = fields.Float(
        groups="base.group_user",
        string="Paused (working hours)",
        digits=(16, 1),
        copy=False,
        readonly=True,
        help="Working hours spent waiting for the customer; they extend the deadlines.",
    )
    sla_status = fields.Selection(
        SLA_STATUSES,
        string="SLA",
        copy=False,
        readonly=True,
        index=True,
        groups="base.group_user",
    )
    sla_breached_date = fields.Datetime(
        groups="base.group_user", string="SLA Breached On", copy=False, readonly=True
    )
    escalation_level = fields.Integer(groups="base.group_user", copy=False, readonly=True)
    ack_hours_taken = fields.Float(
        groups="base.group_user",
        string="Hours to Acknowledge",
        digits=(16, 1),
        copy=False,
        readonly=True,
        aggregator="avg",
    )
    resolve_hours_taken = fields.Float(
        groups="base.group_user",
        string="Hours to Resolve",
        digits=(16, 1),
        copy=False,
        readonly=True,
        aggregator="avg",
    )
    sla_met_percent = fields.Float(
        groups="base.group_user",
        string="SLA Compliance (%)",
        copy=False,
        readonly=True,
        aggregator="avg",
        help="100 for a complaint resolved in time, 0 for one that breached its SLA (resolved "
        "late or still open past a deadline), empty while the outcome is not known: its "
        "average is the SLA compliance.",
    )

    _reference_company_uniq = models.UniqueIndex(
        "(reference, company_id) WHERE reference != '/'",
        "A complaint reference must be unique per company.",
    )
    _compensation_not_negative = models.Constraint(
        "CHECK(compensation_amount >= 0)", "A compensation cannot be negative."
    )

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        # the priority is internal: a customer's complaints (portal) sort without it
        field = self._fields.get(field_name)
        if field_name == "priority" and not self._has_field_access(field, "read"):
            return SQL()
        return super()._order_field_to_sql(alias, field_name, direction, nulls, query)

    # ------------------------------------------------------------------ defaults and computes
    def _default_stage(self):
        return self.env["crm.complaint.stage"].search([], limit=1)

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        return stages.search([], order=stages._order)

    @api.depends("partner_id")
    def _compute_email_from(self):
        for complaint in self:
            if complaint.partner_id.email:
                complaint.email_from = complaint.partner_id.email

    @api.depends("partner_id")
    def _compute_partner_phone(self):
        for complaint in self:
            if complaint.partner_id.phone:
                complaint.partner_phone = complaint.partner_id.phone

    @api.depends("commercial_partner_id", "company_id")
    def _compute_tier_id(self):
        for complaint in self:
            partner = complaint.commercial_partner_id.with_company(complaint.company_id)
            complaint.tier_id = partner.crm_tier_id

    @api.depends("partner_id", "company_id")
    def _compute_priority(self):
        # the tier as the complaint is filed or its customer changes: a later change of tier
        # keeps the priority staff work with
        for complaint in self:
            tier = (
                complaint.partner_id.commercial_partner_id.sudo()
                .with_company(complaint.company_id or self.env.company)
                .crm_tier_id
            )
            complaint.priority = tier.complaint_priority or complaint.priority or PRIORITY_NORMAL

    @api.depends("tier_id", "priority", "category_id", "company_id")
    def _compute_sla_id(self):
        # the policies are read once for all these complaints, not once a complaint
        policies = self.env["crm.complaint.sla"].search(
            [("company_id", "in", self.company_id.ids + [False])]
        )
        for complaint in self:
            complaint.sla_id = policies._get_policy(
                complaint.company_id, complaint.tier_id, complaint.priority, complaint.category_id
            )

    @api.depends("sla_id", "sla_paused_hours", "reported_date")
    def _compute_deadlines(self):
        """Deadlines run from the filing, in the policy's working hours, extended by the
        working hours spent waiting for the customer."""
        for complaint in self:
            sla, start = complaint.sla_id, complaint.reported_date or fields.Datetime.now()
            if not sla:
                complaint.ack_deadline = complaint.resolve_deadline = False
                continue
            paused = complaint.sla_paused_hours
            complaint.ack_deadline = sla._plan_deadline(sla.ack_hours + paused, start)
            complaint.resolve_deadline = sla._plan_deadline(sla.resolve_hours + paused, start)

    # ------------------------------------------------------------------ create / write
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not is_engine_write(self.env):
                # a new complaint starts with an empty SLA clock: empty values are harmless
                check_engine_fields(
                    self, {fname for fname in COMPLAINT_ENGINE_FIELDS & vals.keys() if vals[fname]}
                )
            company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
            if vals.get("reference", "/") == "/":
                vals["reference"] = (
                    self.env["ir.sequence"].with_company(company).next_by_code("crm.complaint")
                    or "/"
                )
            category = self.env["crm.complaint.category"].browse(vals.get("category_id"))
            if not vals.get("team_id"):
                team = self.env["crm.complaint.team"].sudo()._get_default_team(company, category)
                vals["team_id"] = team.id
            if not vals.get("user_id"):
                # the customer's dedicated person (its tier's account manager, else its
                # key-account team's leader) before the team's member with the least work
                partner = self.env["res.partner"].browse(vals.get("partner_id"))
                user = self.env["crm.customer.tier"]._get_dedicated_user(partner, company)
                if not user and vals.get("team_id"):
                    team = self.env["crm.complaint.team"].sudo().browse(vals["team_id"])
                    user = team._get_assignee()
                vals["user_id"] = user.id
        complaints = super().create(vals_list)
        complaints._update_sla_status()
        for complaint in complaints.filtered("stage_id.template_id"):
            complaint._notify_stage()
        return complaints

    def write(self, vals):
        if not is_engine_write(self.env):
            check_engine_fields(self, COMPLAINT_ENGINE_FIELDS & vals.keys())
        if "stage_id" not in vals:
            result = super().write(vals)
            if {"partner_id", "priority", "category_id", "sla_id", "reported_date"} & vals.keys():
                self._update_sla_status()
            return result
        stage = self.env["crm.complaint.stage"].browse(vals["stage_id"])
        now = fields.Datetime.now()
        moving = self.filtered(lambda c: c.stage_id != stage)
        for complaint in moving:
            complaint._on_stage_change(stage, now)
        result = super().write(vals)
        self._update_sla_status()
        moving._notify_stage()
        closed = moving.filtered("is_closed")
        if closed:
            closed._on_closed()
        return result

    def _on_stage_change(self, stage, now):
        """Moves the SLA clock: acknowledgement, resolution, pause while waiting."""
        self.ensure_one()
        values = {}
        calendar = self.sla_id.calendar_id
        if self.sla_paused_since:
            paused = calendar.get_work_hours_count(self.sla_paused_since, now) if calendar else 0
            values.update(sla_paused_since=False, sla_paused_hours=self.sla_paused_hours + paused)
        if stage.is_waiting and not stage.is_closed:
            values["sla_paused_since"] = now
        start = self.reported_date or now
        if (
            stage.sla_step in (SLA_STEP_ACKNOWLEDGED, SLA_STEP_RESOLVED)
            and not self.acknowledged_date
        ):
            values["acknowledged_date"] = now
            if calendar:
                values["ack_hours_taken"] = calendar.get_work_hours_count(start, now) - (
                    values.get("sla_paused_hours", self.sla_paused_hours)
                )
        if stage.sla_step == SLA_STEP_RESOLVED and not self.resolved_date:
            values["resolved_date"] = now
            if calendar:
                values["resolve_hours_taken"] = calendar.get_work_hours_count(start, now) - (
                    values.get("sla_paused_hours", self.sla_paused_hours)
                )
        if stage.sla_step == SLA_STEP_NEW:
            values.update(acknowledged_date=False, resolved_date=False)
        if stage.is_closed:
            values["closed_date"] = now
        elif self.is_closed:
            values.update(closed_date=False, resolved_date=False)
        engine_write(self).write(values)

    # ------------------------------------------------------------------ notifications, close
    def _notify_stage(self):
        """The stage's e-mail to the customer, posted in the chatter the customer reads in the
        portal: an automatic message of the company, whoever moved the complaint."""
        for complaint in self.filtered(lambda c: c.stage_id.template_id and c.partner_id):
            company = complaint.company_id
            complaint.message_post_with_source(
                complaint.stage_id.template_id,
                message_type="auto_comment",
                subtype_xmlid="mail.mt_comment",
                author_id=company.partner_id.id,
                email_from=company.email_formatted,
            )

    # ------------------------------------------------------------------ dates shown to customers
    def _get_customer_tz(self):
        """The time zone the customer reads our dates in: theirs, else the company's."""
        self.ensure_one()
        tz = self.partner_id.tz
        return tz if tz in pytz.all_timezones_set else self.company_id._crm_tz()

    @api.model
    def _get_customer_date_formats(self):
        """(date, date and time) patterns of the environment's language, for the dates shown
        to customers: a time to the minute, without seconds."""
        lang = get_lang(self.env)
        locale = babel_locale_parse(lang.code)
        date_format = posix_to_ldml(lang.date_format, locale=locale)
        time_format = posix_to_ldml(lang.time_format.replace(":%S", ""), locale=locale)
        return date_format, f"{date_format} {time_format}"

    def _format_customer_date(self, moment, with_time=False):
        """`moment` (UTC) as the customer reads it: in their time zone, in the language and
        date format of the environment, to the day or to the minute."""
        self.ensure_one()
        date_format, datetime_format = self._get_customer_date_formats()
        return format_datetime(
            self.env,
            moment,
            tz=self._get_customer_tz(),
            dt_format=datetime_format if with_time else date_format,
        )

    def _on_closed(self):
        """Closed complaints: the post-resolution survey of campaigns that ask for it."""
        self.env["crm.satisfaction.campaign"].sudo()._trigger_complaint_closed(self)

    def action_acknowledge(self):
        to_acknowledge = self.filtered(lambda c: not c.acknowledged_date)
        if to_acknowledge:
            stage = self.env["crm.complaint.stage"]._get_workflow_stage(STAGE_ACKNOWLEDGE)
            to_acknowledge.write({"stage_id": stage.id})

    def action_reopen(self):
        for complaint in self:
            if not complaint.is_closed:
                raise UserError(
                    self.env._("Complaint %(ref)s is not closed.", ref=complaint.reference)
                )
        stage = self.env["crm.complaint.stage"]._get_workflow_stage(STAGE_REOPEN)
        for complaint in self:
            engine_write(complaint).write(
                {
                    "stage_id": stage.id,
                    "reopen_count": complaint.reopen_count + 1,
                    "customer_confirmed": False,
                }
            )
            complaint.message_post(
                body=self.env._("Complaint reopened."), subtype_xmlid="mail.mt_note"
            )

    def action_confirm_resolution(self):
        """The customer confirms the resolution: the complaint is closed. The customer (the
        portal, or a user of the customer's company) confirms, or a customer care manager who
        records a confirmation received otherwise; an agent cannot confirm for the customer."""
        if not self.env.su and not self.env.user.has_group(
            "crm_satisfaction.crm_satisfaction_group_manager"
        ):
            commercial = self.env.user.partner_id.commercial_partner_id
            if self.filtered(lambda c: c.commercial_partner_id != commercial):
                raise AccessError(
                    self.env._(
                        "Only the customer or a customer care manager can confirm the "
                        "resolution of a complaint."
                    )
                )
        stage = self.env["crm.complaint.stage"]._get_workflow_stage(STAGE_CONFIRM)
        engine_write(self).write({"customer_confirmed": True, "stage_id": stage.id})

    # ------------------------------------------------------------------ mail gateway
    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """An e-mail to a team's alias files a complaint; the sender is matched to a partner
        by address."""
        values = dict(custom_values or {})
        email = email_normalize(msg_dict.get("email_from") or "")
        partner = self.env["res.partner"]
        if email:
            partner = partner.search([("email_normalized", "=", email)], limit=1)
        values.setdefault("name", msg_dict.get("subject") or self.env._("No subject"))
        values.setdefault("channel", "email")
        values["email_from"] = msg_dict.get("email_from")
        if partner:
            values["partner_id"] = partner.id
        values["description"] = msg_dict.get("body")
        return super().message_new(msg_dict, custom_values=values)

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for complaint in self:
            complaint.access_url = f"/my/complaints/{complaint.id}"
        return result

    # ------------------------------------------------------------------ facts for other addons
    @api.model
    def _get_complaint_facts_query(self, company, as_of, recent_days, partner_ids=None):
        """SQL query of the complaints of ``company`` reported until the end of the day
        ``as_of``, each as it stood then (a past date replays the past); one row per customer
        (commercial partner) with complaints, among ``partner_ids`` (an SQL query of ids; all
        when None). Columns:
        - partner_id: the commercial partner;
        - open_critical: its complaints open at the end of as_of that are urgent or had
          breached their SLA by then;
        - complaints_recent: those reported within the ``recent_days`` days to as_of."""
        end = as_of + timedelta(days=1)
        partner_filter = SQL()
        if partner_ids is not None:
            partner_filter = SQL("AND c.commercial_partner_id IN (%s)", partner_ids)
        return SQL(
            """
            SELECT c.commercial_partner_id AS partner_id,
                   COUNT(*) FILTER (
                       WHERE ((c.closed_date IS NULL AND NOT COALESCE(c.is_closed, FALSE))
                              OR c.closed_date >= %(end)s)
                         AND (c.priority = %(urgent)s
                              OR (c.sla_status = %(breached)s AND c.sla_breached_date < %(end)s))
                   ) AS open_critical,
                   COUNT(*) FILTER (WHERE c.reported_date >= %(since)s) AS complaints_recent
              FROM %(table)s c
             WHERE c.company_id = %(company)s AND c.reported_date < %(end)s %(partner_filter)s
             GROUP BY c.commercial_partner_id
            """,
            table=SQL.identifier(self._table),
            end=end,
            since=end - timedelta(days=recent_days),
            urgent=PRIORITY_URGENT,
            breached=SLA_BREACHED,
            company=company.id,
            partner_filter=partner_filter,
        )
