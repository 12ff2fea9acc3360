from odoo import api, fields, models

from odoo.addons.crm_lifecycle_tiering.models.crm_tier_document_mixin import TIER_GROUP

from .followup_data import FOLLOWUP_ACTIVITY_TYPE_XMLID


class MailActivity(models.Model):
    """A customer follow-up activity shows the customer's tier (in the follow-up's company) and
    its entitlement line in the chatter, under the activity's title."""

    _name = "mail.activity"
    _inherit = ["mail.activity", "crm.tier.summary.mixin"]

    _crm_tier_company_field = "crm_followup_company_id"

    crm_tier_id = fields.Many2one(
        "crm.customer.tier",
        string="Customer Tier",
        compute="_compute_crm_tier_id",
        groups=TIER_GROUP,
    )
    crm_tier_name = fields.Char(
        string="Customer Tier Name", compute="_compute_crm_tier_id", groups=TIER_GROUP
    )
    crm_tier_color = fields.Integer(
        string="Customer Tier Color", compute="_compute_crm_tier_id", groups=TIER_GROUP
    )

    @api.depends("activity_type_id", "res_model", "res_id", "crm_followup_company_id")
    @api.depends_context("company", "lang")
    def _compute_crm_tier_id(self):
        followup_type = self.env.ref(FOLLOWUP_ACTIVITY_TYPE_XMLID, raise_if_not_found=False)
        Partner = self.env["res.partner"].sudo()
        for activity in self:
            record = activity.sudo()
            if (
                not followup_type
                or record.activity_type_id != followup_type
                or record.res_model != "res.partner"
            ):
                activity.crm_tier_id = activity.crm_tier_name = activity.crm_tier_color = False
                continue
            company = record.crm_followup_company_id or self.env.company
            partner = Partner.browse(record.res_id).commercial_partner_id
            tier = partner.with_company(company).crm_tier_id
            activity.crm_tier_id = tier
            activity.crm_tier_name = tier.name
            activity.crm_tier_color = tier.color

    def _to_store_defaults(self, target):
        """Users who may see tiers get the tier of follow-up activities in the chatter."""
        defaults = super()._to_store_defaults(target)
        if self.env.user.has_group(TIER_GROUP):
            defaults += ["crm_tier_name", "crm_tier_color", "crm_tier_summary"]
        return defaults
