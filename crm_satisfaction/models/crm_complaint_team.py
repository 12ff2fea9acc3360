import ast

from odoo import api, fields, models


class CrmComplaintTeam(models.Model):
    _name = "crm.complaint.team"
    _description = "Complaint Team"
    _inherit = ["mail.alias.mixin", "mail.thread"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    leader_id = fields.Many2one(
        "res.users",
        string="Team Leader",
        check_company=True,
        help="Notified when a complaint of the team breaches its SLA.",
    )
    manager_id = fields.Many2one(
        "res.users",
        string="Escalation Manager",
        check_company=True,
        help="Notified when a complaint stays breached after the escalation delay.",
    )
    member_ids = fields.Many2many(
        "res.users",
        "crm_complaint_team_member_rel",
        "team_id",
        "user_id",
        string="Members",
        check_company=True,
        help="New complaints go to the member with the fewest open complaints.",
    )
    category_ids = fields.One2many("crm.complaint.category", "team_id", string="Categories")
    complaint_ids = fields.One2many("crm.complaint", "team_id", string="Complaints")
    open_complaint_count = fields.Integer(
        string="Open Complaints", compute="_compute_open_complaint_count"
    )

    def _compute_open_complaint_count(self):
        counts = dict(
            self.env["crm.complaint"]._read_group(
                [("team_id", "in", self.ids), ("is_closed", "=", False)],
                ["team_id"],
                ["__count"],
            )
        )
        for team in self:
            team.open_complaint_count = counts.get(team, 0)

    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get("crm.complaint").id
        if self.id:
            values["alias_defaults"] = defaults = ast.literal_eval(self.alias_defaults or "{}")
            defaults["team_id"] = self.id
            defaults["company_id"] = self.company_id.id
        return values

    def _get_assignee(self):
        """The member with the fewest open complaints (ties: the first member by id)."""
        self.ensure_one()
        members = self.member_ids.filtered("active")
        if not members:
            return self.env["res.users"]
        counts = dict(
            self.env["crm.complaint"]
            .sudo()
            ._read_group(
                [("user_id", "in", members.ids), ("is_closed", "=", False)],
                ["user_id"],
                ["__count"],
            )
        )
        return min(members.sorted("id"), key=lambda user: counts.get(user, 0))

    @api.model
    def _get_default_team(self, company, category=None):
        if category and category.team_id and category.team_id.company_id == company:
            return category.team_id
        return self.search([("company_id", "=", company.id)], limit=1)

    def action_open_complaints(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_satisfaction.crm_complaint_action"
        )
        action["domain"] = [("team_id", "=", self.id)]
        action["context"] = {"default_team_id": self.id}
        return action
