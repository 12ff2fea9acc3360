import operator as py_operator
from collections.abc import Iterable

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import STAGE_CHURNED

from .churn_data import LEVEL_CHURNED, LEVEL_NONE, PARTNER_CHURN_FIELDS

# the partner's churn figures (related numbers), and the comparisons their searches take
CHURN_FIGURES = frozenset(
    {"crm_churn_score", "crm_p_alive", "crm_expected_purchases", "crm_predicted_clv"}
)
FIGURE_OPERATORS = {
    "=": py_operator.eq,
    "!=": py_operator.ne,
    "<": py_operator.lt,
    "<=": py_operator.le,
    ">": py_operator.gt,
    ">=": py_operator.ge,
}


def zero_matches(operator, value):
    """Whether the figure 0 meets the condition (operator, value)."""

    def number(item):
        try:
            return float(item or 0.0)
        except (TypeError, ValueError):
            return None

    if operator in ("in", "not in"):
        values = value if isinstance(value, Iterable) and not isinstance(value, str) else [value]
        found = any(number(item) == 0.0 for item in values)
        return found if operator == "in" else not found
    compare, figure = FIGURE_OPERATORS.get(operator), number(value)
    return bool(compare) and figure is not None and compare(0.0, figure)


class ChurnFigure(fields.Float):
    """A churn figure of the customer, related to its crm.churn.partner.score row in the
    company. A customer without a row reads 0 and is searched as 0: it matches the conditions
    0 meets and no other (the related search of Odoo would also take it for any condition on
    the value 0, e.g. "score > 0")."""

    def _search_related(self, records, operator, value):
        link, fname = self.related.split(".")
        domain = Domain(link, "any!", [(fname, operator, value)])
        if zero_matches(operator, value):
            domain |= Domain(link, "=", False)
        return domain


class ResPartner(models.Model):
    _inherit = "res.partner"

    # the values of the last scoring live in crm.churn.partner.score (one row per customer and
    # company, which crm.churn.engine writes by SQL); the partner links to its row in each company
    # and shows them as related fields, which search, sort and group through that link
    crm_churn_score_id = fields.Many2one(
        "crm.churn.partner.score",
        groups="crm_churn_warning.crm_churn_warning_group_user",
        string="Churn Score Record",
        company_dependent=True,
        index=False,
        readonly=True,
        copy=False,
        help="The customer's churn values in the current company, as the last scoring left them.",
    )
    crm_churn_score = ChurnFigure(
        groups="crm_churn_warning.crm_churn_warning_group_user",
        string="Churn Score",
        related="crm_churn_score_id.score",
        help="Churn risk (0-100) at the last scoring: the probability that the customer has "
        "stopped buying according to the purchase model, plus, for the chance that they still "
        "buy, the weighted strength of the churn signals they trigger (the signals alone "
        "without a fitted model).",
    )
    crm_churn_level = fields.Selection(
        groups="crm_churn_warning.crm_churn_warning_group_user",
        string="Churn Risk",
        related="crm_churn_score_id.level",
        help="Risk level from the churn score and the company's thresholds; a churned "
        "customer (lifecycle stage) shows as Churned – win-back instead.",
    )
    crm_churn_reason_data = fields.Text(
        groups="crm_churn_warning.crm_churn_warning_group_user",
        string="Churn Reason Codes",
        related="crm_churn_score_id.reason_data",
        help="What each signal the customer triggered found, as reason codes with their "
        "figures (JSON); shown in words by Churn Reasons.",
    )
    crm_churn_reasons = fields.Text(
        groups="crm_churn_warning.crm_churn_warning_group_user",
        string="Churn Reasons",
        compute="_compute_crm_churn_reasons",
        help="Each signal the customer triggered, in words and with its figures.",
    )
    crm_churn_scored_date = fields.Date(
        groups="crm_churn_warning.crm_churn_warning_group_user",
        string="Churn Scored On",
        related="crm_churn_score_id.scored_date",
        help="Date of the scoring that gave the current churn values.",
    )
    crm_churn_warning_count = fields.Integer(
        string="Churn Warnings",
        compute="_compute_crm_churn_warning_count",
        groups="crm_churn_warning.crm_churn_warning_group_user",
        help="Churn warnings of the customer (its commercial entity) in the current company.",
    )
    crm_churn_badge = fields.Char(
        groups="crm_churn_warning.crm_churn_warning_group_user",
        string="Churn Risk Badge",
        compute="_compute_crm_churn_badge",
        help="The churn risk in words, for customers at some risk; Churned – win-back for "
        "churned customers.",
    )
    crm_churn_lost_reason_id = fields.Many2one(
        "crm.churn.lost.reason",
        groups="crm_churn_warning.crm_churn_warning_group_user",
        string="Churn Reason",
        compute="_compute_crm_churn_lost_reason_id",
        inverse="_inverse_crm_churn_lost_reason_id",
        help="Why the customer left: kept on the churn in the customer's history (the stage "
        "change to Churned), so it stays in the reports when the customer comes back; a later "
        "churn asks for its own reason.",
    )
    crm_p_alive = ChurnFigure(
        groups="crm_churn_warning.crm_churn_warning_group_user",
        string="Probability Alive",
        related="crm_churn_score_id.p_alive",
        help="Probability that the customer still buys from us, from the company's BG/NBD model "
        "of purchases (0 when no model is fitted).",
    )
    crm_expected_purchases = ChurnFigure(
        groups="crm_churn_warning.crm_churn_warning_group_user",
        string="Expected Purchases (90 days)",
        related="crm_churn_score_id.expected_purchases",
        help="Orders the customer is expected to place in the next 90 days (BG/NBD).",
    )
    crm_predicted_clv = ChurnFigure(
        groups="crm_churn_warning.crm_churn_warning_group_user",
        string="Predicted Value (12 months)",
        related="crm_churn_score_id.predicted_clv",
        help="Revenue expected from the customer in the next 12 months, discounted (BG/NBD with "
        "a Gamma-Gamma spend model).",
    )

    # ------------------------------------------------------------------ the churn figures
    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        """A customer without a score row reads 0 on the churn figures: it sorts with the
        lowest values (the joined row's NULL would come first in a descending order)."""
        if field_name in CHURN_FIGURES and not nulls.code:
            descending = direction.code.upper() == "DESC"
            nulls = SQL("NULLS LAST") if descending else SQL("NULLS FIRST")
        return super()._order_field_to_sql(alias, field_name, direction, nulls, query)

    @api.model
    def _crm_engine_fields(self):
        return super()._crm_engine_fields() | PARTNER_CHURN_FIELDS

    @api.depends("crm_churn_reason_data")
    @api.depends_context("company", "lang")
    def _compute_crm_churn_reasons(self):
        """The reasons of the last scoring in the reader's language."""
        render = self.env["crm.churn.reason"]._get_renderer()
        for partner in self:
            partner.crm_churn_reasons = render(partner.crm_churn_reason_data) or False

    @api.depends("crm_churn_level")
    @api.depends_context("company")
    def _compute_crm_churn_badge(self):
        labels = dict(self._fields["crm_churn_level"]._description_selection(self.env))
        for partner in self:
            level = partner.crm_churn_level
            if level == LEVEL_CHURNED:
                partner.crm_churn_badge = labels[level]
            elif level and level != LEVEL_NONE:
                partner.crm_churn_badge = self.env._("Churn risk: %(level)s", level=labels[level])
            else:
                partner.crm_churn_badge = False

    @api.depends_context("company")
    def _compute_crm_churn_lost_reason_id(self):
        """The reason of the customer's current churn in the company: only while churned."""
        company = self.env.company
        commercial = self.commercial_partner_id._origin
        churned = commercial.sudo().filtered(lambda p: p.crm_lifecycle_stage == STAGE_CHURNED)
        events = self.env["crm.lifecycle.event"]._get_churn_events(churned, company)
        for partner in self:
            event = events.get(partner.commercial_partner_id._origin)
            partner.crm_churn_lost_reason_id = event.churn_lost_reason_id if event else False

    def _inverse_crm_churn_lost_reason_id(self):
        """Writes the reason on the customer's churn event, for whoever may edit the
        customer."""
        self.check_access("write")
        company = self.env.company
        customers = self.commercial_partner_id.sudo()
        events = self.env["crm.lifecycle.event"]._get_churn_events(customers, company)
        for partner in self:
            customer = partner.commercial_partner_id.sudo()
            event = events.get(customer)
            if customer.crm_lifecycle_stage != STAGE_CHURNED or not event:
                raise UserError(
                    self.env._(
                        "%(customer)s is not churned in %(company)s: only a churned customer "
                        "takes a churn reason.",
                        customer=customer.display_name,
                        company=company.name,
                    )
                )
            reason = partner.crm_churn_lost_reason_id
            reason._check_offered_in(company)
            event.churn_lost_reason_id = reason

    @api.depends_context("company", "uid")
    def _compute_crm_churn_warning_count(self):
        """One grouped count for all the partners, of the warnings the user sees; a contact
        shows its company's warnings."""
        commercial = self.commercial_partner_id._origin
        counts = dict(
            self.env["crm.churn.warning"]._read_group(
                [("partner_id", "in", commercial.ids), ("company_id", "=", self.env.company.id)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.crm_churn_warning_count = counts.get(partner.commercial_partner_id._origin, 0)
