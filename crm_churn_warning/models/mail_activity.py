from odoo import models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        """A retention activity marked done (the "Done" button and ``action_feedback`` both
        end here) puts its new churn warning in progress."""
        warning_ids = {
            activity.res_id
            for activity in self.sudo()
            if activity.active and activity.res_model == "crm.churn.warning" and activity.res_id
        }
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        if warning_ids:
            self.env["crm.churn.warning"].sudo().browse(warning_ids).exists()._on_activity_done()
        return result
