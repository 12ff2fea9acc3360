from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL, format_date

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import LIFECYCLE_STAGES

from .complaint_data import PRIORITY_HIGH
from .followup_data import (
    OUTCOME_CALLED,
    OUTCOME_MEETING,
    OUTCOME_VISITED,
)
from .satisfaction_data import (
    CSAT_MAX,
    CSAT_MIN,
    CSAT_SATISFIED_MIN,
    CSAT_SATISFIED_VALUE,
    CSAT_UNHAPPY_MAX,
    INDICATOR_CES,
    INDICATOR_CSAT,
    INDICATOR_NPS,
    NPS_CATEGORIES,
    NPS_CATEGORY_VALUES,
    NPS_DETRACTOR,
    NPS_MAX,
    NPS_PASSIVE,
    NPS_PROMOTER,
    TREND_DAYS,
    nps_category,
)

# measures left empty (NULL) when the customer gave no such answer, so that averages skip them
_NULLABLE_MEASURES = ("csat", "csat_satisfied", "nps", "nps_value", "ces", "satisfaction_score")
# the fields _prepare_score_values() makes from the answers
_SCORE_FIELDS = (*_NULLABLE_MEASURES, "nps_category", "is_unhappy")


SOURCE_SURVEY = "survey"
# how an answer was given: a survey, or the outcome of the follow-up that recorded it
RESPONSE_SOURCES = [
    (SOURCE_SURVEY, "Survey"),
    (OUTCOME_VISITED, "Visit"),
    (OUTCOME_CALLED, "Phone call"),
    (OUTCOME_MEETING, "Online meeting"),
]


class CrmSatisfactionResponse(models.Model):
    _name = "crm.satisfaction.response"
    _description = "Satisfaction Response"
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["partner_id", "campaign_id"]

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    campaign_id = fields.Many2one(
        "crm.satisfaction.campaign", index="btree_not_null", check_company=True
    )
    source = fields.Selection(
        RESPONSE_SOURCES,
        required=True,
        default=SOURCE_SURVEY,
        index=True,
        help="How the answer was given: a survey, or to staff on a follow-up visit, call or "
        "online meeting.",
    )
    followup_id = fields.Many2one(
        "crm.followup", string="Follow-up", index="btree_not_null", ondelete="cascade"
    )
    user_input_id = fields.Many2one(
        "survey.user_input", string="Survey Answer", ondelete="cascade", index="btree_not_null"
    )
    survey_id = fields.Many2one(related="user_input_id.survey_id", string="Survey")
    sale_order_id = fields.Many2one("sale.order", index="btree_not_null")
    complaint_res_id = fields.Integer(string="Complaint")
    date = fields.Date(required=True, index=True, default=fields.Date.context_today)
    csat = fields.Integer(string="CSAT", aggregator="avg")
    csat_satisfied = fields.Integer(
        string="CSAT %",
        aggregator="avg",
        help="100 when the customer is satisfied (CSAT 4 or 5), 0 otherwise: its average is the "
        "CSAT percentage. Empty without a CSAT answer.",
    )
    nps = fields.Integer(string="Recommendation (0-10)", aggregator="avg")
    nps_category = fields.Selection(NPS_CATEGORIES, string="NPS Category", index=True)
    nps_value = fields.Integer(
        string="NPS",
        aggregator="avg",
        help="+100 for a promoter, 0 for a passive, -100 for a detractor: its average is the "
        "Net Promoter Score. Empty without a recommendation answer.",
    )
    ces = fields.Integer(string="Effort (CES)", aggregator="avg")
    # whether each question was answered: an empty measure is NULL in the database, but the ORM
    # reads it as 0, which is a real recommendation answer (CSAT and CES start at 1)
    has_csat = fields.Boolean(string="CSAT Answered", compute="_compute_answered", store=True)
    has_nps = fields.Boolean(
        string="Recommendation Answered", compute="_compute_answered", store=True
    )
    has_ces = fields.Boolean(string="Effort Answered", compute="_compute_answered", store=True)
    satisfaction_score = fields.Integer(
        aggregator="avg",
        help="The answer on a 0-100 scale (CSAT, else recommendation), used for trends.",
    )
    comment = fields.Text()
    is_unhappy = fields.Boolean(
        string="Unhappy", help="A detractor or a CSAT of 1 or 2.", readonly=True
    )
    tier_id = fields.Many2one("crm.customer.tier", string="Tier at Answer")
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, string="Stage at Answer")
    user_id = fields.Many2one("res.users", string="Salesperson", index="btree_not_null")

    _user_input_uniq = models.Constraint(
        "UNIQUE(user_input_id)", "A survey answer gives one satisfaction response."
    )

    @api.depends("csat", "nps_category", "ces")
    def _compute_answered(self):
        for response in self:
            response.has_csat = bool(response.csat)
            response.has_nps = bool(response.nps_category)
            response.has_ces = bool(response.ces)

    @api.depends("partner_id", "campaign_id", "user_input_id", "date")
    def _compute_display_name(self):
        for response in self:
            # the survey's title even for those who may not open surveys
            source = response.campaign_id or response.sudo().user_input_id.survey_id
            if source:
                response.display_name = self.env._(
                    "%(partner)s – %(campaign)s – %(date)s",
                    partner=response.partner_id.display_name or "",
                    campaign=source.display_name,
                    date=format_date(self.env, response.date),
                )
            else:
                response.display_name = self.env._(
                    "%(partner)s – %(date)s",
                    partner=response.partner_id.display_name or "",
                    date=format_date(self.env, response.date),
                )

    @api.model_create_multi
    def create(self, vals_list):
        responses = super().create(vals_list)
        # a measure is answered when its key is given: the others are empty
        responses._null_empty_measures(
            [{column: vals.get(column) for column in _NULLABLE_MEASURES} for vals in vals_list]
        )
        return responses

    def _null_empty_measures(self, vals_list):
        """Gives NULL back to the measures given empty (None or False) in ``vals_list``, the
        values just written to each response of ``self``, in the same order: the ORM writes 0
        for an empty integer, and 0 is a valid value of several measures."""
        empty = {}
        for response, vals in zip(self, vals_list, strict=True):
            for column in _NULLABLE_MEASURES:
                if column in vals and (vals[column] is None or vals[column] is False):
                    empty.setdefault(column, []).append(response.id)
        if empty:
            self.flush_recordset()
            for column, ids in empty.items():
                self.env.cr.execute(
                    SQL(
                        "UPDATE %s SET %s = NULL WHERE id = ANY(%s)",
                        SQL.identifier(self._table),
                        SQL.identifier(column),
                        ids,
                    )
                )
            self.invalidate_recordset(list(empty))

    def _update_values(self, vals_list):
        """Writes to each response of ``self`` the values of ``vals_list`` (in the same order,
        made like those of create(): a measure without an answer is left out) that differ from
        its own; the measures left out become empty (NULL)."""
        changes_list = []
        for response, vals in zip(self, vals_list, strict=True):
            target = {**dict.fromkeys(_SCORE_FIELDS), **vals}
            current = {
                **response._convert_to_write({name: response[name] for name in target}),
                # its measures as its answers made them: an empty one reads as 0
                **dict.fromkeys(_SCORE_FIELDS),
                **self._prepare_score_values(response._get_scores()),
            }
            changes = {name: value for name, value in target.items() if value != current[name]}
            if changes:
                response.write(changes)
            changes_list.append(changes)
        self._null_empty_measures(changes_list)

    def _get_scores(self):
        """The answers {indicator: score} of the response, the way _prepare_score_values()
        takes them."""
        self.ensure_one()
        answers = (
            (INDICATOR_CSAT, self.has_csat, self.csat),
            (INDICATOR_NPS, self.has_nps, self.nps),
            (INDICATOR_CES, self.has_ces, self.ces),
        )
        return {indicator: score for indicator, answered, score in answers if answered}

    # ------------------------------------------------------------
    # from survey answers
    # ------------------------------------------------------------

    @api.model
    def _prepare_values(self, user_input):
        """Values of the response to a completed survey answer, or None when the survey asks
        no indicator question or the answer has no partner."""
        indicator_lines = user_input.user_input_line_ids.filtered("question_id.crm_indicator")
        partner = user_input.partner_id.commercial_partner_id
        if not partner or not user_input.survey_id.question_ids.filtered("crm_indicator"):
            return None
        scores = {}
        for line in indicator_lines.filtered(lambda line: not line.skipped):
            scores.setdefault(line.question_id.crm_indicator, line.value_scale)
        comment_lines = user_input.user_input_line_ids.filtered(
            lambda line: not line.skipped
            and line.answer_type in ("text_box", "char_box")
            and not line.question_id.save_as_email
            and not line.question_id.save_as_nickname
        )
        comment = "\n".join(
            value
            for value in (line.value_text_box or line.value_char_box for line in comment_lines)
            if value
        )
        company = user_input.crm_company_id or user_input.crm_campaign_id.company_id
        company = company or self.env.company
        partner_in_company = partner.with_company(company)
        vals = {
            "partner_id": partner.id,
            "company_id": company.id,
            "campaign_id": user_input.crm_campaign_id.id,
            "user_input_id": user_input.id,
            "sale_order_id": user_input.crm_sale_order_id.id,
            "complaint_res_id": user_input.crm_complaint_res_id,
            # the day the customer answered, in the company's time zone
            "date": fields.Date.context_today(
                self.with_context(tz=company._crm_tz()), user_input.end_datetime
            ),
            "comment": comment or False,
            "tier_id": partner_in_company.crm_tier_id.id,
            "lifecycle_stage": partner_in_company.crm_lifecycle_stage,
            "user_id": partner.user_id.id,
        }
        vals.update(self._prepare_score_values(scores))
        return vals

    @api.model
    def _prepare_score_values(self, scores):
        """Measures of one response from its answers {indicator: score}; missing keys stay
        empty (NULL), and 0 is a valid recommendation answer (a detractor)."""
        vals = {}
        csat = scores.get(INDICATOR_CSAT)
        nps = scores.get(INDICATOR_NPS)
        if csat is not None:
            csat_satisfied = CSAT_SATISFIED_VALUE if csat >= CSAT_SATISFIED_MIN else 0
            vals.update(
                csat=csat,
                csat_satisfied=csat_satisfied,
                satisfaction_score=round((csat - CSAT_MIN) * 100 / (CSAT_MAX - CSAT_MIN)),
            )
        if nps is not None:
            category = nps_category(nps)
            vals.update(nps=nps, nps_category=category, nps_value=NPS_CATEGORY_VALUES[category])
            if csat is None:
                vals["satisfaction_score"] = round(nps * 100 / NPS_MAX)
        if scores.get(INDICATOR_CES) is not None:
            vals["ces"] = scores[INDICATOR_CES]
        vals["is_unhappy"] = (csat is not None and csat <= CSAT_UNHAPPY_MAX) or vals.get(
            "nps_category"
        ) == NPS_DETRACTOR
        return vals

    @api.model
    def _create_from_user_inputs(self, user_inputs):
        user_inputs = user_inputs.sudo().filtered(
            lambda user_input: user_input.state == "done" and not user_input.test_entry
        )
        if not user_inputs:
            return self.browse()
        existing = self.sudo().search([("user_input_id", "in", user_inputs.ids)]).user_input_id
        vals_list = [
            vals
            for vals in (self._prepare_values(user_input) for user_input in user_inputs - existing)
            if vals
        ]
        if not vals_list:
            return self.browse()
        responses = self.sudo().create(vals_list)
        responses._close_the_loop()
        for company, company_responses in responses.grouped("company_id").items():
            self.env["res.partner"].sudo()._crm_refresh_satisfaction(
                company_responses.partner_id, company
            )
        return responses

    # ------------------------------------------------------------
    # figures
    # ------------------------------------------------------------

    @api.model
    def _get_nps_counts(self, domain, groupby):
        """{group: (promoters, passives, detractors)}: the recommendation answers of the
        responses matching ``domain`` by NPS category, grouped by the field ``groupby`` (the
        groups as _read_group gives them: records for a many2one), in one query."""
        positions = {NPS_PROMOTER: 0, NPS_PASSIVE: 1, NPS_DETRACTOR: 2}
        counts = {}
        for group, category, count in self._read_group(
            Domain(domain) & Domain("nps_category", "!=", False),
            [groupby, "nps_category"],
            ["__count"],
        ):
            counts.setdefault(group, [0, 0, 0])[positions[category]] = count
        return {group: tuple(figures) for group, figures in counts.items()}

    @api.model
    def _get_satisfaction_facts_query(self, company, as_of, partner_ids=None):
        """SQL query of the responses of ``company`` dated on or before ``as_of`` (a past date
        replays the past): one row per customer (commercial partner) with responses, among
        ``partner_ids`` (an SQL query of ids; all when None). Columns:
        - partner_id: the commercial partner;
        - csat_last: its last CSAT answer (1-5), NULL without one;
        - nps_last, nps_category: its last recommendation answer (0-10) and that answer's
          category (NPS_CATEGORIES), NULL without one;
        - recent_avg, previous_avg: the average satisfaction score (0-100) of its answers of
          the TREND_DAYS days ending with as_of, and of the TREND_DAYS days before: the trend
          (float, NULL without answers in the period).
        The last answer is the latest by date, then by creation."""
        recent_start = as_of - timedelta(days=TREND_DAYS)
        partner_filter = SQL()
        if partner_ids is not None:
            partner_filter = SQL("AND p.commercial_partner_id IN (%s)", partner_ids)
        return SQL(
            """
            SELECT p.commercial_partner_id AS partner_id,
                   (array_agg(r.csat ORDER BY r.date DESC, r.id DESC)
                        FILTER (WHERE r.csat IS NOT NULL))[1] AS csat_last,
                   (array_agg(r.nps ORDER BY r.date DESC, r.id DESC)
                        FILTER (WHERE r.nps_category IS NOT NULL))[1] AS nps_last,
                   (array_agg(r.nps_category ORDER BY r.date DESC, r.id DESC)
                        FILTER (WHERE r.nps_category IS NOT NULL))[1] AS nps_category,
                   AVG(r.satisfaction_score) FILTER (WHERE r.date > %(recent_start)s)::float8
                       AS recent_avg,
                   AVG(r.satisfaction_score) FILTER (WHERE r.date > %(previous_start)s
                                                       AND r.date <= %(recent_start)s)::float8
                       AS previous_avg
              FROM %(table)s r
              JOIN res_partner p ON p.id = r.partner_id
             WHERE r.company_id = %(company)s
               AND r.date <= %(as_of)s
               %(partner_filter)s
             GROUP BY p.commercial_partner_id
            """,
            table=SQL.identifier(self._table),
            recent_start=recent_start,
            previous_start=recent_start - timedelta(days=TREND_DAYS),
            company=company.id,
            as_of=as_of,
            partner_filter=partner_filter,
        )

    # ------------------------------------------------------------
    # closing the loop
    # ------------------------------------------------------------

    def _close_the_loop(self):
        """An unhappy customer gets an activity for its salesperson, and a complaint when the
        company asks for it."""
        unhappy = self.filtered("is_unhappy")
        if not unhappy:
            return
        activity_type = self.env.ref(
            "crm_satisfaction.mail_activity_type_unhappy_customer", raise_if_not_found=False
        ) or self.env.ref("mail.mail_activity_data_todo")
        complaint_vals_list = []
        for response in unhappy:
            company = response.company_id
            if company.crm_satisfaction_create_activity:
                # the summary is stored: it is written in the language of who will read it
                user = response._get_loop_user()
                partner = response.partner_id.with_company(company)
                partner.activity_schedule(
                    activity_type_id=activity_type.id,
                    summary=response.with_context(lang=user.lang)._get_unhappy_summary(),
                    note=response.comment or False,
                    user_id=user.id,
                )
            if company.crm_satisfaction_open_complaint:
                summary = response.with_context(
                    lang=company.partner_id.lang or self.env.lang
                )._get_unhappy_summary()
                complaint_vals_list.append(
                    {
                        "partner_id": response.partner_id.id,
                        "company_id": company.id,
                        "name": summary,
                        "description": response.comment or summary,
                        "channel": "other",
                        "priority": PRIORITY_HIGH,
                    }
                )
        if complaint_vals_list:
            self.env["crm.complaint"].sudo().create(complaint_vals_list)

    def _get_loop_user(self):
        """Who follows up an unhappy answer: the salesperson, else the campaign's or the
        survey's responsible, else the administrator."""
        self.ensure_one()
        return (
            self.user_id
            or self.campaign_id.user_id
            or self.user_input_id.survey_id.user_id
            or self.env.ref("base.user_admin")
        )

    def _get_unhappy_summary(self):
        self.ensure_one()
        if self.nps_category == NPS_DETRACTOR:
            return self.env._(
                "Unhappy customer: %(partner)s would recommend us %(score)s/10",
                partner=self.partner_id.name,
                score=self.nps,
            )
        return self.env._(
            "Unhappy customer: %(partner)s rated satisfaction %(score)s/5",
            partner=self.partner_id.name,
            score=self.csat,
        )
