"""Day one: a company that already holds two years of customers and orders installs the addon.
Its start date is the installation day; the first night's recompute writes every customer's
history but no chatter note (nor any e-mail); later changes keep their one note per customer
and run, the changes as tracked values."""

from datetime import timedelta
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.hooks import post_init_hook
from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    EVENT_STAGE,
    EVENT_TIER,
    STAGE_CHURNED,
    STAGE_FIRST_PURCHASE,
    STAGE_LOYAL,
    STAGE_PROSPECT,
    STAGE_REPEAT,
)

from .common import ValueCase, insert_orders

ENGINE_NOTE_ID = "%-openerp-crm-lifecycle@%"


@tagged("post_install", "-at_install")
class TestDayOneStartDate(ValueCase):
    def test_new_company_starts_on_its_creation_day(self):
        self.assertEqual(self.vc.crm_start_date, self.crm_today(self.vc))
        # a company far east of the creator starts on its own today
        partner = self.env["res.partner"].create(
            {"name": "Kiritimati Co", "is_company": True, "tz": "Pacific/Kiritimati"}
        )
        company = self.env["res.company"].create(
            {"name": "Kiritimati Co", "partner_id": partner.id}
        )
        self.assertEqual(company.crm_start_date, company._crm_today())
        # a date given at creation is kept
        day = self.crm_today(self.vc) - timedelta(days=400)
        dated = self.env["res.company"].create({"name": "Dated Co", "crm_start_date": day})
        self.assertEqual(dated.crm_start_date, day)

    def test_existing_companies_start_on_the_installation_day(self):
        companies = self.env["res.company"].search([])
        companies.crm_start_date = self.crm_today(self.vc) - timedelta(days=1000)
        post_init_hook(self.env)
        self.assertEqual(
            {company: company.crm_start_date for company in companies},
            {company: company._crm_today() for company in companies},
        )

    def test_settings_page(self):
        day = self.crm_today(self.vc) - timedelta(days=30)
        other_day = self.company.crm_start_date
        Settings = self.env["res.config.settings"].with_company(self.vc)
        self.assertEqual(Settings.create({}).crm_start_date, self.crm_today(self.vc))
        Settings.create({"crm_start_date": day}).execute()
        self.assertEqual(self.vc.crm_start_date, day)
        self.assertEqual(Settings.create({}).crm_start_date, day)
        self.assertEqual(self.company.crm_start_date, other_day)


@tagged("post_install", "-at_install")
class TestDayOneNotes(ValueCase):
    """Five customers of Value Test Co bought before its start date (today), no tier rule of its
    own: every buyer is Standard by default."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.crm_today(cls.vc)
        cls.vc.crm_start_date = cls.today
        cls.repeat = cls.make_customer("Day One Repeat")
        cls.loyal = cls.make_customer("Day One Loyal")
        cls.churned = cls.make_customer("Day One Churned")
        cls.newcomer = cls.make_customer("Day One Newcomer")
        cls.prospect = cls.make_customer("Day One Prospect", company_id=cls.vc.id, customer_rank=1)
        cls.customers = cls.repeat | cls.loyal | cls.churned | cls.newcomer | cls.prospect
        history = {
            cls.repeat: [700, 400, 100],
            cls.loyal: [650, 600, 500, 300, 200, 30],
            cls.churned: [500],
            cls.newcomer: [20],
        }
        insert_orders(
            cls.env,
            cls.vc,
            [
                (partner, cls.today - timedelta(days=days), 100.0)
                for partner, ago in history.items()
                for days in ago
            ],
            prefix="DAY-ONE",
        )

    def run_crons(self):
        """The tiering crons as the scheduler runs them, each batch 'committed'."""
        Engine = self.env["crm.value.engine"]
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=60.0):
            Engine._cron_recompute_values()
            Engine._cron_refresh_queue()

    def events(self):
        return self.env["crm.lifecycle.event"].search(
            [("partner_id", "in", self.customers.ids), ("company_id", "=", self.vc.id)]
        )

    def notes(self):
        return self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "in", self.customers.ids),
                ("message_id", "=like", ENGINE_NOTE_ID),
            ]
        )

    def test_first_run_writes_history_without_notes(self):
        mails = self.env["mail.mail"].search_count([])
        messages = self.env["mail.message"].search_count(
            [("model", "=", "res.partner"), ("res_id", "in", self.customers.ids)]
        )
        self.run_crons()
        self.assertEqual(
            {p: (self.val(p).crm_lifecycle_stage, self.val(p).crm_tier_id) for p in self.customers},
            {
                self.repeat: (STAGE_REPEAT, self.tier_standard),
                self.loyal: (STAGE_LOYAL, self.tier_standard),
                self.churned: (STAGE_CHURNED, self.tier_standard),
                self.newcomer: (STAGE_FIRST_PURCHASE, self.tier_standard),
                self.prospect: (STAGE_PROSPECT, self.env["crm.customer.tier"]),
            },
        )
        # the history: a stage and a tier event for each of the 4 buyers, a stage event for the
        # prospect, all from nothing, dated today
        events = self.events()
        self.assertEqual(len(events), 9)
        self.assertEqual(
            sorted(
                (e.partner_id.name, e.kind, e.new_stage or "", e.new_tier_id.name or "")
                for e in events
            ),
            sorted(
                [
                    ("Day One Churned", EVENT_STAGE, STAGE_CHURNED, "Standard"),
                    ("Day One Churned", EVENT_TIER, STAGE_CHURNED, "Standard"),
                    ("Day One Loyal", EVENT_STAGE, STAGE_LOYAL, "Standard"),
                    ("Day One Loyal", EVENT_TIER, STAGE_LOYAL, "Standard"),
                    ("Day One Newcomer", EVENT_STAGE, STAGE_FIRST_PURCHASE, "Standard"),
                    ("Day One Newcomer", EVENT_TIER, STAGE_FIRST_PURCHASE, "Standard"),
                    ("Day One Prospect", EVENT_STAGE, STAGE_PROSPECT, ""),
                    ("Day One Repeat", EVENT_STAGE, STAGE_REPEAT, "Standard"),
                    ("Day One Repeat", EVENT_TIER, STAGE_REPEAT, "Standard"),
                ]
            ),
        )
        self.assertEqual(set(events.mapped("old_stage")), {False})
        self.assertFalse(events.old_tier_id)
        self.assertEqual(set(events.mapped("date")), {self.today})
        # no note on any chatter, no message at all, no e-mail to anyone
        self.assertEqual(len(self.notes()), 0)
        self.assertEqual(
            self.env["mail.message"].search_count(
                [("model", "=", "res.partner"), ("res_id", "in", self.customers.ids)]
            ),
            messages,
        )
        self.assertEqual(self.env["mail.mail"].search_count([]), mails)
        # a second night changes nothing
        self.run_crons()
        self.assertEqual(len(self.events()), 9)
        self.assertEqual(len(self.notes()), 0)

    def test_later_changes_keep_one_note_per_customer_and_run(self):
        self.run_crons()
        mails = self.env["mail.mail"].search_count([])
        # two orders in the value window make a Key customer; the newcomer buys again
        self.make_rule(self.tier_key, min_orders_period=2)
        insert_orders(
            self.env,
            self.vc,
            [(self.newcomer, self.today - timedelta(days=1), 100.0)],
            prefix="DAY-ONE-AGAIN",
        )
        self.run_crons()
        # the loyal customer (3 orders in the window) moves to Key; the newcomer moves to Key
        # and to Repeat Purchase: 3 events, one note each, the newcomer's telling both changes
        self.assertEqual(len(self.events()), 9 + 3)
        notes = self.notes()
        self.assertEqual(len(notes), 2)
        self.assertEqual(set(notes.mapped("res_id")), {self.loyal.id, self.newcomer.id})
        loyal_note = notes.filtered(lambda n: n.res_id == self.loyal.id)
        newcomer_note = notes.filtered(lambda n: n.res_id == self.newcomer.id)

        def changes(note):
            return {
                tracking.field_id.name: (tracking.old_value_char, tracking.new_value_char)
                for tracking in note.tracking_value_ids
            }

        self.assertEqual(changes(loyal_note), {"crm_tier_id": ("Standard", "Key")})
        self.assertEqual(
            changes(newcomer_note),
            {
                "crm_tier_id": ("Standard", "Key"),
                "crm_lifecycle_stage": ("First Purchase", "Repeat Purchase"),
            },
        )
        self.assertEqual(
            (notes.mapped("message_type"), notes.subtype_id),
            (
                ["notification", "notification"],
                self.env.ref("crm_lifecycle_tiering.mt_partner_customer_value"),
            ),
        )
        self.assertTrue(all(notes.mapped("is_internal")))
        self.assertEqual(self.env["mail.mail"].search_count([]), mails)
        # and the next night nothing more
        self.run_crons()
        self.assertEqual(len(self.events()), 12)
        self.assertEqual(len(self.notes()), 2)
