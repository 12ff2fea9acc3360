"""Getting Started: what the first night will create, shown before anything is scheduled.

A company that has kept its customers in Odoo for years installs the addons: the first night
gives every customer a tier and a lifecycle stage, and the other addons' nightly runs schedule
follow-ups and raise churn warnings. This wizard shows the administrator what that night would
create with the values it holds (the start date here; the follow-up intervals and the capacity
of churn warnings in the addons that add them), and lets them change those values first.

The preview runs the night's real steps inside a savepoint that it rolls back: it writes the
wizard's values to the company, runs each addon's step as its cron does (in the order of the
crons), counts what the steps created by querying, then rolls everything back, with the
callbacks the steps registered for the commit (bus notifications, e-mails sent after the
commit, tracking), so that nothing of the preview survives. Each addon contributes
- its values: ``_get_company_values`` (the wizard's defaults) and ``_apply_values``;
- its step of the night: ``_preview_steps``;
- its section of the preview: ``_preview_sections``.
Apply writes the values for real and schedules nothing: the nightly runs do the rest.
"""

import copy
import logging
from collections import deque

import pytz
from markupsafe import Markup, escape

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.misc import format_date

from ..models.lifecycle_data import LIFECYCLE_STAGES
from .wizard_actions import reopen_action

_logger = logging.getLogger(__name__)

MANAGER_GROUP = "crm_lifecycle_tiering.crm_lifecycle_tiering_group_manager"
# the first of the nightly runs: its next run is the first night
VALUE_CRON_XMLID = "crm_lifecycle_tiering.ir_cron_crm_value_recompute"
# the steps of the night, in the order of their crons (01:30 values, 02:30 churn, 03:30
# follow-ups)
STEP_VALUES = 10


class _PreviewDone(Exception):
    """Raised at the end of a preview so that its savepoint rolls back."""


class CrmGettingStarted(models.TransientModel):
    _name = "crm.getting.started"
    _description = "Getting Started"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    start_date = fields.Date(
        string="Customer Discipline Since",
        required=True,
        help="The day customer tiers and follow-ups start serving the company. Customers who "
        "bought for the first time before it are existing customers: their first follow-up is "
        "spread over their tier's follow-up interval from this day.",
    )
    night_date = fields.Date(
        string="First Night",
        compute="_compute_night_date",
        help="The date of the next nightly run, in the company's time zone: the preview shows "
        "what the runs of that night would create.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("previewed", "Previewed"), ("applied", "Applied")],
        default="draft",
        readonly=True,
    )
    preview_html = fields.Html(string="Preview", readonly=True, sanitize=False)
    # what each step of the night created, by section key ("values", …): the figures the
    # sections are rendered from
    preview_data = fields.Json(readonly=True)

    # ------------------------------------------------------------------ values
    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        company = self.env["res.company"].browse(defaults.get("company_id")) or self.env.company
        company._crm_check_user_company()
        values = self._get_company_values(company)
        defaults.update({name: value for name, value in values.items() if name in fields_list})
        return defaults

    @api.model
    def _get_company_values(self, company):
        """The wizard's values as the company holds them (its defaults); extended by the
        addons that add values."""
        return {"start_date": company.crm_start_date}

    def _apply_values(self):
        """Writes the wizard's values that differ from the company's, once the current user is
        found allowed to change them; extended by the addons that add values. The preview
        writes them in its savepoint, Apply for real."""
        self.ensure_one()
        company = self.company_id
        if self.start_date != company.crm_start_date:
            self._check_group(
                MANAGER_GROUP,
                self.env._("Only customer value managers can change the start date."),
            )
            company.sudo().crm_start_date = self.start_date
        return True

    @api.onchange("start_date")
    def _onchange_values(self):
        """A value changed since the last preview: the preview is hidden until the next one
        (the addons adding values call this from their own onchange)."""
        self.state = "draft"

    def _check_group(self, group, message):
        if not self.env.su and not self.env.user.has_group(group):
            raise AccessError(message)

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        for wizard in wizards:
            wizard.company_id._crm_check_user_company()
        return wizards

    # ------------------------------------------------------------------ the first night
    @api.depends("company_id")
    def _compute_night_date(self):
        for wizard in self:
            wizard.night_date = wizard._get_night_date()

    def _get_night_date(self):
        """The day of the first night in the company's time zone: the next run of the value
        recompute (the first of the nightly runs; a pending trigger brings it forward), today
        when it is due."""
        self.ensure_one()
        company = self.company_id
        today = company._crm_today()
        cron = self.env.ref(VALUE_CRON_XMLID, raise_if_not_found=False)
        if not cron:
            return today
        cron = cron.sudo()
        trigger = (
            self.env["ir.cron.trigger"]
            .sudo()
            .search([("cron_id", "=", cron.id)], order="call_at", limit=1)
        )
        moments = [moment for moment in (cron.nextcall, trigger.call_at) if moment]
        if not moments:
            return today
        moment = pytz.utc.localize(min(moments)).astimezone(pytz.timezone(company._crm_tz()))
        return max(moment.date(), today)

    def _check_manager_access(self):
        """The user manages customer values in the wizard's company."""
        self.ensure_one()
        self._check_group(
            MANAGER_GROUP, self.env._("Only customer value managers can get started here.")
        )
        self.company_id._crm_check_user_company()

    def _check_preview_access(self):
        """As _check_manager_access, and the user may evaluate the customer filters of the
        company's tier rules: the night evaluates them as the system, the preview tells the user
        no more about customers than they may know (as the tier rules simulation)."""
        self._check_manager_access()
        self.env["crm.tier.rule"].search(
            [("company_id", "in", [self.company_id.id, False])]
        )._check_partner_domain_access()

    def _preview_steps(self):
        """[(sequence, section key, method name)]: the steps of the first night, each run in
        the order of its cron by a method ``(night) -> data`` (JSON figures) of the wizard in the
        scheduler's environment; extended by the addons that run at night."""
        return [(STEP_VALUES, "values", "_preview_step_values")]

    def _run_preview(self, night):
        """{section key: data} of every step of the night, run with the wizard's values in a
        savepoint rolled back afterwards; the callbacks the steps registered for the commit and
        the rollback are dropped as well (what was registered before is kept)."""
        self.ensure_one()
        cr = self.env.cr
        # everything pending is written and its precommit callbacks run before the snapshot
        cr.flush()
        queues = (cr.precommit, cr.postcommit, cr.prerollback, cr.postrollback)
        saved = [(queue, deque(queue._funcs), copy.deepcopy(queue.data)) for queue in queues]
        data = {}
        try:
            with cr.savepoint():
                self._apply_values()
                # as the scheduler runs the crons: their user, no context of the client
                night_wizard = self.with_env(self.env(user=SUPERUSER_ID, context={}))
                for _sequence, key, method in sorted(self._preview_steps()):
                    data[key] = getattr(night_wizard, method)(night)
                raise _PreviewDone
        except _PreviewDone:
            _logger.debug("Getting started: first night previewed and rolled back")
        finally:
            for queue, funcs, values in saved:
                queue._funcs = funcs
                queue.data = values
            self.env.invalidate_all()
        data["night"] = night.isoformat()
        return data

    def _preview_max_id(self, table):
        """The highest id of ``table`` (a table of ours or Odoo's): rows above it were created
        by the step that follows."""
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT COALESCE(MAX(id), 0) FROM %s", SQL.identifier(table)))
        return self.env.cr.fetchone()[0]

    def _preview_step_values(self, night):
        """The value recompute of the company, as its cron runs it: customers per (tier, stage)
        after it, the history events and chatter notes it wrote."""
        company = self.company_id
        cr = self.env.cr
        events_before = self._preview_max_id("crm_lifecycle_event")
        messages_before = self._preview_max_id("mail_message")
        self.env["crm.value.engine"]._recompute_company(company, as_of=night)
        self.env.flush_all()
        cid = str(company.id)
        cr.execute(
            SQL(
                """
                SELECT (p.crm_tier_id ->> %(cid)s)::int, p.crm_lifecycle_stage ->> %(cid)s,
                       count(*)
                  FROM res_partner p
                 WHERE p.crm_lifecycle_stage ? %(cid)s
                 GROUP BY 1, 2
                 ORDER BY 1, 2
                """,
                cid=cid,
            )
        )
        rows = [list(row) for row in cr.fetchall()]
        cr.execute(
            "SELECT count(*) FROM crm_lifecycle_event WHERE company_id = %s AND id > %s",
            [company.id, events_before],
        )
        events = cr.fetchone()[0]
        cr.execute(
            "SELECT count(*) FROM mail_message WHERE model = 'res.partner' AND id > %s",
            [messages_before],
        )
        notes = cr.fetchone()[0]
        return {"rows": rows, "events": events, "notes": notes}

    # ------------------------------------------------------------------ rendering
    def _preview_sections(self, data):
        """[{"sequence", "title", "html"}]: the sections of the preview rendered from its
        ``data`` in the user's language; extended by the addons that run at night."""
        values = data.get("values")
        if values is None:
            return []
        return [
            {
                "sequence": STEP_VALUES,
                "title": self.env._("Customer tiers and lifecycle stages"),
                "html": self._render_values(values),
            }
        ]

    def _render_values(self, values):
        counts = {(tier_id or False, stage): count for tier_id, stage, count in values["rows"]}
        Tier = self.env["crm.customer.tier"].with_context(active_test=False)
        tiers = Tier.search([("company_id", "in", [self.company_id.id, False])])
        tiers |= Tier.browse({tier_id for tier_id, _stage in counts if tier_id}).exists()
        stage_names = dict(
            self.env["res.partner"]._fields["crm_lifecycle_stage"]._description_selection(self.env)
        )
        stages = [key for key, _label in LIFECYCLE_STAGES]
        lines = [(tier.id, tier.name) for tier in tiers.sorted()] + [(False, self.env._("No tier"))]
        rows = []
        for tier_id, name in lines:
            cells = [counts.get((tier_id, stage), 0) for stage in stages]
            if any(cells):
                rows.append((name, [*cells, sum(cells)]))
        totals = [sum(counts.get((t, stage), 0) for t, _n in lines) for stage in stages]
        table = self._render_table(
            [
                self.env._("Tier ↓ / stage →"),
                *(stage_names[stage] for stage in stages),
                self.env._("Total"),
            ],
            rows,
            footer=(self.env._("Total"), [*totals, sum(totals)]),
        )
        summary = self.env._(
            "%(customers)s customers valued, %(events)s history events written, %(notes)s "
            "chatter notes (a customer's first tier and stage are recorded in its history "
            "without a note).",
            customers=sum(totals),
            events=values["events"],
            notes=values["notes"],
        )
        return table + Markup("<p class='text-muted'>%s</p>") % summary

    @api.model
    def _render_table(self, header, rows, footer=None):
        """An HTML table: ``header`` the column labels (the first heads the row labels),
        ``rows`` [(label, [cell])], ``footer`` an optional last row (label, [cell])."""
        head = Markup("").join(
            Markup("<th class='text-end'>%s</th>") % label for label in header[1:]
        )

        def render_row(label, cells, tag="td"):
            return Markup("<tr><th>%s</th>%s</tr>") % (
                label,
                Markup("").join(
                    Markup("<%s class='text-end'>%s</%s>") % (Markup(tag), cell, Markup(tag))
                    for cell in cells
                ),
            )

        body = Markup("").join(render_row(label, cells) for label, cells in rows)
        foot = render_row(*footer, tag="th") if footer else Markup("")
        return Markup(
            "<table class='table table-sm table-bordered o_crm_getting_started_table'>"
            "<thead><tr><th>%s</th>%s</tr></thead><tbody>%s</tbody><tfoot>%s</tfoot></table>"
        ) % (header[0], head, body, foot)

    def _render_preview(self, data):
        night = fields.Date.to_date(data["night"])
        intro = self.env._(
            "What the nightly runs of %(date)s would create for %(company)s with the values "
            "above (nothing has been changed):",
            date=format_date(self.env, night),
            company=self.company_id.name,
        )
        html = Markup("<p>%s</p>") % intro
        for section in sorted(self._preview_sections(data), key=lambda s: s["sequence"]):
            html += Markup("<h4 class='mt-3'>%s</h4>%s") % (
                escape(section["title"]),
                section["html"],
            )
        return html

    # ------------------------------------------------------------------ buttons
    def action_preview(self):
        self.ensure_one()
        self._check_preview_access()
        data = self._run_preview(self._get_night_date())
        self.write(
            {
                "state": "previewed",
                "preview_data": data,
                "preview_html": self._render_preview(data),
            }
        )
        return self._reopen()

    def action_apply(self):
        """Writes the values for real; schedules nothing: the nightly runs do the rest."""
        self._check_manager_access()
        self._apply_values()
        self.state = "applied"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "The values are saved. The nightly runs of %(date)s assign the tiers and "
                    "stages and schedule the rest.",
                    date=format_date(self.env, self._get_night_date()),
                ),
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _reopen(self):
        return reopen_action(
            self,
            self.env._("Getting Started"),
            context={"dialog_size": "extra-large"},
        )
