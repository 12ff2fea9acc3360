"""The customer's tier on the documents staff work on (quotations, invoices, leads, ...).

A document shows the tier of its commercial partner in the document's company, with the tier's
colour and its entitlement line. ``crm.tier.summary.mixin`` gives that line to any model with a
tier field (complaints and churn warnings keep their own ``tier_id``); ``crm.tier.document.mixin``
adds the tier itself, stored so that lists filter and group by it:

- it is computed when the document's customer or company changes;
- when the customer changes tier (the value engine, or a manual change), ``res.partner.
  _crm_refresh_document_tiers`` recomputes it on the customer's open documents only: draft and
  sent quotations, draft customer invoices, open leads and opportunities (see
  ``_crm_tier_open_domain``);
- a closed document (confirmed order, posted invoice, won or lost lead) keeps the tier it had
  when it was closed: it says how the customer was served at that time.

On a database with history, the documents closed before the tier was shown on them have none
(their tier then is not known; today's would be wrong), and only the open ones get their
customer's tier when the addon is installed or updated to this version.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain
from odoo.tools import sql

TIER_GROUP = "crm_lifecycle_tiering.crm_lifecycle_tiering_group_user"


class CrmTierSummaryMixin(models.AbstractModel):
    _name = "crm.tier.summary.mixin"
    _description = "Customer Tier Entitlement on a Document"

    # the fields holding the document's tier and its company
    _crm_tier_field = "crm_tier_id"
    _crm_tier_company_field = "company_id"

    crm_tier_summary = fields.Char(
        string="Tier Entitlement",
        compute="_compute_crm_tier_summary",
        groups=TIER_GROUP,
        help="What the customer's tier entitles the customer to in the document's company.",
    )

    @api.depends(lambda self: [self._crm_tier_field, self._crm_tier_company_field])
    @api.depends_context("lang", "company")
    def _compute_crm_tier_summary(self):
        for record in self:
            tier = record.sudo()[self._crm_tier_field]
            company = record.sudo()[self._crm_tier_company_field] or self.env.company
            record.crm_tier_summary = tier.with_company(company).entitlement_summary or False


class CrmTierDocumentMixin(models.AbstractModel):
    _name = "crm.tier.document.mixin"
    _inherit = ["crm.tier.summary.mixin"]
    _description = "Customer Tier on a Document"

    crm_tier_id = fields.Many2one(
        "crm.customer.tier",
        string="Customer Tier",
        compute="_compute_crm_tier_id",
        store=True,
        index="btree_not_null",
        copy=False,
        groups=TIER_GROUP,
        help="The tier of the customer in the document's company; a closed document keeps the "
        "tier it had when it was closed.",
    )
    crm_tier_color = fields.Integer(
        related="crm_tier_id.color", string="Customer Tier Color", groups=TIER_GROUP
    )

    def _auto_init(self):
        """On an existing table, the tier column is created empty rather than computed for
        every document of the history: only the open documents get their tier, once all the
        models are ready."""
        cr = self.env.cr
        if (
            self._auto
            and sql.table_exists(cr, self._table)
            and not sql.column_exists(cr, self._table, "crm_tier_id")
        ):
            sql.create_column(cr, self._table, "crm_tier_id", "int4")
            self.pool.post_init(self._crm_init_open_tiers)
        return super()._auto_init()

    def _crm_init_open_tiers(self):
        documents = self.sudo().with_context(active_test=False).search(self._crm_tier_open_domain())
        self.env.add_to_compute(self._fields["crm_tier_id"], documents)
        documents.flush_recordset(["crm_tier_id"])

    @api.depends("partner_id", "company_id")
    def _compute_crm_tier_id(self):
        for record in self:
            record.crm_tier_id = record._crm_tier_expected()

    def _crm_tier_expected(self):
        """The tier of the document's commercial partner in the document's company (none for
        a document without a company or that takes no tier)."""
        self.ensure_one()
        record = self.sudo()
        if not record.company_id or not record._crm_tier_applies():
            return self.env["crm.customer.tier"]
        partner = record.partner_id.commercial_partner_id.with_company(record.company_id)
        return partner.crm_tier_id

    def _crm_tier_applies(self):
        """Whether this document takes the customer's tier (e.g. customer invoices only)."""
        return True

    @api.model
    def _crm_tier_open_domain(self):
        """The documents whose tier follows the customer's."""
        raise NotImplementedError

    @api.model
    def _crm_refresh_tiers(self, partners, company):
        """Recomputes the tier of the open documents of these commercial partners in
        `company`: one search, and only the documents whose tier changed are written."""
        documents = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                Domain.AND(
                    [
                        self._crm_tier_open_domain(),
                        [("company_id", "=", company.id)],
                        [("partner_id.commercial_partner_id", "in", partners.ids)],
                    ]
                )
            )
        )
        changed = documents.filtered(lambda d: d.crm_tier_id != d._crm_tier_expected())
        if changed:
            self.env.add_to_compute(self._fields["crm_tier_id"], changed)
            changed.flush_recordset(["crm_tier_id"])
        return changed

    def _crm_check_tier_values(self, vals):
        """The tier of a document follows its customer's: nobody sets it by hand."""
        if "crm_tier_id" in vals and not self.env.su:
            raise AccessError(
                self.env._(
                    "The customer tier of a document follows the customer's tier; it cannot "
                    "be set by hand."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._crm_check_tier_values(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._crm_check_tier_values(vals)
        return super().write(vals)
