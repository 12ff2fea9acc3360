from collections import Counter

from markupsafe import Markup, escape

from odoo import api, fields, models

from ..models.lifecycle_data import (
    DOWNGRADE_MOVES,
    LIFECYCLE_STAGES,
    MOVE_DOWN,
    MOVE_NEW,
    MOVE_REMOVED,
    MOVE_UP,
    ORIGIN_MANUAL,
    TIER_MOVES,
    UPGRADE_MOVES,
)
from .wizard_actions import reopen_action


class CrmTierSimulation(models.TransientModel):
    """Evaluates the current rules without applying them: the old-tier x new-tier matrix and the
    customers who would move, with reasons. Apply runs the same evaluation for real."""

    _name = "crm.tier.simulation"
    _description = "Tier Rules Simulation"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, readonly=True
    )
    state = fields.Selection(
        [("draft", "Draft"), ("simulated", "Simulated"), ("applied", "Applied")],
        default="draft",
        readonly=True,
    )
    evaluated_count = fields.Integer(string="Customers Evaluated", readonly=True)
    moved_count = fields.Integer(string="Customers Moving", readonly=True)
    upgrade_count = fields.Integer(string="Upgrades", readonly=True)
    downgrade_count = fields.Integer(string="Downgrades", readonly=True)
    matrix_html = fields.Html(string="Old Tier × New Tier", readonly=True, sanitize=False)
    line_ids = fields.One2many("crm.tier.simulation.line", "simulation_id", readonly=True)
    applied_count = fields.Integer(string="Customers Updated", readonly=True)

    def action_simulate(self):
        self.ensure_one()
        self.company_id._crm_check_user_company()
        # the rules' customer filters are evaluated with the user's rights: a simulation tells
        # no more about customers than its user may know
        self.env["crm.tier.rule"].search(
            [("company_id", "in", [self.company_id.id, False])]
        )._check_partner_domain_access()
        results = self.env["crm.value.engine"]._evaluate_company(
            self.company_id, rule_user=self.env.user
        )
        tiers = self.env["crm.customer.tier"].search(
            [("company_id", "in", [self.company_id.id, False])]
        )
        rank = {tier.id: i for i, tier in enumerate(tiers)}
        matrix = Counter()
        lines = []
        for row in results:
            old, new = row["old"]["crm_tier_id"], row["new"]["crm_tier_id"]
            if not old and not new:
                continue
            matrix[old, new] += 1
            if old != new and row["partner_id"]:
                if old and new:
                    direction = MOVE_UP if rank.get(new, 99) < rank.get(old, 99) else MOVE_DOWN
                else:
                    direction = MOVE_NEW if new else MOVE_REMOVED
                lines.append(
                    {
                        "partner_id": row["partner_id"],
                        "old_tier_id": old,
                        "new_tier_id": new,
                        "old_stage": row["old"]["crm_lifecycle_stage"],
                        "new_stage": row["new"]["crm_lifecycle_stage"],
                        "direction": direction,
                        "reason": row["new"]["crm_tier_reason"],
                    }
                )
        self.line_ids.unlink()
        self.write(
            {
                "state": "simulated",
                "evaluated_count": sum(matrix.values()),
                "moved_count": len(lines),
                "upgrade_count": sum(1 for line in lines if line["direction"] in UPGRADE_MOVES),
                "downgrade_count": sum(1 for line in lines if line["direction"] in DOWNGRADE_MOVES),
                "matrix_html": self._render_matrix(tiers, matrix) if matrix else False,
                "line_ids": [fields.Command.create(line) for line in lines],
            }
        )
        return self._reopen()

    @api.model
    def _render_matrix(self, tiers, matrix):
        columns = [(tier.id, tier.name) for tier in tiers] + [(None, self.env._("No tier"))]
        rows = [c for c in columns if any(matrix[c[0], n] for n, _l in columns)]
        head = Markup("").join(
            Markup("<th class='text-end'>%s</th>") % name for _i, name in columns
        )
        body = Markup("")
        for old_id, old_name in rows:
            cells = Markup("").join(
                Markup("<td class='text-end %s'>%s</td>")
                % ("fw-bold" if old_id == new_id else "", matrix[old_id, new_id] or "")
                for new_id, _n in columns
            )
            body += Markup("<tr><th>%s</th>%s</tr>") % (old_name, cells)
        return Markup(
            "<table class='table table-sm table-bordered o_crm_tier_matrix'>"
            "<thead><tr><th>%s</th>%s</tr></thead><tbody>%s</tbody></table>"
        ) % (escape(self.env._("Current tier ↓ / new tier →")), head, body)

    def action_apply(self):
        self.ensure_one()
        self.company_id._crm_check_user_company()
        # applied as the nightly run does, once the user may evaluate every customer filter
        self.env["crm.tier.rule"].search(
            [("company_id", "in", [self.company_id.id, False])]
        )._check_partner_domain_access()
        result = self.env["crm.value.engine"].sudo()._run(self.company_id, origin=ORIGIN_MANUAL)
        self.write({"state": "applied", "applied_count": result["written"]})
        return self._reopen()

    def _reopen(self):
        return reopen_action(self, self.env._("Simulate Tier Rules"))


class CrmTierSimulationLine(models.TransientModel):
    _name = "crm.tier.simulation.line"
    _description = "Tier Rules Simulation Line"
    _order = "direction, partner_id"

    simulation_id = fields.Many2one("crm.tier.simulation", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    old_tier_id = fields.Many2one("crm.customer.tier", string="Current Tier", readonly=True)
    new_tier_id = fields.Many2one("crm.customer.tier", readonly=True)
    old_stage = fields.Selection(LIFECYCLE_STAGES, string="Current Stage", readonly=True)
    new_stage = fields.Selection(LIFECYCLE_STAGES, readonly=True)
    direction = fields.Selection(TIER_MOVES, readonly=True)
    # the reason as a code and its figures (JSON, see REASON_* in lifecycle_data), put into words
    # in the reader's language by reason_text
    reason = fields.Text(string="Reason Code", readonly=True)
    reason_text = fields.Text(string="Reason", compute="_compute_reason_text")

    @api.depends_context("lang")
    @api.depends("reason")
    def _compute_reason_text(self):
        texts = self.env["crm.value.reason"]._render_reasons([line.reason for line in self])
        for line, text in zip(self, texts, strict=True):
            line.reason_text = text
