"""Churn warnings: the retention work on customers at risk, and its outcomes.

The nightly scoring hands each batch of scored customers to ``_sync_scores``, which keeps at
most one open warning per customer and company: it raises a warning for a customer at or above
the company's warning level, escalates an open one whose level rises above the highest level it
reached (the matching playbook runs again), quietly refreshes the score and reasons otherwise,
and leaves dismissed customers alone until their snooze date. New warnings respect the
company's capacity: at most so many a day per salesperson (customers without one share one
allowance for the company), the highest risks first, counted from the warnings already raised
that day so that it holds across batches and re-runs; the customers left over keep their score
and are considered again the next night (escalations are never held back). A batch holds
thousands of customers, so it works set-wise: everything it needs is read in one query; new
warnings, their reasons and their notes are inserted with one statement each (references drawn
from the sequence in one query), escalated and refreshed warnings are updated with one
statement, the playbooks' activities are inserted with one statement (their users following
the warnings), and the churn managers get one message per batch listing the warnings their
playbooks flag. The offer e-mail is sent once per warning
and marked sent in the same transaction, so a run cut short and run again repeats nothing; it
never goes to a win-back customer who churned before the company's start date (customers found
lost in the history at installation are contacted by their salesperson, not by an e-mail).

``_close_outcomes`` then closes open warnings: retained when the customer ordered after the
warning (with the revenue since), lost when a risk customer's lifecycle stage turned churned or
when a win-back warning found no order within the company's win-back horizon.
"""

import json
import logging
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, float_compare, format_date
from odoo.tools.mail import generate_tracking_message_id

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    STAGE_CHURNED,
    check_engine_fields,
    engine_write,
    is_engine_write,
    local_date_sql,
)

from .churn_data import (
    CHURN_LEVELS,
    KIND_RISK,
    KIND_WIN_BACK,
    LEVEL_RANK,
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

# revenue after a warning is counted, and kept current, for this many days after it
REVENUE_AFTER_DAYS = 365
CLOSED_OUTCOMES = (STATE_RETAINED, STATE_LOST)
MANAGER_GROUP_XMLID = "crm_churn_warning.crm_churn_warning_group_manager"

_logger = logging.getLogger(__name__)


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

    def write(self, vals):
        if not is_engine_write(self.env):
            check_engine_fields(
                self, (WARNING_ENGINE_FIELDS | WARNING_SCORING_FIELDS) & vals.keys()
            )
        return super().write(vals)

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
        engine_write(self.filtered(lambda w: w.state == STATE_NEW)).write(
            {"state": STATE_IN_PROGRESS}
        )
        return True

    def action_retain(self):
        """The customer is retained: revenue since the warning is counted from now on."""
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
        self._check_open()
        for company, warnings in self.grouped("company_id").items():
            warnings._close(STATE_LOST, company._crm_today())
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
        open_by_partner = {
            partner_id: state["open"] for partner_id, state in states.items() if state["open"]
        }

        # a risk customer who churned since: the risk warning is lost, a win-back may follow
        churned = [
            partner_id
            for partner_id, warning in open_by_partner.items()
            if warning["kind"] == KIND_RISK
            and rows_by_partner[partner_id].get("stage") == STAGE_CHURNED
        ]
        if churned:
            Warning.browse([open_by_partner.pop(pid)["id"] for pid in churned])._close_lost_churned(
                as_of
            )
            self.env.flush_all()

        threshold = LEVEL_RANK[company.crm_churn_warning_level]
        to_create, to_escalate, to_refresh = [], [], []
        for partner_id, row in rows_by_partner.items():
            rank = LEVEL_RANK.get(row["level"], 0)
            warning = open_by_partner.get(partner_id)
            if warning:
                if rank > LEVEL_RANK.get(warning["max_level"], 0):
                    to_escalate.append((warning, row))
                elif self._differs_from(warning, row):
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

        to_create = Warning._limit_to_capacity(company, as_of, to_create)
        created = Warning._create_from_rows(company, as_of, to_create)
        escalated = Warning._escalate_from_rows(as_of, to_escalate)
        Warning._refresh_from_rows(to_refresh)
        last_orders = {
            warning.id: row.get("last_order_date")
            for warning, (row, _kind) in zip(created, to_create, strict=True)
        }
        last_orders.update(
            {warning["id"]: row.get("last_order_date") for warning, row in to_escalate}
        )
        (created | escalated)._apply_playbooks(as_of, last_orders=last_orders)
        result.update(created=len(created), escalated=len(escalated), updated=len(to_refresh))
        return result

    @api.model
    def _limit_to_capacity(self, company, as_of, rows_kinds):
        """The (row, kind) pairs of ``rows_kinds`` that become warnings today, highest risk
        first (score, then level, then customer id): at most the company's capacity of new
        warnings per salesperson and day, counting the warnings already raised that day (read
        from the database, so that the capacity holds across the batches of a run and when it
        runs again the same day). Customers without a salesperson share one allowance for the
        company (their activities go to the churn manager who stands in for the salesperson).
        The others are left out: they keep their score and are considered again the next
        night. A capacity of 0 leaves every pair in. The order holds within a batch; batches
        follow customer ids, so a salesperson's day filled by an earlier batch leaves a higher
        risk of a later batch for the next night."""
        rows_kinds = sorted(
            rows_kinds,
            key=lambda row_kind: (
                -row_kind[0]["score"],
                -LEVEL_RANK.get(row_kind[0]["level"], 0),
                row_kind[0]["partner_id"],
            ),
        )
        capacity = company.crm_churn_warning_capacity
        if not capacity or not rows_kinds:
            return rows_kinds
        raised = self._read_group(
            [("company_id", "=", company.id), ("date", "=", as_of)], ["user_id"], ["__count"]
        )
        left = defaultdict(lambda: capacity)
        for user, count in raised:
            left[user.id or None] = capacity - count
        admitted = []
        for row, kind in rows_kinds:
            user_id = row.get("user_id") or None
            if left[user_id] > 0:
                left[user_id] -= 1
                admitted.append((row, kind))
        if len(admitted) < len(rows_kinds):
            preview = self.env.context.get(PREVIEW_KEY)
            if isinstance(preview, ChurnPreview):
                kept = {id(row) for row, _kind in admitted}
                for row, _kind in rows_kinds:
                    if id(row) not in kept:
                        user_id = row.get("user_id") or None
                        preview.held_back[user_id] = preview.held_back.get(user_id, 0) + 1
            _logger.info(
                "Churn warnings of %s on %s: %d customers over their salesperson's daily "
                "capacity of %d, considered again the next night",
                company.name,
                as_of,
                len(rows_kinds) - len(admitted),
                capacity,
            )
        return admitted

    @api.model
    def _fetch_partner_states(self, company, partner_ids):
        """Per customer: the open warning (a dict of the values the sync compares), the snooze
        date of the last dismissed warning and the date of the last lost win-back warning, in
        one query."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT s.partner_id, s.snooze_until, s.win_back_lost,
                       w.id, w.kind, w.level, w.max_level, w.score::float8, w.reason_data,
                       w.tier_id
                  FROM (SELECT partner_id,
                               (array_agg(id ORDER BY id DESC)
                                    FILTER (WHERE state IN %(open)s))[1] AS open_id,
                               (array_agg(snooze_until ORDER BY id DESC)
                                    FILTER (WHERE state = %(dismissed)s))[1] AS snooze_until,
                               MAX(date) FILTER (WHERE kind = %(win_back)s
                                                   AND state = %(lost)s) AS win_back_lost
                          FROM crm_churn_warning
                         WHERE company_id = %(company)s AND partner_id = ANY(%(partners)s)
                         GROUP BY partner_id) s
                  LEFT JOIN crm_churn_warning w ON w.id = s.open_id
                """,
                open=OPEN_STATES,
                dismissed=STATE_DISMISSED,
                win_back=KIND_WIN_BACK,
                lost=STATE_LOST,
                company=company.id,
                partners=partner_ids,
            )
        )
        keys = ("id", "kind", "level", "max_level", "score", "reason_data", "tier_id")
        return {
            partner_id: {
                "open": dict(zip(keys, values, strict=True)) if values[0] else None,
                "snooze_until": snooze,
                "win_back_lost": lost,
            }
            for partner_id, snooze, lost, *values in self.env.cr.fetchall()
        }

    @api.model
    def _differs_from(self, warning, row):
        """Whether the open ``warning`` (a dict of _fetch_partner_states) shows other figures
        than the scoring ``row``."""
        return (
            warning["level"] != row["level"]
            or float_compare(warning["score"] or 0.0, row["score"], precision_digits=1) != 0
            or (warning["reason_data"] or []) != (row.get("reason_data") or [])
            or (warning["tier_id"] or False) != (row.get("tier_id") or False)
        )

    @api.model
    def _reserve_names(self, company, as_of, count):
        """``count`` references from the company's warning sequence (or the shared one), in
        order. A standard sequence without date ranges gives all its numbers in one query. A
        preview (PREVIEW_KEY) draws none: its warnings are rolled back, the numbers would not."""
        if isinstance(self.env.context.get(PREVIEW_KEY), ChurnPreview):
            return ["/"] * count
        sequence = (
            self.env["ir.sequence"]
            .sudo()
            .search(
                [("code", "=", "crm.churn.warning"), ("company_id", "in", [company.id, False])],
                order="company_id",
                limit=1,
            )
        )
        if not sequence:
            return ["/"] * count
        if sequence.implementation != "standard" or sequence.use_date_range:
            return [sequence._next(sequence_date=as_of) for _i in range(count)]
        self.env.cr.execute(
            SQL(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                f"ir_sequence_{sequence.id:03d}",
                count,
            )
        )
        numbers = sorted(number for (number,) in self.env.cr.fetchall())
        prefix, suffix = sequence._get_prefix_suffix()
        return [f"{prefix}{number:0{sequence.padding}d}{suffix}" for number in numbers]

    @api.model
    def _get_team(self, user, company):
        """The user's sales team, or another team of theirs in ``company``."""
        teams = user.crm_team_ids.filtered(
            lambda team: not team.company_id or team.company_id == company
        )
        return user.sale_team_id if user.sale_team_id in teams else teams[:1]

    @api.model
    def _create_from_rows(self, company, as_of, rows_kinds):
        """New warnings, one per (row, kind), with their reasons and a note, inserted
        set-wise: the scoring rows hold every value, the salesperson's team is looked up once
        per salesperson. The values are those ``create`` gives (commercial partner, highest
        level, reference from the sequence, no tracking, no follower)."""
        if not rows_kinds:
            return self.browse()
        users = self.env["res.users"].browse(
            {row["user_id"] for row, _kind in rows_kinds if row.get("user_id")}
        )
        teams = {user.id: self._get_team(user, company).id for user in users}
        columns = defaultdict(list)
        for name, (row, kind) in zip(
            self._reserve_names(company, as_of, len(rows_kinds)), rows_kinds, strict=True
        ):
            user_id = row.get("user_id") or None
            columns["name"].append(name)
            columns["partner"].append(row["partner_id"])
            columns["kind"].append(kind)
            columns["tier"].append(row.get("tier_id") or None)
            columns["level"].append(row["level"])
            columns["score"].append(row["score"])
            columns["reason"].append(self._reason_json(row.get("reason_data")))
            columns["usr"].append(user_id)
            columns["team"].append(teams.get(user_id) or None)
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_churn_warning
                    (name, partner_id, company_id, kind, tier_id, level, max_level, score,
                     reason_data, user_id, team_id, state, date, days_to_outcome,
                     retention_rate, revenue_saved, create_uid, write_uid, create_date,
                     write_date)
                SELECT v.name, p.commercial_partner_id, %(company)s, v.kind, v.tier, v.level,
                       v.level, round(v.score::numeric, 1), v.reason, v.usr, v.team, %(new)s,
                       %(date)s, 0, 0, 0, %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM unnest(%(name)s::varchar[], %(partner)s::int[], %(kind)s::varchar[],
                              %(tier)s::int[], %(level)s::varchar[], %(score)s::float8[],
                              %(reason)s::jsonb[], %(usr)s::int[], %(team)s::int[])
                       WITH ORDINALITY AS v(name, partner, kind, tier, level, score, reason,
                                            usr, team, seq)
                  JOIN res_partner p ON p.id = v.partner
                 ORDER BY v.seq
             RETURNING id, partner_id
                """,
                company=company.id,
                new=STATE_NEW,
                date=as_of,
                uid=self.env.uid,
                now=now,
                **columns,
            )
        )
        # one open warning per customer and company: the customer identifies the new warning
        id_by_partner = {
            partner_id: warning_id for warning_id, partner_id in self.env.cr.fetchall()
        }
        customers = self.env["res.partner"].browse([row["partner_id"] for row, _k in rows_kinds])
        commercial = {partner.id: partner.commercial_partner_id.id for partner in customers}
        pairs = [(id_by_partner[commercial[row["partner_id"]]], row) for row, _kind in rows_kinds]
        self._insert_lines(pairs)
        warnings = self.browse([warning_id for warning_id, _row in pairs])
        warnings._log_events(
            "crm_churn_warning.mt_crm_churn_warning_raised",
            {
                warning_id: [
                    ("kind", False, kind),
                    ("level", False, row["level"]),
                    ("score", 0.0, round(row["score"], 1)),
                ]
                for (warning_id, row), (_row, kind) in zip(pairs, rows_kinds, strict=True)
            },
        )
        return warnings

    @api.model
    def _reason_json(self, document):
        """A reason document (or a signal's parts) as the JSON text of a jsonb column, None
        when empty."""
        return json.dumps(document, separators=(",", ":")) if document else None

    @api.model
    def _insert_lines(self, pairs):
        """The reason lines of the rows of ``pairs`` ((warning id, row)), in one insert."""
        columns = defaultdict(list)
        for warning_id, row in pairs:
            for reason in row.get("reasons") or []:
                columns["warning"].append(warning_id)
                columns["signal"].append(reason.get("signal_id") or None)
                columns["code"].append(reason["code"])
                columns["value"].append(reason.get("value") or 0.0)
                columns["weight"].append(reason.get("weight") or 0.0)
                columns["details"].append(self._reason_json(reason.get("details")))
        if columns:
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO crm_churn_warning_line
                        (warning_id, company_id, signal_id, code, value, weight, details,
                         create_uid, write_uid, create_date, write_date)
                    SELECT l.warning, w.company_id, l.signal, l.code,
                           round(l.value::numeric, 2), round(l.weight::numeric, 2), l.details,
                           %(uid)s, %(uid)s, %(now)s, %(now)s
                      FROM unnest(%(warning)s::int[], %(signal)s::int[], %(code)s::varchar[],
                                  %(value)s::float8[], %(weight)s::float8[],
                                  %(details)s::jsonb[])
                           WITH ORDINALITY AS l(warning, signal, code, value, weight, details,
                                                seq)
                      JOIN crm_churn_warning w ON w.id = l.warning
                     ORDER BY l.seq
                    """,
                    uid=self.env.uid,
                    now=self.env.cr.now(),
                    **columns,
                )
            )
        self.env["crm.churn.warning.line"].invalidate_model()
        self.browse([warning_id for warning_id, _row in pairs]).invalidate_recordset(["line_ids"])

    @api.model
    def _update_from_rows(self, pairs, escalated_on=None):
        """Writes the figures of the rows of ``pairs`` ((warning dict, row)) on their
        warnings and replaces their reasons: one update, one delete, one insert.
        ``escalated_on`` (a date) also raises the highest level and counts an escalation."""
        ids = [warning["id"] for warning, _row in pairs]
        escalation = SQL()
        if escalated_on:
            escalation = SQL(
                """, max_level = v.level,
                     escalation_count = COALESCE(w.escalation_count, 0) + 1,
                     last_escalation_date = %s""",
                escalated_on,
            )
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_churn_warning w
                   SET level = v.level, score = round(v.score::numeric, 1),
                       reason_data = v.reason, tier_id = v.tier,
                       write_uid = %(uid)s, write_date = %(now)s %(escalation)s
                  FROM unnest(%(ids)s::int[], %(level)s::varchar[], %(score)s::float8[],
                              %(reason)s::jsonb[], %(tier)s::int[])
                       AS v(id, level, score, reason, tier)
                 WHERE w.id = v.id
                """,
                uid=self.env.uid,
                now=self.env.cr.now(),
                escalation=escalation,
                ids=ids,
                level=[row["level"] for _warning, row in pairs],
                score=[row["score"] for _warning, row in pairs],
                reason=[self._reason_json(row.get("reason_data")) for _warning, row in pairs],
                tier=[row.get("tier_id") or None for _warning, row in pairs],
            )
        )
        self.env.cr.execute(
            SQL("DELETE FROM crm_churn_warning_line WHERE warning_id = ANY(%s)", ids)
        )
        warnings = self.browse(ids)
        warnings.invalidate_recordset()
        self._insert_lines([(warning["id"], row) for warning, row in pairs])
        return warnings

    @api.model
    def _escalate_from_rows(self, as_of, pairs):
        if not pairs:
            return self.browse()
        warnings = self._update_from_rows(pairs, escalated_on=as_of)
        warnings._log_events(
            "crm_churn_warning.mt_crm_churn_warning_escalated",
            {
                warning["id"]: [
                    ("level", warning["level"], row["level"]),
                    ("score", round(warning["score"] or 0.0, 1), round(row["score"], 1)),
                ]
                for warning, row in pairs
            },
        )
        return warnings

    @api.model
    def _refresh_from_rows(self, pairs):
        if pairs:
            self._update_from_rows(pairs)

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

    @api.model
    def _is_offer_withheld(self, company, kind, last_order_date):
        """Whether the offer e-mail of a playbook must not go to the customer of a warning of
        ``kind`` whose last order was on ``last_order_date``. A win-back warning of a customer
        who churned (last order plus the company's churn days) before the company's start date
        (``crm_start_date``: the day these addons started serving it) sends none: that
        customer was found lost in the history at installation, and an e-mail would be about
        the installation, not about the customer leaving."""
        if kind != KIND_WIN_BACK or not company.crm_start_date:
            return False
        churned_on = last_order_date and last_order_date + timedelta(days=company.crm_churn_days)
        return not (churned_on and churned_on >= company.crm_start_date)

    def _apply_playbooks(self, as_of, last_orders=None):
        """Runs the matching playbook of each warning: one activity (for the salesperson or
        team leader, else the company's first churn manager), the managers notified when the
        playbook says so, and the offer e-mail when it has one, none was sent yet and
        ``_is_offer_withheld`` finds no reason against it (the customer's last order date from
        ``last_orders`` {warning id: date}, else the customer's stored one). The playbook is
        written with one update per playbook, the activities with one insert; the managers
        get one message listing the warnings their playbooks flag. The activities carry no
        summary (the name of their type, translated for each reader, says what to do) and
        the playbook's instructions in the language of the person who gets them."""
        activity_vals, offers = [], defaultdict(list)
        by_playbook = defaultdict(list)
        withheld = []  # warnings whose offer e-mail was not sent
        notes = {}  # (playbook, language) -> the playbook's instructions in that language
        last_orders = last_orders or {}
        for company, warnings in self.grouped("company_id").items():
            match = self.env["crm.churn.playbook"].sudo()._get_matcher(company)
            managers = self._get_churn_managers(company)
            flagged = []
            for warning in warnings:
                playbook = match(warning.tier_id.id, warning.level, warning.kind)
                if not playbook:
                    continue
                by_playbook[playbook].append(warning.id)
                user = playbook._get_responsible(warning, managers[:1])
                deadline = as_of + timedelta(days=playbook.deadline_days)
                lang = user.lang or company.partner_id.lang or "en_US"
                if (playbook, lang) not in notes:
                    notes[playbook, lang] = playbook.with_context(lang=lang).note or False
                activity_vals.append(
                    {
                        "res_id": warning.id,
                        "activity_type_id": playbook.activity_type_id.id,
                        "summary": False,
                        "note": notes[playbook, lang],
                        "date_deadline": deadline,
                        "user_id": user.id or False,
                    }
                )
                if playbook.notify_manager and managers:
                    flagged.append((warning, playbook, user, deadline))
                if (
                    playbook.mail_template_id
                    and not warning.offer_sent_date
                    and warning.partner_id.email
                ):
                    last_order = last_orders.get(warning.id)
                    if warning.id not in last_orders:
                        last_order = warning.partner_id.with_company(company).crm_last_order_date
                    if self._is_offer_withheld(company, warning.kind, last_order):
                        withheld.append(warning.id)
                    else:
                        offers[playbook.mail_template_id].append(warning.id)
            if flagged:
                self._notify_managers(company, managers, flagged)
        for playbook, warning_ids in by_playbook.items():
            self.browse(warning_ids).with_context(tracking_disable=True).write(
                {"playbook_id": playbook.id}
            )
        self._insert_activities(activity_vals)
        self.browse(withheld)._log_events("crm_churn_warning.mt_crm_churn_warning_offer_withheld")
        for template, warning_ids in offers.items():
            warnings = self.browse(warning_ids)
            warnings.message_post_with_source(
                template, message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            warnings.offer_sent_date = as_of

    @api.model
    def _insert_activities(self, vals_list):
        """Schedules automated activities on warnings (dicts of res_id, activity_type_id,
        summary, note, date_deadline, user_id) with one insert, with what
        ``mail.activity.create`` gives them: the document name, the user's time zone, the
        note sanitized as the activity's field does, the user following the warning and told
        at once of activities already due. No "assigned to you" e-mail per activity from a
        nightly run: the activities show in their users' activity menu."""
        if not vals_list:
            return
        Activity = self.env["mail.activity"].sudo()
        note_field = Activity._fields["note"]
        notes = {
            note: note_field.convert_to_column(note, Activity) if note else None
            for note in {vals["note"] for vals in vals_list}
        }
        users = self.env["res.users"].sudo().browse({v["user_id"] for v in vals_list} - {False})
        time_zones = {user.id: user.tz or None for user in users}
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mail_activity
                    (res_model_id, res_model, res_id, res_name, activity_type_id, summary, note,
                     date_deadline, user_id, user_tz, automated, active,
                     create_uid, write_uid, create_date, write_date)
                SELECT %(model_id)s, %(model)s, a.res_id, w.name, a.type, a.summary, a.note,
                       a.deadline, a.usr, a.tz, TRUE, TRUE, %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM unnest(%(res_id)s::int[], %(type)s::int[], %(summary)s::varchar[],
                              %(note)s::text[], %(deadline)s::date[], %(usr)s::int[],
                              %(tz)s::varchar[])
                       WITH ORDINALITY AS a(res_id, type, summary, note, deadline, usr, tz, seq)
                  JOIN crm_churn_warning w ON w.id = a.res_id
                 ORDER BY a.seq
                """,
                model_id=self.env["ir.model"]._get_id(self._name),
                model=self._name,
                uid=self.env.uid,
                now=self.env.cr.now(),
                res_id=[vals["res_id"] for vals in vals_list],
                type=[vals["activity_type_id"] for vals in vals_list],
                summary=[vals["summary"] or None for vals in vals_list],
                note=[notes[vals["note"]] for vals in vals_list],
                deadline=[vals["date_deadline"] for vals in vals_list],
                usr=[vals["user_id"] or None for vals in vals_list],
                tz=[time_zones.get(vals["user_id"]) for vals in vals_list],
            )
        )
        warning_ids = [vals["res_id"] for vals in vals_list]
        Activity.invalidate_model()
        self.browse(warning_ids).invalidate_recordset()

        # the users follow the warnings of their activities (default subtypes, existing
        # followers kept), inserted set-wise
        followers = []  # (warning id, partner id, subtype ids)
        by_user = defaultdict(list)
        for vals in vals_list:
            if vals["user_id"]:
                by_user[vals["user_id"]].append(vals["res_id"])
        Followers = self.env["mail.followers"].sudo()
        for user in users:
            new, _update = Followers._add_default_followers(
                self._name, by_user[user.id], user.partner_id.ids
            )
            followers += [
                (res_id, values["partner_id"], values["subtype_ids"][0][2])
                for res_id, values_list in new.items()
                for values in values_list
            ]
        if followers:
            self.env.cr.execute(
                SQL(
                    """
                    WITH new AS (
                        INSERT INTO mail_followers (res_model, res_id, partner_id)
                        SELECT %(model)s, f.res_id, f.partner
                          FROM unnest(%(res_id)s::int[], %(partner)s::int[]) AS f(res_id, partner)
                        ON CONFLICT DO NOTHING
                        RETURNING id, res_id, partner_id
                    )
                    INSERT INTO mail_followers_mail_message_subtype_rel
                        (mail_followers_id, mail_message_subtype_id)
                    SELECT new.id, s.subtype
                      FROM new
                      JOIN unnest(%(res_id)s::int[], %(partner)s::int[], %(subtypes)s::text[])
                           AS f(res_id, partner, subtypes)
                        ON f.res_id = new.res_id AND f.partner = new.partner_id
                     CROSS JOIN LATERAL unnest(f.subtypes::int[]) AS s(subtype)
                    """,
                    model=self._name,
                    res_id=[res_id for res_id, _partner, _subtypes in followers],
                    partner=[partner for _res_id, partner, _subtypes in followers],
                    subtypes=[
                        "{" + ",".join(map(str, subtypes)) + "}"
                        for _res_id, _partner, subtypes in followers
                    ],
                )
            )
            Followers.invalidate_model()
            self.browse(warning_ids).invalidate_recordset()

        today = fields.Date.today()
        due = defaultdict(int)
        for vals in vals_list:
            if vals["user_id"] and vals["date_deadline"] <= today:
                due[vals["user_id"]] += 1
        for user in users.filtered(lambda u: due[u.id]):
            user._bus_send(
                "mail.activity/updated", {"activity_created": True, "count_diff": due[user.id]}
            )

    @api.model
    def _notify_managers(self, company, managers, flagged):
        """Tells the churn managers of ``company`` about the warnings of ``flagged``
        ((warning, playbook, responsible user, deadline)): a note on each warning, and one
        message in the inbox (or by e-mail, as each prefers) of the managers of each language,
        in their language, listing them all with links."""
        self.browse([warning.id for warning, *_rest in flagged])._log_events(
            "crm_churn_warning.mt_crm_churn_warning_managers_notified"
        )
        default_lang = company.partner_id.lang or "en_US"
        for lang, readers in managers.grouped(lambda u: u.lang or default_lang).items():
            subject, body = self.with_context(lang=lang)._get_managers_digest(company, flagged)
            self.env["mail.thread"].message_notify(
                partner_ids=readers.partner_id.ids, subject=subject, body=body
            )

    @api.model
    def _get_managers_digest(self, company, flagged):
        """The subject and body of the managers' message about ``flagged`` (see
        _notify_managers), in the language of the environment."""
        levels = dict(self._fields["level"]._description_selection(self.env))
        items = []
        for warning, playbook, user, deadline in flagged:
            text = self.env._(
                "%(level)s churn risk for %(customer)s%(tier)s: %(activity)s for %(user)s, due "
                "%(deadline)s.",
                level=levels[warning.level],
                customer=warning.partner_id.display_name,
                tier=f" ({warning.tier_id.with_env(self.env).name})" if warning.tier_id else "",
                activity=playbook.activity_type_id.with_env(self.env).name,
                user=user.name or self.env._("nobody"),
                deadline=format_date(self.env, deadline),
            )
            items.append(
                Markup(
                    '<li><a href="/odoo/%s/%s" data-oe-model="%s" data-oe-id="%s">%s</a>: %s</li>'
                )
                % (self._name, warning.id, self._name, warning.id, warning.name, text)
            )
        subject = self.env._("Churn warnings for the managers (%(count)s)", count=len(items))
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            self.env._(
                "The churn playbooks of %(company)s flagged these warnings for the churn managers:",
                company=company.name,
            ),
            Markup("").join(items),
        )
        return subject, body

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
            # an order belongs to its day in the company's time zone
            day = local_date_sql(SQL("so.date_order"), company._crm_tz())
            query = SQL(
                """
                SELECT w.id,
                       MIN(%(day)s),
                       COUNT(*),
                       COALESCE(SUM(so.amount_untaxed
                                    / COALESCE(NULLIF(so.currency_rate, 0), 1)), 0)::float8
                  FROM crm_churn_warning w
                  JOIN res_partner p ON p.commercial_partner_id = w.partner_id
                  JOIN sale_order so ON so.partner_id = p.id
                 WHERE w.id = ANY(%(ids)s)
                   AND so.company_id = %(company)s
                   AND so.state = 'sale'
                   AND (so.date_order > w.create_date OR %(day)s > w.date)
                   AND %(day)s <= LEAST(%(as_of)s::date, w.date + %(days)s)
                 GROUP BY w.id
                """,
                day=day,
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
        as_of = as_of or company._crm_today()
        currency = company.currency_id
        candidates = Warning.search(Warning._get_revenue_domain(company, as_of))
        figures = candidates._get_revenue_after(company, as_of)
        retained, changes = Warning.browse(), {}
        for warning in candidates:
            first, orders, revenue = figures.get(warning.id, (None, 0, 0.0))
            if warning.state in OPEN_STATES:
                if not orders:
                    continue
                old = {
                    "state": warning.state,
                    "orders_after": warning.orders_after,
                    "revenue_after": warning.revenue_after,
                }
                outcome_date = min(max(first, warning.date), as_of)
                warning.write(
                    {
                        "state": STATE_RETAINED,
                        "outcome_date": outcome_date,
                        "orders_after": orders,
                        "revenue_after": revenue,
                    }
                )
                retained |= warning
                changes[warning.id] = [
                    ("state", old["state"], STATE_RETAINED),
                    ("outcome_date", False, outcome_date),
                    ("orders_after", old["orders_after"], orders),
                    ("revenue_after", old["revenue_after"], revenue),
                ]
            elif warning.orders_after != orders or currency.compare_amounts(
                warning.revenue_after, revenue
            ):
                warning.write({"orders_after": orders, "revenue_after": revenue})
        retained._unlink_open_activities()
        retained._log_events("crm_churn_warning.mt_crm_churn_warning_retained", changes)

        # risk customers whose lifecycle stage turned churned, by the date: more than the
        # company's churn days without an order then (a replay of a past date does not lose a
        # warning over a churn that came later)
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
                   AND COALESCE((p.crm_last_order_date ->> %(cid)s)::date + %(churn_days)s
                                < %(as_of)s, TRUE)
                """,
                company=company.id,
                open=OPEN_STATES,
                risk=KIND_RISK,
                cid=str(company.id),
                churned=STAGE_CHURNED,
                churn_days=company.crm_churn_days,
                as_of=as_of,
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
            states = {warning.id: warning.state for warning in expired}
            expired._close(STATE_LOST, as_of)
            expired._log_events(
                "crm_churn_warning.mt_crm_churn_warning_win_back_expired",
                {
                    warning.id: [
                        ("state", states[warning.id], STATE_LOST),
                        ("outcome_date", False, as_of),
                        ("days_to_outcome", 0, warning.days_to_outcome),
                    ]
                    for warning in expired
                },
            )
        return {"retained": len(retained), "lost": len(churned) + len(expired)}

    def _close_lost_churned(self, as_of):
        if not self:
            return
        states = {warning.id: warning.state for warning in self}
        self.with_context(tracking_disable=True)._close(STATE_LOST, as_of)
        self._log_events(
            "crm_churn_warning.mt_crm_churn_warning_churned",
            {
                warning_id: [("state", state, STATE_LOST), ("outcome_date", False, as_of)]
                for warning_id, state in states.items()
            },
        )

    def _log_events(self, subtype_xmlid, changes=None):
        """Logs what the scoring did on the warnings of ``self``: one message each, of the
        given subtype, whose description tells what happened, with the figures as tracked
        values (``changes``: {warning id: [(field name, old value, new value)]}). The chatter
        shows both in each reader's language, numbers, amounts and dates formatted for them.
        Internal notes of the current user, without notification: the messages with one
        insert, their tracked values with one create."""
        if not self:
            return
        changes = changes or {}
        author_id, email_from = self._message_compute_author()
        reply_to = self.env["mail.thread"]._notify_get_reply_to(
            default=email_from, author_id=author_id
        )[False]
        res_ids = self.ids
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mail_message
                    (model, res_id, body, message_type, subtype_id, author_id, email_from,
                     reply_to, is_internal, email_add_signature, message_id, date,
                     create_uid, write_uid, create_date, write_date)
                SELECT %(model)s, m.res_id, '', 'notification', %(subtype)s, %(author)s,
                       %(email_from)s, %(reply_to)s, TRUE, FALSE, m.message_id, %(date)s,
                       %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM unnest(%(res_ids)s::int[], %(message_ids)s::text[])
                       AS m(res_id, message_id)
             RETURNING id, res_id
                """,
                model=self._name,
                subtype=self.env["ir.model.data"]._xmlid_to_res_id(subtype_xmlid),
                author=author_id or None,
                email_from=email_from or None,
                reply_to=reply_to or None,
                date=fields.Datetime.now(),
                uid=self.env.uid,
                now=self.env.cr.now(),
                res_ids=res_ids,
                message_ids=[generate_tracking_message_id("message-notify") for _id in res_ids],
            )
        )
        message_of = {res_id: message_id for message_id, res_id in self.env.cr.fetchall()}
        fnames = list({fname for values in changes.values() for fname, _old, _new in values})
        if fnames:
            Tracking = self.env["mail.tracking.value"].sudo()
            col_info = self.fields_get(
                fnames, attributes=("string", "type", "selection", "currency_field")
            )
            vals_list = []
            for warning in self.browse([res_id for res_id in res_ids if res_id in changes]):
                for fname, old, new in changes[warning.id]:
                    vals = Tracking._create_tracking_values(
                        old, new, fname, col_info[fname], warning
                    )
                    vals["mail_message_id"] = message_of[warning.id]
                    vals_list.append(vals)
            Tracking.create(vals_list)
        self.env["mail.message"].invalidate_model()
        self.invalidate_recordset(
            ["message_ids", "message_needaction", "message_needaction_counter"]
        )

    def _log_notes(self, bodies):
        """Logs plain-text notes ({warning id: text}) on the warnings with one insert: the
        messages ``_message_log_batch`` would create (internal notes of the current user,
        no notification)."""
        if not bodies:
            return
        author_id, email_from = self._message_compute_author()
        reply_to = self.env["mail.thread"]._notify_get_reply_to(
            default=email_from, author_id=author_id
        )[False]
        res_ids = list(bodies)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mail_message
                    (model, res_id, body, message_type, subtype_id, author_id, email_from,
                     reply_to, is_internal, email_add_signature, message_id, date,
                     create_uid, write_uid, create_date, write_date)
                SELECT %(model)s, m.res_id, m.body, 'notification', %(subtype)s, %(author)s,
                       %(email_from)s, %(reply_to)s, TRUE, FALSE, m.message_id, %(date)s,
                       %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM unnest(%(res_ids)s::int[], %(bodies)s::text[], %(message_ids)s::text[])
                       AS m(res_id, body, message_id)
                """,
                model=self._name,
                subtype=self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
                author=author_id or None,
                email_from=email_from or None,
                reply_to=reply_to or None,
                date=fields.Datetime.now(),
                uid=self.env.uid,
                now=self.env.cr.now(),
                res_ids=res_ids,
                bodies=[str(Markup("<p>%s</p>") % escape(bodies[res_id])) for res_id in res_ids],
                message_ids=[generate_tracking_message_id("message-notify") for _id in res_ids],
            )
        )
        self.env["mail.message"].invalidate_model()
        self.browse(res_ids).invalidate_recordset(
            ["message_ids", "message_needaction", "message_needaction_counter"]
        )
