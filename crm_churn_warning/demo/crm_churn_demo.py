"""Demo data: the churn history of the demo company, replayed through the nightly code path.

Called once, at install with demo data, from demo/crm_churn_demo.xml, after the customer
histories of crm_lifecycle_tiering and the complaints and survey answers of crm_satisfaction.
Five months ago, three months ago and one month ago the purchase model is fitted and every
customer scored as of that day, warnings raised and outcomes closed, as the nightly cron would
have done; then the same as of today. Customers who faded away get warnings whose reasons read
from their own history (no order for months against their usual interval, spend and frequency
drops, complaints, detractor answers); some of those warned months ago ordered again and are
retained, others are lost.

The sales team works its warnings as a team that looks after its customers would: a few days
after each scoring the playbook's activities of the new warnings are done, with what the call
gave, and the warnings are in progress; warnings that stayed open for months end lost, with
what happened, or dismissed; the warnings in progress have their next step planned in the
coming days (one or two slightly late), and today's warnings are new with their activities due
in the next days. Everything is dated on the day it happened, counted back from the company's
today, so that the demo installs on any date. A backtest as of three months ago closes it.
"""

import logging
from datetime import time, timedelta

from markupsafe import Markup

from odoo import fields
from odoo.exceptions import UserError

from ..models.churn_data import LEVEL_RANK, OPEN_STATES, STATE_DISMISSED, STATE_LOST

REPLAY_DAYS = (150, 90, 30)
CALLED_AFTER_DAYS = 2  # the salesperson does a playbook's activity this many days after it
CLOSED_AFTER_DAYS = 60  # a warning still open this long after it was raised is decided on
LATE_FOLLOW_UPS = 2  # next steps left a day or two late, as happens
DEMO_HOUR = time(10)

_logger = logging.getLogger(__name__)


class CrmChurnDemo:
    def __init__(self, env):
        self.env = env

    def _load_demo_history(self):
        company = self.env.ref("base.main_company")
        today = company._crm_today()
        Model = self.env["crm.churn.model"]
        Engine = self.env["crm.churn.engine"]
        Warning = self.env["crm.churn.warning"]
        nights = [today - timedelta(days=days) for days in REPLAY_DAYS] + [today]
        for night, next_night in zip(nights, [*nights[1:], None], strict=True):
            since = self._demo_last_message_id()
            Model._fit_company(company, night)
            Engine._score_company(company, as_of=night)
            Warning._close_outcomes(company, night)
            self._demo_date_messages(since, night)
            if next_night:
                self._demo_work_warnings(company, night, next_night)
        self._demo_plan_next_steps(company, today)
        horizon = company.crm_churn_backtest_horizon
        wizard = (
            self.env["crm.churn.backtest.wizard"]
            .with_company(company)
            .create(
                {
                    "company_id": company.id,
                    "horizon_days": horizon,
                    "min_level": company.crm_churn_warning_level,
                    "as_of": today - timedelta(days=horizon + 1),
                }
            )
        )
        try:
            with self.env.cr.savepoint():
                wizard.action_run()
        except UserError as error:
            # no customer history to replay then (the customers' demo histories missing)
            _logger.info("No demo churn backtest: %s", error)

    # ------------------------------------------------------------------ the team's work
    def _demo_open_warnings(self, company):
        warnings = self.env["crm.churn.warning"].search(
            [("company_id", "=", company.id), ("state", "in", list(OPEN_STATES))]
        )
        return warnings.sorted(lambda w: (-LEVEL_RANK[w.level], -w.score, w.id))

    def _demo_work_warnings(self, company, night, until):
        """What the team did between the scoring of ``night`` and ``until`` (the next one):
        the playbook's activities of the open warnings done on time, with what they gave, and
        the warnings open for two months decided on."""
        feedbacks = self._demo_feedbacks()
        warnings = self._demo_open_warnings(company)
        activities = warnings.activity_ids.filtered(lambda a: a.date_deadline < until)
        for index, activity in enumerate(activities.sorted("id")):
            day = min(activity.date_deadline, night + timedelta(days=CALLED_AFTER_DAYS))
            since = self._demo_last_message_id()
            activity.action_feedback(feedback=feedbacks[index % len(feedbacks)])
            self._demo_date_messages(since, day)
            self._demo_set_done_date(activity, day)
        stale = warnings.filtered(lambda w: w.date + timedelta(days=CLOSED_AFTER_DAYS) < until)
        self._demo_decide(stale)

    def _demo_decide(self, warnings):
        """Warnings open for two months: most are lost, with what happened; a seasonal
        customer is dismissed until after the holidays."""
        lost_notes = self._demo_lost_notes()
        for index, warning in enumerate(warnings):
            day = warning.date + timedelta(days=CLOSED_AFTER_DAYS)
            since = self._demo_last_message_id()
            if index % 4 == 3:
                note = self.env._("Seasonal business: they order again after the holidays.")
                warning.write({"outcome_note": note, "snooze_until": day + timedelta(days=30)})
                warning._close(STATE_DISMISSED, day)
            else:
                note = lost_notes[index % len(lost_notes)]
                warning.write({"outcome_note": note})
                warning._close(STATE_LOST, day)
            warning.message_post(
                body=Markup("<p>%s</p>") % note,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
            self._demo_date_messages(since, day)

    def _demo_plan_next_steps(self, company, today):
        """Today: the warnings in progress have their next step planned in the coming days,
        the last ones a day or two late; the warning at the highest risk carries the notes of
        the manager's call. Today's warnings stay new with their playbook's activities."""
        follow_up = self.env.ref("crm_churn_warning.mail_activity_type_churn_follow_up")
        warnings = self._demo_open_warnings(company).filtered(
            lambda w: w.date < today and not w.activity_ids
        )
        for index, warning in enumerate(warnings):
            late = index >= len(warnings) - LATE_FOLLOW_UPS and len(warnings) > LATE_FOLLOW_UPS
            delay = -(len(warnings) - index) if late else 1 + index % 6
            warning.action_start()
            warning.with_context(mail_activity_quick_update=True).activity_schedule(
                activity_type_id=follow_up.id,
                date_deadline=today + timedelta(days=delay),
                user_id=(warning.user_id or self.env.user).id,
            )
        if warnings:
            warnings[0].message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "Called the purchasing manager: they are testing a cheaper supplier. "
                    "Offered a 10% volume discount on the next order; they will answer within "
                    "two weeks."
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )

    def _demo_feedbacks(self):
        return [
            self.env._(
                "Reached the buyer: a project was postponed; they expect to order again next "
                "quarter."
            ),
            self.env._("Left a voicemail and sent our new catalogue by e-mail."),
            self.env._(
                "Visited the customer: the last deliveries were late; agreed on a fixed "
                "delivery day."
            ),
            self.env._(
                "Called the purchasing manager: they compare offers; sent a quote for their "
                "usual order."
            ),
        ]

    def _demo_lost_notes(self):
        return [
            self.env._(
                "Moved to a competitor with a framework contract; we stay in touch for their "
                "next tender."
            ),
            self.env._("The customer closed the site that ordered from us."),
            self.env._("Buys directly from the manufacturer now; no interest in an offer."),
        ]

    # ------------------------------------------------------------------ dates
    def _demo_last_message_id(self):
        return self.env["mail.message"].sudo().search([], order="id desc", limit=1).id or 0

    def _demo_date_messages(self, since, day):
        """The warnings' messages logged after message ``since`` are dated ``day``, in the
        morning in the company's time zone (never later than now)."""
        company = self.env.ref("base.main_company")
        moment = min(company._crm_utc(day, DEMO_HOUR), fields.Datetime.now())
        # sudo: the demo dates the warnings' messages, whoever may read them
        self.env["mail.message"].sudo().search(
            [("id", ">", since), ("model", "=", "crm.churn.warning")]
        ).write({"date": moment})

    def _demo_set_done_date(self, activity, day):
        """The activity, marked done (archived) today, done on ``day``."""
        activity.sudo().write({"date_done": day})
