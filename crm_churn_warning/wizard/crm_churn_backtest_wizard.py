from datetime import timedelta

from odoo import api, fields, models

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import MAX_PERIOD_DAYS

from ..models.churn_data import WARNING_LEVELS


class CrmChurnBacktestWizard(models.TransientModel):
    """Runs a backtest: the current configuration replayed as of a past date and measured
    against what customers did in the horizon that followed."""

    _name = "crm.churn.backtest.wizard"
    _description = "Run a Churn Backtest"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )
    horizon_days = fields.Integer(
        string="Horizon (days)",
        compute="_compute_from_company",
        store=True,
        readonly=False,
        required=True,
        help="A customer churned when they did not order within this many days after the date.",
    )
    min_level = fields.Selection(
        WARNING_LEVELS,
        string="Warn From Level",
        compute="_compute_from_company",
        store=True,
        readonly=False,
        required=True,
        help="Customers the replay puts at this risk level or above count as predicted to churn.",
    )
    as_of = fields.Date(
        compute="_compute_as_of",
        store=True,
        readonly=False,
        required=True,
        help="The past date to replay: scores use only orders, complaints, surveys and "
        "activities dated on or before it. The horizon after it must be over.",
    )

    @api.depends("company_id")
    def _compute_from_company(self):
        for wizard in self:
            wizard.horizon_days = wizard.company_id.crm_churn_backtest_horizon
            wizard.min_level = wizard.company_id.crm_churn_warning_level

    @api.depends("horizon_days", "company_id")
    def _compute_as_of(self):
        for wizard in self:
            today = (wizard.company_id or self.env.company)._crm_today()
            # the latest date whose horizon is over (it ended yesterday); a horizon out of
            # bounds, refused when run, must not break the form meanwhile
            horizon = min(max(wizard.horizon_days, 0), MAX_PERIOD_DAYS)
            wizard.as_of = today - timedelta(days=horizon + 1)

    def action_run(self):
        self.ensure_one()
        backtest = self.env["crm.churn.backtest"]._run_backtest(
            self.company_id, self.as_of, self.horizon_days, self.min_level
        )
        return {
            "type": "ir.actions.act_window",
            "name": backtest.name,
            "res_model": backtest._name,
            "res_id": backtest.id,
            "view_mode": "form",
            "target": "current",
        }
