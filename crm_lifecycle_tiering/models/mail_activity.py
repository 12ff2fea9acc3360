from odoo import models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _to_store_defaults(self, target):
        """The chatter names an activity by its summary, else by its display name, which the
        store does not send. Our automatic activities (follow-ups, retention work) have no
        summary: the name of their type, translated for each reader, says what to do. So the
        display name is sent, in the reader's language."""
        return [*super()._to_store_defaults(target), "display_name"]
