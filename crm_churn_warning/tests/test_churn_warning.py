from datetime import date, timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form

from odoo.addons.crm_churn_warning.models.churn_data import (
    KIND_RISK,
    KIND_WIN_BACK,
    LEVEL_HIGH,
    LEVEL_LOW,
    LEVEL_MEDIUM,
    LEVEL_NONE,
    REASON_COMPLAINTS_RECENT,
    REASON_OVERDUE,
    SIGNAL_COMPLAINTS,
    SIGNAL_OVERDUE,
    STATE_DISMISSED,
    STATE_IN_PROGRESS,
    STATE_LOST,
    STATE_NEW,
)
from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase, make_company_user

from .common import logged_events, scoring_row


class WarningCase(CrmCase):
    """A company of its own with a sales team, salespeople, a team leader and a churn manager,
    customers of each tier, and scoring rows built by hand in the engine's row format."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # serving the company for years: its win-back customers churned since (the offer
        # e-mail goes to them; test_capacity covers customers who churned before the start)
        cls.company = cls.env["res.company"].create(
            {"name": "Warning Test Co", "crm_start_date": date.today() - timedelta(days=1000)}
        )
        cls.today = cls.crm_today(cls.company)
        cls.other_company = cls.env["res.company"].create({"name": "Warning Other Co"})
        cls.env.user.company_ids |= cls.company | cls.other_company
        salesman = "sales_team.group_sale_salesman,crm_churn_warning.crm_churn_warning_group_user"

        def user(login, groups, company=cls.company):
            return make_company_user(cls.env, login, groups, company, email=f"{login}@example.com")

        cls.salesperson = user("warn_sales", salesman)
        cls.salesperson_2 = user("warn_sales_2", salesman)
        cls.leader = user("warn_leader", salesman)
        cls.manager = user(
            "warn_manager",
            "sales_team.group_sale_manager,crm_churn_warning.crm_churn_warning_group_manager",
        )
        cls.other_manager = user(
            "warn_other_manager",
            "sales_team.group_sale_manager,crm_churn_warning.crm_churn_warning_group_manager",
            company=cls.other_company,
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Warning Team",
                "company_id": cls.company.id,
                "user_id": cls.leader.id,
                "member_ids": [(6, 0, (cls.salesperson | cls.salesperson_2).ids)],
            }
        )
        cls.tier_vip = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        cls.tier_key = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_key")
        cls.tier_standard = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_standard")
        cls.signal_overdue = cls.env.ref("crm_churn_warning.crm_churn_signal_overdue")
        cls.signal_complaints = cls.env.ref("crm_churn_warning.crm_churn_signal_complaints")
        cls.Warning = cls.env["crm.churn.warning"]
        cls.Activity = cls.env["mail.activity"]
        # the activity types of the shipped playbooks
        cls.call = cls.env.ref("crm_churn_warning.mail_activity_type_retention_call")
        cls.todo = cls.env.ref("crm_churn_warning.mail_activity_type_churn_follow_up")
        cls.email = cls.env.ref("crm_churn_warning.mail_activity_type_win_back")

    @classmethod
    def make_customer(cls, name, user=None, **values):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "email": f"{name.lower().replace(' ', '.')}@example.com",
                "user_id": user.id if user else False,
                **values,
            }
        )

    def make_row(self, partner, level, score, tier=None, stage="repeat", user=None, days=90):
        """A scoring row as crm.churn.engine._score_company returns it."""
        reasons = [
            {
                "signal_id": self.signal_overdue.id,
                "code": SIGNAL_OVERDUE,
                "value": float(days),
                "details": [[REASON_OVERDUE, {"days": days, "interval": 30.0}]],
                "weight": 3.0,
            },
            {
                "signal_id": self.signal_complaints.id,
                "code": SIGNAL_COMPLAINTS,
                "value": 2.0,
                "details": [[REASON_COMPLAINTS_RECENT, {"count": 2, "days": 90}]],
                "weight": 2.0,
            },
        ]
        user = user if user is not None else partner.user_id
        return scoring_row(
            partner,
            level,
            score,
            reasons,
            user_id=user.id or None,
            tier_id=tier.id if tier else None,
            stage=stage,
            last_order_date=self.today - timedelta(days=days),
        )

    def sync(self, rows, as_of=None, company=None):
        return self.Warning._sync_scores(company or self.company, as_of or self.today, rows)

    def sync_queries(self, rows, counter, count):
        """The queries of one sync of `rows` from a flushed, empty cache, which must report
        `count` warnings under `counter` ("created", "updated")."""
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        self.assertEqual(self.sync(rows)[counter], count)
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def warnings_of(self, partner, company=None):
        return self.Warning.search(
            [("partner_id", "=", partner.id), ("company_id", "=", (company or self.company).id)],
            order="id",
        )

    def activities_of(self, warnings):
        return self.Activity.search(
            [("res_model", "=", "crm.churn.warning"), ("res_id", "in", warnings.ids)],
            order="id",
        )

    def offer_mails(self, partner):
        return self.env["mail.mail"].search(
            [("model", "=", "crm.churn.warning"), ("recipient_ids", "in", partner.ids)]
        )


class TestChurnWarning(WarningCase):
    def test_warning_at_or_above_level_only(self):
        customers = {
            level: self.make_customer(f"Level {level}", user=self.salesperson)
            for level in (LEVEL_NONE, LEVEL_LOW, LEVEL_MEDIUM, LEVEL_HIGH)
        }
        scores = {LEVEL_NONE: 5.0, LEVEL_LOW: 25.0, LEVEL_MEDIUM: 45.5, LEVEL_HIGH: 72.0}
        result = self.sync(
            [self.make_row(customers[level], level, scores[level]) for level in customers]
        )
        self.assertEqual(result, {"created": 2, "escalated": 0, "updated": 0})
        warnings = self.Warning.search([("company_id", "=", self.company.id)], order="score")
        self.assertEqual(warnings.partner_id, customers[LEVEL_MEDIUM] | customers[LEVEL_HIGH])
        medium = warnings[0]
        self.assertRecordValues(
            medium,
            [
                {
                    "kind": KIND_RISK,
                    "level": LEVEL_MEDIUM,
                    "max_level": LEVEL_MEDIUM,
                    "score": 45.5,
                    "state": STATE_NEW,
                    "date": self.today,
                    "user_id": self.salesperson.id,
                    "team_id": self.team.id,
                    "escalation_count": 0,
                }
            ],
        )
        self.assertTrue(medium.name.startswith("CHW/"))
        # the chatter: a message of the "raised" subtype, with the figures as tracked values
        raised = medium.message_ids
        self.assertEqual(
            raised.subtype_id, self.env.ref("crm_churn_warning.mt_crm_churn_warning_raised")
        )
        [tracked] = logged_events(medium, "crm_churn_warning.mt_crm_churn_warning_raised")
        self.assertEqual(
            {name: new for name, (_old, new) in tracked.items()},
            {"kind": "Churn risk", "level": "Medium", "score": 45.5},
        )
        self.assertNotEqual(warnings[0].name, warnings[1].name)
        # the reasons are stored as codes with their figures, written in words when read
        self.assertEqual(medium.line_ids.mapped("code"), [SIGNAL_OVERDUE, SIGNAL_COMPLAINTS])
        self.assertEqual(
            medium.line_ids.mapped("details"),
            [
                [[REASON_OVERDUE, {"days": 90, "interval": 30.0}]],
                [[REASON_COMPLAINTS_RECENT, {"count": 2, "days": 90}]],
            ],
        )
        self.assertEqual(
            medium.reason_data,
            [
                [SIGNAL_OVERDUE, [[REASON_OVERDUE, {"days": 90, "interval": 30.0}]]],
                [SIGNAL_COMPLAINTS, [[REASON_COMPLAINTS_RECENT, {"count": 2, "days": 90}]]],
            ],
        )
        self.assertEqual(
            medium.line_ids.mapped("text"),
            [
                "No order for 90 days; usual interval 30 days",
                "Complaints in the last 90 days: 2",
            ],
        )
        self.assertEqual(medium.line_ids[0].signal_id, self.signal_overdue)
        self.assertEqual(medium.line_ids[0].value, 90.0)
        self.assertEqual(
            medium.reason_text,
            "No order for 90 days; usual interval 30 days\nComplaints in the last 90 days: 2",
        )

        # a company warning from high only leaves a new medium customer alone
        self.company.crm_churn_warning_level = LEVEL_HIGH
        late = self.make_customer("Late medium", user=self.salesperson)
        self.assertEqual(self.sync([self.make_row(late, LEVEL_MEDIUM, 50.0)])["created"], 0)
        self.assertFalse(self.warnings_of(late))

    def test_same_rows_twice_create_nothing(self):
        vip = self.make_customer("Twice VIP", user=self.salesperson)
        churned = self.make_customer("Twice Churned", user=self.salesperson)
        rows = [
            self.make_row(vip, LEVEL_HIGH, 80.0, tier=self.tier_vip),
            self.make_row(churned, LEVEL_HIGH, 75.0, stage="churned", days=400),
        ]
        first = self.sync(rows)
        self.assertEqual(first, {"created": 2, "escalated": 0, "updated": 0})
        warnings = self.warnings_of(vip) | self.warnings_of(churned)
        activities = self.activities_of(warnings)
        messages = warnings.message_ids
        self.assertEqual(len(activities), 2)
        self.assertEqual(len(self.offer_mails(churned)), 1)

        second = self.sync(rows)
        self.assertEqual(second, {"created": 0, "escalated": 0, "updated": 0})
        self.assertEqual(self.warnings_of(vip) | self.warnings_of(churned), warnings)
        self.assertEqual(self.activities_of(warnings), activities)
        self.assertEqual(len(self.offer_mails(churned)), 1)
        self.assertEqual(warnings.message_ids, messages)

    def test_batch_cut_short_runs_again_cleanly(self):
        """Everything a batch does is in its transaction: a batch that fails half-way leaves
        nothing behind, and running it again raises each warning, activity and e-mail once."""
        churned = self.make_customer("Crashing", user=self.salesperson)
        rows = [self.make_row(churned, LEVEL_HIGH, 75.0, stage="churned", days=400)]
        Playbook = type(self.env["crm.churn.playbook"])
        with (
            patch.object(Playbook, "_apply_playbooks", side_effect=RuntimeError("cut")),
            self.assertRaises(RuntimeError),
            self.env.cr.savepoint(),
        ):
            self.sync(rows)
        self.env.invalidate_all()
        self.assertFalse(self.warnings_of(churned))
        self.assertEqual(self.sync(rows)["created"], 1)
        self.assertEqual(self.sync(rows)["created"], 0)
        warning = self.warnings_of(churned)
        self.assertEqual(len(warning), 1)
        self.assertEqual(len(self.activities_of(warning)), 1)
        self.assertEqual(len(self.offer_mails(churned)), 1)

    def test_escalation_once_per_level(self):
        vip = self.make_customer("Escalating VIP", user=self.salesperson)
        self.sync([self.make_row(vip, LEVEL_MEDIUM, 45.0, tier=self.tier_vip)])
        warning = self.warnings_of(vip)
        self.assertEqual(self.activities_of(warning).activity_type_id, self.todo)

        # medium -> high: escalated, the VIP playbook runs
        result = self.sync([self.make_row(vip, LEVEL_HIGH, 65.0, tier=self.tier_vip, days=120)])
        self.assertEqual(result, {"created": 0, "escalated": 1, "updated": 0})
        self.assertEqual(self.warnings_of(vip), warning)
        self.assertRecordValues(
            warning,
            [
                {
                    "level": LEVEL_HIGH,
                    "max_level": LEVEL_HIGH,
                    "score": 65.0,
                    "escalation_count": 1,
                    "last_escalation_date": self.today,
                }
            ],
        )
        self.assertIn("No order for 120 days", warning.reason_text)
        self.assertEqual(len(warning.line_ids), 2)
        # the chatter says it in each reader's words: the subtype, the levels and the scores
        # as tracked values
        rose = logged_events(warning, "crm_churn_warning.mt_crm_churn_warning_escalated")
        self.assertEqual(len(rose), 1)
        self.assertEqual(rose[0]["level"], ("Medium", "High"))
        self.assertEqual(rose[0]["score"], (45.0, 65.0))
        activities = self.activities_of(warning)
        self.assertEqual(activities.activity_type_id, self.todo | self.call)

        # down to medium: refreshed quietly, no activity, no message
        messages = warning.message_ids
        result = self.sync([self.make_row(vip, LEVEL_MEDIUM, 50.0, tier=self.tier_vip)])
        self.assertEqual(result, {"created": 0, "escalated": 0, "updated": 1})
        self.assertEqual(
            (warning.level, warning.score, warning.max_level), ("medium", 50.0, "high")
        )
        self.assertEqual(warning.message_ids, messages)
        # back to high: the level was reached before, no second escalation
        result = self.sync([self.make_row(vip, LEVEL_HIGH, 70.0, tier=self.tier_vip)])
        self.assertEqual(result, {"created": 0, "escalated": 0, "updated": 1})
        self.assertEqual(warning.escalation_count, 1)
        self.assertEqual(self.activities_of(warning), activities)
        self.assertEqual(warning.message_ids, messages)

    def test_refresh_updates_the_reason_lines_in_place(self):
        """A quiet refresh gives the reason lines their new figures: the line of a signal still
        found is kept and rewritten, the line of a signal no longer found is deleted, a new
        signal gets a new line; refreshing six warnings takes as many queries as two."""
        customer = self.make_customer("Refreshed", user=self.salesperson)
        self.sync([self.make_row(customer, LEVEL_MEDIUM, 45.0, days=90)])
        warning = self.warnings_of(customer)
        overdue, complaints = warning.line_ids
        self.assertEqual((overdue.code, overdue.value), (SIGNAL_OVERDUE, 90.0))

        row = self.make_row(customer, LEVEL_MEDIUM, 48.0, days=91)
        self.assertEqual(self.sync([row]), {"created": 0, "escalated": 0, "updated": 1})
        self.assertEqual(warning.line_ids, overdue | complaints)
        self.assertEqual(overdue.value, 91.0)
        self.assertEqual(overdue.details, [[REASON_OVERDUE, {"days": 91, "interval": 30.0}]])
        self.assertIn("No order for 91 days", warning.reason_text)

        row = self.make_row(customer, LEVEL_MEDIUM, 40.0, days=92)
        row["reasons"] = row["reasons"][:1]
        row["reason_data"] = row["reason_data"][:1]
        self.assertEqual(self.sync([row])["updated"], 1)
        self.assertEqual(warning.line_ids, overdue)
        self.assertFalse(complaints.exists())
        self.assertEqual(overdue.value, 92.0)

        self.assertEqual(
            self.sync([self.make_row(customer, LEVEL_MEDIUM, 45.0, days=93)])["updated"], 1
        )
        self.assertEqual(len(warning.line_ids), 2)
        self.assertIn(overdue, warning.line_ids)
        self.assertEqual(warning.line_ids.mapped("code"), [SIGNAL_OVERDUE, SIGNAL_COMPLAINTS])

        def queries(count, prefix):
            customers = [
                self.make_customer(f"{prefix} {n}", user=self.salesperson) for n in range(count)
            ]
            self.sync([self.make_row(c, LEVEL_MEDIUM, 45.0, days=90) for c in customers])
            rows = [self.make_row(c, LEVEL_MEDIUM, 46.0, days=91) for c in customers]
            return self.sync_queries(rows, "updated", count)

        self.company.crm_churn_warning_capacity = 0  # the new warnings of the batches below
        queries(2, "Warm-up refresh")
        self.assertEqual(queries(6, "Many refreshed"), queries(2, "Few refreshed"))

    def test_dismissed_customer_snoozed_until_date(self):
        customer = self.make_customer("Snoozed", user=self.salesperson)
        self.sync([self.make_row(customer, LEVEL_HIGH, 70.0)])
        warning = self.warnings_of(customer)
        warning.snooze_until = self.today + timedelta(days=10)
        warning.with_user(self.salesperson).action_dismiss()
        self.assertEqual(warning.state, STATE_DISMISSED)
        self.assertFalse(self.activities_of(warning))

        row = self.make_row(customer, LEVEL_HIGH, 70.0)
        for days in (0, 5, 9):
            as_of = self.today + timedelta(days=days)
            self.assertEqual(self.sync([row], as_of=as_of)["created"], 0)
        self.assertEqual(self.warnings_of(customer), warning)
        self.assertEqual(self.sync([row], as_of=self.today + timedelta(days=10))["created"], 1)
        new = self.warnings_of(customer) - warning
        self.assertEqual(new.state, STATE_NEW)
        self.assertEqual(new.date, self.today + timedelta(days=10))

    def test_dismiss_default_snooze(self):
        customer = self.make_customer("Default snooze", user=self.salesperson)
        self.sync([self.make_row(customer, LEVEL_MEDIUM, 45.0)])
        warning = self.warnings_of(customer)
        action = warning.action_open_dismiss()
        self.assertEqual(action["res_id"], warning.id)
        self.assertEqual(action["target"], "new")
        warning.action_dismiss()
        self.assertEqual(warning.snooze_until, self.today + timedelta(days=30))
        self.assertEqual(warning.outcome_date, self.today)
        with self.assertRaisesRegex(UserError, "not open any more: " + warning.name):
            warning.action_dismiss()
        # the snooze date cannot lie in the past
        other = self.make_customer("Past snooze", user=self.salesperson)
        self.sync([self.make_row(other, LEVEL_MEDIUM, 45.0)])
        past = self.warnings_of(other)
        past.snooze_until = self.today - timedelta(days=1)
        with self.assertRaisesRegex(UserError, f"snooze date of {past.name} lies in the past"):
            past.action_dismiss()

    def test_vip_high_call_tomorrow_and_manager_notified(self):
        vip = self.make_customer("VIP High", user=self.salesperson)
        self.sync([self.make_row(vip, LEVEL_HIGH, 82.0, tier=self.tier_vip)])
        warning = self.warnings_of(vip)
        self.assertEqual(
            warning.playbook_id, self.env.ref("crm_churn_warning.crm_churn_playbook_vip_high")
        )
        activity = self.activities_of(warning)
        self.assertRecordValues(
            activity,
            [
                {
                    "activity_type_id": self.call.id,
                    "user_id": self.salesperson.id,
                    "date_deadline": self.today + timedelta(days=1),
                    "summary": False,
                    "automated": True,
                }
            ],
        )
        self.assertEqual(activity.res_name, warning.name)
        # the salesperson follows the warning of their activity
        self.assertIn(self.salesperson.partner_id, warning.message_partner_ids)
        # the warning's chatter says that the managers know
        self.assertEqual(
            warning.message_ids.subtype_id
            & self.env.ref("crm_churn_warning.mt_crm_churn_warning_managers_notified"),
            self.env.ref("crm_churn_warning.mt_crm_churn_warning_managers_notified"),
        )
        # the company's churn managers (only them) get one message listing the warning
        digest = self.manager_messages()
        self.assertEqual(len(digest), 1)
        self.assertIn(
            "High churn risk for VIP High (VIP): Retention Call for warn_sales", digest.preview
        )
        self.assertIn(f'data-oe-id="{warning.id}"', digest.body)
        self.assertEqual(
            self.env["mail.notification"]
            .search([("mail_message_id", "=", digest.id)])
            .res_partner_id,
            self.manager.partner_id,
        )
        # no offer e-mail for a risk warning
        self.assertFalse(self.offer_mails(vip))

    def manager_messages(self):
        """Messages sent to the churn managers of both companies."""
        return self.env["mail.message"].search(
            [("partner_ids", "in", (self.manager | self.other_manager).partner_id.ids)]
        )

    def test_managers_notified_once_per_batch(self):
        """Playbooks asking to notify the managers flag their warnings in one message per
        company and batch, with a link to each, rather than one notification per warning."""
        vips = [self.make_customer(f"VIP {n}", user=self.salesperson) for n in range(3)]
        key = self.make_customer("Key Quiet", user=self.salesperson)
        rows = [self.make_row(vip, LEVEL_HIGH, 80.0, tier=self.tier_vip) for vip in vips]
        rows.append(self.make_row(key, LEVEL_MEDIUM, 45.0, tier=self.tier_key))
        self.assertEqual(self.sync(rows)["created"], 4)
        digest = self.manager_messages()
        self.assertEqual(len(digest), 1)
        self.assertIn("(3)", digest.subject)
        for vip in vips:
            warning = self.warnings_of(vip)
            self.assertIn(f'data-oe-id="{warning.id}"', digest.body)
            self.assertIn(f"High churn risk for {vip.name} (VIP)", digest.body)
        self.assertNotIn("Key Quiet", digest.body)
        self.assertEqual(
            self.env["mail.notification"]
            .search([("mail_message_id", "=", digest.id)])
            .res_partner_id,
            self.manager.partner_id,
        )
        # the same rows again flag nothing; an escalation to high flags the warning again
        self.sync(rows)
        self.assertEqual(self.manager_messages(), digest)
        self.sync([self.make_row(key, LEVEL_HIGH, 70.0, tier=self.tier_vip)])
        self.assertEqual(len(self.manager_messages() - digest), 1)
        self.assertIn("Key Quiet", (self.manager_messages() - digest).body)

    def test_key_and_default_playbooks(self):
        key = self.make_customer("Key Medium", user=self.salesperson)
        standard = self.make_customer("Standard Medium", user=self.salesperson)
        vip_medium = self.make_customer("VIP Medium", user=self.salesperson)
        self.sync(
            [
                self.make_row(key, LEVEL_MEDIUM, 45.0, tier=self.tier_key),
                self.make_row(standard, LEVEL_MEDIUM, 45.0, tier=self.tier_standard),
                self.make_row(vip_medium, LEVEL_MEDIUM, 45.0, tier=self.tier_vip),
            ]
        )
        expected = {
            key: (self.call, 3),
            standard: (self.todo, 7),
            vip_medium: (self.todo, 7),
        }
        for partner, (activity_type, days) in expected.items():
            activity = self.activities_of(self.warnings_of(partner))
            self.assertEqual(activity.activity_type_id, activity_type, partner.name)
            self.assertEqual(activity.date_deadline, self.today + timedelta(days=days))
            self.assertEqual(activity.user_id, self.salesperson)
        # nobody notified when the playbook does not ask for it
        warning = self.warnings_of(key)
        self.assertFalse(warning.message_ids.filtered(lambda m: m.partner_ids))

    def test_team_leader_responsible_and_fallbacks(self):
        self.env["crm.churn.playbook"].create(
            {
                "name": "Leader calls",
                "sequence": 1,
                "company_id": self.company.id,
                "tier_ids": [(6, 0, self.tier_key.ids)],
                "min_level": LEVEL_MEDIUM,
                "activity_type_id": self.call.id,
                "deadline_days": 2,
                "responsible": "team_leader",
            }
        )
        with_team = self.make_customer("Leader Key", user=self.salesperson)
        no_salesperson = self.make_customer("Orphan Standard")
        self.sync(
            [
                self.make_row(with_team, LEVEL_MEDIUM, 45.0, tier=self.tier_key),
                self.make_row(no_salesperson, LEVEL_MEDIUM, 45.0, tier=self.tier_standard),
            ]
        )
        leader_activity = self.activities_of(self.warnings_of(with_team))
        self.assertEqual(leader_activity.user_id, self.leader)
        self.assertEqual(leader_activity.date_deadline, self.today + timedelta(days=2))
        # no salesperson and no team: the first churn manager of the company
        orphan = self.warnings_of(no_salesperson)
        self.assertFalse(orphan.user_id)
        self.assertEqual(self.activities_of(orphan).user_id, self.manager)
        # the leader sees the warnings of the team's salespeople
        self.assertEqual(
            self.Warning.with_user(self.leader).search([("company_id", "=", self.company.id)]),
            self.warnings_of(with_team),
        )

    def test_tier_people_get_the_activities_first(self):
        # the VIP tier's account manager, the standard tier's key-account team leader, before
        # the playbook's salesperson or team leader and the churn managers
        account_manager = make_company_user(
            self.env, "warn_account_manager", "sales_team.group_sale_salesman", self.company
        )
        self.tier_vip.with_company(self.company).account_manager_id = account_manager
        key_accounts = self.env["crm.team"].create(
            {"name": "Churn key accounts", "company_id": self.company.id, "user_id": self.leader.id}
        )
        self.tier_standard.with_company(self.company).account_team_id = key_accounts
        vip = self.make_customer("Managed VIP", user=self.salesperson)
        orphan = self.make_customer("Key-account Standard")
        self.sync(
            [
                self.make_row(vip, LEVEL_HIGH, 82.0, tier=self.tier_vip),
                self.make_row(orphan, LEVEL_HIGH, 82.0, tier=self.tier_standard),
            ]
        )
        self.assertEqual(self.activities_of(self.warnings_of(vip)).user_id, account_manager)
        self.assertEqual(self.activities_of(self.warnings_of(orphan)).user_id, self.leader)
        # an archived account manager: the playbook's routing again
        account_manager.active = False
        other = self.make_customer("Unmanaged VIP", user=self.salesperson)
        self.sync([self.make_row(other, LEVEL_HIGH, 82.0, tier=self.tier_vip)])
        self.assertEqual(self.activities_of(self.warnings_of(other)).user_id, self.salesperson)

    def test_win_back_offer_sent_once(self):
        churned = self.make_customer("Churned Customer", user=self.salesperson)
        row = self.make_row(churned, LEVEL_MEDIUM, 55.0, stage="churned", days=300)
        self.sync([row])
        warning = self.warnings_of(churned)
        self.assertEqual(warning.kind, KIND_WIN_BACK)
        self.assertEqual(
            warning.playbook_id, self.env.ref("crm_churn_warning.crm_churn_playbook_win_back")
        )
        activity = self.activities_of(warning)
        self.assertEqual(activity.activity_type_id, self.email)
        self.assertEqual(activity.date_deadline, self.today + timedelta(days=7))
        mail = self.offer_mails(churned)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.subject, "We miss you, Churned Customer")
        self.assertEqual(warning.offer_sent_date, self.today)
        # an escalation runs the playbook again (new activity) but never resends the offer
        row_high = self.make_row(churned, LEVEL_HIGH, 70.0, stage="churned", days=310)
        self.assertEqual(self.sync([row_high])["escalated"], 1)
        self.assertEqual(len(self.activities_of(warning)), 2)
        self.assertEqual(self.offer_mails(churned), mail)

    def test_risk_customer_churning_gets_win_back(self):
        customer = self.make_customer("Turning", user=self.salesperson)
        self.sync([self.make_row(customer, LEVEL_MEDIUM, 45.0)])
        risk = self.warnings_of(customer)
        self.assertEqual(self.activities_of(risk).activity_type_id, self.todo)
        result = self.sync([self.make_row(customer, LEVEL_HIGH, 75.0, stage="churned", days=200)])
        self.assertEqual(result, {"created": 1, "escalated": 0, "updated": 0})
        self.assertEqual(risk.state, STATE_LOST)
        self.assertFalse(self.activities_of(risk))
        win_back = self.warnings_of(customer) - risk
        self.assertEqual((win_back.kind, win_back.state), (KIND_WIN_BACK, STATE_NEW))
        # a win-back lost after its horizon is not retried while the customer stays churned
        win_back.action_lose()
        row = self.make_row(customer, LEVEL_HIGH, 75.0, stage="churned", days=400)
        self.assertEqual(self.sync([row])["created"], 0)

    def test_done_activity_starts_warning(self):
        customer = self.make_customer("Called", user=self.salesperson)
        self.sync([self.make_row(customer, LEVEL_HIGH, 70.0, tier=self.tier_vip)])
        warning = self.warnings_of(customer)
        activity = self.activities_of(warning)
        activity.with_user(self.salesperson).action_feedback(feedback="Customer will order")
        self.assertEqual(warning.state, STATE_IN_PROGRESS)
        self.assertFalse(self.activities_of(warning))

    def test_reopen(self):
        customer = self.make_customer("Reopened", user=self.salesperson)
        self.sync([self.make_row(customer, LEVEL_MEDIUM, 45.0)])
        first = self.warnings_of(customer)
        first.action_lose()
        self.assertEqual(first.state, STATE_LOST)
        first.action_reopen()
        self.assertEqual((first.state, first.outcome_date), (STATE_NEW, False))
        first.action_dismiss()
        # a new warning after the snooze; the dismissed one cannot be reopened beside it
        self.sync([self.make_row(customer, LEVEL_MEDIUM, 45.0)], as_of=self.today + timedelta(40))
        self.assertEqual(len(self.warnings_of(customer)), 2)
        with self.assertRaisesRegex(UserError, "Reopened already has an open churn warning"):
            first.action_reopen()

    def test_access_by_group_and_company(self):
        mine = self.make_customer("Mine", user=self.salesperson)
        assigned = self.make_customer("Assigned to me", user=self.salesperson_2)
        theirs = self.make_customer("Theirs", user=self.salesperson_2)
        abroad = self.make_customer("Abroad", user=self.salesperson)
        self.sync(
            [
                self.make_row(mine, LEVEL_HIGH, 70.0),
                self.make_row(assigned, LEVEL_HIGH, 70.0),
                self.make_row(theirs, LEVEL_HIGH, 70.0),
            ]
        )
        self.sync([self.make_row(abroad, LEVEL_HIGH, 70.0)], company=self.other_company)
        self.warnings_of(assigned).user_id = self.salesperson
        ours = self.Warning.search([("company_id", "=", self.company.id)])
        own = self.warnings_of(mine) | self.warnings_of(assigned)

        self.assertEqual(self.Warning.with_user(self.salesperson).search([]), own)
        self.assertEqual(
            self.env["crm.churn.warning.line"].with_user(self.salesperson).search([]),
            own.line_ids,
        )
        # the customer's salesperson keeps seeing a warning assigned to someone else
        self.assertEqual(
            self.Warning.with_user(self.salesperson_2).search([]),
            self.warnings_of(theirs) | self.warnings_of(assigned),
        )
        self.assertEqual(self.Warning.with_user(self.manager).search([]), ours)
        self.assertEqual(
            self.Warning.with_user(self.other_manager).search([]),
            self.warnings_of(abroad, self.other_company),
        )
        # users work their warnings but neither create nor delete them
        self.warnings_of(mine).with_user(self.salesperson).action_start()
        self.assertEqual(self.warnings_of(mine).state, STATE_IN_PROGRESS)
        with self.assertRaises(AccessError):
            self.warnings_of(theirs).with_user(self.salesperson).read(["score"])
        with self.assertRaises(AccessError):
            self.Warning.with_user(self.salesperson).create(
                {"partner_id": mine.id, "level": LEVEL_HIGH, "company_id": self.company.id}
            )
        with self.assertRaises(AccessError):
            self.warnings_of(mine).with_user(self.salesperson).unlink()
        # playbooks: read by users, configured by managers
        playbook = self.env.ref("crm_churn_warning.crm_churn_playbook_default")
        self.assertEqual(playbook.with_user(self.salesperson).deadline_days, 7)
        with self.assertRaises(AccessError):
            playbook.with_user(self.salesperson).write({"deadline_days": 5})
        playbook.with_user(self.manager).write({"deadline_days": 5})
        self.assertEqual(playbook.deadline_days, 5)

    def test_partner_warning_count(self):
        """The partner's smart button counts the warnings of the customer in the current
        company, contacts included, with one query for any number of partners."""
        customer = self.make_customer("Counted", user=self.salesperson)
        contact = self.env["res.partner"].create(
            {"name": "Counted Contact", "parent_id": customer.id}
        )
        quiet = self.make_customer("Never Warned", user=self.salesperson)
        self.sync([self.make_row(customer, LEVEL_MEDIUM, 45.0)])
        self.warnings_of(customer).action_lose()
        self.sync([self.make_row(customer, LEVEL_HIGH, 70.0)])
        self.sync([self.make_row(customer, LEVEL_HIGH, 70.0)], company=self.other_company)
        partners = (customer | contact | quiet).with_company(self.company)
        partners.invalidate_recordset(["crm_churn_warning_count"])
        partners.mapped("commercial_partner_id")
        self.env.flush_all()
        with self.assertQueryCount(1):
            counts = partners.mapped("crm_churn_warning_count")
        self.assertEqual(counts, [2, 2, 0])
        self.assertEqual(customer.with_company(self.other_company).crm_churn_warning_count, 1)
        # a salesperson counts the warnings they see
        self.assertEqual(
            customer.with_user(self.salesperson_2)
            .with_company(self.company)
            .crm_churn_warning_count,
            0,
        )

    def test_views_and_dismiss_dialog(self):
        views = self.Warning.get_views(
            [(False, mode) for mode in ("kanban", "list", "form", "search", "pivot", "graph")]
        )
        self.assertEqual(
            set(views["views"]), {"kanban", "list", "form", "search", "pivot", "graph"}
        )
        partner_form = self.env["res.partner"].get_views([(False, "form")])
        self.assertIn("fa-heartbeat", partner_form["views"]["form"]["arch"])
        customer = self.make_customer("Dialog", user=self.salesperson)
        self.sync([self.make_row(customer, LEVEL_MEDIUM, 45.0)])
        warning = self.warnings_of(customer).with_user(self.salesperson)
        with Form(warning, view="crm_churn_warning.crm_churn_warning_view_form_dismiss") as dialog:
            self.assertEqual(dialog.snooze_default_date, str(self.today + timedelta(days=30)))
            dialog.snooze_until = self.today + timedelta(days=5)
            dialog.outcome_note = "Seasonal customer"
        warning.action_dismiss()
        self.assertRecordValues(
            warning,
            [
                {
                    "state": STATE_DISMISSED,
                    "snooze_until": self.today + timedelta(days=5),
                    "outcome_note": "Seasonal customer",
                }
            ],
        )
        with Form(warning) as form:
            self.assertEqual(form.state, STATE_DISMISSED)

    def test_night_activities_mail_nobody(self):
        """A night's warnings schedule their activities without an "assigned to you" e-mail
        per activity: the salesperson follows the warnings and finds the activities in the
        activity menu. Each warning's chatter holds one internal note of the scoring."""
        customers = [self.make_customer(f"Quiet {n}", user=self.salesperson) for n in range(3)]
        mails = self.env["mail.mail"].search_count([])
        notified = self.env["mail.notification"].search_count(
            [("res_partner_id", "=", self.salesperson.partner_id.id)]
        )
        rows = [self.make_row(c, LEVEL_MEDIUM, 45.0, tier=self.tier_standard) for c in customers]
        self.assertEqual(self.sync(rows)["created"], 3)
        warnings = self.Warning.search([("partner_id", "in", [c.id for c in customers])])
        activities = self.activities_of(warnings)
        self.assertEqual(len(activities), 3)
        self.assertEqual(set(activities.mapped("automated")), {True})
        self.assertEqual(activities.user_id, self.salesperson)
        self.assertEqual(sorted(activities.mapped("res_name")), sorted(warnings.mapped("name")))
        self.assertEqual(self.env["mail.mail"].search_count([]), mails)
        self.assertEqual(
            self.env["mail.notification"].search_count(
                [("res_partner_id", "=", self.salesperson.partner_id.id)]
            ),
            notified,
        )
        raised = self.env.ref("crm_churn_warning.mt_crm_churn_warning_raised")
        for warning in warnings:
            self.assertIn(self.salesperson.partner_id, warning.message_partner_ids)
            self.assertRecordValues(
                warning.message_ids,
                [
                    {
                        "subtype_id": raised.id,
                        "message_type": "notification",
                        "is_internal": True,
                        "author_id": self.env.user.partner_id.id,
                        "partner_ids": [],
                    }
                ],
            )

    def test_night_queries_do_not_grow_with_the_warnings(self):
        """Warnings, reasons, notes, activities and followers are created set-wise: six new
        warnings take as many queries as two, but for the reference each draws from the
        sequence."""

        def queries(count, prefix):
            customers = [
                self.make_customer(f"{prefix} {n}", user=self.salesperson) for n in range(count)
            ]
            rows = [self.make_row(c, LEVEL_MEDIUM, 45.0, tier=self.tier_key) for c in customers]
            return self.sync_queries(rows, "created", count)

        queries(2, "Warm-up")
        self.assertEqual(queries(6, "Many") - queries(2, "Few"), 4)
