from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain

from .lifecycle_data import (
    LIFECYCLE_STAGES,
    PARTNER_ENGINE_FIELDS,
    POTENTIALS,
    check_engine_fields,
    is_engine_write,
)

# operator for "days since date" when searching on the date itself: more days = earlier date
_DAYS_TO_DATE_OPERATOR = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "=", "!=": "!="}


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
    crm_tier_reason = fields.Text(
        string="Tier Reason",
        company_dependent=True,
        index=False,
        copy=False,
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
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_tier_lock_reason = fields.Char(
        string="Lock Reason",
        company_dependent=True,
        index=False,
        copy=False,
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
    )
    crm_tier_lock_until = fields.Date(
        string="Locked Until",
        company_dependent=True,
        index=False,
        copy=False,
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
    crm_lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES,
        string="Lifecycle Stage",
        company_dependent=True,
        copy=False,
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
    crm_value_score = fields.Float(
        string="Value Score",
        company_dependent=True,
        index=False,
        copy=False,
        digits=(16, 1),
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
        return super().write(vals)

    @api.depends_context("company")
    @api.depends("crm_last_order_date", "crm_first_order_date")
    def _compute_crm_days(self):
        today = self.env.company._crm_today()
        for partner in self:
            last, first = partner.crm_last_order_date, partner.crm_first_order_date
            partner.crm_recency_days = (today - last).days if last else 0
            partner.crm_tenure_days = (today - first).days if first else 0

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
            self.commercial_partner_id, self.env.company, origin="manual"
        )
        return True

    def action_crm_unlock_tier(self):
        if not self.env.user.has_group("crm_lifecycle_tiering.crm_lifecycle_tiering_group_manager"):
            raise AccessError(self.env._("Only customer value managers can unlock tiers."))
        partners = self.commercial_partner_id.filtered("crm_tier_locked")
        partners.sudo().write(
            {
                "crm_tier_locked": False,
                "crm_tier_lock_reason": False,
                "crm_tier_lock_until": False,
                "crm_tier_lock_user_id": False,
            }
        )
        for partner in partners:
            partner.message_post(
                body=self.env._("Tier lock released by %(user)s.", user=self.env.user.name),
                subtype_xmlid="mail.mt_note",
            )
        self.env["crm.value.engine"]._refresh_partners(partners, self.env.company, origin="manual")
        return True
