"""Follow-up visits: the record of each one done, and the scheduler of the next ones.

The next follow-up date of a customer, per company, is
- when no follow-up was done since its first purchase:
  - for a customer who first bought on or after the company's start date (crm_start_date, the
    day the addons started serving it): its first purchase + the company's first follow-up delay;
  - for an existing customer, who first bought before the start date: the start date + an offset
    of 1 to its tier's follow-up interval days derived from its id (1 + id × 7919 mod interval),
    so that the customers of years spread evenly over their first interval instead of all
    falling due, years overdue, the first night; never before the start date, and the same every
    night (moving with the start date and the interval only);
- else its last follow-up + its tier's follow-up interval;
- none for prospects, churned customers, archived partners, and tiers with an interval of 0.
Dates are recomputed set-wise with one query per company, and only changed rows are written; a
done follow-up recomputes its partner at once. The daily cron then schedules exactly one
"Customer follow-up" activity for the salesperson of each customer due within the company's
horizon that has none open yet; running it twice creates nothing more.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    ACTIVE_STAGES,
    company_value_sql,
)

from .followup_data import (
    ANSWERED_OUTCOMES,
    FOLLOWUP_ACTIVITY_TYPE_XMLID,
    FOLLOWUP_BATCH_SIZE,
    FOLLOWUP_CSAT_ANSWERS,
    FOLLOWUP_NPS_ANSWERS,
    FOLLOWUP_OUTCOMES,
    FOLLOWUP_SPREAD_FACTOR,
)
from .satisfaction_data import INDICATOR_CSAT, INDICATOR_NPS

_logger = logging.getLogger(__name__)

# the fields of a follow-up its satisfaction response is made of
RESPONSE_FIELDS = {
    "csat_answer",
    "nps_answer",
    "outcome",
    "note",
    "date",
    "partner_id",
    "company_id",
    "tier_id",
}

# stages of customers we visit: buyers who have not churned (a list: an SQL array)
FOLLOWUP_STAGES = list(ACTIVE_STAGES)
# the company-dependent dates the scheduler writes (ISO text; no date: the company's key removed)
FOLLOWUP_DATE_COLUMNS = [("crm_followup_last_date", "text"), ("crm_followup_next_date", "text")]


class CrmFollowup(models.Model):
    _name = "crm.followup"
    _description = "Customer Follow-up"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    user_id = fields.Many2one(
        "res.users", string="Done By", default=lambda self: self.env.user, index=True
    )
    activity_type_id = fields.Many2one("mail.activity.type")
    tier_id = fields.Many2one(
        "crm.customer.tier",
        help="The customer's tier when the follow-up was done.",
    )
    summary = fields.Char()
    note = fields.Text(string="Feedback")
    outcome = fields.Selection(FOLLOWUP_OUTCOMES)
    # the customer's answers given to staff: a satisfaction response like a survey's
    csat_answer = fields.Selection(
        FOLLOWUP_CSAT_ANSWERS,
        string="Satisfaction (1-5)",
        help="How satisfied the customer said they are, 1 (very unsatisfied) to 5 (very "
        "satisfied): recorded as a satisfaction response of the visit, call or meeting.",
    )
    nps_answer = fields.Selection(
        FOLLOWUP_NPS_ANSWERS,
        string="Would Recommend (0-10)",
        help="How likely the customer said they are to recommend the company, 0 to 10: "
        "recorded as a satisfaction response of the visit, call or meeting.",
    )
    response_ids = fields.One2many(
        "crm.satisfaction.response", "followup_id", string="Satisfaction Responses"
    )

    @api.constrains("outcome", "csat_answer", "nps_answer")
    def _check_answers_reached_the_customer(self):
        for followup in self:
            answered = followup.csat_answer or followup.nps_answer
            if answered and followup.outcome not in ANSWERED_OUTCOMES:
                raise ValidationError(
                    self.env._(
                        "The follow-up of %(partner)s records the customer's answers: its "
                        "outcome must say the customer was reached (visited, called or met "
                        "online).",
                        partner=followup.partner_id.display_name,
                    )
                )

    @api.depends("partner_id", "date")
    def _compute_display_name(self):
        for followup in self:
            followup.display_name = self.env._(
                "%(partner)s on %(date)s",
                partner=followup.partner_id.display_name or "",
                date=followup.date or "",
            )

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        partners = self.env["res.partner"].browse(
            [vals["partner_id"] for vals in vals_list if vals.get("partner_id")]
        )
        commercial = {p.id: p.commercial_partner_id for p in partners.sudo()}
        for vals in vals_list:
            partner = commercial.get(vals.get("partner_id"))
            if partner:
                vals["partner_id"] = partner.id
                if "tier_id" not in vals:
                    company_id = vals.get("company_id") or self.env.company.id
                    vals["tier_id"] = partner.with_company(company_id).crm_tier_id.id
        followups = super().create(vals_list)
        self._update_partner_dates(followups._get_date_targets())
        followups._sync_responses()
        return followups

    def write(self, vals):
        moved = bool({"partner_id", "company_id", "date"} & set(vals))
        targets = self._get_date_targets() if moved else []
        result = super().write(vals)
        if moved:
            self._update_partner_dates(targets + self._get_date_targets())
        if RESPONSE_FIELDS & vals.keys():
            self._sync_responses(targets)
        return result

    def unlink(self):
        targets = self._get_date_targets()
        answered = [
            target
            for target, followup in zip(targets, self.sudo(), strict=True)
            if followup.response_ids
        ]
        result = super().unlink()
        self._update_partner_dates(targets)
        # their responses went with them (cascade): the customers' satisfaction facts follow
        self._refresh_satisfaction(answered)
        return result

    # ------------------------------------------------------------------ answers
    def _sync_responses(self, targets=()):
        """The satisfaction response of each follow-up kept in step with its values: created
        with its first answers, updated in place (the values that changed only), deleted with
        its answers; the customers' satisfaction facts refreshed (``targets``: the (company,
        partner) pairs the follow-ups had before a change)."""
        Response = self.env["crm.satisfaction.response"].sudo()
        followups = self.sudo()
        touched = list(targets) + [
            target
            for target, followup in zip(followups._get_date_targets(), followups, strict=True)
            if followup.response_ids or followup.csat_answer or followup.nps_answer
        ]
        # an unhappy answer closes the loop once: not again when the follow-up is edited
        was_unhappy = set(followups.response_ids.filtered("is_unhappy").followup_id.ids)
        answered = followups.filtered(lambda followup: followup.csat_answer or followup.nps_answer)
        # one response per follow-up with answers, none without
        kept = Response.browse(
            [followup.response_ids[:1].id for followup in answered if followup.response_ids]
        )
        (followups.response_ids - kept).unlink()
        kept._update_values([response.followup_id._prepare_response_values() for response in kept])
        responses = kept | Response.create(
            [
                followup._prepare_response_values()
                for followup in answered
                if not followup.response_ids
            ]
        )
        responses.filtered(
            lambda response: response.followup_id.id not in was_unhappy
        )._close_the_loop()
        self._refresh_satisfaction(touched)

    def _prepare_response_values(self):
        """The values of the satisfaction response of the follow-up's answers."""
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id)
        scores = {}
        if self.csat_answer:
            scores[INDICATOR_CSAT] = int(self.csat_answer)
        if self.nps_answer:
            scores[INDICATOR_NPS] = int(self.nps_answer)
        return {
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "source": self.outcome,
            "followup_id": self.id,
            "date": self.date,
            "comment": self.note or False,
            "tier_id": self.tier_id.id,
            "lifecycle_stage": partner.crm_lifecycle_stage,
            "user_id": self.partner_id.user_id.id,
            **self.env["crm.satisfaction.response"]._prepare_score_values(scores),
        }

    @api.model
    def _refresh_satisfaction(self, targets):
        """Refreshes the satisfaction facts of the (company, partner) pairs ``targets``."""
        by_company = {}
        for company, partner in targets:
            by_company.setdefault(company, partner.browse())
            by_company[company] |= partner
        for company, partners in by_company.items():
            self.env["res.partner"].sudo()._crm_refresh_satisfaction(partners, company)

    def _get_date_targets(self):
        return [(f.company_id, f.partner_id) for f in self.sudo()]

    @api.model
    def _update_partner_dates(self, targets):
        """Recomputes right away the follow-up dates of the given (company, partner) pairs:
        one query per company, for these partners only."""
        by_company = {}
        for company, partner in targets:
            by_company[company] = by_company.get(company, self.env["res.partner"]) | partner
        for company, partners in by_company.items():
            self.sudo()._update_next_dates(company, partners)

    @api.model
    def _get_last_visit_query(self, as_of):
        """SQL query of (partner_id, day): the date of the last follow-up visit recorded for
        each partner on or before ``as_of``, in any company, whether it was recorded from an
        activity or by hand."""
        return SQL(
            """
            SELECT f.partner_id, MAX(f.date) AS day
              FROM %(followups)s f
             WHERE f.date <= %(as_of)s
             GROUP BY f.partner_id
            """,
            followups=SQL.identifier(self._table),
            as_of=as_of,
        )

    # ------------------------------------------------------------------ next dates
    def _get_next_date_changes_query(self, company, partners=None):
        """(partner id, new last date, new next date) of every partner whose stored follow-up
        dates in the company differ from what they should be."""
        cid = str(company.id)
        partner_filter = SQL()
        followup_filter = SQL()
        if partners is not None:
            partner_filter = SQL("AND p.id = ANY(%s)", partners.ids)
            followup_filter = SQL("AND f.partner_id = ANY(%s)", partners.ids)
        return SQL(
            """
            WITH done AS (
                SELECT f.partner_id, MAX(f.date) AS last_date
                  FROM crm_followup f
                 WHERE f.company_id = %(company)s %(followup_filter)s
                 GROUP BY f.partner_id
            ), target AS (
                SELECT p.id,
                       %(old_last)s AS old_last,
                       %(old_next)s AS old_next,
                       d.last_date AS new_last,
                       CASE
                           WHEN NOT p.active
                                OR COALESCE(t.followup_interval_days, 0) <= 0
                                OR %(stage)s IS NULL
                                OR NOT %(stage)s = ANY(%(stages)s)
                                OR %(first_order)s IS NULL
                           THEN NULL
                           WHEN d.last_date IS NOT NULL
                                AND d.last_date >= %(first_order)s
                           THEN d.last_date + t.followup_interval_days
                           WHEN %(first_order)s >= %(start)s
                           THEN %(first_order)s + %(first_days)s
                           -- an existing customer: spread over the interval from the start date
                           -- (7919 is prime: consecutive ids fall on different days)
                           ELSE %(start)s + 1
                                + ((p.id::bigint * %(spread)s) %% t.followup_interval_days)::int
                       END AS new_next
                  FROM res_partner p
                  LEFT JOIN done d ON d.partner_id = p.id
                  LEFT JOIN crm_customer_tier t ON t.id = %(tier_id)s
                 WHERE (p.crm_lifecycle_stage ? %(cid)s
                        OR p.crm_followup_next_date ? %(cid)s
                        OR p.crm_followup_last_date ? %(cid)s
                        OR d.partner_id IS NOT NULL)
                   %(partner_filter)s
            )
            SELECT id, new_last, new_next
              FROM target
             WHERE old_last IS DISTINCT FROM new_last OR old_next IS DISTINCT FROM new_next
             ORDER BY id
            """,
            company=company.id,
            cid=cid,
            old_last=company_value_sql("p", "crm_followup_last_date", company, "date"),
            old_next=company_value_sql("p", "crm_followup_next_date", company, "date"),
            stage=company_value_sql("p", "crm_lifecycle_stage", company),
            first_order=company_value_sql("p", "crm_first_order_date", company, "date"),
            tier_id=company_value_sql("p", "crm_tier_id", company, "int"),
            stages=FOLLOWUP_STAGES,
            first_days=company.crm_followup_first_days,
            start=company.crm_start_date,
            spread=FOLLOWUP_SPREAD_FACTOR,
            followup_filter=followup_filter,
            partner_filter=partner_filter,
        )

    @api.model
    def _update_next_dates(self, company, partners=None, commit=False):
        """Writes the follow-up dates of the company's customers (or of these partners) that
        changed, in batches. Returns False when the cron ran out of time (``commit``)."""
        self.env["res.partner"].flush_model()
        self.env["crm.followup"].flush_model()
        self.env["crm.customer.tier"].flush_model(["followup_interval_days"])
        self.env.cr.execute(self._get_next_date_changes_query(company, partners))
        rows = self.env.cr.fetchall()
        Engine = self.env["crm.engine.mixin"]

        def write_dates(batch):
            Engine._write_company_values(
                company,
                FOLLOWUP_DATE_COLUMNS,
                [
                    (
                        partner_id,
                        {
                            "crm_followup_last_date": last_date and last_date.isoformat(),
                            "crm_followup_next_date": next_date and next_date.isoformat(),
                        },
                    )
                    for partner_id, last_date, next_date in batch
                ],
                drop_null=True,
            )

        return Engine._run_batches(
            Engine._slice_batches(rows, FOLLOWUP_BATCH_SIZE), write_dates, len(rows), commit=commit
        )

    # ------------------------------------------------------------------ scheduling
    @api.model
    def _cron_schedule_followups(self):
        """Daily: refresh every company's follow-up dates and schedule the due follow-ups."""
        for company in self.env["res.company"].search([], order="id"):
            if not self.sudo()._schedule_followups(company, commit=True)["done"]:
                return  # out of time: the cron is re-triggered and resumes

    def _get_due_partners_query(self, company, until):
        """Customers due for a follow-up by ``until`` without an open follow-up activity in the
        company, with their active salesperson (NULL when none) and their tier in the company
        (NULL when none)."""
        return SQL(
            """
            SELECT p.id, u.id, %(next_date)s, %(tier)s
              FROM res_partner p
              LEFT JOIN res_users u ON u.id = p.user_id AND u.active
             WHERE p.crm_followup_next_date ? %(cid)s
               AND %(next_date)s <= %(until)s
               AND p.active
               AND NOT EXISTS (
                    SELECT 1 FROM mail_activity a
                     WHERE a.res_model = 'res.partner'
                       AND a.res_id = p.id
                       AND a.activity_type_id = %(type)s
                       AND a.active
                       AND (a.crm_followup_company_id = %(company)s
                            OR a.crm_followup_company_id IS NULL)
               )
             ORDER BY p.id
            """,
            cid=str(company.id),
            next_date=company_value_sql("p", "crm_followup_next_date", company, "date"),
            tier=company_value_sql("p", "crm_tier_id", company, "int"),
            until=until,
            type=self.env.ref(FOLLOWUP_ACTIVITY_TYPE_XMLID).id,
            company=company.id,
        )

    @api.model
    def _claim_partners(self, partner_ids):
        """Claims the customers about to get a follow-up activity: a no-op update of their
        follow-up dates (our own column) makes a second scheduler running at the same time (the
        cron beside a manual run) wait for this one and fail with a serialization error instead
        of creating the same activities again; retried, it sees them and creates nothing."""
        if partner_ids:
            self.env.cr.execute(
                SQL(
                    "UPDATE res_partner SET crm_followup_next_date = crm_followup_next_date"
                    " WHERE id = ANY(%s)",
                    sorted(partner_ids),
                )
            )

    @api.model
    def _schedule_followups(self, company, today=None, commit=False):
        """Refreshes the company's follow-up dates, then creates one follow-up activity for
        each due customer with a salesperson and none open. Returns counts and whether the run
        completed."""
        result = {"done": True, "created": 0, "skipped": 0}
        if not self._update_next_dates(company, commit=commit):
            result["done"] = False
            return result
        today = today or company._crm_today()
        until = today + timedelta(days=company.crm_followup_horizon_days)
        activity_type = self.env.ref(FOLLOWUP_ACTIVITY_TYPE_XMLID)
        self.env["mail.activity"].flush_model()
        self.env.cr.execute(self._get_due_partners_query(company, until))
        due = self.env.cr.fetchall()
        # the tier's dedicated person (account manager, else key-account team leader) before
        # the customer's salesperson
        tiers = self.env["crm.customer.tier"].sudo().browse({row[3] for row in due} - {None})
        dedicated = {tier.id: tier._get_tier_user(company).id for tier in tiers.exists()}
        rows = [
            (partner_id, dedicated.get(tier_id) or user_id, next_date)
            for partner_id, user_id, next_date, tier_id in due
        ]
        todo = [row for row in rows if row[1]]
        self._claim_partners([partner_id for partner_id, _user, _date in todo])
        result["skipped"] = len(rows) - len(todo)
        model_id = self.env["ir.model"]._get_id("res.partner")
        Activity = self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True)

        def schedule(batch):
            Activity.create(
                [
                    {
                        "res_model_id": model_id,
                        "res_id": partner_id,
                        "activity_type_id": activity_type.id,
                        "user_id": user_id,
                        "date_deadline": next_date,
                        # no summary: the activity shows its type's name in the reader's language
                        "automated": True,
                        "crm_followup_company_id": company.id,
                    }
                    for partner_id, user_id, next_date in batch
                ]
            )
            result["created"] += len(batch)

        Engine = self.env["crm.engine.mixin"]
        result["done"] = Engine._run_batches(
            Engine._slice_batches(todo, FOLLOWUP_BATCH_SIZE), schedule, len(todo), commit=commit
        )
        _logger.info(
            "Follow-ups of %s: %d activities scheduled, %d due customers without salesperson",
            company.name,
            result["created"],
            result["skipped"],
        )
        return result
