from datetime import datetime, time

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .lifecycle_data import (
    MAX_PERIOD_DAYS,
    MAX_REFERRAL_POINTS,
    MAX_WEIGHT,
    REFERRAL_PROGRAM_TYPES,
    VALUE_SOURCE_ORDER,
    VALUE_SOURCES,
)


class ResCompany(models.Model):
    _inherit = "res.company"

    crm_start_date = fields.Date(
        string="Customer Discipline Since",
        required=True,
        default=fields.Date.context_today,
        help="The day customer tiers and follow-ups started serving the company: the day they "
        "were installed, or the creation day of a later company. Customers who bought for the "
        "first time before it are existing customers: their first follow-up is spread over "
        "their tier's follow-up interval from this day, instead of falling due a few days "
        "after a purchase made long ago.",
    )
    crm_value_source = fields.Selection(
        VALUE_SOURCES,
        string="Customer Value Source",
        default=VALUE_SOURCE_ORDER,
        required=True,
    )
    crm_value_window_months = fields.Integer(string="Value Window (months)", default=12)
    crm_tier_grace_days = fields.Integer(string="Tier Downgrade Grace (days)", default=30)
    crm_tier_pricelist_override = fields.Boolean(
        string="Tier pricelist overrides a customer's own",
        default=False,
        help="Customers entering a tier with a pricelist get it even when their pricelist was "
        "set by hand.",
    )
    crm_referral_program_id = fields.Many2one(
        "loyalty.program",
        string="Referral Reward Program",
        domain=[("program_type", "in", REFERRAL_PROGRAM_TYPES)],
        help="When a referred customer's first order is confirmed, the customer who referred "
        "them gets points on their card of this program (loyalty or eWallet), or a coupon "
        "of it (coupons). Empty: no referral reward.",
    )
    crm_referral_points = fields.Float(string="Referral Reward Points", default=100)
    crm_loyal_min_orders = fields.Integer(string="Loyal: Minimum Orders", default=5)
    crm_loyal_min_tenure_days = fields.Integer(string="Loyal: Minimum Tenure (days)", default=365)
    crm_churn_days = fields.Integer(string="Churned After (days without order)", default=180)
    crm_score_weight_recency = fields.Float(string="Weight of Recency", default=20)
    crm_score_weight_frequency = fields.Float(string="Weight of Frequency", default=25)
    crm_score_weight_monetary = fields.Float(string="Weight of Monetary Value", default=35)
    crm_score_weight_tenure = fields.Float(string="Weight of Tenure", default=10)
    crm_score_weight_referral = fields.Float(string="Weight of Referrals", default=5)
    crm_score_weight_potential = fields.Float(string="Weight of Potential", default=5)
    # quintile breakpoints of the last full recompute, used by incremental refreshes
    crm_rfm_breakpoints = fields.Json(string="RFM Breakpoints", copy=False)

    _crm_value_window_positive = models.Constraint(
        "CHECK(crm_value_window_months > 0 AND crm_value_window_months <= 120)",
        "The value window must be between 1 and 120 months.",
    )
    _crm_tier_grace_days_positive = models.Constraint(
        "CHECK(crm_tier_grace_days >= 0)",
        "The tier downgrade grace period cannot be negative.",
    )
    _crm_referral_points_range = models.Constraint(
        f"CHECK(crm_referral_points > 0 AND crm_referral_points <= {MAX_REFERRAL_POINTS})",
        "The referral reward is a number of points between 0 and 1,000,000 (more than 0).",
    )
    _crm_loyal_thresholds_positive = models.Constraint(
        "CHECK(crm_loyal_min_orders >= 2 AND crm_loyal_min_tenure_days >= 0)",
        "A loyal customer needs at least 2 orders, and the minimum tenure cannot be negative.",
    )
    _crm_churn_days_positive = models.Constraint(
        "CHECK(crm_churn_days > 0)",
        "The number of days without order after which a customer is churned must be positive.",
    )
    _crm_score_weights_valid = models.Constraint(
        "CHECK(crm_score_weight_recency >= 0 AND crm_score_weight_frequency >= 0"
        " AND crm_score_weight_monetary >= 0 AND crm_score_weight_tenure >= 0"
        " AND crm_score_weight_referral >= 0 AND crm_score_weight_potential >= 0"
        " AND crm_score_weight_recency + crm_score_weight_frequency + crm_score_weight_monetary"
        " + crm_score_weight_tenure + crm_score_weight_referral + crm_score_weight_potential > 0)",
        "Value score weights cannot be negative and at least one must be positive.",
    )
    _crm_days_max = models.Constraint(
        f"CHECK(crm_tier_grace_days <= {MAX_PERIOD_DAYS}"
        f" AND crm_loyal_min_tenure_days <= {MAX_PERIOD_DAYS}"
        f" AND crm_churn_days <= {MAX_PERIOD_DAYS})",
        "The tier downgrade grace period, the loyal customers' minimum tenure and the days "
        "without order after which a customer is churned cannot exceed 3650 days (ten years).",
    )
    _crm_score_weights_max = models.Constraint(
        f"CHECK(crm_score_weight_recency <= {MAX_WEIGHT}"
        f" AND crm_score_weight_frequency <= {MAX_WEIGHT}"
        f" AND crm_score_weight_monetary <= {MAX_WEIGHT}"
        f" AND crm_score_weight_tenure <= {MAX_WEIGHT}"
        f" AND crm_score_weight_referral <= {MAX_WEIGHT}"
        f" AND crm_score_weight_potential <= {MAX_WEIGHT})",
        "Each value score weight is a number between 0 and 100.",
    )

    @api.constrains("crm_referral_program_id")
    def _check_crm_referral_program(self):
        for company in self:
            program = company.crm_referral_program_id
            if program.company_id and program.company_id != company:
                raise ValidationError(
                    self.env._(
                        "The referral reward program %(program)s belongs to %(other)s; "
                        "%(company)s can only reward with its own programs or shared ones.",
                        program=program.name,
                        other=program.company_id.name,
                        company=company.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        # a new company starts on its creation day, in its own time zone
        given = "default_crm_start_date" in self.env.context
        dated = [given or bool(vals.get("crm_start_date")) for vals in vals_list]
        companies = super().create(vals_list)
        for company, has_date in zip(companies, dated, strict=True):
            # the default is the creator's today; the company's own time zone may differ
            if not has_date and company.crm_start_date != company._crm_today():
                company.crm_start_date = company._crm_today()
        return companies

    def _crm_tz(self):
        """Time zone in which the company's transactions are dated: a sale order placed at
        07:00 in Shanghai belongs to that day there, not to the previous UTC day."""
        self.ensure_one()
        tz = self.partner_id.tz
        return tz if tz in pytz.all_timezones_set else "UTC"

    def _crm_utc(self, day, at=time.min):
        """The stored (naive UTC) datetime of the time ``at`` on ``day`` in the company's time
        zone: the start of a company's day as the datetime columns hold it."""
        self.ensure_one()
        local = pytz.timezone(self._crm_tz()).localize(datetime.combine(day, at))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    def _crm_check_user_company(self):
        """Raises an AccessError unless the current user works in this company: the company a
        wizard acts on comes from the client, and what the wizard does with it runs as the
        system."""
        self.ensure_one()
        if not self.env.su and self not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot act on %(company)s: it is not one of your companies.",
                    company=self.sudo().name,
                )
            )

    def _crm_today(self):
        """Today in the company's time zone: the date every engine, cron and guard of ours takes
        as 'today' for this company, whoever runs it."""
        self.ensure_one()
        return fields.Date.context_today(self.with_context(tz=self._crm_tz()))

    @api.model
    def _crm_load_lifecycle_demo(self):
        """Demo data (demo/crm_lifecycle_demo.xml): the demo customers and their two years of
        history. The generator is imported here only, so that it loads with demo data alone."""
        from ..demo.crm_lifecycle_demo import CrmLifecycleDemo

        CrmLifecycleDemo(self.env)._load_demo_history()
