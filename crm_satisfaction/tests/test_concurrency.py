"""Two transactions doing the same thing at the same time (a double click, two managers, the cron
beside a manual run) send and create once.

A test transaction cannot be seen by another one, so these tests commit their data in cursors of
their own and remove it afterwards. The race they replay: the second transaction took its snapshot
before the first one committed; what the first one sent is invisible to it. It must fail with a
serialization error (which Odoo retries on a fresh snapshot) rather than send again.
"""

from contextlib import closing, contextmanager
from datetime import timedelta

import psycopg2.errors

from odoo import api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import STAGE_REPEAT

CUSTOMERS = 3


@tagged("post_install", "-at_install")
class TestOnceUnderConcurrency(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    @contextmanager
    def environment(self):
        """An environment of the administrator on a cursor of its own, never waiting for a
        lock more than 30 seconds (a test must fail, not hang)."""
        with closing(self.registry.cursor()) as cr:
            cr.execute("SET lock_timeout = '30s'")
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            admin = env.ref("base.user_admin")
            yield api.Environment(cr, admin.id, {"tz": "UTC"})

    def setUp(self):
        super().setUp()
        with self.environment() as env:
            env.cr.execute("SELECT COALESCE(max(id), 0) FROM mail_activity")
            self.last_activity = env.cr.fetchone()[0]
            company = env.ref("base.main_company")
            self.company_id = company.id
            self.horizon = company.crm_followup_horizon_days
            self.tag = env["res.partner.category"].create({"name": "Concurrency test"})
            self.partners = env["res.partner"].create(
                [
                    {
                        "name": f"Concurrency Customer {index}",
                        "is_company": True,
                        "email": f"concurrency{index}@example.com",
                        "user_id": env.uid,
                        "category_id": [(4, self.tag.id)],
                    }
                    for index in range(CUSTOMERS)
                ]
            )
            self.campaign = env["crm.satisfaction.campaign"].create(
                {
                    "name": "Concurrency NPS",
                    "company_id": company.id,
                    "survey_id": env.ref("crm_satisfaction.survey_survey_nps").id,
                    "partner_domain": str([("category_id", "in", [self.tag.id])]),
                }
            )
            env.cr.commit()
        self.addCleanup(self.remove_data)

    def remove_data(self):
        with self.environment() as env:
            env = env(su=True)
            answers = env["survey.user_input"].search([("crm_campaign_id", "=", self.campaign.id)])
            env["mail.mail"].search(
                [("model", "=", "survey.user_input"), ("res_id", "in", answers.ids)]
            ).unlink()
            answers.unlink()
            self.campaign.with_env(env).unlink()
            env["mail.activity"].with_context(active_test=False).search(
                [("id", ">", self.last_activity)]
            ).unlink()
            self.partners.with_env(env).unlink()
            self.tag.with_env(env).unlink()
            env["res.company"].browse(self.company_id).crm_followup_horizon_days = self.horizon
            env.cr.commit()

    def test_campaign_sent_twice_at_the_same_time_invites_once(self):
        with self.environment() as first, self.environment() as second:
            second.cr.execute("SELECT 1")  # the second transaction's snapshot, taken now
            first["crm.satisfaction.campaign"].browse(self.campaign.id).action_send()
            first.cr.commit()
            campaign = second["crm.satisfaction.campaign"].browse(self.campaign.id)
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaisesRegex(
                    psycopg2.errors.SerializationFailure, "could not serialize access"
                ),
            ):
                campaign.action_send()
            second.cr.rollback()
            # what Odoo does with a serialization failure: the same call on a fresh snapshot
            campaign.invalidate_recordset()
            campaign.action_send()
            second.cr.commit()
            answers = second["survey.user_input"].search(
                [("crm_campaign_id", "=", self.campaign.id)]
            )
            self.assertEqual(len(answers), CUSTOMERS)
            self.assertEqual(answers.partner_id, self.partners.with_env(second))
            mails = (
                second["mail.mail"]
                .sudo()
                .search([("model", "=", "survey.user_input"), ("res_id", "in", answers.ids)])
            )
            self.assertEqual(len(mails), CUSTOMERS)

    def test_followups_scheduled_twice_at_the_same_time_create_once(self):
        with self.environment() as env:
            env = env(su=True)
            company = env["res.company"].browse(self.company_id)
            company.crm_followup_horizon_days = 365
            standard = env.ref("crm_lifecycle_tiering.crm_customer_tier_standard")
            standard.flush_recordset()
            cid = str(company.id)
            first_order = company._crm_today() - timedelta(days=400)
            env.flush_all()
            # repeat buyers of the Standard tier since 400 days, as the value engine stores them
            env.cr.execute(
                SQL(
                    """
                    UPDATE res_partner
                       SET crm_lifecycle_stage = jsonb_build_object(%(cid)s::text, %(stage)s::text),
                           crm_first_order_date = jsonb_build_object(%(cid)s::text, %(day)s::text),
                           crm_tier_id = jsonb_build_object(%(cid)s::text, %(tier)s::int)
                     WHERE id = ANY(%(ids)s)
                    """,
                    cid=cid,
                    stage=STAGE_REPEAT,
                    day=first_order.isoformat(),
                    tier=standard.id,
                    ids=self.partners.ids,
                )
            )
            env["res.partner"].invalidate_model()
            Followup = env["crm.followup"]
            Followup._update_next_dates(company)
            # every due follow-up of the company but ours exists already: the race is on ours
            Followup._schedule_followups(company)
            env["mail.activity"].search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", self.partners.ids),
                    ("id", ">", self.last_activity),
                ]
            ).unlink()
            env.cr.commit()
        with self.environment() as first, self.environment() as second:
            second.cr.execute("SELECT 1")  # the second transaction's snapshot, taken now
            company = first["res.company"].browse(self.company_id)
            created = first["crm.followup"].sudo()._schedule_followups(company)["created"]
            self.assertEqual(created, CUSTOMERS)
            first.cr.commit()
            Followup = second["crm.followup"].sudo()
            company = second["res.company"].browse(self.company_id)
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaisesRegex(
                    psycopg2.errors.SerializationFailure, "could not serialize access"
                ),
            ):
                Followup._schedule_followups(company)
            second.cr.rollback()
            second.invalidate_all()
            self.assertEqual(Followup._schedule_followups(company)["created"], 0)
            second.cr.commit()
            activities = second["mail.activity"].search(
                [("res_model", "=", "res.partner"), ("res_id", "in", self.partners.ids)]
            )
            self.assertEqual(sorted(activities.mapped("res_id")), sorted(self.partners.ids))
