"""Demo data: a year of complaints of the main company and the open ones of the last weeks.

Called once, at install with demo data, from demo/crm_complaint_demo.xml.
"""

import random
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import engine_write

# complaints of the past months: how many were filed in each of the eleven months before the
# current one (oldest first), what they were about, and how they ended: most resolved within
# their SLA, one in _REJECTED_EVERY rejected, one in _LATE_EVERY resolved late after an escalation
_HISTORY_PER_MONTH = [8, 10, 7, 11, 9, 8, 12, 9, 8, 11, 10]
_HISTORY_SUBJECTS = [
    ("Parcel arrived two days late", "delivery"),
    ("Missing item in the delivery", "delivery"),
    ("Invoice sent to the wrong address", "billing"),
    ("Charged twice for one order", "billing"),
    ("Device overheats", "product"),
    ("Manual missing from the box", "product"),
    ("Nobody called back", "service"),
    ("Long wait on the hotline", "service"),
    ("Repair took too long", "after_sales"),
    ("Replacement part did not fit", "after_sales"),
]
_LATE_EVERY = 9
_CHANNELS = ["phone", "email", "portal", "web", "chat"]
_REJECTED_EVERY = 12


class CrmComplaintDemo:
    """Demo complaints of the main company: a year of complaints worked the way a company works
    them, and the open ones of the last weeks in every stage and SLA state."""

    # (subject, category, priority, working hours since reported, stage, working hours to
    #  acknowledge, to resolve (None: not reached), VIP customer). With the shipped policies
    #  (standard 8 h / 40 h, urgent 4 h / 24 h, VIP 2 h / 16 h) these give every SLA state.
    _SCENARIOS = [
        ("Damaged goods on delivery", "delivery", "1", 1, "new", None, None, False),
        ("Wrong item shipped", "delivery", "1", 7, "new", None, None, False),
        (
            "Invoice does not match the quotation",
            "billing",
            "1",
            10,
            "acknowledged",
            2,
            None,
            False,
        ),
        ("Rude answer on the hotline", "service", "2", 15, "investigating", 3, None, True),
        (
            "Product stopped working after two weeks",
            "product",
            "3",
            30,
            "investigating",
            2,
            None,
            False,
        ),
        ("Late delivery for the third time", "delivery", "2", 20, "new", None, None, False),
        ("Spare parts never arrived", "after_sales", "1", 35, "investigating", 4, None, False),
        ("Discount not applied", "billing", "0", 12, "resolved", 1, 10, False),
        ("Packaging torn", "delivery", "0", 60, "closed", 1, 6, False),
        ("Technician missed the appointment", "after_sales", "2", 100, "closed", 3, 60, False),
        ("Colour differs from the sample", "product", "1", 50, "rejected", 2, 12, False),
        ("Billing reminder after payment", "billing", "1", 80, "closed", 1, 4, True),
        ("Warranty claim refused", "after_sales", "2", 30, "resolved", 1, 20, False),
        ("Noise from the unit", "product", "1", 6, "waiting", 2, None, False),
    ]

    def __init__(self, env):
        self.env = env

    def _load_demo_complaints(self):
        rng = random.Random(4)
        company = self.env.ref("base.main_company")
        Partner = self.env["res.partner"].with_company(company)
        customers = Partner.search(
            [("crm_lifecycle_stage", "in", ["first_purchase", "repeat", "loyal", "churned"])],
            order="id",
        )
        if not customers:
            return
        stages = {
            key: self.env.ref(f"crm_satisfaction.crm_complaint_stage_{key}")
            for key in ("new", "acknowledged", "investigating", "resolved", "closed", "rejected")
        }
        # loaded by demo/crm_complaint_demo.xml just before this
        stages["waiting"] = self.env.ref("crm_satisfaction.crm_complaint_stage_waiting_demo")
        now = fields.Datetime.now()
        calendar = company.resource_calendar_id
        Complaint = (
            self.env["crm.complaint"]
            .with_company(company)
            .with_context(mail_notrack=True, mail_create_nolog=True)
        )
        self._load_demo_history(Complaint, company, customers, stages, rng)
        vip = customers.filtered(lambda p: p.crm_tier_id.code == "vip")
        standard = customers.filtered(lambda p: p.crm_tier_id.code == "standard") or customers
        for subject, category, priority, elapsed, stage, ack, resolve, is_vip in self._SCENARIOS:
            partner = rng.choice(vip if is_vip and vip else standard)
            reported = calendar.plan_hours(-elapsed, now)
            complaint = self._create_demo_complaint(
                Complaint,
                subject,
                category,
                partner,
                priority=priority,
                channel=rng.choice(_CHANNELS),
                reported=reported,
            )
            values = {"stage_id": stages[stage].id}
            if ack is not None:
                values["acknowledged_date"] = calendar.plan_hours(ack, reported)
                values["ack_hours_taken"] = ack
            if resolve is not None:
                values["resolved_date"] = calendar.plan_hours(resolve, reported)
                values["resolve_hours_taken"] = resolve
            if stages[stage].is_closed:
                values["closed_date"] = values["resolved_date"] + timedelta(hours=24)
                values["resolution"] = "<p>Replaced the goods and apologised.</p>"
                values["root_cause"] = "Handling at the warehouse"
            complaint.write(values)
        self.env["crm.complaint"].search([("company_id", "=", company.id)])._update_sla_status(now)

    def _load_demo_history(self, Complaint, company, customers, stages, rng):
        """The complaints of the eleven calendar months before the company's current one (any
        day, a month's end or 29 February, gives these eleven months), each filed on a working
        day of its month and three weeks before today at the latest, so that it is closed by
        now; their messages are dated when they happened."""
        today = company._crm_today()
        latest = today - timedelta(days=21)
        this_month = today.replace(day=1)
        number = 0
        history = Complaint.browse()
        for months_ago, count in zip(range(11, 0, -1), _HISTORY_PER_MONTH, strict=True):
            first = this_month - relativedelta(months=months_ago)
            last = min(first + relativedelta(months=1, days=-1), latest)
            for _index in range(count):
                number += 1
                day = first + timedelta(days=rng.randrange((last - first).days + 1))
                start = company._crm_utc(day)
                subject, category = rng.choice(_HISTORY_SUBJECTS)
                partner = rng.choice(customers)
                priority = rng.choices(["0", "1", "2", "3"], [2, 6, 2, 1])[0]
                channel = rng.choice(_CHANNELS)
                complaint = self._create_demo_complaint(
                    Complaint,
                    subject,
                    category,
                    partner,
                    priority=priority,
                    channel=channel,
                    reported=company.resource_calendar_id.plan_hours(rng.uniform(0.5, 7.5), start),
                )
                self._date_new_messages(complaint, set(), complaint.reported_date)
                if number % _LATE_EVERY == 4:
                    self._work_demo_complaint_late(complaint, stages, rng)
                else:
                    rejected = number % _REJECTED_EVERY == 7
                    self._work_demo_complaint(complaint, stages, rng, rejected=rejected)
                history |= complaint
        # their e-mails went out when they happened: nothing of the past is left to send
        messages = (
            self.env["mail.message"]
            .sudo()
            .search([("model", "=", "crm.complaint"), ("res_id", "in", history.ids)])
        )
        self.env["mail.mail"].sudo().search(
            [("mail_message_id", "in", messages.ids), ("state", "=", "outgoing")]
        ).write({"state": "sent"})
        self.env["mail.notification"].sudo().search(
            [("mail_message_id", "in", messages.ids), ("notification_status", "=", "ready")]
        ).write({"notification_status": "sent"})

    def _create_demo_complaint(
        self, Complaint, subject, category, partner, priority, channel, reported
    ):
        """A complaint of the customer (its first contact when it has one) filed at
        ``reported``, in the company of ``Complaint``."""
        return Complaint.create(
            {
                "name": subject,
                "partner_id": (partner.child_ids[:1] or partner).id,
                "company_id": Complaint.env.company.id,
                "category_id": self.env.ref(
                    f"crm_satisfaction.crm_complaint_category_{category}"
                ).id,
                "priority": priority,
                "channel": channel,
                "reported_date": reported,
                "description": f"<p>{subject}.</p>",
            }
        )

    def _demo_ack_hours(self, complaint, rng):
        return round(rng.uniform(0.1, 0.8) * (complaint.sla_id.ack_hours or 8), 1)

    def _work_demo_complaint(
        self, complaint, stages, rng, rejected=False, ack_hours=None, resolve_hours=None
    ):
        """Acknowledges, resolves and closes (or rejects) a past complaint, within its SLA
        unless told how long it took."""
        known = set(complaint.message_ids.ids)
        calendar = complaint.sla_id.calendar_id or complaint.company_id.resource_calendar_id
        reported = complaint.reported_date
        if ack_hours is None:
            ack_hours = self._demo_ack_hours(complaint, rng)
        if resolve_hours is None:
            allowed = complaint.sla_id.resolve_hours or 40
            resolve_hours = round(max(ack_hours + 0.5, rng.uniform(0.3, 0.9) * allowed), 1)
        resolved = calendar.plan_hours(resolve_hours, reported)
        # the customer confirms within a few days, in the hours after the resolution
        closed = resolved + timedelta(days=rng.randrange(3), hours=rng.uniform(0.5, 3))
        engine_write(complaint).write(
            {
                "stage_id": stages["rejected" if rejected else "closed"].id,
                "acknowledged_date": calendar.plan_hours(ack_hours, reported),
                "ack_hours_taken": ack_hours,
                "resolved_date": resolved,
                "resolve_hours_taken": resolve_hours,
                "closed_date": closed,
                "customer_confirmed": not rejected and rng.random() < 0.7,
                "resolution": "<p>Declined: the goods were used outside the warranty.</p>"
                if rejected
                else "<p>Replaced the goods and apologised.</p>",
                "root_cause": "Used outside the warranty"
                if rejected
                else "Handling at the warehouse",
            }
        )
        self._date_new_messages(complaint, known, closed)

    def _work_demo_complaint_late(self, complaint, stages, rng):
        """A past complaint acknowledged in time but not resolved in time: escalated to the team
        leader once breached, to the manager too when it stayed breached, resolved late."""
        calendar = complaint.sla_id.calendar_id or complaint.company_id.resource_calendar_id
        ack_hours = self._demo_ack_hours(complaint, rng)
        engine_write(complaint).write(
            {
                "stage_id": stages["investigating"].id,
                "acknowledged_date": calendar.plan_hours(ack_hours, complaint.reported_date),
                "ack_hours_taken": ack_hours,
            }
        )
        if not complaint.resolve_deadline:
            self._work_demo_complaint(complaint, stages, rng, ack_hours=ack_hours)
            return
        # the breach as the escalation cron saw it, a quarter of an hour after the deadline
        resolve_hours = round((complaint.sla_id.resolve_hours or 40) * rng.uniform(1.1, 1.4), 1)
        seen = complaint.resolve_deadline + timedelta(minutes=15)
        engine_write(complaint).write({"sla_breached_date": False})
        complaint._update_sla_status(seen)
        escalations = [seen]
        if rng.random() < 0.5:
            delay = timedelta(hours=complaint.company_id.crm_complaint_escalation_hours)
            escalations.append(seen + delay)
        for moment in escalations:
            known = set(complaint.message_ids.ids)
            complaint._escalate(moment)
            self._date_new_messages(complaint, known, moment)
        self._work_demo_complaint(
            complaint, stages, rng, ack_hours=ack_hours, resolve_hours=resolve_hours
        )

    def _date_new_messages(self, complaint, known, moment):
        """Dates the complaint's messages whose ids are not in `known` at `moment`."""
        complaint.message_ids.filtered(lambda m: m.id not in known).sudo().write({"date": moment})
