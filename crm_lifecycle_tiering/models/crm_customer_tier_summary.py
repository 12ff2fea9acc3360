"""What a tier entitles its customers to, in one line, where staff meet the customer.

The line is built, in the reader's language and for the current company, from the tier's
benefits (each addon adds its own parts by extending ``_get_entitlement_parts``) and ends with
the first line of the tier's free service policy."""

import re
import textwrap

from odoo import api, fields, models
from odoo.tools.mail import html_to_inner_content

# the parts of the line are joined by this separator
ENTITLEMENT_SEPARATOR = " · "
# the service policy's first line is cut to this many characters
ENTITLEMENT_POLICY_WIDTH = 80
# where a line of an Html text ends
HTML_LINE_END = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|tr|blockquote|pre)>", re.IGNORECASE)


class CrmCustomerTier(models.Model):
    _inherit = "crm.customer.tier"

    entitlement_summary = fields.Char(
        compute="_compute_entitlement_summary",
        help="What customers of this tier are entitled to in the current company: its "
        "benefits and the first line of its service policy.",
    )

    @api.depends(
        "service_policy", "pricelist_id", "payment_term_id", "account_manager_id", "account_team_id"
    )
    @api.depends_context("company", "lang")
    def _compute_entitlement_summary(self):
        for tier in self:
            parts = [*tier._get_entitlement_parts(), tier._get_policy_first_line()]
            tier.entitlement_summary = ENTITLEMENT_SEPARATOR.join(filter(None, parts))

    def _get_entitlement_parts(self):
        """The benefits of the tier in the current company, each a short sentence in the
        reader's language, in the order they are shown. Addons extend this list."""
        self.ensure_one()
        # the reader may not read pricelists, terms, users or teams: only their names show
        # (a pricelist's name, not its display name with the currency)
        tier = self.sudo()
        parts = []
        # the benefit fields are company-dependent: read in the current company
        if tier.pricelist_id:
            parts.append(self.env._("Pricelist: %(pricelist)s", pricelist=tier.pricelist_id.name))
        if tier.payment_term_id:
            parts.append(self.env._("Payment terms: %(terms)s", terms=tier.payment_term_id.name))
        if tier.account_manager_id:
            parts.append(self.env._("Account manager: %(user)s", user=tier.account_manager_id.name))
        if tier.account_team_id:
            parts.append(self.env._("Key-account team: %(team)s", team=tier.account_team_id.name))
        return parts

    def _get_policy_first_line(self):
        """The first non-empty line of the service policy, as plain text, shortened."""
        self.ensure_one()
        lines = (
            html_to_inner_content(part) for part in HTML_LINE_END.split(self.service_policy or "")
        )
        line = next((line for line in lines if line), "")
        return textwrap.shorten(line, width=ENTITLEMENT_POLICY_WIDTH, placeholder=" …")
