from datetime import date, datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.crm_lifecycle_tiering.models import lifecycle_data as lifecycle
from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase
from odoo.addons.crm_satisfaction.models.followup_data import FOLLOWUP_ACTIVITY_TYPE_XMLID


@tagged("post_install", "-at_install")
class TestFollowup(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Follow-up Test Co"})
        cls.today = cls.crm_today(cls.company)
        cls.company_2 = cls.env["res.company"].create(
            {"name": "Follow-up Other Co", "crm_followup_first_days": 14}
        )
        # both companies have served their customers since before their first purchases (the
        # oldest 500 days ago): every first follow-up follows the first purchase
        (cls.company | cls.company_2).crm_start_date = cls.today - timedelta(days=1000)
        cls.env.user.company_ids |= cls.company | cls.company_2
        companies = cls.company | cls.company_2
        group = "crm_satisfaction.crm_satisfaction_group_"
        cls.salesperson, cls.other_salesperson, cls.manager = (
            new_test_user(
                cls.env,
                login=login,
                groups=f"sales_team.group_sale_salesman,{group}{role}",
                company_id=cls.company.id,
                company_ids=companies.ids,
                tz="UTC",
            )
            for login, role in (
                ("fu_salesperson", "user"),
                ("fu_other_salesperson", "user"),
                ("fu_manager", "manager"),
            )
        )
        cls.tier_vip = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        cls.tier_key = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_key")
        cls.tier_standard = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_standard")
        cls.tier_zero = cls.env["crm.customer.tier"].create(
            {
                "name": "No Visits",
                "code": "fu_no_visits",
                "company_id": cls.company.id,
                "followup_interval_days": 0,
            }
        )
        cls.activity_type = cls.env.ref(FOLLOWUP_ACTIVITY_TYPE_XMLID)
        cls.Followup = cls.env["crm.followup"]
        day = cls.today
        # name: (stage, tier, days since first purchase, salesperson)
        cls.new_customer = cls.make_customer(
            "New", lifecycle.STAGE_FIRST_PURCHASE, cls.tier_standard, 3
        )
        cls.boundary = cls.make_customer(
            "Boundary", lifecycle.STAGE_FIRST_PURCHASE, cls.tier_standard, 0
        )
        cls.vip = cls.make_customer("Vip", lifecycle.STAGE_LOYAL, cls.tier_vip, 400)
        cls.key = cls.make_customer("Key", lifecycle.STAGE_REPEAT, cls.tier_key, 100)
        cls.standard = cls.make_customer("Standard", lifecycle.STAGE_LOYAL, cls.tier_standard, 300)
        cls.later = cls.make_customer("Later", lifecycle.STAGE_REPEAT, cls.tier_standard, 400)
        cls.prospect = cls.make_customer("Prospect", lifecycle.STAGE_PROSPECT, False, None)
        cls.churned = cls.make_customer("Churned", lifecycle.STAGE_CHURNED, cls.tier_standard, 500)
        cls.zero = cls.make_customer("Zero", lifecycle.STAGE_REPEAT, cls.tier_zero, 50)
        cls.no_salesperson = cls.make_customer(
            "No Salesperson", lifecycle.STAGE_REPEAT, cls.tier_standard, 30, user=False
        )
        cls.partners = (
            cls.new_customer
            | cls.boundary
            | cls.vip
            | cls.key
            | cls.standard
            | cls.later
            | cls.prospect
            | cls.churned
            | cls.zero
            | cls.no_salesperson
        )
        # the VIP is also a customer of the other company, bought there 20 days ago
        cls.vip.with_company(cls.company_2).write(
            {
                "crm_lifecycle_stage": lifecycle.STAGE_LOYAL,
                "crm_tier_id": cls.tier_vip.id,
                "crm_first_order_date": day - timedelta(days=20),
            }
        )
        # follow-ups done before: the standard customer 10 days ago, the later one 170 days ago
        cls.Followup.create(
            [
                {
                    "partner_id": cls.standard.id,
                    "company_id": cls.company.id,
                    "date": day - timedelta(days=10),
                    "user_id": cls.salesperson.id,
                },
                {
                    "partner_id": cls.later.id,
                    "company_id": cls.company.id,
                    "date": day - timedelta(days=170),
                    "user_id": cls.other_salesperson.id,
                },
            ]
        )

    @classmethod
    def make_customer(cls, name, stage, tier, days_since_first, user=None):
        partner = cls.env["res.partner"].create(
            {
                "name": f"Follow-up {name}",
                "is_company": True,
                "user_id": cls.salesperson.id if user is None else user,
            }
        )
        partner.with_company(cls.company).write(
            {
                "crm_lifecycle_stage": stage,
                "crm_tier_id": tier and tier.id,
                "crm_first_order_date": days_since_first is not None
                and cls.today - timedelta(days=days_since_first),
            }
        )
        return partner

    def schedule(self, company=None):
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=60.0):
            return self.Followup._schedule_followups(
                company or self.company, today=self.today, commit=True
            )

    def next_date(self, partner, company=None):
        partner.invalidate_recordset()
        return partner.with_company(company or self.company).crm_followup_next_date

    def followup_activities(self, company=None):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", self.partners.ids),
                ("activity_type_id", "=", self.activity_type.id),
                ("crm_followup_company_id", "=", (company or self.company).id),
            ]
        )

    def in_days(self, days):
        return self.today + timedelta(days=days)

    def unhappy_activities(self, partner):
        unhappy_type = self.env.ref("crm_satisfaction.mail_activity_type_unhappy_customer")
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("activity_type_id", "=", unhappy_type.id),
            ]
        )

    # ------------------------------------------------------------------ configuration
    def test_shipped_configuration(self):
        self.assertEqual(
            (
                self.tier_vip.followup_interval_days,
                self.tier_key.followup_interval_days,
                self.tier_standard.followup_interval_days,
            ),
            (30, 90, 180),
        )
        self.assertEqual(self.company.crm_followup_first_days, 7)
        self.assertEqual(self.company.crm_followup_horizon_days, 7)
        self.assertEqual(self.activity_type.res_model, "res.partner")
        self.assertEqual(self.activity_type.category, "default")
        self.assertTrue(self.activity_type.icon)

    def test_negative_interval_refused(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.tier_zero.followup_interval_days = -1
            self.tier_zero.flush_recordset()

    # ------------------------------------------------------------------ next dates
    def test_next_dates(self):
        self.Followup._update_next_dates(self.company)
        expected = {
            # first follow-up: first purchase + 7 days
            self.new_customer: self.in_days(-3 + 7),
            self.boundary: self.in_days(7),
            self.vip: self.in_days(-400 + 7),
            self.key: self.in_days(-100 + 7),
            self.no_salesperson: self.in_days(-30 + 7),
            # then last follow-up + the tier's interval (Standard: 180 days)
            self.standard: self.in_days(-10 + 180),
            self.later: self.in_days(-170 + 180),
            # none for prospects, churned customers and tiers without regular follow-up
            self.prospect: False,
            self.churned: False,
            self.zero: False,
        }
        self.assertEqual({p: self.next_date(p) for p in expected}, expected)
        self.assertEqual(
            self.standard.with_company(self.company).crm_followup_last_date, self.in_days(-10)
        )
        # the other company: its own first follow-up delay (14 days), other partners untouched
        self.Followup._update_next_dates(self.company_2)
        self.assertEqual(self.next_date(self.vip, self.company_2), self.in_days(-20 + 14))
        self.assertFalse(self.next_date(self.new_customer, self.company_2))
        # a second pass writes nothing
        self.env.cr.execute(self.Followup._get_next_date_changes_query(self.company))
        self.assertEqual(self.env.cr.fetchall(), [])

    def test_tier_intervals(self):
        for tier, interval in ((self.tier_vip, 30), (self.tier_key, 90), (self.tier_standard, 180)):
            self.key.with_company(self.company).crm_tier_id = tier
            self.Followup.create(
                {"partner_id": self.key.id, "company_id": self.company.id, "date": self.today}
            )
            self.assertEqual(self.next_date(self.key), self.in_days(interval), tier.name)

    def test_stage_and_interval_changes_clear_the_date(self):
        self.Followup._update_next_dates(self.company)
        self.assertEqual(self.next_date(self.vip), self.in_days(-393))
        self.vip.with_company(self.company).crm_lifecycle_stage = lifecycle.STAGE_CHURNED
        self.key.with_company(self.company).crm_tier_id = self.tier_zero
        self.Followup._update_next_dates(self.company)
        self.assertFalse(self.next_date(self.vip))
        self.assertFalse(self.next_date(self.key))
        # the other company's date of the VIP is its own
        self.Followup._update_next_dates(self.company_2)
        self.assertEqual(self.next_date(self.vip, self.company_2), self.in_days(-6))

    # ------------------------------------------------------------------ scheduling
    def test_schedule_one_activity_per_due_customer(self):
        result = self.schedule()
        self.assertEqual(result, {"done": True, "created": 4, "skipped": 1})
        activities = self.followup_activities()
        self.assertEqual(
            {a.res_id: (a.user_id, a.date_deadline) for a in activities},
            {
                self.new_customer.id: (self.salesperson, self.in_days(4)),
                self.boundary.id: (self.salesperson, self.in_days(7)),
                self.vip.id: (self.salesperson, self.in_days(-393)),
                self.key.id: (self.salesperson, self.in_days(-93)),
            },
        )
        # no stored summary: each reader sees the activity type's name in their own language
        self.assertEqual(set(activities.mapped("summary")), {False})
        self.assertEqual(activities.activity_type_id, self.activity_type)
        # running again creates nothing; the partner without salesperson is still counted
        self.assertEqual(self.schedule(), {"done": True, "created": 0, "skipped": 1})
        self.assertEqual(len(self.followup_activities()), 4)

    def test_tier_people_get_the_followups_first(self):
        # the VIP tier's account manager, the standard tier's key-account team leader, before
        # the customers' salesperson; a customer without a salesperson gets one that way
        self.tier_vip.with_company(self.company).account_manager_id = self.manager
        key_accounts = self.env["crm.team"].create(
            {
                "name": "Follow-up key accounts",
                "company_id": self.company.id,
                "user_id": self.other_salesperson.id,
            }
        )
        self.tier_standard.with_company(self.company).account_team_id = key_accounts
        self.assertEqual(self.schedule(), {"done": True, "created": 5, "skipped": 0})
        self.assertEqual(
            {a.res_id: a.user_id for a in self.followup_activities()},
            {
                self.new_customer.id: self.other_salesperson,
                self.boundary.id: self.other_salesperson,
                self.vip.id: self.manager,
                self.key.id: self.salesperson,
                self.no_salesperson.id: self.other_salesperson,
            },
        )

    def test_schedule_resumes_after_a_cut(self):
        calls = []

        def out_of_time_after_first_batch(*args, **kwargs):
            calls.append(kwargs.get("remaining"))
            return 0.0 if len(calls) == 1 else 60.0

        Cron = type(self.env["ir.cron"])
        self.Followup._update_next_dates(self.company)
        with (
            patch("odoo.addons.crm_satisfaction.models.crm_followup.FOLLOWUP_BATCH_SIZE", 3),
            patch.object(Cron, "_commit_progress", side_effect=out_of_time_after_first_batch),
        ):
            first = self.Followup._schedule_followups(self.company, today=self.today, commit=True)
            self.assertEqual(first, {"done": False, "created": 3, "skipped": 1})
            second = self.Followup._schedule_followups(self.company, today=self.today, commit=True)
            self.assertEqual(second, {"done": True, "created": 1, "skipped": 1})
        self.assertEqual(len(self.followup_activities()), 4)

    def test_cron_entry_point(self):
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=60.0):
            self.Followup._cron_schedule_followups()
            self.assertEqual(len(self.followup_activities()), 4)
            self.assertEqual(len(self.followup_activities(self.company_2)), 1)
            self.Followup._cron_schedule_followups()
        self.assertEqual(len(self.followup_activities()), 4)
        self.assertEqual(len(self.followup_activities(self.company_2)), 1)

    def test_company_isolation(self):
        self.schedule()
        # the VIP's open activity in the first company does not block the other one's
        result = self.schedule(self.company_2)
        self.assertEqual(result, {"done": True, "created": 1, "skipped": 0})
        other = self.followup_activities(self.company_2)
        self.assertEqual((other.res_id, other.date_deadline), (self.vip.id, self.in_days(-6)))
        # marking it done records a follow-up of the other company only
        other.with_user(self.salesperson).action_feedback(feedback="Met at the fair")
        followup = self.Followup.search([("partner_id", "=", self.vip.id)])
        self.assertEqual(followup.company_id, self.company_2)
        self.assertEqual(self.next_date(self.vip, self.company_2), followup.date + timedelta(30))
        self.assertEqual(self.next_date(self.vip), self.in_days(-393))
        # users see the follow-ups of their current company only
        Followup = self.Followup.with_user(self.manager)
        self.assertEqual(
            Followup.with_company(self.company).search([("partner_id", "in", self.partners.ids)]),
            self.Followup.search([("partner_id", "in", (self.standard | self.later).ids)]),
        )
        self.assertEqual(
            Followup.with_company(self.company_2).search([("partner_id", "in", self.partners.ids)]),
            followup,
        )

    # ------------------------------------------------------------------ answers
    def test_answers_on_a_call_become_a_satisfaction_response(self):
        Response = self.env["crm.satisfaction.response"]
        Followup = self.Followup.with_user(self.salesperson).with_company(self.company)
        followup = Followup.create(
            {
                "partner_id": self.key.id,
                "outcome": "called",
                "csat_answer": "2",
                "nps_answer": "0",
                "note": "Deliveries keep slipping",
            }
        )
        response = Response.search([("followup_id", "=", followup.id)])
        self.assertRecordValues(
            response,
            [
                {
                    "source": "called",
                    "partner_id": self.key.id,
                    "company_id": self.company.id,
                    "csat": 2,
                    "nps": 0,
                    "nps_category": "detractor",
                    "is_unhappy": True,
                    "comment": "Deliveries keep slipping",
                    "tier_id": self.tier_key.id,
                    "date": followup.date,
                }
            ],
        )
        # the customer's satisfaction facts count it, as a survey answer
        key = self.key.with_company(self.company)
        self.assertEqual((key.crm_csat_last, key.crm_nps_last), (2, 0))
        # the unhappy customer gets its close-the-loop activity once, even when the follow-up
        # is edited afterwards
        self.assertEqual(len(self.unhappy_activities(self.key)), 1)
        followup.note = "Deliveries keep slipping; wants a call from the manager"
        self.assertEqual(len(self.unhappy_activities(self.key)), 1)
        response = Response.search([("followup_id", "=", followup.id)])
        self.assertEqual(response.comment, followup.note)
        # a better answer replaces it; no answers, no response
        followup.write({"csat_answer": "5", "nps_answer": "10"})
        response = Response.search([("followup_id", "=", followup.id)])
        self.assertEqual((response.csat, response.nps, response.is_unhappy), (5, 10, False))
        self.assertEqual(key.crm_csat_last, 5)
        followup.write({"csat_answer": False, "nps_answer": False})
        self.assertFalse(Response.search([("followup_id", "=", followup.id)]))
        # a visit's answer, deleted with its follow-up
        visit = Followup.create(
            {"partner_id": self.vip.id, "outcome": "visited", "csat_answer": "4"}
        )
        response = Response.search([("followup_id", "=", visit.id)])
        self.assertEqual((response.source, response.csat, response.has_nps), ("visited", 4, False))
        visit.sudo().unlink()
        self.assertFalse(response.exists())

    def test_editing_a_followup_updates_its_response(self):
        Response = type(self.env["crm.satisfaction.response"])
        followup = self.Followup.with_company(self.company).create(
            {
                "partner_id": self.key.id,
                "outcome": "visited",
                "csat_answer": "4",
                "nps_answer": "9",
                "note": "Happy with the new range",
            }
        )
        response = followup.response_ids
        self.assertEqual(len(response), 1)
        written = []
        write = Response.write

        def spy_write(records, vals):
            written.append(sorted(vals))
            return write(records, vals)

        # the note and the date change: the same response, with only these two values written
        with patch.object(Response, "write", spy_write):
            followup.write({"note": "Wants the new catalogue", "date": self.in_days(-2)})
        self.assertEqual(followup.response_ids, response)
        self.assertEqual(written, [["comment", "date"]])
        self.assertRecordValues(
            response,
            [
                {
                    "comment": "Wants the new catalogue",
                    "date": self.in_days(-2),
                    "csat": 4,
                    "nps": 9,
                    "nps_category": "promoter",
                    "satisfaction_score": 75,
                    "is_unhappy": False,
                }
            ],
        )
        # a worse answer changes the measures of the same record, and closes the loop once
        followup.csat_answer = "2"
        self.assertEqual(followup.response_ids, response)
        self.assertRecordValues(
            response,
            [{"csat": 2, "csat_satisfied": 0, "satisfaction_score": 25, "is_unhappy": True}],
        )
        self.assertEqual(len(self.unhappy_activities(self.key)), 1)
        followup.note = "Wants the new catalogue; the last delivery was late"
        self.assertEqual(followup.response_ids, response)
        self.assertEqual(len(self.unhappy_activities(self.key)), 1)
        # the recommendation answer removed: its measures empty (NULL), on the same record
        followup.nps_answer = False
        self.assertEqual(followup.response_ids, response)
        self.assertRecordValues(response, [{"has_nps": False, "nps_category": False, "csat": 2}])
        self.env.cr.execute(
            "SELECT nps, nps_value, csat FROM crm_satisfaction_response WHERE id = %s",
            [response.id],
        )
        self.assertEqual(self.env.cr.fetchall(), [(None, None, 2)])
        self.assertEqual(self.key.with_company(self.company).crm_csat_last, 2)

    def test_answers_need_a_customer_reached(self):
        with self.assertRaisesRegex(ValidationError, "visited, called or met online"):
            self.Followup.create(
                {"partner_id": self.key.id, "outcome": "no_answer", "csat_answer": "3"}
            )
        with self.assertRaisesRegex(ValidationError, "visited, called or met online"):
            self.Followup.create({"partner_id": self.key.id, "nps_answer": "7"})
        self.assertFalse(
            self.env["crm.satisfaction.response"].search([("partner_id", "=", self.key.id)])
        )

    # ------------------------------------------------------------------ done
    def test_done_records_the_followup(self):
        self.schedule()
        activities = self.followup_activities()
        vip_activity = activities.filtered(lambda a: a.res_id == self.vip.id)
        key_activity = activities.filtered(lambda a: a.res_id == self.key.id)
        # the chatter's "Done" with feedback, and the form's "Mark as done"
        vip_activity.with_user(self.salesperson).action_feedback(feedback="Visited, wants a quote")
        key_activity.with_user(self.salesperson).action_done()
        followups = self.Followup.search([("partner_id", "in", (self.vip | self.key).ids)])
        self.assertEqual(len(followups), 2)
        vip_followup = followups.filtered(lambda f: f.partner_id == self.vip)
        self.assertEqual(
            (
                vip_followup.company_id,
                vip_followup.user_id,
                vip_followup.note,
                vip_followup.tier_id,
                vip_followup.activity_type_id,
                vip_followup.date,
            ),
            (
                self.company,
                self.salesperson,
                "Visited, wants a quote",
                self.tier_vip,
                self.activity_type,
                self.today,
            ),
        )
        done_on = vip_followup.date
        # the next due dates moved by the tiers' intervals, at once
        self.assertEqual(self.next_date(self.vip), done_on + timedelta(days=30))
        self.assertEqual(self.next_date(self.key), done_on + timedelta(days=90))
        self.assertEqual(self.vip.with_company(self.company).crm_followup_last_date, done_on)
        self.assertEqual(self.vip.with_company(self.company).crm_followup_count, 1)
        # nothing new is due for them
        self.assertEqual(self.schedule(), {"done": True, "created": 0, "skipped": 1})
        self.assertEqual(len(self.followup_activities()), 2)

    def test_done_on_the_company_s_day(self):
        """Marked done at 12:00 UTC on 5 March by a salesperson in UTC: already 6 March for a
        company in Kiribati (UTC+14), the day its follow-up is recorded on."""
        self.company.partner_id.tz = "Pacific/Kiritimati"
        activity = self.vip.activity_schedule(
            FOLLOWUP_ACTIVITY_TYPE_XMLID,
            user_id=self.salesperson.id,
            crm_followup_company_id=self.company.id,
        )
        with freeze_time(datetime(2026, 3, 5, 12, 0)):
            activity.with_user(self.salesperson).action_done()
        followup = self.Followup.search([("partner_id", "=", self.vip.id)])
        self.assertEqual(followup.date, date(2026, 3, 6))

    def test_other_activity_types_record_nothing(self):
        activity = self.vip.activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.salesperson.id
        )
        activity.action_feedback(feedback="Done")
        self.assertFalse(self.Followup.search([("partner_id", "=", self.vip.id)]))

    def test_deleting_a_followup_moves_the_date_back(self):
        followup = self.Followup.search([("partner_id", "=", self.standard.id)])
        self.assertEqual(self.next_date(self.standard), self.in_days(170))
        followup.unlink()
        self.assertEqual(self.next_date(self.standard), self.in_days(-300 + 7))

    def test_user_sees_own_followups(self):
        own = self.Followup.with_user(self.salesperson).search([])
        self.assertEqual(own, self.Followup.search([("partner_id", "=", self.standard.id)]))
        self.assertEqual(self.standard.with_user(self.salesperson).crm_followup_count, 1)
