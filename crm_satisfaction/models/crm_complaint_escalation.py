"""A complaint's SLA clock and its escalation, for crm.complaint (which inherits this).

The SLA status (on track, at risk, breached, met) is measured in the working hours of the SLA
policy's calendar; every 15 minutes the open complaints are refreshed and escalated, each level
once: at risk -> an activity for the responsible; breached -> the team leader notified and the
priority raised; still breached after the company's delay -> the manager notified. What is
written for a person is written in their language and time zone.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, format_datetime, formatLang

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import engine_write

from .complaint_data import (
    ESCALATION_LEADER,
    ESCALATION_MANAGER,
    ESCALATION_RESPONSIBLE,
    PRIORITY_URGENT,
    SLA_AT_RISK,
    SLA_BREACHED,
    SLA_COMPLIANCE,
    SLA_MET,
    SLA_ON_TRACK,
)


class CrmComplaintEscalation(models.AbstractModel):
    _name = "crm.complaint.escalation"
    _description = "Complaint SLA and Escalation"

    # ------------------------------------------------------------------ SLA status
    def _compute_sla_status(self, now):
        """(status, breached) for one complaint at `now`."""
        self.ensure_one()
        if not self.sla_id or not self.ack_deadline or not self.resolve_deadline:
            return False
        if self.resolved_date:
            on_time = self.resolved_date <= self.resolve_deadline and (
                self.acknowledged_date <= self.ack_deadline
            )
            return SLA_MET if on_time else SLA_BREACHED
        at = self.sla_paused_since or now
        if at > self.resolve_deadline or (not self.acknowledged_date and at > self.ack_deadline):
            return SLA_BREACHED
        if self.acknowledged_date and self.acknowledged_date > self.ack_deadline:
            return SLA_BREACHED
        target, hours = (
            (self.resolve_deadline, self.sla_id.resolve_hours)
            if self.acknowledged_date
            else (self.ack_deadline, self.sla_id.ack_hours)
        )
        calendar = self.sla_id.calendar_id
        left = calendar.get_work_hours_count(at, target) if at < target else 0
        share_used = 1 - left / hours if hours else 1
        risk_share = self.company_id.crm_complaint_sla_risk_percent / 100
        return SLA_AT_RISK if share_used >= risk_share else SLA_ON_TRACK

    def _update_sla_status(self, now=None):
        """Refreshes the SLA status and the SLA compliance measure: 100 once met, 0 once
        breached (resolved late or still open past a deadline), empty (NULL, left out of its
        average) while the outcome is not known, e.g. after a reopening within the deadlines."""
        now = now or fields.Datetime.now()
        undecided = []
        for complaint in self:
            status = complaint._compute_sla_status(now)
            old_status = complaint.sla_status
            values = {}
            if status != old_status:
                values["sla_status"] = status
            if status == SLA_BREACHED and not complaint.sla_breached_date:
                values["sla_breached_date"] = now
            compliance = SLA_COMPLIANCE.get(status)
            if compliance is not None:
                if status != old_status or complaint.sla_met_percent != compliance:
                    values["sla_met_percent"] = compliance
            elif old_status in SLA_COMPLIANCE:
                undecided.append(complaint.id)
            if values:
                engine_write(complaint).write(values)
        if undecided:
            # the ORM writes 0.0 for an empty float: NULL keeps the complaint out of the average
            self.flush_recordset(["sla_met_percent"])
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET sla_met_percent = NULL WHERE id = ANY(%s)",
                    SQL.identifier(self._table),
                    undecided,
                )
            )
            self.browse(undecided).invalidate_recordset(["sla_met_percent"])

    # ------------------------------------------------------------------ escalation
    @api.model
    def _cron_escalate(self, batch_size=500):
        """Every 15 minutes: refresh SLA statuses of open complaints and escalate, each level
        once: at risk -> activity for the responsible; breached -> team leader notified and
        priority raised; still breached after the delay -> manager notified."""
        now = fields.Datetime.now()
        domain = [("is_closed", "=", False), ("sla_id", "!=", False)]

        def open_complaints():
            last_id = 0
            while batch := self.search(
                domain + [("id", ">", last_id)], order="id", limit=batch_size
            ):
                yield batch
                last_id = batch[-1].id

        def escalate(batch):
            batch._update_sla_status(now)
            batch._escalate(now)

        self.env["crm.engine.mixin"]._run_batches(
            open_complaints(), escalate, self.search_count(domain), commit=True
        )

    def _escalate(self, now):
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        for complaint in self:
            if complaint.sla_paused_since:
                continue
            if (
                complaint.sla_status == SLA_AT_RISK
                and complaint.escalation_level < ESCALATION_RESPONSIBLE
                and complaint.user_id
            ):
                # stored texts are written in the language of who reads them
                reader = complaint._for_reader(complaint.user_id)
                complaint.activity_schedule(
                    activity_type_id=activity_type.id,
                    summary=reader.env._("Complaint SLA at risk"),
                    note=reader.env._(
                        "%(reference)s must be acknowledged by %(deadline)s.",
                        reference=complaint.reference,
                        deadline=reader._deadline_text(),
                    )
                    if not complaint.acknowledged_date
                    else reader.env._(
                        "%(reference)s must be resolved by %(deadline)s.",
                        reference=complaint.reference,
                        deadline=reader._deadline_text(),
                    ),
                    user_id=complaint.user_id.id,
                    date_deadline=fields.Date.context_today(complaint),
                )
                complaint._log_escalation(
                    ESCALATION_RESPONSIBLE,
                    reader.env._(
                        "SLA at risk: an activity was scheduled for %(user)s.",
                        user=complaint.user_id.name,
                    ),
                )
            if complaint.sla_status != SLA_BREACHED:
                continue
            if complaint.escalation_level < ESCALATION_LEADER:
                leader = complaint.team_id.leader_id
                reader = complaint._for_reader(leader)
                leader_name = leader.name or reader.env._("(none)")
                old_priority = complaint.priority
                if old_priority == PRIORITY_URGENT:
                    # already at the top: no priority change to report
                    body = reader.env._(
                        "SLA breached: team leader %(leader)s notified.", leader=leader_name
                    )
                else:
                    complaint.write({"priority": str(int(old_priority) + 1)})
                    labels = dict(reader._fields["priority"]._description_selection(reader.env))
                    body = reader.env._(
                        "SLA breached: team leader %(leader)s notified; priority %(old)s → "
                        "%(new)s.",
                        leader=leader_name,
                        old=labels[old_priority],
                        new=labels[complaint.priority],
                    )
                complaint._log_escalation(ESCALATION_LEADER, body, leader.partner_id)
            # not elif: with no delay (0 hours), the run that sees the breach also tells the manager
            if complaint.escalation_level < ESCALATION_MANAGER:
                delay = timedelta(hours=complaint.company_id.crm_complaint_escalation_hours)
                if complaint.sla_breached_date and now - complaint.sla_breached_date >= delay:
                    manager = complaint.team_id.manager_id
                    reader = complaint._for_reader(manager)
                    complaint._log_escalation(
                        ESCALATION_MANAGER,
                        reader.env._(
                            "SLA still breached after %(hours)s hours: manager %(manager)s "
                            "notified.",
                            hours=formatLang(reader.env, delay.total_seconds() / 3600, digits=1),
                            manager=manager.name or reader.env._("(none)"),
                        ),
                        manager.partner_id,
                    )

    def _log_escalation(self, level, body, notify=None):
        self.ensure_one()
        engine_write(self).write({"escalation_level": level})
        self.message_post(
            body=body,
            subtype_xmlid="mail.mt_note",
            partner_ids=notify.ids if notify else [],
        )

    def _for_reader(self, user):
        """This complaint in the language and time zone of the user who will read what we
        write for them (an activity, an escalation note); the company's language when nobody
        is named."""
        self.ensure_one()
        lang = user.lang or self.company_id.partner_id.lang or self.env.lang
        tz = user.tz or self.company_id._crm_tz()
        return self.with_context(lang=lang, tz=tz)

    def _deadline_text(self):
        """The deadline at stake, in the context's language and time zone, without seconds."""
        deadline = self.resolve_deadline if self.acknowledged_date else self.ack_deadline
        return format_datetime(self.env, deadline, tz=self.env.context.get("tz"), dt_format="short")
