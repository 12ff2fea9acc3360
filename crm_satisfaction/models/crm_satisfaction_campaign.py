import logging
from ast import literal_eval
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import MAX_PERIOD_DAYS

from .satisfaction_data import (
    CAMPAIGN_BATCH_SIZE,
    CAMPAIGN_CLOSED,
    CAMPAIGN_RUNNING,
    CAMPAIGN_STATES,
    CAMPAIGN_TRIGGERS,
    INDICATOR_CSAT,
    INDICATOR_NPS,
    ORDER_CATCH_UP_DAYS,
    ORDER_TRIGGERS,
    TRIGGER_COMPLAINT_CLOSED,
    TRIGGER_MANUAL,
    TRIGGER_ORDER_DELIVERED,
    TRIGGER_ORDER_INVOICED,
    TRIGGER_PERIODIC,
    net_promoter_score,
)

_logger = logging.getLogger(__name__)


class CrmSatisfactionCampaign(models.Model):
    _name = "crm.satisfaction.campaign"
    _description = "Satisfaction Survey Campaign"
    _inherit = ["mail.thread"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    state = fields.Selection(
        CAMPAIGN_STATES,
        string="Status",
        required=True,
        default=CAMPAIGN_RUNNING,
        copy=False,
        tracking=True,
        help="A running campaign sends its invitations and reminders; a closed one sends nothing "
        "more and keeps its answers and figures.",
    )
    closed_date = fields.Date(string="Closed On", readonly=True, copy=False)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
        help="Follows up unhappy answers of customers without a salesperson.",
    )
    survey_id = fields.Many2one(
        "survey.survey",
        required=True,
        domain=[("access_mode", "=", "token")],
        tracking=True,
        help="A survey for invited people only, with a question marked as CSAT, NPS or CES.",
    )
    trigger = fields.Selection(
        CAMPAIGN_TRIGGERS, required=True, default=TRIGGER_MANUAL, tracking=True
    )
    delay_days = fields.Integer(
        string="Days After the Order",
        default=7,
        help="Customers are invited this many days after the order event.",
    )
    interval_days = fields.Integer(
        string="Every (days)",
        default=180,
        help="A periodic campaign invites each customer of its audience again after this many "
        "days.",
    )
    partner_domain = fields.Char(
        string="Audience",
        default="[]",
        help="Which customers the campaign invites (besides having an email address and no "
        "survey in the fatigue period).",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Invitation Template",
        required=True,
        domain=[("model", "=", "survey.user_input")],
        default=lambda self: self.env.ref(
            "crm_satisfaction.mail_template_crm_satisfaction_invite", raise_if_not_found=False
        ),
    )
    reminder_days = fields.Integer(
        string="Remind After (days)",
        default=5,
        help="Invitations still unanswered after this many days are sent once more; 0 sends "
        "no reminder.",
    )
    user_input_ids = fields.One2many("survey.user_input", "crm_campaign_id", string="Invitations")
    response_ids = fields.One2many(
        "crm.satisfaction.response", "campaign_id", string="Satisfaction Responses"
    )
    last_sent_date = fields.Datetime(
        string="Last Sent",
        readonly=True,
        copy=False,
        help="When invitations or reminders of this campaign were last sent.",
    )
    invited_count = fields.Integer(string="Invited", compute="_compute_statistics")
    responded_count = fields.Integer(string="Responded", compute="_compute_statistics")
    response_rate = fields.Float(
        string="Response Rate (%)", compute="_compute_statistics", digits=(16, 1)
    )
    response_count = fields.Integer(compute="_compute_statistics")
    asks_nps = fields.Boolean(
        string="Asks for a Recommendation",
        compute="_compute_asks",
        help="The campaign's survey asks the NPS question (0-10).",
    )
    asks_csat = fields.Boolean(
        string="Asks for Satisfaction",
        compute="_compute_asks",
        help="The campaign's survey asks the CSAT question (1-5).",
    )
    # figures over the answered questions only: a CSAT answer has no recommendation, and the
    # other way round
    nps_count = fields.Integer(string="Recommendation Answers", compute="_compute_statistics")
    promoter_count = fields.Integer(string="Promoters", compute="_compute_statistics")
    passive_count = fields.Integer(string="Passives", compute="_compute_statistics")
    detractor_count = fields.Integer(string="Detractors", compute="_compute_statistics")
    nps = fields.Float(
        string="NPS",
        compute="_compute_statistics",
        digits=(16, 1),
        help="Net Promoter Score: % promoters - % detractors among the recommendation answers.",
    )
    csat_count = fields.Integer(string="Satisfaction Answers", compute="_compute_statistics")
    csat_percent = fields.Float(
        string="CSAT %",
        compute="_compute_statistics",
        digits=(16, 1),
        help="Share of satisfied customers (4 or 5 of 5) among the satisfaction answers.",
    )

    _delay_days_positive = models.Constraint(
        "CHECK(delay_days >= 0 AND reminder_days >= 0)",
        "Delays cannot be negative.",
    )
    _interval_days_positive = models.Constraint(
        f"CHECK(trigger != '{TRIGGER_PERIODIC}' OR interval_days > 0)",
        "A periodic campaign needs a positive interval.",
    )
    _days_max = models.Constraint(
        f"CHECK(delay_days <= {MAX_PERIOD_DAYS} AND reminder_days <= {MAX_PERIOD_DAYS}"
        f" AND interval_days <= {MAX_PERIOD_DAYS})",
        "A campaign's delays and interval cannot exceed 3650 days (ten years).",
    )

    @api.constrains("partner_domain")
    def _check_partner_domain(self):
        """The audience must be a domain of customers: a malformed one, or one naming a field
        customers do not have, would make sending and the daily run fail."""
        Partner = self.env["res.partner"].sudo()
        for campaign in self:
            try:
                campaign._get_audience_domain().validate(Partner)
            except Exception as error:  # whatever makes the domain unusable
                raise ValidationError(
                    self.env._(
                        "The audience of %(campaign)s is not a valid domain: %(error)s",
                        campaign=campaign.name,
                        error=error,
                    )
                ) from error

    @api.depends("survey_id")
    def _compute_asks(self):
        for campaign in self:
            # the questions of the survey, even for those who may not open surveys
            indicators = set(campaign.sudo().survey_id.question_ids.mapped("crm_indicator"))
            campaign.asks_nps = INDICATOR_NPS in indicators
            campaign.asks_csat = INDICATOR_CSAT in indicators

    @api.depends("user_input_ids.state", "response_ids")
    def _compute_statistics(self):
        invited = {
            (campaign.id, state): count
            for campaign, state, count in self.env["survey.user_input"]
            .sudo()
            ._read_group(
                [("crm_campaign_id", "in", self.ids)], ["crm_campaign_id", "state"], ["__count"]
            )
        }
        Response = self.env["crm.satisfaction.response"].sudo()
        # empty measures are NULL: the CSAT count and average skip the answers without CSAT
        measures = {
            campaign.id: (count, csat_count, csat)
            for campaign, count, csat_count, csat in Response._read_group(
                [("campaign_id", "in", self.ids)],
                ["campaign_id"],
                ["__count", "csat:count", "csat_satisfied:avg"],
            )
        }
        nps_counts = Response._get_nps_counts([("campaign_id", "in", self.ids)], "campaign_id")
        for campaign in self:
            total = sum(count for (cid, _state), count in invited.items() if cid == campaign.id)
            done = invited.get((campaign.id, "done"), 0)
            count, csat_count, csat = measures.get(campaign.id, (0, 0, None))
            promoters, passives, detractors = nps_counts.get(campaign, (0, 0, 0))
            campaign.invited_count = total
            campaign.responded_count = done
            campaign.response_rate = 100.0 * done / total if total else 0.0
            campaign.response_count = count
            campaign.promoter_count = promoters
            campaign.passive_count = passives
            campaign.detractor_count = detractors
            campaign.nps_count = promoters + passives + detractors
            campaign.nps = net_promoter_score(promoters, passives, detractors) or 0.0
            campaign.csat_count = csat_count
            campaign.csat_percent = csat or 0.0

    # ------------------------------------------------------------
    # audience and fatigue
    # ------------------------------------------------------------

    def _get_audience_domain(self):
        self.ensure_one()
        return Domain(literal_eval(self.partner_domain or "[]"))

    def _get_partner_domain(self):
        """Customers this campaign may invite now: its audience, as commercial partners of its
        company with an email address, none surveyed within the company's fatigue period."""
        self.ensure_one()
        return Domain.AND(
            [
                Domain("parent_id", "=", False),
                Domain("email", "!=", False),
                Domain("company_id", "in", [False, self.company_id.id]),
                self._get_audience_domain(),
                self._get_fatigue_domain(self.company_id),
            ]
        )

    @api.model
    def _get_fatigue_domain(self, company):
        """Partners not invited to any satisfaction survey of the company in its fatigue period."""
        if not company.crm_survey_fatigue_days:
            # no fatigue period: even a customer invited a moment ago (in this second, or in
            # this transaction, whose timestamp the invitation carries) may be invited again
            return Domain.TRUE
        UserInput = self.env["survey.user_input"].sudo()
        UserInput.flush_model(["partner_id", "crm_company_id", "crm_campaign_id"])
        since = fields.Datetime.now() - timedelta(days=company.crm_survey_fatigue_days)
        recent = UserInput._search(
            [
                ("crm_company_id", "=", company.id),
                ("crm_campaign_id", "!=", False),
                ("partner_id", "!=", False),
                ("create_date", ">=", since),
            ]
        )
        return Domain("id", "not in", recent.subselect("partner_id"))

    def _get_eligible_partners(self, partners=None):
        self.ensure_one()
        domain = self._get_partner_domain()
        if partners is not None:
            domain &= Domain("id", "in", partners.ids)
        return (
            self.env["res.partner"].sudo().with_company(self.company_id).search(domain, order="id")
        )

    # ------------------------------------------------------------
    # invitations
    # ------------------------------------------------------------

    def _invite(self, invitations):
        """Creates the survey answers (with their access token) of [(partner, extra values)]
        and mails the invitations with the campaign's template."""
        self.ensure_one()
        survey = self.survey_id.sudo()
        user_inputs = self.env["survey.user_input"].sudo()
        for partner, extra in invitations:
            user_inputs |= survey._create_answer(
                partner=partner,
                check_attempts=False,
                crm_campaign_id=self.id,
                crm_company_id=self.company_id.id,
                **extra,
            )
        if user_inputs:
            self._send_invitations(user_inputs)
        return user_inputs

    def _send_invitations(self, user_inputs, reminder=False):
        self.ensure_one()
        # the subject's prefix of a reminder, translated here (a template expression is not)
        prefix = self.env._("Reminder: ") if reminder else ""
        self.mail_template_id.sudo().with_context(crm_survey_reminder=prefix).with_company(
            self.company_id
        ).send_mail_batch(user_inputs.ids, email_layout_xmlid="mail.mail_notification_light")

    def _claim(self):
        """Marks these campaigns as being sent in this transaction, before anything is read: a
        second sending of the same campaign at the same time (a double click, two managers, the
        cron beside a manual run) then waits for this one and fails with a serialization error
        instead of inviting the same customers again; Odoo retries it on a fresh snapshot, where
        whatever this one sent is no longer due."""
        self.sudo().write({"last_sent_date": fields.Datetime.now()})
        self.sudo().flush_recordset(["last_sent_date"])

    def action_send(self):
        """Invites now every customer of the audience not surveyed in the fatigue period."""
        if not self.env.user.has_group("crm_satisfaction.crm_satisfaction_group_manager"):
            raise UserError(self.env._("Only customer care managers can send survey campaigns."))
        closed = self.filtered(lambda campaign: campaign.state == CAMPAIGN_CLOSED)
        if closed:
            raise UserError(
                self.env._(
                    "The campaign %(campaign)s is closed: reopen it to invite customers.",
                    campaign=closed[0].name,
                )
            )
        self._check_partner_domain()
        self._claim()
        invited = self.env["survey.user_input"]
        for campaign in self:
            campaign.survey_id.sudo().check_validity()
            partners = campaign._get_eligible_partners()
            invited |= campaign._invite([(partner, {}) for partner in partners])
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if invited else "warning",
                "message": self.env._("%(count)s customers invited.", count=len(invited)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _get_periodic_partner_domain(self):
        """Customers of the audience this periodic campaign has not invited for their interval:
        their tier's survey interval in the campaign's company when it sets one, else the
        campaign's."""
        self.ensure_one()
        now = fields.Datetime.now()
        UserInput = self.env["survey.user_input"].sudo()

        def not_invited_for(days):
            recent = UserInput._search(
                [
                    ("crm_campaign_id", "=", self.id),
                    ("create_date", ">=", now - timedelta(days=days)),
                ]
            )
            return Domain("id", "not in", recent.subselect("partner_id"))

        tiers = (
            self.env["crm.customer.tier"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("survey_interval_days", ">", 0),
                    ("company_id", "in", [False, self.company_id.id]),
                ]
            )
        )
        due = [
            Domain("crm_tier_id", "=", tier.id) & not_invited_for(tier.survey_interval_days)
            for tier in tiers
        ]
        due.append(Domain("crm_tier_id", "not in", tiers.ids) & not_invited_for(self.interval_days))
        return self._get_partner_domain() & Domain.OR(due)

    def _get_due_order_domain(self):
        """Orders whose event (confirmation, delivery or invoice) happened the campaign's delay
        ago (catching up a few missed days), not yet surveyed by it, of customers it may invite."""
        self.ensure_one()
        company = self.company_id or self.env.company
        today = company._crm_today()
        last_day = today - timedelta(days=self.delay_days)
        first_day = last_day - timedelta(days=ORDER_CATCH_UP_DAYS)
        # the company's days, as naive UTC bounds of the datetime columns
        start, end = company._crm_utc(first_day), company._crm_utc(last_day + timedelta(days=1))
        if self.trigger == TRIGGER_ORDER_INVOICED:
            event = Domain(
                "order_line.invoice_lines",
                "any",
                [
                    ("move_id.state", "=", "posted"),
                    ("move_id.move_type", "=", "out_invoice"),
                    ("move_id.invoice_date", ">=", first_day),
                    ("move_id.invoice_date", "<=", last_day),
                ],
            )
        else:
            date_field = "date_order"
            if self.trigger == TRIGGER_ORDER_DELIVERED:
                # sale_stock's real delivery date when installed, else the committed date
                SaleOrder = self.env["sale.order"]
                date_field = (
                    "effective_date" if "effective_date" in SaleOrder._fields else "commitment_date"
                )
            event = Domain(date_field, ">=", start) & Domain(date_field, "<", end)
        surveyed = (
            self.env["survey.user_input"]
            .sudo()
            ._search([("crm_campaign_id", "=", self.id), ("crm_sale_order_id", "!=", False)])
        )
        return Domain.AND(
            [
                Domain("state", "=", "sale"),
                Domain("company_id", "=", self.company_id.id),
                event,
                Domain("id", "not in", surveyed.subselect("crm_sale_order_id")),
                Domain("partner_id.commercial_partner_id", "any", self._get_partner_domain()),
            ]
        )

    def _get_order_partner_domain(self):
        """Customers (commercial partners) with an order due for this campaign's survey."""
        self.ensure_one()
        buyers = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            ._search([("sale_order_ids", "any", self._get_due_order_domain())])
        )
        return Domain("id", "in", buyers.subselect("commercial_partner_id"))

    def _get_due_partner_domain(self):
        """Customers this campaign invites on its next run: empty unless periodic or after
        orders (manual and complaint campaigns are sent from elsewhere)."""
        self.ensure_one()
        if self.trigger == TRIGGER_PERIODIC:
            return self._get_periodic_partner_domain()
        if self.trigger in ORDER_TRIGGERS:
            return self._get_order_partner_domain()
        return Domain.FALSE

    def _get_reminder_domain(self):
        """Invitations still unanswered after the reminder delay, not reminded yet."""
        self.ensure_one()
        if not self.reminder_days:
            return Domain.FALSE
        before = fields.Datetime.now() - timedelta(days=self.reminder_days)
        return Domain.AND(
            [
                Domain("crm_campaign_id", "=", self.id),
                Domain("state", "!=", "done"),
                Domain("crm_reminder_date", "=", False),
                Domain("create_date", "<=", before),
            ]
        )

    def _invite_partners(self, partners):
        """Invites these customers: after-order campaigns about each one's earliest due order."""
        self.ensure_one()
        if self.trigger not in ORDER_TRIGGERS:
            return self._invite([(partner, {}) for partner in partners])
        orders = (
            self.env["sale.order"]
            .sudo()
            .with_company(self.company_id)
            .search(
                self._get_due_order_domain()
                & Domain("partner_id.commercial_partner_id", "in", partners.ids),
                order="date_order, id",
            )
        )
        invitations = {}
        for order in orders:
            partner = order.partner_id.commercial_partner_id
            invitations.setdefault(partner, {"crm_sale_order_id": order.id})
        return self._invite(list(invitations.items()))

    def _send_reminders(self, limit=None):
        """Sends once more (up to `limit`) the invitations left unanswered for the campaign's
        reminder delay."""
        self.ensure_one()
        user_inputs = (
            self.env["survey.user_input"]
            .sudo()
            .search(self._get_reminder_domain(), order="id", limit=limit)
        )
        if user_inputs:
            self._send_invitations(user_inputs, reminder=True)
            user_inputs.write({"crm_reminder_date": fields.Datetime.now()})
        return user_inputs

    def action_close(self):
        """Ends the campaigns: nothing more is sent; answers to invitations already sent are
        still recorded."""
        running = self.filtered(lambda campaign: campaign.state == CAMPAIGN_RUNNING)
        for company, campaigns in running.grouped("company_id").items():
            campaigns.write({"state": CAMPAIGN_CLOSED, "closed_date": company._crm_today()})
        return True

    def action_reopen(self):
        self.filtered(lambda campaign: campaign.state == CAMPAIGN_CLOSED).write(
            {"state": CAMPAIGN_RUNNING, "closed_date": False}
        )
        return True

    def _run_batch(self, batch_size=CAMPAIGN_BATCH_SIZE):
        """Sends the next batch due today for this campaign: invitations to up to `batch_size`
        customers (periodic and after-order campaigns), then, once none is left, up to
        `batch_size` reminders. Returns the survey answers sent, empty when nothing is due.
        Whatever a batch sends leaves the due sets, so the next call carries on (even in a
        later transaction) and never sends anything twice."""
        self.ensure_one()
        if self.state != CAMPAIGN_RUNNING:
            return self.env["survey.user_input"]
        self._claim()
        campaign = self.with_company(self.company_id)
        partners = (
            self.env["res.partner"]
            .sudo()
            .with_company(self.company_id)
            .search(campaign._get_due_partner_domain(), order="id", limit=batch_size)
        )
        if partners:
            return campaign._invite_partners(partners)
        return campaign._send_reminders(limit=batch_size)

    def _get_due_count(self):
        """How many customers to invite and invitations to remind are due for this campaign."""
        self.ensure_one()
        campaign = self.with_company(self.company_id)
        return campaign.env["res.partner"].sudo().search_count(
            campaign._get_due_partner_domain()
        ) + campaign.env["survey.user_input"].sudo().search_count(campaign._get_reminder_domain())

    def _run(self, batch_size=CAMPAIGN_BATCH_SIZE):
        """Sends everything due today for these campaigns (invitations, then reminders), in
        batches, without committing. Running twice the same day sends nothing more."""
        sent = self.env["survey.user_input"]
        for campaign in self:
            while batch := campaign._run_batch(batch_size):
                sent |= batch
        return sent

    @api.model
    def _cron_run_campaigns(self, batch_size=CAMPAIGN_BATCH_SIZE):
        """Daily: each campaign sends its invitations and reminders by batches of `batch_size`,
        each committed. A run cut short is re-triggered and carries on where it stopped: what a
        committed batch sent is no longer due, so nobody is invited or reminded twice."""
        campaigns = self.sudo().search([("state", "=", CAMPAIGN_RUNNING)], order="id")
        for index, campaign in enumerate(campaigns):
            while True:
                try:
                    # one campaign that fails (e.g. an audience saved before it was checked)
                    # is logged and skipped: the campaigns after it are still sent
                    with self.env.cr.savepoint():
                        batch = campaign._run_batch(batch_size)
                        # the campaigns after this one count one unit each until reached
                        remaining = len(campaigns) - index - 1
                        if batch:
                            remaining += campaign._get_due_count()
                except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                    raise  # another sending of the same campaign: the run is retried
                except Exception:
                    _logger.exception(
                        "Satisfaction campaign %r (id %s) failed; the other campaigns go on.",
                        campaign.name,
                        campaign.id,
                    )
                    break
                if not batch:
                    break
                if not self.env["ir.cron"]._commit_progress(len(batch), remaining=remaining):
                    return
        self.env["res.partner"].sudo()._crm_cron_refresh_satisfaction()

    @api.model
    def _trigger_complaint_closed(self, complaints):
        """Invites the customers of closed complaints through the running campaigns triggered by
        complaint closing (audience and fatigue apply); returns the survey answers created."""
        invited = self.env["survey.user_input"]
        if not complaints:
            return invited
        complaints = complaints.sudo()
        campaigns = self.sudo().search(
            [
                ("trigger", "=", TRIGGER_COMPLAINT_CLOSED),
                ("state", "=", CAMPAIGN_RUNNING),
                ("company_id", "in", complaints.company_id.ids),
            ]
        )
        for campaign in campaigns:
            campaign_complaints = complaints.filtered(
                lambda complaint, company=campaign.company_id: complaint.company_id == company
            )
            eligible = campaign._get_eligible_partners(
                campaign_complaints.partner_id.commercial_partner_id
            )
            invitations = {}
            for complaint in campaign_complaints:
                partner = complaint.partner_id.commercial_partner_id
                if partner in eligible:
                    invitations.setdefault(partner, {"crm_complaint_res_id": complaint.id})
            invited |= campaign._invite(list(invitations.items()))
        return invited

    # ------------------------------------------------------------
    # smart buttons
    # ------------------------------------------------------------

    def action_open_invitations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("survey.action_survey_user_input")
        action["domain"] = [("crm_campaign_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_open_responses(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_satisfaction.crm_satisfaction_response_action"
        )
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
