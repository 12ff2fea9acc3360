from odoo import fields, models

from .followup_data import FOLLOWUP_ACTIVITY_TYPE_XMLID


class MailActivity(models.Model):
    _inherit = "mail.activity"

    crm_followup_company_id = fields.Many2one(
        "res.company",
        string="Follow-up Company",
        index="btree_not_null",
        readonly=True,
        help="The company a scheduled customer follow-up belongs to.",
    )

    def _action_done(self, feedback=False, attachment_ids=None):
        """Records the customer follow-ups being marked done (the "Done" button and
        ``action_feedback`` both end here), with the feedback as their note."""
        followup_values = self._crm_prepare_followup_values(feedback)
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        if followup_values:
            self.env["crm.followup"].sudo().create(followup_values)
        return result

    def _crm_prepare_followup_values(self, feedback):
        activity_type = self.env.ref(FOLLOWUP_ACTIVITY_TYPE_XMLID, raise_if_not_found=False)
        if not activity_type:
            return []
        activities = self.sudo().filtered(
            lambda a: a.active
            and a.activity_type_id == activity_type
            and a.res_model == "res.partner"
            and a.res_id
        )
        if not activities:
            return []
        partners = self.env["res.partner"].sudo().browse(activities.mapped("res_id")).exists()
        return [
            {
                "partner_id": activity.res_id,
                "company_id": (activity.crm_followup_company_id or self.env.company).id,
                # done today, in the company's time zone (as its next follow-up is counted)
                "date": (activity.crm_followup_company_id or self.env.company)._crm_today(),
                "user_id": self.env.user.id,
                "activity_type_id": activity_type.id,
                "summary": activity.summary or False,
                "note": feedback or False,
            }
            for activity in activities
            if activity.res_id in partners.ids
        ]
