"""Playbook Uplift: what the churn playbooks retain, measured against the control group.

The control group (``crm.churn.warning.is_control``, drawn each night from the new warnings, see
``crm_churn_warning_sync.py``) gets no playbook. The screen compares the two groups as they were
drawn (intention to treat): every warning of the company raised on a night that drew a control
group, once the company's horizon (its churn horizon, ``crm_churn_backtest_horizon`` days) has
passed since, counts with what its customer did in those days, whatever became of the warning:
retained when the customer ordered within them, with the revenue of those days. Both groups come
from the same nights and the same candidates (nights before the control group was set up, or
after it was set to 0, hold only treated warnings and are left out), and what the salespeople do
with a warning (mark it retained or lost, dismiss it), which only treated warnings can undergo,
changes neither its group nor its outcome:

- the retained rate of each group and the uplift, treated minus control, with its 95% interval;
- the revenue retained attributable to the playbooks: the mean revenue after a treated warning
  minus that after a control warning, times the treated warnings, with its 95% interval (see
  ``tools/churn_uplift.py`` for the formulas).

With fewer than UPLIFT_MIN_WARNINGS measured warnings in either group, it says why no figure is
given, with the counts.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain
from odoo.tools.misc import formatLang

from ..tools import churn_uplift
from .churn_data import UPLIFT_MIN_WARNINGS

GROUPS = ("treated", "control")


class CrmChurnUplift(models.TransientModel):
    _name = "crm.churn.uplift"
    _description = "Playbook Uplift"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(string="Raised from")
    date_to = fields.Date(string="Raised until")
    horizon_days = fields.Integer(
        related="company_id.crm_churn_backtest_horizon",
        string="Measured Over (days)",
        help="A warning counts once this many days have passed since it was raised (the "
        "company's churn horizon): retained when its customer ordered within them.",
    )
    treated_count = fields.Integer(
        string="Treated Warnings Measured",
        compute="_compute_figures",
        help="Warnings raised on the nights that drew a control group, at least the horizon's "
        "days ago, whatever became of them.",
    )
    treated_retained = fields.Integer(
        string="Treated Warnings Retained",
        compute="_compute_figures",
        help="Of those, the warnings whose customer ordered within the horizon's days after it.",
    )
    treated_rate = fields.Float(string="Treated Retained Rate", compute="_compute_figures")
    treated_revenue = fields.Monetary(
        string="Revenue per Treated Warning",
        compute="_compute_figures",
        help="Mean revenue of the horizon's days after the warning (0 without an order).",
    )
    control_count = fields.Integer(string="Control Warnings Measured", compute="_compute_figures")
    control_retained = fields.Integer(
        string="Control Warnings Retained", compute="_compute_figures"
    )
    control_rate = fields.Float(string="Control Retained Rate", compute="_compute_figures")
    control_revenue = fields.Monetary(
        string="Revenue per Control Warning", compute="_compute_figures"
    )
    measurable = fields.Boolean(compute="_compute_figures")
    uplift = fields.Float(
        compute="_compute_figures",
        help="Retained rate of the treated warnings minus that of the control group.",
    )
    uplift_low = fields.Float(string="Uplift: 95% From", compute="_compute_figures")
    uplift_high = fields.Float(string="Uplift: 95% To", compute="_compute_figures")
    revenue_uplift = fields.Monetary(
        string="Revenue by Playbooks",
        compute="_compute_figures",
        help="Revenue retained attributable to the playbooks: the mean revenue per treated "
        "warning minus that per control warning, times the treated warnings.",
    )
    revenue_uplift_low = fields.Monetary(string="Revenue: 95% From", compute="_compute_figures")
    revenue_uplift_high = fields.Monetary(string="Revenue: 95% To", compute="_compute_figures")
    summary = fields.Text(compute="_compute_figures")

    @api.model_create_multi
    def create(self, vals_list):
        uplifts = super().create(vals_list)
        uplifts._check_user_company()
        return uplifts

    def write(self, vals):
        result = super().write(vals)
        if "company_id" in vals:
            self._check_user_company()
        return result

    def _check_user_company(self):
        """The uplift of a company is for those who work in it."""
        for uplift in self:
            if uplift.company_id not in self.env.user.company_ids:
                raise AccessError(
                    self.env._(
                        "You cannot measure the playbooks' uplift of %(company)s, a company you "
                        "do not work in.",
                        company=uplift.company_id.name,
                    )
                )

    def _compute_display_name(self):
        for uplift in self:
            uplift.display_name = self.env._("Playbook Uplift")

    @api.model
    def action_open(self):
        """The Playbook Uplift of the current company, over all dates."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Playbook Uplift"),
            "res_model": self._name,
            "res_id": self.create({}).id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def _get_warning_domain(self):
        """The warnings of the company raised within the dates."""
        self.ensure_one()
        domain = Domain("company_id", "=", self.company_id.id)
        if self.date_from:
            domain &= Domain("date", ">=", self.date_from)
        if self.date_to:
            domain &= Domain("date", "<=", self.date_to)
        return domain

    def _get_revenues(self):
        """{group: [revenue of the horizon's days after each measured warning]}, {group:
        warnings whose customer ordered within them} and whether any night of the dates drew a
        control group: the warnings of those nights raised at least the horizon's days ago, in
        one grouped read and one query of the orders."""
        company = self.company_id
        Warning = self.env["crm.churn.warning"].sudo().with_company(company)
        domain = self._get_warning_domain()
        nights = [
            day
            for (day,) in Warning._read_group(
                domain & Domain("is_control", "=", True), ["date:day"]
            )
        ]
        revenues = {group: [] for group in GROUPS}
        retained = dict.fromkeys(GROUPS, 0)
        today = company._crm_today()
        horizon = company.crm_churn_backtest_horizon
        measured = Warning.search(
            domain
            & Domain("date", "in", nights)
            & Domain("date", "<=", today - timedelta(days=horizon))
        )
        after = measured._get_revenue_after(company, today, days=horizon)
        for warning in measured:
            group = GROUPS[warning.is_control]
            _first, orders, revenue = after.get(warning.id, (None, 0, 0.0))
            revenues[group].append(revenue)
            retained[group] += bool(orders)
        return revenues, retained, bool(nights)

    @api.depends("company_id", "date_from", "date_to")
    @api.depends_context("lang")
    def _compute_figures(self):
        for uplift in self:
            uplift.update(uplift._get_figures())

    def _get_figures(self):
        """The values of the figures' fields, from the measured warnings."""
        revenues, retained, has_control = self._get_revenues()
        values = {}
        for group, amounts in revenues.items():
            count = len(amounts)
            values.update(
                {
                    f"{group}_count": count,
                    f"{group}_retained": retained[group],
                    f"{group}_rate": retained[group] / count if count else 0.0,
                    f"{group}_revenue": sum(amounts) / count if count else 0.0,
                }
            )
        measurable = min(len(amounts) for amounts in revenues.values()) >= UPLIFT_MIN_WARNINGS
        uplift = revenue = (0.0, 0.0, 0.0)
        if measurable:
            uplift = churn_uplift.rate_difference(
                retained["treated"],
                len(revenues["treated"]),
                retained["control"],
                len(revenues["control"]),
            )
            revenue = churn_uplift.attributable_revenue(revenues["treated"], revenues["control"])
        values.update(
            zip(("uplift", "uplift_low", "uplift_high"), uplift, strict=True),
            measurable=measurable,
        )
        values.update(
            zip(
                ("revenue_uplift", "revenue_uplift_low", "revenue_uplift_high"),
                revenue,
                strict=True,
            )
        )
        values["summary"] = self._get_summary(values, has_control)
        return values

    def _get_summary(self, values, has_control):
        """The figures in a sentence in the reader's language, or why there is none."""
        if not has_control:
            if not self.company_id.crm_churn_control_share:
                return self.env._(
                    "The uplift cannot be measured: %(company)s has no control group (its share "
                    "is 0 in the settings), so every new warning gets its playbook. Set a share, "
                    "e.g. 10%%, to hold back part of the new warnings.",
                    company=self.company_id.name,
                )
            return self.env._(
                "The uplift cannot be measured yet: no warning of these dates is in the control "
                "group. Each group needs at least %(min)s warnings raised %(days)s days ago or "
                "more.",
                min=UPLIFT_MIN_WARNINGS,
                days=self.company_id.crm_churn_backtest_horizon,
            )
        if not values["measurable"]:
            return self.env._(
                "The uplift cannot be measured yet: %(treated)s treated warnings and %(control)s "
                "control warnings were raised %(days)s days ago or more; each group needs at "
                "least %(min)s.",
                treated=values["treated_count"],
                control=values["control_count"],
                days=self.company_id.crm_churn_backtest_horizon,
                min=UPLIFT_MIN_WARNINGS,
            )

        def points(rate):
            return formatLang(self.env, rate * 100, digits=1)

        def money(amount):
            return formatLang(self.env, amount, currency_obj=self.currency_id)

        return self.env._(
            "Retained: %(treated)s%% of the treated warnings, %(control)s%% of the control "
            "group. Uplift: %(uplift)s points (95%% interval %(low)s to %(high)s). Revenue "
            "retained by the playbooks: %(revenue)s (95%% interval %(revenue_low)s to "
            "%(revenue_high)s).",
            treated=points(values["treated_rate"]),
            control=points(values["control_rate"]),
            uplift=points(values["uplift"]),
            low=points(values["uplift_low"]),
            high=points(values["uplift_high"]),
            revenue=money(values["revenue_uplift"]),
            revenue_low=money(values["revenue_uplift_low"]),
            revenue_high=money(values["revenue_uplift_high"]),
        )
