"""Playbook Uplift: what the churn playbooks retain, measured against the control group.

The control group (``crm.churn.warning.is_control``, drawn each night from the new warnings, see
``crm_churn_warning_sync.py``) gets no playbook. Its warnings close as the treated ones do, by
the nightly outcomes: retained when the customer orders again, lost when a risk customer churns
or a win-back finds no order within the horizon. This screen compares the two groups over the
closed warnings (retained or lost) of a company raised on the nights that drew a control group,
so that both groups come from the same nights and the same candidates (nights before the control
group was set up, or after it was set to 0, hold only treated warnings and are left out):

- the retained rate of each group and the uplift, treated minus control, with its 95% interval;
- the revenue retained attributable to the playbooks: the mean revenue after a closed treated
  warning minus that after a closed control warning, times the closed treated warnings, with its
  95% interval (see ``tools/churn_uplift.py`` for the formulas).

With fewer than UPLIFT_MIN_CLOSED closed warnings in either group, it says why no figure is
given, with the counts. Warnings closed by hand (marked retained, lost or dismissed by a
salesperson) count as the nightly outcomes do; only the treated ones can be, which the reader of
the figures should know when salespeople close many warnings by hand.
"""

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools.misc import formatLang

from ..tools import churn_uplift
from .churn_data import CLOSED_OUTCOMES, STATE_RETAINED, UPLIFT_MIN_CLOSED

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
    treated_closed = fields.Integer(string="Closed", compute="_compute_figures")
    treated_retained = fields.Integer(string="Retained", compute="_compute_figures")
    treated_rate = fields.Float(string="Retained Rate", compute="_compute_figures")
    treated_revenue = fields.Monetary(
        string="Revenue per Warning",
        compute="_compute_figures",
        help="Mean revenue since the warning of the closed warnings (lost ones count 0).",
    )
    control_closed = fields.Integer(string="Closed", compute="_compute_figures")
    control_retained = fields.Integer(string="Retained", compute="_compute_figures")
    control_rate = fields.Float(string="Retained Rate", compute="_compute_figures")
    control_revenue = fields.Monetary(string="Revenue per Warning", compute="_compute_figures")
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
        help="Revenue retained attributable to the playbooks: the mean revenue per closed "
        "treated warning minus that per closed control warning, times the closed treated "
        "warnings.",
    )
    revenue_uplift_low = fields.Monetary(string="Revenue: 95% From", compute="_compute_figures")
    revenue_uplift_high = fields.Monetary(string="Revenue: 95% To", compute="_compute_figures")
    summary = fields.Text(compute="_compute_figures")

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

    def _get_closed_revenues(self):
        """{group: [revenue after of each closed warning]} of the closed warnings of the nights
        that drew a control group, {group: retained warnings} and whether any night of the
        dates drew one, in two grouped reads."""
        Warning = self.env["crm.churn.warning"]
        domain = self._get_warning_domain()
        nights = [
            day
            for (day,) in Warning._read_group(
                domain & Domain("is_control", "=", True), ["date:day"]
            )
        ]
        revenues = {group: [] for group in GROUPS}
        retained = dict.fromkeys(GROUPS, 0)
        if nights:
            for is_control, state, amounts in Warning._read_group(
                domain & Domain("date", "in", nights) & Domain("state", "in", CLOSED_OUTCOMES),
                ["is_control", "state"],
                ["revenue_after:array_agg"],
            ):
                group = GROUPS[is_control]
                revenues[group] += [float(amount) for amount in amounts]
                if state == STATE_RETAINED:
                    retained[group] = len(amounts)
        return revenues, retained, bool(nights)

    @api.depends("company_id", "date_from", "date_to")
    @api.depends_context("lang")
    def _compute_figures(self):
        for uplift in self:
            uplift.update(uplift._get_figures())

    def _get_figures(self):
        """The values of the figures' fields, from the closed warnings."""
        revenues, retained, has_control = self._get_closed_revenues()
        values = {}
        for group, amounts in revenues.items():
            closed = len(amounts)
            values.update(
                {
                    f"{group}_closed": closed,
                    f"{group}_retained": retained[group],
                    f"{group}_rate": retained[group] / closed if closed else 0.0,
                    f"{group}_revenue": sum(amounts) / closed if closed else 0.0,
                }
            )
        measurable = min(len(amounts) for amounts in revenues.values()) >= UPLIFT_MIN_CLOSED
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
                "group. Each group needs at least %(min)s closed warnings.",
                min=UPLIFT_MIN_CLOSED,
            )
        if not values["measurable"]:
            return self.env._(
                "The uplift cannot be measured yet: %(treated)s closed treated warnings and "
                "%(control)s closed control warnings; each group needs at least %(min)s.",
                treated=values["treated_closed"],
                control=values["control_closed"],
                min=UPLIFT_MIN_CLOSED,
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
