from datetime import timedelta

from lxml.builder import E

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain
from odoo.tools import SQL

from .lifecycle_data import (
    LIFECYCLE_STAGES,
    ORIGIN_MANUAL,
    PARTNER_ENGINE_FIELDS,
    PARTNER_REPORT_MEASURES,
    POTENTIALS,
    check_engine_fields,
    is_engine_write,
)

# operator for "days since date" when searching on the date itself: more days = earlier date
_DAYS_TO_DATE_OPERATOR = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "=", "!=": "!="}

# the documents that show their customer's tier (crm.tier.document.mixin)
TIER_DOCUMENT_MODELS = ("sale.order", "account.move", "crm.lead")


class ResPartner(models.Model):
    _inherit = "res.partner"

    # All values are per company (stored as company-dependent columns): a partner shared by
    # several companies has its own values, tier and stage in each, and screens, searches and
    # group-bys see those of the current company.
    crm_tier_id = fields.Many2one(
        "crm.customer.tier",
        string="Tier",
        company_dependent=True,
        copy=False,
        tracking=10,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_tier_color = fields.Integer(
        related="crm_tier_id.color",
        string="Tier Color",
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_tier_rule_id = fields.Many2one(
        "crm.tier.rule",
        string="Tier Rule",
        company_dependent=True,
        index=False,
        copy=False,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    # why the customer has its tier, as a code and its figures (JSON, see REASON_* in
    # lifecycle_data), put into words in the reader's language by crm_tier_reason_text
    crm_tier_reason = fields.Text(
        string="Tier Reason Code",
        company_dependent=True,
        index=False,
        copy=False,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_tier_reason_text = fields.Text(
        string="Tier Reason",
        compute="_compute_crm_tier_reason_text",
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_tier_since = fields.Date(
        string="Tier Since",
        company_dependent=True,
        index=False,
        copy=False,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_tier_grace_since = fields.Date(
        string="Failing Tier Rules Since",
        company_dependent=True,
        index=False,
        copy=False,
        help="The customer no longer meets its tier's rules since this date; it keeps the tier "
        "until the grace period has passed.",
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_tier_locked = fields.Boolean(
        string="Tier Locked",
        company_dependent=True,
        index=False,
        copy=False,
        tracking=30,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_tier_lock_reason = fields.Char(
        string="Lock Reason",
        company_dependent=True,
        index=False,
        copy=False,
        tracking=40,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_tier_lock_until = fields.Date(
        string="Locked Until",
        company_dependent=True,
        index=False,
        copy=False,
        tracking=50,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_tier_lock_user_id = fields.Many2one(
        "res.users",
        string="Locked By",
        company_dependent=True,
        index=False,
        copy=False,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    # what the customer's tier applied in the company (crm.customer.tier benefits): a value the
    # customer still has is the tier's and goes with it; any other was set by hand and is kept
    crm_tier_pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Pricelist Applied by Tier",
        company_dependent=True,
        index=False,
        copy=False,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_tier_payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Payment Terms Applied by Tier",
        company_dependent=True,
        index=False,
        copy=False,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    # the loyalty programme in which the tier enrolled the customer (its card is active while
    # the tier grants it); a card the customer holds without the tier is its own
    crm_tier_loyalty_program_id = fields.Many2one(
        "loyalty.program",
        string="Tier Loyalty Program",
        company_dependent=True,
        index=False,
        copy=False,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES,
        string="Lifecycle Stage",
        company_dependent=True,
        copy=False,
        tracking=20,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_stage_since = fields.Date(
        string="Stage Since",
        company_dependent=True,
        index=False,
        copy=False,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_first_order_date = fields.Date(
        string="First Purchase",
        company_dependent=True,
        index=False,
        copy=False,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_last_order_date = fields.Date(
        string="Last Purchase",
        company_dependent=True,
        index=False,
        copy=False,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_order_count = fields.Integer(
        string="Orders",
        company_dependent=True,
        index=False,
        copy=False,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_revenue_total = fields.Float(
        string="Revenue (all time)",
        company_dependent=True,
        index=False,
        copy=False,
        digits=(16, 2),
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_order_count_period = fields.Integer(
        string="Orders in Window",
        company_dependent=True,
        index=False,
        copy=False,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_revenue_period = fields.Float(
        string="Revenue in Window",
        company_dependent=True,
        index=False,
        copy=False,
        digits=(16, 2),
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_avg_order_value = fields.Float(
        string="Average Order Value",
        company_dependent=True,
        index=False,
        copy=False,
        digits=(16, 2),
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_purchase_interval = fields.Float(
        string="Mean Days Between Purchases",
        company_dependent=True,
        index=False,
        copy=False,
        digits=(16, 1),
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_rfm_r = fields.Integer(
        string="RFM Recency",
        company_dependent=True,
        index=False,
        copy=False,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_rfm_f = fields.Integer(
        string="RFM Frequency",
        company_dependent=True,
        index=False,
        copy=False,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_rfm_m = fields.Integer(
        string="RFM Monetary",
        company_dependent=True,
        index=False,
        copy=False,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_rfm_segment_id = fields.Many2one(
        "crm.rfm.segment",
        string="RFM Segment",
        company_dependent=True,
        index=False,
        copy=False,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_rfm_segment_color = fields.Integer(
        related="crm_rfm_segment_id.color",
        string="RFM Segment Color",
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_value_score = fields.Float(
        string="Value Score",
        company_dependent=True,
        index=False,
        copy=False,
        digits=(16, 1),
        aggregator="avg",
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_potential = fields.Selection(
        POTENTIALS,
        string="Potential",
        company_dependent=True,
        index=False,
        copy=False,
        help="The sales team's estimate of what this customer could buy from us.",
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    # derived from the dates above, so that they need no nightly write
    crm_recency_days = fields.Integer(
        string="Days Since Last Purchase",
        compute="_compute_crm_days",
        search="_search_crm_recency_days",
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_tenure_days = fields.Integer(
        string="Customer for (days)",
        compute="_compute_crm_days",
        search="_search_crm_tenure_days",
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    # referrals are facts about the partner, the same in every company
    crm_referred_by_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        index="btree_not_null",
        domain="[('is_company', '=', True)]",
        copy=False,
        help="The customer who brought this one to us.",
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_referral_ids = fields.One2many(
        "res.partner",
        "crm_referred_by_id",
        string="Referrals",
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_referral_count = fields.Integer(
        string="Referral Count",
        compute="_compute_crm_referral_count",
        store=True,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_lifecycle_event_count = fields.Integer(
        string="Lifecycle Changes",
        compute="_compute_crm_lifecycle_event_count",
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_company_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_crm_company_currency_id",
        string="Value Currency",
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )

    @api.model
    def _crm_engine_fields(self):
        """The partner values only our engines write (addons add theirs)."""
        return PARTNER_ENGINE_FIELDS

    @api.model_create_multi
    def create(self, vals_list):
        if not is_engine_write(self.env):
            engine_fields = self._crm_engine_fields()
            for vals in vals_list:
                # a new partner has none of these values: empty ones are harmless
                check_engine_fields(self, {f for f in engine_fields & vals.keys() if vals[f]})
        return super().create(vals_list)

    def write(self, vals):
        if not is_engine_write(self.env):
            check_engine_fields(self, self._crm_engine_fields() & vals.keys())
        result = super().write(vals)
        if "crm_tier_id" in vals:
            self._crm_refresh_document_tiers(self.commercial_partner_id, self.env.company)
        return result

    @api.model
    def _crm_refresh_document_tiers(self, partners, company):
        """Puts the current tier of these commercial partners in `company` on their open
        documents (quotations, draft customer invoices, open leads); closed ones keep theirs.
        Called by whatever changes tiers: the value engine, a manual change."""
        if not partners:
            return
        for model_name in TIER_DOCUMENT_MODELS:
            self.env[model_name]._crm_refresh_tiers(partners, company)

    @api.depends_context("company", "lang")
    @api.depends("crm_tier_reason")
    def _compute_crm_tier_reason_text(self):
        texts = self.env["crm.value.reason"]._render_reasons(
            [partner.crm_tier_reason for partner in self]
        )
        for partner, text in zip(self, texts, strict=True):
            partner.crm_tier_reason_text = text

    @api.depends_context("company")
    @api.depends("crm_last_order_date", "crm_first_order_date")
    def _compute_crm_days(self):
        today = self.env.company._crm_today()
        for partner in self:
            last, first = partner.crm_last_order_date, partner.crm_first_order_date
            partner.crm_recency_days = (today - last).days if last else 0
            partner.crm_tenure_days = (today - first).days if first else 0

    # ------------------------------------------------------------------ reports
    def _crm_stage_order_sql(self, stage_sql):
        """Lifecycle stages sort in funnel order (prospect, first purchase, repeat, loyal,
        churned), not in the alphabetical order of their keys."""
        return SQL(
            "array_position(%s::text[], (%s)::text)",
            [key for key, _label in LIFECYCLE_STAGES],
            stage_sql,
        )

    def _read_group_orderby(self, order, groupby_terms, query):
        # groups of lifecycle stages (funnel, pivot, grouped lists) follow the funnel
        fname = "crm_lifecycle_stage"
        if fname not in groupby_terms:
            return super()._read_group_orderby(order, groupby_terms, query)
        terms = dict(groupby_terms, **{fname: self._crm_stage_order_sql(groupby_terms[fname])})
        orderby = super()._read_group_orderby(order, terms, query)
        # the parent may add terms to the others (the order of a many2one's model)
        groupby_terms.update({spec: sql for spec, sql in terms.items() if spec != fname})
        return orderby

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        # a list sorted by lifecycle stage follows the funnel too
        if field_name != "crm_lifecycle_stage":
            return super()._order_field_to_sql(alias, field_name, direction, nulls, query)
        stage_sql = self._field_to_sql(alias, field_name, query)
        return SQL("%s %s %s", self._crm_stage_order_sql(stage_sql), direction, nulls)

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type in ("pivot", "graph") and view and view.id in self._crm_report_view_ids():
            # the customer-value reports measure our figures, not every number a partner has
            # (colour index, bounces, coordinates…): the others are hidden from their measures
            declared = {node.get("name") for node in arch.iter("field")}
            for fname, field in self._fields.items():
                if (
                    field.type in ("integer", "float", "monetary")
                    and field.aggregator
                    and fname not in PARTNER_REPORT_MEASURES
                    and fname not in declared
                ):
                    arch.append(E.field(name=fname, invisible="1"))
        return arch, view

    @api.model
    def _crm_report_view_ids(self):
        return {
            self.env["ir.model.data"]._xmlid_to_res_id(xmlid, raise_if_not_found=False)
            for xmlid in (
                "crm_lifecycle_tiering.res_partner_view_pivot_customer_value",
                "crm_lifecycle_tiering.res_partner_view_graph_customer_value",
            )
        }

    def _search_days_since(self, date_field, operator, value):
        if operator not in _DAYS_TO_DATE_OPERATOR or not isinstance(value, int | float):
            return NotImplemented
        date = self.env.company._crm_today() - timedelta(days=int(value))
        return Domain(date_field, _DAYS_TO_DATE_OPERATOR[operator], date)

    def _search_crm_recency_days(self, operator, value):
        return self._search_days_since("crm_last_order_date", operator, value)

    def _search_crm_tenure_days(self, operator, value):
        return self._search_days_since("crm_first_order_date", operator, value)

    @api.depends_context("company")
    def _compute_crm_company_currency_id(self):
        self.crm_company_currency_id = self.env.company.currency_id

    @api.depends("crm_referral_ids.crm_referred_by_id")
    def _compute_crm_referral_count(self):
        counts = dict(
            self.env["res.partner"]
            .with_context(active_test=False)
            ._read_group(
                [("crm_referred_by_id", "in", self.ids)], ["crm_referred_by_id"], ["__count"]
            )
        )
        for partner in self:
            partner.crm_referral_count = counts.get(partner, 0)

    @api.depends_context("company")
    def _compute_crm_lifecycle_event_count(self):
        counts = dict(
            self.env["crm.lifecycle.event"]._read_group(
                [("partner_id", "in", self.ids), ("company_id", "=", self.env.company.id)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.crm_lifecycle_event_count = counts.get(partner, 0)

    def action_crm_open_lifecycle_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lifecycle_tiering.crm_lifecycle_event_action"
        )
        action["domain"] = [
            ("partner_id", "=", self.commercial_partner_id.id),
            ("company_id", "=", self.env.company.id),
        ]
        action["context"] = {"create": False}
        return action

    def action_crm_refresh_values(self):
        """Recomputes these customers' values now, in the current company."""
        if not self.env.user.has_group("crm_lifecycle_tiering.crm_lifecycle_tiering_group_manager"):
            raise AccessError(self.env._("Only customer value managers can recompute values."))
        self.env["crm.value.engine"]._refresh_partners(
            self.commercial_partner_id, self.env.company, origin=ORIGIN_MANUAL
        )
        return True

    def action_crm_unlock_tier(self):
        if not self.env.user.has_group("crm_lifecycle_tiering.crm_lifecycle_tiering_group_manager"):
            raise AccessError(self.env._("Only customer value managers can unlock tiers."))
        partners = self.commercial_partner_id.filtered("crm_tier_locked").sudo()
        # the chatter tells who released the lock as tracked values (each reader reads them in
        # the reader's language), logged now: the recompute below changes the tier, which the
        # engine's own message tells
        lock_fields = ["crm_tier_locked", "crm_tier_lock_reason", "crm_tier_lock_until"]
        initial = {
            partner.id: {fname: partner[fname] for fname in lock_fields} for partner in partners
        }
        partners.with_context(mail_notrack=True).write(
            {
                "crm_tier_locked": False,
                "crm_tier_lock_reason": False,
                "crm_tier_lock_until": False,
                "crm_tier_lock_user_id": False,
            }
        )
        tracked = partners.fields_get(
            lock_fields, attributes=("string", "type", "selection", "currency_field")
        )
        for partner in partners:
            _changes, tracking_values = partner._mail_track(tracked, initial[partner.id])
            if tracking_values:
                partner._message_log(tracking_value_ids=tracking_values)
        self.env["crm.value.engine"]._refresh_partners(
            partners, self.env.company, origin=ORIGIN_MANUAL
        )
        return True
