"""Churn warnings: the retention work on customers at risk.

The warning itself, its states and the actions of the people who work it. How the nightly
scoring raises, escalates and refreshes warnings is in ``crm_churn_warning_sync.py``; how their
outcomes are measured and closed, in ``crm_churn_warning_outcome.py``; the playbooks' activities,
offers and the churn managers' digest, in ``crm_churn_playbook.py``. A warning of the control
group (``is_control``) gets no playbook and nobody works it; ``crm_churn_uplift.py`` compares its
outcomes with the treated warnings'.
"""

from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    check_engine_fields,
    engine_write,
    is_engine_write,
)

from .churn_data import (
    CHURN_LEVELS,
    CLOSED_OUTCOMES,
    KIND_RISK,
    OPEN_STATES,
    PREVIEW_KEY,
    STATE_DISMISSED,
    STATE_IN_PROGRESS,
    STATE_LOST,
    STATE_NEW,
    STATE_RETAINED,
    WARNING_ENGINE_FIELDS,
    WARNING_KINDS,
    WARNING_SCORING_FIELDS,
    WARNING_STATES,
    ChurnPreview,
)


class CrmChurnWarning(models.Model):
    _name = "crm.churn.warning"
    _description = "Churn Warning"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "crm.churn.warning.sync",
        "crm.churn.warning.outcome",
    ]
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "partner_id.name"]

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index="trigram"
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(
        WARNING_KINDS,
        required=True,
        default=KIND_RISK,
        help="Churn risk: a customer who still buys shows signs of leaving. Win-back: the "
        "customer has churned and we try to bring them back.",
    )
    tier_id = fields.Many2one(
        "crm.customer.tier",
        index=True,
        help="The customer's tier at the last scoring.",
    )
    tier_color = fields.Integer(related="tier_id.color", string="Tier Color")
    level = fields.Selection(
        CHURN_LEVELS, string="Risk Level", required=True, tracking=True, index=True
    )
    max_level = fields.Selection(
        CHURN_LEVELS,
        string="Highest Level",
        readonly=True,
        copy=False,
        help="The highest level the warning reached; the playbook runs again only when the "
        "level rises above it.",
    )
    score = fields.Float(string="Churn Score", digits=(5, 1), aggregator="avg")
    line_ids = fields.One2many("crm.churn.warning.line", "warning_id", string="Reasons")
    reason_data = fields.Json(
        string="Reason Codes",
        readonly=True,
        copy=False,
        help="What the signals found at the last scoring, as reason codes with their figures.",
    )
    reason_text = fields.Text(
        string="Reason Summary",
        compute="_compute_reason_text",
        help="What the signals found at the last scoring, in words and with their figures.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        compute="_compute_user_id",
        store=True,
        readonly=False,
        index=True,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        compute="_compute_team_id",
        store=True,
        readonly=False,
        index=True,
        check_company=True,
    )
    state = fields.Selection(
        WARNING_STATES,
        string="Status",
        required=True,
        default=STATE_NEW,
        tracking=True,
        index=True,
        copy=False,
        group_expand="_read_group_expand_state",
    )
    date = fields.Date(
        string="Raised on", required=True, default=fields.Date.context_today, index=True
    )
    last_escalation_date = fields.Date(string="Last Escalated on", readonly=True, copy=False)
    escalation_count = fields.Integer(string="Escalations", readonly=True, copy=False)
    snooze_until = fields.Date(
        copy=False,
        tracking=True,
        help="A dismissed customer is not warned again before this date.",
    )
    snooze_default_date = fields.Date(
        compute="_compute_snooze_default_date",
        help="Snooze date used when dismissing without one: today plus the company's snooze days.",
    )
    playbook_id = fields.Many2one(
        "crm.churn.playbook", readonly=True, copy=False, check_company=True, ondelete="set null"
    )
    is_control = fields.Boolean(
        string="Control Group",
        readonly=True,
        copy=False,
        help="Drawn at random into the control group when raised: no playbook, no activity, no "
        "e-mail and no notification, and hidden from the salespeople, so that its outcome, "
        "measured as any other, tells what the playbooks add (Playbook Uplift). It stays in the "
        "control group for its whole life.",
    )
    offer_sent_date = fields.Date(
        string="Offer Sent on",
        readonly=True,
        copy=False,
        help="The playbook's offer e-mail went to the customer on this date; it is never sent "
        "twice for the same warning.",
    )
    outcome_date = fields.Date(readonly=True, copy=False, tracking=True)
    outcome_note = fields.Text(copy=False)
    lost_reason_id = fields.Many2one(
        "crm.churn.lost.reason",
        index="btree_not_null",
        copy=False,
        tracking=True,
        check_company=True,
        ondelete="restrict",
        help="Why the customer was lost: asked when the warning is marked lost; a warning the "
        "nightly run closed lost gets one afterwards on its form.",
    )
    revenue_after = fields.Monetary(
        string="Revenue Since",
        readonly=True,
        copy=False,
        currency_field="currency_id",
        help="Untaxed revenue of the customer's confirmed orders (or posted invoices net of "
        "refunds, per the company's value source) in the year after the warning, up to the "
        "last update.",
    )
    orders_after = fields.Integer(string="Orders Since", readonly=True, copy=False)
    days_to_outcome = fields.Integer(
        compute="_compute_outcome_figures",
        store=True,
        aggregator="avg",
        help="Days from the warning to its outcome (retained or lost).",
    )
    retention_rate = fields.Float(
        string="Retention Rate (%)",
        compute="_compute_outcome_figures",
        store=True,
        aggregator="avg",
        digits=(5, 1),
        help="Share of the retained warnings among the retained and lost ones.",
    )
    revenue_saved = fields.Monetary(
        compute="_compute_outcome_figures",
        store=True,
        currency_field="currency_id",
        help="Revenue since the warning of the retained customers.",
    )

    _open_partner_company_uniq = models.UniqueIndex(
        f"(partner_id, company_id) WHERE state IN ({', '.join(map(repr, OPEN_STATES))})",
        "A customer can have only one open churn warning per company.",
    )
    _company_partner_idx = models.Index("(company_id, partner_id)")
    _score_range = models.Constraint(
        "CHECK(score >= 0 AND score <= 100)", "A churn score lies between 0 and 100."
    )

    # ------------------------------------------------------------------ computes
    @api.depends("partner_id")
    def _compute_user_id(self):
        for warning in self:
            warning.user_id = warning.partner_id.user_id

    @api.depends("user_id", "company_id")
    def _compute_team_id(self):
        """The salesperson's sales team, or another team of theirs in the warning's
        company."""
        for warning in self:
            warning.team_id = self._get_team(warning.user_id, warning.company_id)

    @api.depends("reason_data")
    @api.depends_context("lang")
    def _compute_reason_text(self):
        """The reasons in the reader's language, one line per signal."""
        render = self.env["crm.churn.reason"]._get_renderer()
        for warning in self:
            warning.reason_text = render(warning.reason_data) or False

    @api.depends("company_id.crm_churn_snooze_days")
    def _compute_snooze_default_date(self):
        for warning in self:
            company = warning.company_id or self.env.company
            warning.snooze_default_date = company._crm_today() + timedelta(
                days=company.crm_churn_snooze_days
            )

    @api.depends("state", "date", "outcome_date", "revenue_after")
    def _compute_outcome_figures(self):
        for warning in self:
            closed = warning.state in CLOSED_OUTCOMES and warning.outcome_date
            warning.days_to_outcome = (warning.outcome_date - warning.date).days if closed else 0
            retained = warning.state == STATE_RETAINED
            warning.retention_rate = 100.0 if retained else 0.0
            warning.revenue_saved = warning.revenue_after if retained else 0.0

    @api.constrains("lost_reason_id", "state")
    def _check_lost_reason_id(self):
        not_lost = self.filtered(lambda w: w.lost_reason_id and w.state != STATE_LOST)
        if not_lost:
            raise ValidationError(
                self.env._(
                    "Only lost warnings take a lost reason: %(names)s",
                    names=", ".join(not_lost.mapped("name")),
                )
            )

    @api.model
    def _read_group_expand_state(self, states, domain):
        """The kanban's columns: the open states always, the closed ones when they hold
        warnings (see _web_read_group_format: they come folded)."""
        return [key for key, _label in WARNING_STATES if key in OPEN_STATES or key in states]

    def _web_read_group_format(self, groupby, aggregates, groups):
        """Closed warnings are done with: their kanban columns are folded, as the won and lost
        stages of a pipeline."""
        result = super()._web_read_group_format(groupby, aggregates, groups)
        if self._web_read_group_field_expand(groupby) is self._fields["state"]:
            for group in result:
                group["__fold"] = group["state"] not in OPEN_STATES
        return result

    def _read_group_select(self, aggregate_spec, query):
        """The retention rate of a group: retained warnings among the retained and lost ones;
        the days to outcome: their mean over the same warnings (open and dismissed warnings
        have no outcome yet and are left out of both)."""
        if aggregate_spec not in ("retention_rate:avg", "days_to_outcome:avg"):
            return super()._read_group_select(aggregate_spec, query)
        state = self._field_to_sql(self._table, "state", query)
        if aggregate_spec == "days_to_outcome:avg":
            return SQL(
                "AVG(%(days)s) FILTER (WHERE %(state)s IN %(closed)s)",
                days=self._field_to_sql(self._table, "days_to_outcome", query),
                state=state,
                closed=CLOSED_OUTCOMES,
            )
        return SQL(
            "100.0 * COUNT(*) FILTER (WHERE %(state)s = %(retained)s)"
            " / NULLIF(COUNT(*) FILTER (WHERE %(state)s IN %(closed)s), 0)",
            state=state,
            retained=STATE_RETAINED,
            closed=CLOSED_OUTCOMES,
        )

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        if not is_engine_write(self.env):
            for vals in vals_list:
                # a warning raised by hand starts new, without outcome nor escalation
                check_engine_fields(
                    self,
                    {
                        fname
                        for fname in WARNING_ENGINE_FIELDS & vals.keys()
                        if vals[fname] and not (fname == "state" and vals[fname] == STATE_NEW)
                    },
                )
        # the customers' commercial partners, read in one query for the whole batch
        customers = self.env["res.partner"].browse(
            [vals["partner_id"] for vals in vals_list if vals.get("partner_id")]
        )
        customers.fetch(["commercial_partner_id"])
        sequences = {}  # company id -> its sequence (or the shared one), looked up once
        # a preview (PREVIEW_KEY) draws no reference: its warnings are rolled back, the numbers
        # would not
        preview = isinstance(self.env.context.get(PREVIEW_KEY), ChurnPreview)
        for vals in vals_list:
            if vals.get("partner_id"):
                vals["partner_id"] = customers.browse(vals["partner_id"]).commercial_partner_id.id
            if vals.get("level") and not vals.get("max_level"):
                vals["max_level"] = vals["level"]
            if vals.get("name", "/") == "/" and not preview:
                company_id = vals.get("company_id") or self.env.company.id
                if company_id not in sequences:
                    sequences[company_id] = self._get_sequence(
                        self.env["res.company"].browse(company_id)
                    )
                sequence = sequences[company_id]
                vals["name"] = sequence._next(sequence_date=vals.get("date")) if sequence else "/"
        return super().create(vals_list)

    def write(self, vals):
        if not is_engine_write(self.env):
            check_engine_fields(
                self, (WARNING_ENGINE_FIELDS | WARNING_SCORING_FIELDS) & vals.keys()
            )
        return super().write(vals)

    # ------------------------------------------------------------------ actions
    def _check_treated(self):
        """Nobody works a warning of the control group: its outcome must show what happens
        without the playbooks."""
        control = self.filtered("is_control")
        if control:
            raise UserError(
                self.env._(
                    "These warnings are in the control group: nobody works them, their outcome "
                    "is measured by the nightly run: %(names)s",
                    names=", ".join(control.mapped("name")),
                )
            )

    def _check_open(self):
        closed = self.filtered(lambda w: w.state not in OPEN_STATES)
        if closed:
            raise UserError(
                self.env._(
                    "These warnings are not open any more: %(names)s",
                    names=", ".join(closed.mapped("name")),
                )
            )

    def action_start(self):
        self._check_treated()
        engine_write(self.filtered(lambda w: w.state == STATE_NEW)).write(
            {"state": STATE_IN_PROGRESS}
        )
        return True

    def action_retain(self):
        """The customer is retained: revenue since the warning is counted from now on."""
        self._check_treated()
        self._check_open()
        for company, warnings in self.grouped("company_id").items():
            warnings._close(STATE_RETAINED, company._crm_today())
        for company, warnings in self.sudo().grouped("company_id").items():
            figures = warnings._get_revenue_after(company, company._crm_today())
            for warning in warnings:
                _first, orders, revenue = figures.get(warning.id, (None, 0, 0.0))
                warning.write({"orders_after": orders, "revenue_after": revenue})
        return True

    def action_lose(self):
        self._check_treated()
        self._check_open()
        for company, warnings in self.grouped("company_id").items():
            warnings._close(STATE_LOST, company._crm_today())
        return True

    def action_open_lose(self):
        """Asks for the lost reason and a closing note before marking the warnings lost."""
        self._check_treated()
        self._check_open()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_churn_warning.crm_churn_warning_lose_action"
        )
        action["context"] = {"default_warning_ids": self.ids}
        return action

    def action_open_dismiss(self):
        """Asks for the snooze date before dismissing."""
        self.ensure_one()
        self._check_treated()
        self._check_open()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Dismiss Warning"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [
                (self.env.ref("crm_churn_warning.crm_churn_warning_view_form_dismiss").id, "form")
            ],
            "target": "new",
        }

    def action_dismiss(self):
        """Closes the warning without outcome; the customer is not warned again before the
        snooze date (by default today plus the company's snooze days)."""
        self._check_treated()
        self._check_open()
        for warning in self:
            snooze = warning.snooze_until or warning.snooze_default_date
            if snooze < warning.company_id._crm_today():
                raise UserError(
                    self.env._("The snooze date of %(name)s lies in the past.", name=warning.name)
                )
            warning.snooze_until = snooze
        for company, warnings in self.grouped("company_id").items():
            warnings._close(STATE_DISMISSED, company._crm_today())
        return {"type": "ir.actions.act_window_close"}

    def action_reopen(self):
        self._check_treated()
        closed = self.filtered(lambda w: w.state not in OPEN_STATES)
        if not closed:
            return True
        open_groups = self.sudo()._read_group(
            [
                ("state", "in", OPEN_STATES),
                ("partner_id", "in", closed.partner_id.ids),
                ("company_id", "in", closed.company_id.ids),
            ],
            ["partner_id", "company_id"],
            ["__count"],
        )
        busy = {(partner.id, company.id) for partner, company, _count in open_groups}
        keys = [(w.partner_id.id, w.company_id.id) for w in closed]
        duplicates = {key for key in keys if keys.count(key) > 1}
        blocked = closed.filtered(lambda w: (w.partner_id.id, w.company_id.id) in busy | duplicates)
        if blocked:
            raise UserError(
                self.env._(
                    "%(customers)s already has an open churn warning; reopen only one warning "
                    "per customer.",
                    customers=", ".join(blocked.partner_id.mapped("display_name")),
                )
            )
        engine_write(closed).write(
            {
                "state": STATE_NEW,
                "outcome_date": False,
                "snooze_until": False,
                "lost_reason_id": False,
                "revenue_after": 0.0,
                "orders_after": 0,
            }
        )
        return True

    def _close(self, state, outcome_date):
        """Closes open warnings and removes their pending activities, so that nobody keeps
        working on a closed warning."""
        engine_write(self).write({"state": state, "outcome_date": outcome_date})
        self._unlink_open_activities()

    def _unlink_open_activities(self):
        if self:
            self.env["mail.activity"].sudo().search(
                [("res_model", "=", self._name), ("res_id", "in", self.ids)]
            ).unlink()

    def _on_activity_done(self):
        """A retention activity was done: new warnings are being worked on."""
        engine_write(self.filtered(lambda w: w.state == STATE_NEW)).write(
            {"state": STATE_IN_PROGRESS}
        )

    @api.model
    def _get_sequence(self, company):
        """The warning sequence of ``company``, else the shared one (may be empty)."""
        return (
            self.env["ir.sequence"]
            .sudo()
            .search(
                [("code", "=", "crm.churn.warning"), ("company_id", "in", [company.id, False])],
                order="company_id",
                limit=1,
            )
        )

    def _log_events(self, subtype_xmlid, changes=None):
        """Logs what the scoring did on the warnings of ``self``: one message each, of the
        given subtype, whose description tells what happened, with the figures as tracked
        values (``changes``: {warning id: [(field name, old value, new value)]}). The chatter
        shows both in each reader's language, numbers, amounts and dates formatted for them.
        Internal notes of the current user, without notification, as ``_message_log_batch``
        logs them but of the event's subtype: the messages in one create, their tracked
        values in another."""
        if not self:
            return
        changes = changes or {}
        author_id, email_from = self._message_compute_author()
        base_values = {
            "author_id": author_id,
            "email_from": email_from,
            "model": self._name,
            "record_alias_domain_id": False,
            "record_company_id": False,
            "message_type": "notification",
            "is_internal": True,
            "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id(subtype_xmlid),
            "email_add_signature": False,
            "reply_to": self.env["mail.thread"]._notify_get_reply_to(
                default=email_from, author_id=author_id
            )[False],
        }
        messages = self.sudo()._message_create(
            [
                dict(
                    base_values,
                    res_id=warning_id,
                    body="",
                    message_id=generate_tracking_message_id("message-notify"),
                )
                for warning_id in self.ids
            ]
        )
        fnames = list({fname for values in changes.values() for fname, _old, _new in values})
        if fnames:
            Tracking = self.env["mail.tracking.value"].sudo()
            col_info = self.fields_get(
                fnames, attributes=("string", "type", "selection", "currency_field")
            )
            vals_list = []
            for warning, message in zip(self, messages, strict=True):
                for fname, old, new in changes.get(warning.id, ()):
                    vals = Tracking._create_tracking_values(
                        old, new, fname, col_info[fname], warning
                    )
                    vals["mail_message_id"] = message.id
                    vals_list.append(vals)
            Tracking.create(vals_list)

    def _log_notes(self, bodies):
        """Logs plain-text notes ({warning id: text}) on the warnings: internal notes of the
        current user, without notification, in one create."""
        if bodies:
            self.browse(list(bodies))._message_log_batch(
                {res_id: Markup("<p>%s</p>") % body for res_id, body in bodies.items()}
            )
