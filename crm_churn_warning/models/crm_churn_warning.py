"""Churn warnings: the retention work on customers at risk, and its outcomes.

The nightly scoring hands each batch of scored customers to ``_sync_scores``, which keeps at
most one open warning per customer and company: it raises a warning for a customer at or above
the company's warning level, escalates an open one whose level rises above the highest level it
reached (the matching playbook runs again), quietly refreshes the score and reasons otherwise,
and leaves dismissed customers alone until their snooze date. Everything a batch needs is read
in one query, warnings and their reasons are created with one ``create`` and activities with
one ``create``; the offer e-mail is sent once per warning and marked sent in the same
transaction, so a run cut short and run again repeats nothing.

``_close_outcomes`` then closes open warnings: retained when the customer ordered after the
warning (with the revenue since), lost when a risk customer's lifecycle stage turned churned or
when a win-back warning found no order within the company's win-back horizon.
"""

from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain
from odoo.tools import SQL, float_compare

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import STAGE_CHURNED

from .churn_data import (
    CHURN_LEVELS,
    KIND_RISK,
    KIND_WIN_BACK,
    LEVEL_RANK,
    OPEN_STATES,
    STATE_DISMISSED,
    STATE_IN_PROGRESS,
    STATE_LOST,
    STATE_NEW,
    STATE_RETAINED,
    WARNING_KINDS,
    WARNING_STATES,
)

# revenue after a warning is counted, and kept current, for this many days after it
REVENUE_AFTER_DAYS = 365
CLOSED_OUTCOMES = (STATE_RETAINED, STATE_LOST)
MANAGER_GROUP_XMLID = "crm_churn_warning.crm_churn_warning_group_manager"


class CrmChurnWarning(models.Model):
    _name = "crm.churn.warning"
    _description = "Churn Warning"
    _inherit = ["mail.thread", "mail.activity.mixin"]
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
    reason_text = fields.Text(string="Reason Summary")
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
        group_expand=True,
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
    offer_sent_date = fields.Date(
        string="Offer Sent on",
        readonly=True,
        copy=False,
        help="The playbook's offer e-mail went to the customer on this date; it is never sent "
        "twice for the same warning.",
    )
    outcome_date = fields.Date(readonly=True, copy=False, tracking=True)
    outcome_note = fields.Text(copy=False)
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
        "(partner_id, company_id) WHERE state IN ('new', 'in_progress')",
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
            user = warning.user_id
            teams = user.crm_team_ids.filtered(
                lambda t, w=warning: not t.company_id or t.company_id == w.company_id
            )
            warning.team_id = user.sale_team_id if user.sale_team_id in teams else teams[:1]

    @api.depends("company_id.crm_churn_snooze_days")
    def _compute_snooze_default_date(self):
        today = fields.Date.context_today(self)
        for warning in self:
            company = warning.company_id or self.env.company
            warning.snooze_default_date = today + timedelta(days=company.crm_churn_snooze_days)

    @api.depends("state", "date", "outcome_date", "revenue_after")
    def _compute_outcome_figures(self):
        for warning in self:
            closed = warning.state in CLOSED_OUTCOMES and warning.outcome_date
            warning.days_to_outcome = (warning.outcome_date - warning.date).days if closed else 0
            retained = warning.state == STATE_RETAINED
            warning.retention_rate = 100.0 if retained else 0.0
            warning.revenue_saved = warning.revenue_after if retained else 0.0

    def _read_group_select(self, aggregate_spec, query):
        """The retention rate of a group: retained warnings among the retained and lost ones
        (open and dismissed warnings have no outcome yet and are left out)."""
        if aggregate_spec != "retention_rate:avg":
            return super()._read_group_select(aggregate_spec, query)
        state = self._field_to_sql(self._table, "state", query)
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
        Partner = self.env["res.partner"]
        sequences = {}  # company id -> its sequence (or the shared one), looked up once
        for vals in vals_list:
            if vals.get("partner_id"):
                vals["partner_id"] = Partner.browse(vals["partner_id"]).commercial_partner_id.id
            if vals.get("level") and not vals.get("max_level"):
                vals["max_level"] = vals["level"]
            if vals.get("name", "/") == "/":
                company_id = vals.get("company_id") or self.env.company.id
                if company_id not in sequences:
                    sequences[company_id] = (
                        self.env["ir.sequence"]
                        .sudo()
                        .search(
                            [
                                ("code", "=", "crm.churn.warning"),
                                ("company_id", "in", [company_id, False]),
                            ],
                            order="company_id",
                            limit=1,
                        )
                    )
                sequence = sequences[company_id]
                vals["name"] = sequence._next(sequence_date=vals.get("date")) if sequence else "/"
        return super().create(vals_list)

    # ------------------------------------------------------------------ actions
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
        self.filtered(lambda w: w.state == STATE_NEW).write({"state": STATE_IN_PROGRESS})
        return True

    def action_retain(self):
        """The customer is retained: revenue since the warning is counted from now on."""
        self._check_open()
        today = fields.Date.context_today(self)
        self._close(STATE_RETAINED, today)
        for company, warnings in self.sudo().grouped("company_id").items():
            figures = warnings._get_revenue_after(company, today)
            for warning in warnings:
                _first, orders, revenue = figures.get(warning.id, (None, 0, 0.0))
                warning.write({"orders_after": orders, "revenue_after": revenue})
        return True

    def action_lose(self):
        self._check_open()
        self._close(STATE_LOST, fields.Date.context_today(self))
        return True

    def action_open_dismiss(self):
        """Asks for the snooze date before dismissing."""
        self.ensure_one()
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
        self._check_open()
        today = fields.Date.context_today(self)
        for warning in self:
            snooze = warning.snooze_until or warning.snooze_default_date
            if snooze < today:
                raise UserError(
                    self.env._("The snooze date of %(name)s lies in the past.", name=warning.name)
                )
            warning.snooze_until = snooze
        self._close(STATE_DISMISSED, today)
        return {"type": "ir.actions.act_window_close"}

    def action_reopen(self):
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
        closed.write(
            {
                "state": STATE_NEW,
                "outcome_date": False,
                "snooze_until": False,
                "revenue_after": 0.0,
                "orders_after": 0,
            }
        )
        return True

    def _close(self, state, outcome_date):
        """Closes open warnings and removes their pending activities, so that nobody keeps
        working on a closed warning."""
        self.write({"state": state, "outcome_date": outcome_date})
        self._unlink_open_activities()

    def _unlink_open_activities(self):
        if self:
            self.env["mail.activity"].sudo().search(
                [("res_model", "=", self._name), ("res_id", "in", self.ids)]
            ).unlink()

    def _on_activity_done(self):
        """A retention activity was done: new warnings are being worked on."""
        self.filtered(lambda w: w.state == STATE_NEW).write({"state": STATE_IN_PROGRESS})

    # ------------------------------------------------------------------ sync with scores
    @api.model
    def _sync_scores(self, company, as_of, rows):
        """Raises, escalates and refreshes the warnings of a batch of scored customers (rows
        of ``crm.churn.engine._score_company``). Returns the counts of created, escalated
        and quietly updated warnings; running it again with the same rows changes nothing."""
        result = {"created": 0, "escalated": 0, "updated": 0}
        if not rows:
            return result
        Warning = self.sudo().with_company(company)
        rows_by_partner = {row["partner_id"]: row for row in rows}
        states = Warning._fetch_partner_states(company, list(rows_by_partner))
        open_warnings = Warning.browse(
            [state["open_id"] for state in states.values() if state["open_id"]]
        )
        open_by_partner = {warning.partner_id.id: warning for warning in open_warnings}

        # a risk customer who churned since: the risk warning is lost, a win-back may follow
        churned = open_warnings.filtered(
            lambda w: w.kind == KIND_RISK
            and rows_by_partner[w.partner_id.id].get("stage") == STAGE_CHURNED
        )
        if churned:
            churned._close_lost_churned(as_of)
            for warning in churned:
                del open_by_partner[warning.partner_id.id]
            Warning.flush_model()

        threshold = LEVEL_RANK[company.crm_churn_warning_level]
        to_create, to_escalate, to_refresh = [], [], []
        for partner_id, row in rows_by_partner.items():
            rank = LEVEL_RANK.get(row["level"], 0)
            warning = open_by_partner.get(partner_id)
            if warning:
                if rank > LEVEL_RANK.get(warning.max_level, 0):
                    to_escalate.append((warning, row))
                elif warning._differs_from(row):
                    to_refresh.append((warning, row))
                continue
            if rank < threshold:
                continue
            state = states.get(partner_id, {})
            if state.get("snooze_until") and state["snooze_until"] > as_of:
                continue
            kind = KIND_WIN_BACK if row.get("stage") == STAGE_CHURNED else KIND_RISK
            lost_win_back = state.get("win_back_lost")
            last_order = row.get("last_order_date")
            # one win-back attempt per churn: a lost one is not retried until the customer
            # orders again (and churns again)
            if (
                kind == KIND_WIN_BACK
                and lost_win_back
                and (not last_order or lost_win_back >= last_order)
            ):
                continue
            to_create.append((row, kind))

        created = Warning._create_from_rows(company, as_of, to_create)
        escalated = Warning._escalate_from_rows(as_of, to_escalate)
        Warning._refresh_from_rows(to_refresh)
        (created | escalated)._apply_playbooks(as_of)
        result.update(created=len(created), escalated=len(escalated), updated=len(to_refresh))
        return result

    @api.model
    def _fetch_partner_states(self, company, partner_ids):
        """Per customer: the open warning, the snooze date of the last dismissed warning and
        the date of the last lost win-back warning, in one query."""
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id,
                       (array_agg(id ORDER BY id DESC)
                            FILTER (WHERE state IN %(open)s))[1],
                       (array_agg(snooze_until ORDER BY id DESC)
                            FILTER (WHERE state = %(dismissed)s))[1],
                       MAX(date) FILTER (WHERE kind = %(win_back)s AND state = %(lost)s)
                  FROM crm_churn_warning
                 WHERE company_id = %(company)s AND partner_id = ANY(%(partners)s)
                 GROUP BY partner_id
                """,
                open=OPEN_STATES,
                dismissed=STATE_DISMISSED,
                win_back=KIND_WIN_BACK,
                lost=STATE_LOST,
                company=company.id,
                partners=partner_ids,
            )
        )
        return {
            partner_id: {"open_id": open_id, "snooze_until": snooze, "win_back_lost": lost}
            for partner_id, open_id, snooze, lost in self.env.cr.fetchall()
        }

    def _differs_from(self, row):
        self.ensure_one()
        return (
            self.level != row["level"]
            or float_compare(self.score, row["score"], precision_digits=1) != 0
            or (self.reason_text or "") != (row.get("reason_text") or "")
            or self.tier_id.id != (row.get("tier_id") or False)
        )

    @api.model
    def _line_commands(self, row):
        return [
            Command.create(
                {
                    "signal_id": reason.get("signal_id") or False,
                    "code": reason["code"],
                    "value": reason.get("value") or 0.0,
                    "weight": reason.get("weight") or 0.0,
                    "text": reason.get("text") or False,
                }
            )
            for reason in row.get("reasons") or []
        ]

    @api.model
    def _create_from_rows(self, company, as_of, rows_kinds):
        if not rows_kinds:
            return self.browse()
        vals_list = [
            {
                "partner_id": row["partner_id"],
                "company_id": company.id,
                "kind": kind,
                "tier_id": row.get("tier_id") or False,
                "level": row["level"],
                "max_level": row["level"],
                "score": row["score"],
                "reason_text": row.get("reason_text") or False,
                "user_id": row.get("user_id") or False,
                "date": as_of,
                "line_ids": self._line_commands(row),
            }
            for row, kind in rows_kinds
        ]
        created = self.with_context(
            tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
        ).create(vals_list)
        warnings = self.browse(created.ids)
        levels = dict(self._fields["level"]._description_selection(self.env))
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        warnings._log_notes(
            {
                warning.id: self.env._(
                    "%(kind)s warning raised: %(level)s risk (score %(score)s).",
                    kind=kinds[warning.kind],
                    level=levels[warning.level],
                    score=warning.score,
                )
                for warning in warnings
            }
        )
        return warnings

    def _replace_lines(self, pairs):
        """New reasons for the warnings of ``pairs`` ((warning, row)): old lines removed with
        one unlink, new ones created with one create."""
        self.env["crm.churn.warning.line"].search(
            [("warning_id", "in", [warning.id for warning, _row in pairs])]
        ).unlink()
        self.env["crm.churn.warning.line"].create(
            [
                dict(command[2], warning_id=warning.id)
                for warning, row in pairs
                for command in self._line_commands(row)
            ]
        )

    def _row_values(self, row):
        return {
            "level": row["level"],
            "score": row["score"],
            "reason_text": row.get("reason_text") or False,
            "tier_id": row.get("tier_id") or False,
        }

    @api.model
    def _escalate_from_rows(self, as_of, pairs):
        if not pairs:
            return self.browse()
        levels = dict(self._fields["level"]._description_selection(self.env))
        bodies = {}
        Warning = self.with_context(tracking_disable=True)
        for warning, row in pairs:
            bodies[warning.id] = self.env._(
                "Risk rose from %(old)s to %(new)s (score %(score)s).",
                old=levels.get(warning.level, warning.level),
                new=levels[row["level"]],
                score=row["score"],
            )
            Warning.browse(warning.id).write(
                dict(
                    self._row_values(row),
                    max_level=row["level"],
                    escalation_count=warning.escalation_count + 1,
                    last_escalation_date=as_of,
                )
            )
        self._replace_lines(pairs)
        warnings = self.browse([warning.id for warning, _row in pairs])
        warnings._log_notes(bodies)
        return warnings

    @api.model
    def _refresh_from_rows(self, pairs):
        if not pairs:
            return
        Warning = self.with_context(tracking_disable=True)
        for warning, row in pairs:
            Warning.browse(warning.id).write(self._row_values(row))
        self._replace_lines(pairs)

    # ------------------------------------------------------------------ playbooks
    @api.model
    def _get_churn_managers(self, company):
        """Internal users of the company in the churn manager group (OdooBot aside)."""
        group = self.env.ref(MANAGER_GROUP_XMLID)
        return (
            group.sudo()
            .all_user_ids.filtered(
                lambda u: u.active
                and not u.share
                and u.id != SUPERUSER_ID
                and company in u.company_ids
            )
            .sorted("id")
        )

    def _apply_playbooks(self, as_of):
        """Runs the matching playbook of each warning: one activity (for the salesperson or
        team leader, else the company's first churn manager), the managers notified when the
        playbook says so, and the offer e-mail when it has one and none was sent yet."""
        activity_model_id = self.env["ir.model"]._get_id(self._name)
        activity_vals, notify, offers = [], [], defaultdict(list)
        for company, warnings in self.grouped("company_id").items():
            match = self.env["crm.churn.playbook"].sudo()._get_matcher(company)
            managers = self._get_churn_managers(company)
            for warning in warnings:
                playbook = match(warning.tier_id.id, warning.level, warning.kind)
                if not playbook:
                    continue
                warning.playbook_id = playbook
                user = playbook._get_responsible(warning, managers[:1])
                deadline = as_of + timedelta(days=playbook.deadline_days)
                activity_vals.append(
                    {
                        "res_model_id": activity_model_id,
                        "res_id": warning.id,
                        "activity_type_id": playbook.activity_type_id.id,
                        "summary": playbook.summary or playbook.name,
                        "note": playbook.note or False,
                        "date_deadline": deadline,
                        "user_id": user.id or False,
                        "automated": True,
                    }
                )
                if playbook.notify_manager and managers:
                    notify.append((warning, playbook, user, deadline, managers))
                if (
                    playbook.mail_template_id
                    and not warning.offer_sent_date
                    and warning.partner_id.email
                ):
                    offers[playbook.mail_template_id].append(warning.id)
        if activity_vals:
            # no "assigned to you" e-mail per activity from a nightly run: the activities
            # show in their users' activity menu, managers are notified per playbook
            self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(
                activity_vals
            )
        for warning, playbook, user, deadline, managers in notify:
            warning._notify_managers(playbook, user, deadline, managers)
        for template, warning_ids in offers.items():
            warnings = self.browse(warning_ids)
            warnings.message_post_with_source(
                template, message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            warnings.offer_sent_date = as_of

    def _notify_managers(self, playbook, user, deadline, managers):
        self.ensure_one()
        levels = dict(self._fields["level"]._description_selection(self.env))
        body = self.env._(
            "%(level)s churn risk for %(customer)s%(tier)s: %(activity)s for %(user)s, due "
            "%(deadline)s.",
            level=levels[self.level],
            customer=self.partner_id.display_name,
            tier=f" ({self.tier_id.name})" if self.tier_id else "",
            activity=playbook.activity_type_id.name,
            user=user.name or self.env._("nobody"),
            deadline=fields.Date.to_string(deadline),
        )
        self.message_post(
            body=Markup("<p>%s</p>") % escape(body),
            subtype_xmlid="mail.mt_note",
            partner_ids=managers.partner_id.ids,
        )

    # ------------------------------------------------------------------ outcomes
    @api.model
    def _get_revenue_domain(self, company, as_of):
        """Warnings whose revenue since is (re)computed: open ones, and retained ones still in
        the year after their warning."""
        return Domain("company_id", "=", company.id) & (
            Domain("state", "in", OPEN_STATES)
            | (
                Domain("state", "=", STATE_RETAINED)
                & Domain("date", ">=", as_of - timedelta(days=REVENUE_AFTER_DAYS))
            )
        )

    def _get_revenue_after(self, company, as_of):
        """{warning id: (first order date, orders, revenue)} for the warnings of ``self`` whose
        customer ordered after the warning, up to ``as_of`` and within the year after it, in
        one query. An order counts when placed after the warning was raised (the scoring that
        raised it saw the orders before) or on a later day."""
        if not self:
            return {}
        self.env.flush_all()
        if company.crm_value_source == "invoice":
            query = SQL(
                """
                SELECT w.id,
                       MIN(m.invoice_date) FILTER (WHERE m.move_type = 'out_invoice'),
                       COUNT(*) FILTER (WHERE m.move_type = 'out_invoice'),
                       COALESCE(SUM(m.amount_untaxed_signed), 0)::float8
                  FROM crm_churn_warning w
                  JOIN res_partner p ON p.commercial_partner_id = w.partner_id
                  JOIN account_move m ON m.partner_id = p.id
                 WHERE w.id = ANY(%(ids)s)
                   AND m.company_id = %(company)s
                   AND m.state = 'posted'
                   AND m.move_type IN ('out_invoice', 'out_refund')
                   AND (m.invoice_date > w.date
                        OR (m.invoice_date = w.date AND m.create_date > w.create_date))
                   AND m.invoice_date <= LEAST(%(as_of)s::date, w.date + %(days)s)
                 GROUP BY w.id
                """,
                ids=self.ids,
                company=company.id,
                as_of=as_of,
                days=REVENUE_AFTER_DAYS,
            )
        else:
            query = SQL(
                """
                SELECT w.id,
                       MIN(so.date_order)::date,
                       COUNT(*),
                       COALESCE(SUM(so.amount_untaxed
                                    / COALESCE(NULLIF(so.currency_rate, 0), 1)), 0)::float8
                  FROM crm_churn_warning w
                  JOIN res_partner p ON p.commercial_partner_id = w.partner_id
                  JOIN sale_order so ON so.partner_id = p.id
                 WHERE w.id = ANY(%(ids)s)
                   AND so.company_id = %(company)s
                   AND so.state = 'sale'
                   AND so.date_order > LEAST(w.create_date, (w.date + 1)::timestamp)
                   AND so.date_order < (LEAST(%(as_of)s::date, w.date + %(days)s) + 1)::timestamp
                 GROUP BY w.id
                """,
                ids=self.ids,
                company=company.id,
                as_of=as_of,
                days=REVENUE_AFTER_DAYS,
            )
        self.env.cr.execute(query)
        return {
            warning_id: (first, orders, round(revenue, 2))
            for warning_id, first, orders, revenue in self.env.cr.fetchall()
            if orders
        }

    @api.model
    def _close_outcomes(self, company, as_of=None):
        """Closes the open warnings of the company whose outcome is known, and keeps the
        revenue since the warning of retained ones current for a year. Returns the counts of
        retained and lost warnings."""
        Warning = self.sudo().with_company(company).with_context(tracking_disable=True)
        as_of = as_of or fields.Date.context_today(Warning)
        currency = company.currency_id
        candidates = Warning.search(Warning._get_revenue_domain(company, as_of))
        figures = candidates._get_revenue_after(company, as_of)
        retained, bodies = Warning.browse(), {}
        for warning in candidates:
            first, orders, revenue = figures.get(warning.id, (None, 0, 0.0))
            if warning.state in OPEN_STATES:
                if not orders:
                    continue
                warning.write(
                    {
                        "state": STATE_RETAINED,
                        "outcome_date": min(max(first, warning.date), as_of),
                        "orders_after": orders,
                        "revenue_after": revenue,
                    }
                )
                retained |= warning
                bodies[warning.id] = self.env._(
                    "The customer ordered again on %(date)s: retained (%(orders)s orders, "
                    "%(revenue)s since the warning).",
                    date=fields.Date.to_string(first),
                    orders=orders,
                    revenue=currency.format(revenue),
                )
            elif warning.orders_after != orders or currency.compare_amounts(
                warning.revenue_after, revenue
            ):
                warning.write({"orders_after": orders, "revenue_after": revenue})
        retained._unlink_open_activities()

        # risk customers whose lifecycle stage turned churned
        self.env.cr.execute(
            SQL(
                """
                SELECT w.id
                  FROM crm_churn_warning w
                  JOIN res_partner p ON p.id = w.partner_id
                 WHERE w.company_id = %(company)s
                   AND w.state IN %(open)s
                   AND w.kind = %(risk)s
                   AND p.crm_lifecycle_stage ->> %(cid)s = %(churned)s
                """,
                company=company.id,
                open=OPEN_STATES,
                risk=KIND_RISK,
                cid=str(company.id),
                churned=STAGE_CHURNED,
            )
        )
        churned = Warning.browse([r[0] for r in self.env.cr.fetchall()]) - retained
        churned._close_lost_churned(as_of)

        # win-back warnings without an order within the horizon
        horizon = as_of - timedelta(days=company.crm_churn_win_back_days)
        expired = (
            Warning.search(
                [
                    ("company_id", "=", company.id),
                    ("state", "in", OPEN_STATES),
                    ("kind", "=", KIND_WIN_BACK),
                    ("date", "<=", horizon),
                ]
            )
            - retained
        )
        if expired:
            expired._close(STATE_LOST, as_of)
            for warning in expired:
                bodies[warning.id] = self.env._(
                    "No order within %(days)s days of the win-back warning: lost.",
                    days=company.crm_churn_win_back_days,
                )
        if bodies:
            Warning.browse(list(bodies))._log_notes(bodies)
        return {"retained": len(retained), "lost": len(churned) + len(expired)}

    def _close_lost_churned(self, as_of):
        if not self:
            return
        self.with_context(tracking_disable=True)._close(STATE_LOST, as_of)
        self._log_notes(
            dict.fromkeys(
                self.ids, self.env._("The customer's lifecycle stage turned churned: lost.")
            )
        )

    def _log_notes(self, bodies):
        """Logs plain-text notes ({warning id: text}) on the warnings, in one insert."""
        self._message_log_batch(
            {warning_id: Markup("<p>%s</p>") % escape(text) for warning_id, text in bodies.items()}
        )
