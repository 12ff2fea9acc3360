from odoo import api, models

from ..models.churn_data import OPEN_STATES, STATE_DISMISSED


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    @api.model
    def _update_foreign_keys(self, src_partners, dst_partner):
        self._merge_churn_warnings(src_partners, dst_partner)
        return super()._update_foreign_keys(src_partners, dst_partner)

    @api.model
    def _merge_churn_warnings(self, src_partners, dst_partner):
        """A customer has at most one open churn warning per company (a unique index, which
        would abort the merge): when the merged customers have several, the newest one goes on
        for the destination and the others are dismissed, with a note saying why, their pending
        activities moved to the one kept. Called before the records move."""
        Warning = self.env["crm.churn.warning"].sudo()
        open_warnings = Warning.search(
            [
                ("partner_id", "in", (src_partners | dst_partner).ids),
                ("state", "in", OPEN_STATES),
            ],
            order="id desc",
        )
        for company, warnings in open_warnings.grouped("company_id").items():
            if len(warnings) < 2:
                continue
            kept, merged = warnings[0], warnings[1:]
            self.env["mail.activity"].sudo().search(
                [("res_model", "=", Warning._name), ("res_id", "in", merged.ids)]
            ).write({"res_id": kept.id})
            note = self.env._(
                "Customer merge: %(merged)s merged into %(target)s, whose open churn warning is "
                "now %(warning)s; this one was closed.",
                merged=", ".join(src_partners.mapped("display_name")),
                target=dst_partner.display_name,
                warning=kept.name,
            )
            merged.outcome_note = note
            merged._close(STATE_DISMISSED, company._crm_today())
            merged._log_notes(dict.fromkeys(merged.ids, note))
