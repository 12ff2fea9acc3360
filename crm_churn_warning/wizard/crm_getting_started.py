"""Getting Started, churn warnings: the capacity of new warnings per salesperson a day, and the
warnings of the first night (see crm_lifecycle_tiering's wizard)."""

from collections import Counter

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from ..models.churn_data import (
    KIND_WIN_BACK,
    PREVIEW_KEY,
    SCORE_LEARNED,
    WARNING_LEVELS,
    ChurnPreview,
)

CHURN_MANAGER_GROUP = "crm_churn_warning.crm_churn_warning_group_manager"
# the churn scoring runs after the value recompute, before the follow-ups
STEP_CHURN = 20


class CrmGettingStarted(models.TransientModel):
    _inherit = "crm.getting.started"

    churn_warning_capacity = fields.Integer(
        string="New Warnings per Salesperson a Day",
        help="At most this many new churn warnings (each with its retention activity) a night "
        "for each salesperson, the customers at highest risk first; the others are considered "
        "again the next nights. Customers without a salesperson share one such allowance. 0: "
        "no limit.",
    )

    _churn_warning_capacity_range = models.Constraint(
        "CHECK(churn_warning_capacity >= 0 AND churn_warning_capacity <= 1000)",
        "The new churn warnings per salesperson a day lie between 0 (no limit) and 1000.",
    )

    # ------------------------------------------------------------------ values
    @api.model
    def _get_company_values(self, company):
        values = super()._get_company_values(company)
        values["churn_warning_capacity"] = company.crm_churn_warning_capacity
        return values

    @api.onchange("churn_warning_capacity")
    def _onchange_churn_values(self):
        self._onchange_values()

    def _apply_values(self):
        result = super()._apply_values()
        company = self.company_id
        if self.churn_warning_capacity != company.crm_churn_warning_capacity:
            self._check_group(
                CHURN_MANAGER_GROUP,
                self.env._("Only churn warning managers can change the capacity of warnings."),
            )
            company.sudo().crm_churn_warning_capacity = self.churn_warning_capacity
        return result

    # ------------------------------------------------------------------ the first night
    def _preview_steps(self):
        return [*super()._preview_steps(), (STEP_CHURN, "churn", "_preview_step_churn")]

    def _preview_step_churn(self, night):
        """The churn scoring of the company, as its cron runs it (the purchase model refitted
        and the learned churn risk trained when due, every customer scored, warnings raised
        within the capacity, outcomes closed): the warnings it raised for the salespeople by
        salesperson, level and kind, those drawn into the control group (nobody's work), the
        customers the capacity held back for the next nights, and the score it ranked them by
        (learned, or the weighted rules)."""
        company = self.company_id
        cr = self.env.cr
        preview = ChurnPreview()
        env = self.with_context(**{PREVIEW_KEY: preview}).env
        warnings_before = self._preview_max_id("crm_churn_warning")
        activities_before = self._preview_max_id("mail_activity")
        env["crm.churn.model"]._fit_if_due(company, night)
        env["crm.churn.risk.model"]._train_if_due(company, night)
        scored = env["crm.churn.engine"]._score_company(company, as_of=night)
        env["crm.churn.warning"]._close_outcomes(company, night)
        self.env.flush_all()
        cr.execute(
            SQL(
                """
                SELECT w.user_id, w.level, w.kind, w.is_control, count(*),
                       count(*) FILTER (WHERE w.offer_sent_date IS NOT NULL)
                  FROM crm_churn_warning w
                 WHERE w.company_id = %(company)s AND w.id > %(before)s
                 GROUP BY 1, 2, 3, 4
                """,
                company=company.id,
                before=warnings_before,
            )
        )
        rows = cr.fetchall()
        created = [row[:3] + row[4:] for row in rows if not row[3]]
        cr.execute(
            SQL(
                """
                SELECT count(*)
                  FROM mail_activity a
                  JOIN crm_churn_warning w ON w.id = a.res_id
                 WHERE a.res_model = 'crm.churn.warning' AND a.id > %(before)s
                   AND w.company_id = %(company)s
                """,
                company=company.id,
                before=activities_before,
            )
        )
        activities = cr.fetchone()[0]
        return {
            "capacity": company.crm_churn_warning_capacity,
            "created": [
                [user_id, level, kind, count] for user_id, level, kind, count, _o in created
            ],
            "offers": sum(offers for *_keys, offers in created),
            "control": sum(row[4] for row in rows if row[3]),
            "learned": scored.get("learned", False),
            "method": company.crm_churn_score_method,
            "activities": activities,
            "held_back": [[user_id, count] for user_id, count in preview.held_back.items()],
        }

    # ------------------------------------------------------------------ rendering
    def _preview_sections(self, data):
        sections = super()._preview_sections(data)
        if data.get("churn") is not None:
            sections.append(
                {
                    "sequence": STEP_CHURN,
                    "title": self.env._("Churn warnings"),
                    "html": self._render_churn(data["churn"]),
                }
            )
        return sections

    def _render_churn(self, churn):
        created = Counter()
        win_back = 0
        for user_id, level, kind, count in churn["created"]:
            created[user_id or False, level] += count
            if kind == KIND_WIN_BACK:
                win_back += count
        held = {user_id or False: count for user_id, count in churn["held_back"]}
        users = self.env["res.users"].browse(
            {user_id for user_id, _level in created if user_id} | {u for u in held if u}
        )
        lines = [(user.id, user.name) for user in users.sorted("name")]
        lines.append((False, self.env._("No salesperson")))
        level_names = dict(
            self.env["crm.churn.warning"]._fields["level"]._description_selection(self.env)
        )
        levels = [key for key, _label in WARNING_LEVELS]
        header = [
            self.env._("Salesperson ↓ / level →"),
            *(level_names[level] for level in levels),
            self.env._("New warnings"),
            self.env._("Held back"),
        ]
        rows = []
        per_user = {}
        for user_id, name in lines:
            cells = [created.get((user_id, level), 0) for level in levels]
            per_user[user_id] = sum(cells)
            if any(cells) or held.get(user_id):
                rows.append((name, [*cells, sum(cells), held.get(user_id, 0)]))
        totals = [sum(created.get((u, level), 0) for u, _n in lines) for level in levels]
        table = self._render_table(
            header, rows, footer=(self.env._("Total"), [*totals, sum(totals), sum(held.values())])
        )
        capacity = churn["capacity"]
        if capacity:
            limit = self.env._(
                "At most %(max)s new warnings for one salesperson (capacity: %(capacity)s a "
                "night); %(held)s customers at risk are held back for the next nights.",
                max=max(per_user.values(), default=0),
                capacity=capacity,
                held=sum(held.values()),
            )
        else:
            limit = self.env._(
                "No capacity limit: at most %(max)s new warnings for one salesperson.",
                max=max(per_user.values(), default=0),
            )
        summary = self.env._(
            "%(warnings)s new warnings (%(win_back)s of them win-back), %(activities)s retention "
            "activities, %(offers)s offer e-mails.",
            warnings=sum(totals),
            win_back=win_back,
            activities=churn["activities"],
            offers=churn["offers"],
        )
        lines = [limit, summary]
        if churn.get("control"):
            lines.append(
                self.env._(
                    "%(control)s more drawn into the control group: no playbook, no follow-up.",
                    control=churn["control"],
                )
            )
        if churn.get("learned"):
            lines.append(self.env._("Ranked by the churn risk learned from the company's history."))
        elif churn.get("method") == SCORE_LEARNED:
            lines.append(
                self.env._(
                    "Ranked by the weighted rules: the company's history is still too short to "
                    "learn the churn risk from (see Learned Churn Risk)."
                )
            )
        else:
            lines.append(
                self.env._("Ranked by the weighted rules, the churn score chosen in the settings.")
            )
        return table + Markup("<p class='text-muted'>%s</p>") % Markup("<br/>").join(lines)
