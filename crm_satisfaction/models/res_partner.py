"""res.partner extended by the three features of this addon: satisfaction surveys,
complaints and follow-up visits."""

from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .followup_data import PARTNER_FOLLOWUP_FIELDS
from .satisfaction_data import (
    NPS_CATEGORIES,
    PARTNER_SATISFACTION_FIELDS,
    TREND_DOWN,
    TREND_STABLE,
    TREND_THRESHOLD,
    TREND_UP,
    TRENDS,
    net_promoter_score,
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_csat_last = fields.Integer(
        string="Last CSAT",
        company_dependent=True,
        index=False,
        copy=False,
        readonly=True,
        groups="crm_satisfaction.crm_satisfaction_group_user",
    )
    crm_csat_avg = fields.Float(
        string="Average CSAT",
        company_dependent=True,
        index=False,
        copy=False,
        readonly=True,
        digits=(16, 2),
        help="Average CSAT (1-5) over the company's satisfaction window.",
        groups="crm_satisfaction.crm_satisfaction_group_user",
    )
    crm_nps_last = fields.Integer(
        string="Last Recommendation Score",
        company_dependent=True,
        index=False,
        copy=False,
        readonly=True,
        help="Last answer to 'would you recommend us' (0-10); see the category for no answer.",
        groups="crm_satisfaction.crm_satisfaction_group_user",
    )
    crm_nps_category = fields.Selection(
        NPS_CATEGORIES,
        string="NPS Category",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups="crm_satisfaction.crm_satisfaction_group_user",
    )
    crm_nps_promoter_count = fields.Integer(
        string="Promoters",
        company_dependent=True,
        index=False,
        copy=False,
        readonly=True,
        help="Recommendation answers of 9 or 10 over the company's satisfaction window.",
        groups="crm_satisfaction.crm_satisfaction_group_user",
    )
    crm_nps_passive_count = fields.Integer(
        string="Passives",
        company_dependent=True,
        index=False,
        copy=False,
        readonly=True,
        help="Recommendation answers of 7 or 8 over the company's satisfaction window.",
        groups="crm_satisfaction.crm_satisfaction_group_user",
    )
    crm_nps_detractor_count = fields.Integer(
        string="Detractors",
        company_dependent=True,
        index=False,
        copy=False,
        readonly=True,
        help="Recommendation answers of 0 to 6 over the company's satisfaction window.",
        groups="crm_satisfaction.crm_satisfaction_group_user",
    )
    crm_nps = fields.Float(
        string="NPS",
        compute="_compute_crm_nps",
        digits=(16, 1),
        help="Net Promoter Score of the customer's recommendation answers over the company's "
        "satisfaction window: % promoters - % detractors.",
        groups="crm_satisfaction.crm_satisfaction_group_user",
    )
    crm_satisfaction_trend = fields.Selection(
        TRENDS,
        string="Satisfaction Trend",
        company_dependent=True,
        index=False,
        copy=False,
        readonly=True,
        help="Average satisfaction of the last 90 days against the 90 days before.",
        groups="crm_satisfaction.crm_satisfaction_group_user",
    )
    crm_last_surveyed_date = fields.Date(
        string="Last Surveyed",
        company_dependent=True,
        index=False,
        copy=False,
        readonly=True,
        groups="crm_satisfaction.crm_satisfaction_group_user",
    )
    crm_response_count = fields.Integer(
        string="Survey Responses",
        company_dependent=True,
        index=False,
        copy=False,
        readonly=True,
        groups="crm_satisfaction.crm_satisfaction_group_user",
    )

    @api.depends("crm_nps_promoter_count", "crm_nps_passive_count", "crm_nps_detractor_count")
    @api.depends_context("company")
    def _compute_crm_nps(self):
        for partner in self:
            nps = net_promoter_score(
                partner.crm_nps_promoter_count,
                partner.crm_nps_passive_count,
                partner.crm_nps_detractor_count,
            )
            partner.crm_nps = round(nps or 0.0, 1)

    @api.model
    def _crm_engine_fields(self):
        return super()._crm_engine_fields() | PARTNER_SATISFACTION_FIELDS | PARTNER_FOLLOWUP_FIELDS

    @api.model
    def _crm_refresh_satisfaction(self, partners, company):
        """Recomputes the satisfaction fields of these (commercial) partners in a company from
        their responses: a few aggregate queries, then one write per set of equal values."""
        partners = partners.commercial_partner_id
        if not partners:
            return
        Response = self.env["crm.satisfaction.response"].sudo()
        today = company._crm_today()
        base = [("partner_id", "in", partners.ids), ("company_id", "=", company.id)]
        window_start = today - timedelta(days=company.crm_satisfaction_window_days)
        counts = {
            partner.id: (count, last_date)
            for partner, count, last_date in Response._read_group(
                base, ["partner_id"], ["__count", "date:max"]
            )
        }
        csat_avg = {
            partner.id: avg
            for partner, avg in Response._read_group(
                [*base, ("date", ">", window_start)], ["partner_id"], ["csat:avg"]
            )
        }
        nps_counts = Response._get_nps_counts([*base, ("date", ">", window_start)], "partner_id")
        # the last answers and the trend, as every engine reads them
        Response.flush_model()
        self.flush_model(["commercial_partner_id"])
        facts_query = Response._get_satisfaction_facts_query(
            company, today, partner_ids=SQL("SELECT unnest(%s::int[])", partners.ids)
        )
        facts = {row[0]: row[1:] for row in self.env.execute_query(facts_query)}
        invited = {
            partner.id: last
            for partner, last in self.env["survey.user_input"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "in", partners.ids),
                    ("crm_company_id", "=", company.id),
                    ("crm_campaign_id", "!=", False),
                ],
                ["partner_id"],
                ["create_date:max"],
            )
        }

        by_values = defaultdict(list)
        partners = partners.with_company(company).sudo()
        for partner in partners:
            count, last_answer = counts.get(partner.id, (0, False))
            last_invited = invited.get(partner.id)
            last_dates = [day for day in (last_answer, last_invited and last_invited.date()) if day]
            promoters, passives, detractors = nps_counts.get(partner, (0, 0, 0))
            csat_last, nps_last, category_last, recent, previous = facts.get(
                partner.id, (None, None, None, None, None)
            )
            values = {
                "crm_csat_last": csat_last or 0,
                "crm_csat_avg": round(csat_avg.get(partner.id) or 0.0, 2),
                "crm_nps_last": nps_last or 0,
                "crm_nps_category": category_last or False,
                "crm_satisfaction_trend": self._crm_trend(recent, previous),
                "crm_last_surveyed_date": max(last_dates) if last_dates else False,
                "crm_response_count": count,
                "crm_nps_promoter_count": promoters,
                "crm_nps_passive_count": passives,
                "crm_nps_detractor_count": detractors,
            }
            current = {name: partner[name] for name in PARTNER_SATISFACTION_FIELDS}
            current["crm_csat_avg"] = round(current["crm_csat_avg"], 2)
            if values != current:
                by_values[tuple(values.items())].append(partner.id)
        for values, ids in by_values.items():
            partners.browse(ids).write(dict(values))

    @api.model
    def _crm_trend(self, recent, previous):
        if recent is None or previous is None:
            return False
        if recent - previous > TREND_THRESHOLD:
            return TREND_UP
        if previous - recent > TREND_THRESHOLD:
            return TREND_DOWN
        return TREND_STABLE

    @api.model
    def _crm_cron_refresh_satisfaction(self):
        """Daily: the window and the trend move with the date, so the customers with responses
        are refreshed in each company."""
        Response = self.env["crm.satisfaction.response"].sudo()
        for company, partners in Response._read_group([], ["company_id"], ["partner_id:recordset"]):
            self._crm_refresh_satisfaction(partners, company)

    crm_complaint_ids = fields.One2many(
        "crm.complaint",
        "commercial_partner_id",
        string="Complaints",
        groups="crm_satisfaction.crm_satisfaction_group_user",
    )
    crm_complaint_open_count = fields.Integer(
        string="Open Complaints",
        compute="_compute_crm_complaint_counts",
        groups="crm_satisfaction.crm_satisfaction_group_user",
    )
    crm_complaint_count_period = fields.Integer(
        string="Complaints in Window",
        compute="_compute_crm_complaint_counts",
        help="Complaints filed over the company's complaint window (days, settings).",
        groups="crm_satisfaction.crm_satisfaction_group_user",
    )

    @api.depends_context("company")
    def _compute_crm_complaint_counts(self):
        commercial = self.commercial_partner_id
        company = self.env.company
        since = fields.Datetime.now() - timedelta(days=company.crm_complaint_window_days)
        base = [("commercial_partner_id", "in", commercial.ids), ("company_id", "=", company.id)]
        Complaint = self.env["crm.complaint"]
        open_counts = dict(
            Complaint._read_group(
                base + [("is_closed", "=", False)], ["commercial_partner_id"], ["__count"]
            )
        )
        period_counts = dict(
            Complaint._read_group(
                base + [("reported_date", ">=", since)], ["commercial_partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.crm_complaint_open_count = open_counts.get(partner.commercial_partner_id, 0)
            partner.crm_complaint_count_period = period_counts.get(partner.commercial_partner_id, 0)

    def action_crm_open_complaints(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_satisfaction.crm_complaint_action"
        )
        action["domain"] = [("commercial_partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.id, "search_default_open": 1}
        return action

    def _crm_action_new_complaint(self, document, subject, **defaults):
        """A new complaint form of this customer about a sales order or an invoice (their
        header buttons)."""
        context = {f"default_{key}": value for key, value in defaults.items()}
        context.update(
            default_partner_id=self.id,
            default_company_id=document.company_id.id,
            default_name=subject,
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.complaint",
            "view_mode": "form",
            "target": "current",
            "name": self.env._("New Complaint"),
            "context": context,
        }

    crm_followup_last_date = fields.Date(
        string="Last Follow-up",
        company_dependent=True,
        index=False,
        copy=False,
        readonly=True,
        groups="crm_satisfaction.crm_satisfaction_group_user",
    )
    crm_followup_next_date = fields.Date(
        string="Next Follow-up",
        company_dependent=True,
        copy=False,
        readonly=True,
        help="When the next follow-up visit is due: a week after the first purchase, then "
        "at the interval of the customer's tier.",
        groups="crm_satisfaction.crm_satisfaction_group_user",
    )
    crm_followup_count = fields.Integer(
        string="Follow-ups",
        compute="_compute_crm_followup_count",
        groups="crm_satisfaction.crm_satisfaction_group_user",
    )

    @api.depends_context("company")
    def _compute_crm_followup_count(self):
        counts = dict(
            self.env["crm.followup"]._read_group(
                [
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "=", self.env.company.id),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.crm_followup_count = counts.get(partner.commercial_partner_id, 0)

    def action_crm_open_followups(self):
        self.ensure_one()
        partner = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_satisfaction.crm_followup_action"
        )
        action["domain"] = [
            ("partner_id", "=", partner.id),
            ("company_id", "=", self.env.company.id),
        ]
        action["context"] = {"default_partner_id": partner.id}
        return action

    # customer-care greetings (crm.greeting.occasion): only the month and day of the birthday
    # matter; opting out on a customer also opts out its contacts. For the staff who work with
    # customers (sales or customer care), like every crm_ field of partners
    crm_birthday = fields.Date(
        string="Birthday",
        copy=False,
        help="A birthday greeting is e-mailed on this day each year (29 February: on 28 "
        "February in the other years).",
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user,"
        "crm_satisfaction.crm_satisfaction_group_user",
    )
    crm_greeting_opt_out = fields.Boolean(
        string="No Greetings",
        copy=False,
        help="Send no birthday, holiday or anniversary greetings to this contact (on a "
        "company: to none of its contacts).",
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user,"
        "crm_satisfaction.crm_satisfaction_group_user",
    )
