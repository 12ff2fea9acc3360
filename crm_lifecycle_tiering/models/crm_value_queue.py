from odoo import api, fields, models
from odoo.tools import SQL


class CrmValueQueue(models.Model):
    """Customers whose values must be refreshed soon (an order was confirmed or cancelled,
    an invoice posted). Filled cheaply in the user's transaction, emptied by a cron."""

    _name = "crm.value.queue"
    _description = "Customer Value Refresh Queue"
    _log_access = False

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")

    _partner_company_uniq = models.UniqueIndex("(partner_id, company_id)")

    @api.model
    def _enqueue(self, pairs):
        """Queues (commercial partner id, company id) pairs and wakes the refresh cron."""
        pairs = {(p, c) for p, c in pairs if p and c}
        if not pairs:
            return
        partner_ids, company_ids = zip(*sorted(pairs), strict=True)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_value_queue (partner_id, company_id)
                SELECT * FROM unnest(%s::int[], %s::int[])
                ON CONFLICT DO NOTHING
                """,
                list(partner_ids),
                list(company_ids),
            )
        )
        self.env.ref("crm_lifecycle_tiering.ir_cron_crm_value_refresh")._trigger()
