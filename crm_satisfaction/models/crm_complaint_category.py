from odoo import fields, models


class CrmComplaintCategory(models.Model):
    _name = "crm.complaint.category"
    _description = "Complaint Category"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    description = fields.Text(translate=True)
    team_id = fields.Many2one(
        "crm.complaint.team",
        check_company=True,
        help="Complaints of this category go to this team.",
    )
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the category between all companies.",
    )

    _name_company_uniq = models.UniqueIndex(
        "((name->>'en_US'), COALESCE(company_id, 0))",
        "A complaint category with this name already exists in this company.",
    )
