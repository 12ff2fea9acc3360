"""Customer-care greetings: birthdays, holidays and first-purchase anniversaries e-mailed once
per contact, occasion and year by the daily cron, on the company's own day."""

from collections import Counter
from datetime import date, timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.models import lifecycle_data as lifecycle
from odoo.addons.crm_lifecycle_tiering.tests.common import (
    CrmCase,
    CrmHttpCase,
    make_company_user,
)

from ..models import crm_greeting_log, greeting_data

# 20:00 UTC: already the next day in Shanghai (04:00), still the afternoon in Los Angeles
MOMENT = "2026-06-15 20:00:00"


class SendCrash(Exception):
    """The failure of an e-mail batch in the middle of a run."""


@tagged("post_install", "-at_install")
class TestGreetings(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Company = cls.env["res.company"]
        cls.company = Company.create({"name": "Greetings Shanghai"})
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.la = Company.create({"name": "Greetings Los Angeles"})
        cls.la.partner_id.tz = "America/Los_Angeles"
        with freeze_time(MOMENT):
            cls.day = cls.crm_today(cls.company)
            cls.la_day = cls.crm_today(cls.la)
        cls.birthday = cls.day.replace(year=1980)
        cls.tier_vip = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        cls.tier_standard = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_standard")
        cls.birthday_occasion = cls.env.ref("crm_satisfaction.crm_greeting_occasion_birthday")
        cls.anniversary = cls.env.ref("crm_satisfaction.crm_greeting_occasion_anniversary")
        # the shipped occasions alone, whatever else the database holds
        cls.env["crm.greeting.occasion"].search(
            [("id", "not in", (cls.birthday_occasion | cls.anniversary).ids)]
        ).active = False
        cls.Log = cls.env["crm.greeting.log"]

    # ------------------------------------------------------------------ helpers
    @classmethod
    def customer(cls, name, tier=None, stage=lifecycle.STAGE_REPEAT, companies=None, **values):
        """A person (or company: is_company=True) with an e-mail address, a customer of the
        companies (default: the Shanghai one) in ``stage`` and ``tier``."""
        partner = cls.env["res.partner"].create(
            {"name": name, "email": f"{name.lower().replace(' ', '.')}@greet.example", **values}
        )
        for company in cls.company if companies is None else companies:
            partner.with_company(company).sudo().write(
                {"crm_lifecycle_stage": stage, "crm_tier_id": tier and tier.id}
            )
        return partner

    @classmethod
    def template(cls, subject):
        return cls.env["mail.template"].create(
            {
                "name": subject,
                "model_id": cls.env["ir.model"]._get_id("res.partner"),
                "subject": subject,
                "partner_to": "{{ object.id }}",
                "body_html": f"<p>{subject}</p>",
            }
        )

    def holiday(self, name, **values):
        """An active holiday of the Shanghai company on its day, for every tier by default."""
        return self.env["crm.greeting.occasion"].create(
            {
                "name": name,
                "kind": greeting_data.KIND_HOLIDAY,
                "holiday_month": self.day.month,
                "holiday_day": self.day.day,
                "company_id": self.company.id,
                "template_id": self.template(f"{name} wishes").id,
                **values,
            }
        )

    def run_cron(self, company=None, moment=MOMENT, every_company=False):
        """One run of the greetings of ``company`` (or the cron's, of every company) at
        ``moment``, each batch committed: a batch that fails is undone, the batches before it
        stay (as after a real crash)."""
        cr = self.env.cr
        cr.execute("SAVEPOINT greeting_commit")

        def commit(cron, processed=0, *, remaining=None, deactivate=False):
            self.env.flush_all()
            cr.execute("SAVEPOINT greeting_commit")
            return 60.0

        with (
            freeze_time(moment),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", commit),
        ):
            try:
                if every_company:
                    return self.Log._cron_send_greetings()
                return self.Log._send_greetings(company or self.company, commit=True)
            except SendCrash:
                cr.execute("ROLLBACK TO SAVEPOINT greeting_commit")
                self.env.clear()
                return None

    def mails(self, partners):
        """{partner: number of greeting e-mails queued to it}."""
        mails = self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "in", partners.ids)]
        )
        counts = Counter(mails.mapped("res_id"))
        return {partner: counts[partner.id] for partner in partners}

    def assert_mails(self, expected):
        """``expected``: {partner: number of e-mails}."""
        partners = self.env["res.partner"].union(*expected)
        self.assertEqual(self.mails(partners), expected)

    # ------------------------------------------------------------------ tests
    def test_two_runs_one_mail_per_contact_occasion_year(self):
        buyer = self.customer("Mei Buyer", self.tier_vip, crm_birthday=self.birthday)
        company = self.customer("Lotus Trading", self.tier_standard, is_company=True)
        colleague = self.customer("Wang Colleague", companies=(), parent_id=company.id)
        colleague.crm_birthday = self.birthday.replace(year=1975)
        lantern = self.holiday("Lantern")
        first = self.run_cron()
        second = self.run_cron()
        self.assertEqual((first["sent"], second["sent"]), (4, 0))
        # birthdays to the persons, the holiday to each customer itself
        self.assert_mails({buyer: 2, company: 1, colleague: 1})
        self.assertEqual(
            self.env["mail.mail"].search([("res_id", "=", colleague.id)]).subject,
            "Happy birthday, Wang Colleague!",
        )
        logs = self.Log.search([("company_id", "=", self.company.id)])
        self.assertEqual(
            sorted((log.partner_id.name, log.occasion_id.name, log.year) for log in logs),
            [
                ("Lotus Trading", "Lantern", self.day.year),
                ("Mei Buyer", "Birthday", self.day.year),
                ("Mei Buyer", "Lantern", self.day.year),
                ("Wang Colleague", "Birthday", self.day.year),
            ],
        )
        self.assertEqual(set(logs.mapped("date")), {self.day})
        self.assertEqual(len(logs.filtered(lambda log: log.occasion_id == lantern)), 2)
        self.assertEqual(len(logs.mail_id), 4)
        # next year the same day greets again
        next_year = f"{self.day.year + 1}-06-15 20:00:00"
        self.assertEqual(self.run_cron(moment=next_year)["sent"], 4)
        self.assert_mails({buyer: 4, company: 2, colleague: 2})

    def test_occasions_sharing_a_template_send_one_mail_each(self):
        customer = self.customer("Twin Trading", is_company=True)
        lantern = self.holiday("Lantern")
        self.holiday("Lantern Night", template_id=lantern.template_id.id)
        self.assertEqual(self.run_cron()["sent"], 2)
        self.assert_mails({customer: 2})
        self.assertEqual(len(self.Log.search([("partner_id", "=", customer.id)]).mail_id), 2)

    def test_crash_in_the_middle_then_second_run(self):
        people = [
            self.customer(f"Crash Person {index}", crm_birthday=self.birthday) for index in range(5)
        ]
        Template = type(self.env["mail.template"])
        send = Template.send_mail_batch
        calls = []

        def send_failing_second(template, res_ids, *args, **kwargs):
            calls.append(list(res_ids))
            if len(calls) == 2:
                raise SendCrash
            return send(template, res_ids, *args, **kwargs)

        with (
            patch.object(crm_greeting_log, "GREETING_BATCH_SIZE", 2),
            patch.object(Template, "send_mail_batch", send_failing_second),
        ):
            self.assertIsNone(self.run_cron())
        # the first batch went out and stays logged; the second and third did not
        self.assertEqual(calls, [[people[0].id, people[1].id], [people[2].id, people[3].id]])
        self.assert_mails(dict.fromkeys(people[:2], 1) | dict.fromkeys(people[2:], 0))
        self.assertEqual(
            self.Log.search([("partner_id", "in", [p.id for p in people])]).partner_id,
            people[0] | people[1],
        )
        with patch.object(crm_greeting_log, "GREETING_BATCH_SIZE", 2):
            self.assertEqual(self.run_cron()["sent"], 3)
            self.assertEqual(self.run_cron()["sent"], 0)
        self.assert_mails(dict.fromkeys(people, 1))

    def test_second_worker_claims_nothing(self):
        person = self.customer("Twin Worker", crm_birthday=self.birthday)
        batch = [(self.birthday_occasion.id, person.id, None)]
        self.assertEqual(len(self.Log._claim(self.company, self.day, batch)), 1)
        # another worker that found the same recipient before the first one logged it
        self.assertEqual(self.Log._greet(self.company, self.day, batch), 0)
        self.assert_mails({person: 0})

    def test_blacklisted_and_opted_out_get_nothing(self):
        greeted = self.customer("Glad Person", crm_birthday=self.birthday)
        blacklisted = self.customer("Blocked Person", crm_birthday=self.birthday)
        self.env["mail.blacklist"]._add(blacklisted.email)
        opted_out = self.customer(
            "Quiet Person", crm_birthday=self.birthday, crm_greeting_opt_out=True
        )
        quiet_company = self.customer("Quiet Trading", is_company=True, crm_greeting_opt_out=True)
        colleague = self.customer(
            "Quiet Colleague",
            companies=(),
            parent_id=quiet_company.id,
            crm_birthday=self.birthday,
        )
        no_email = self.customer("Mute Person", crm_birthday=self.birthday)
        no_email.email = False
        prospect = self.customer(
            "Future Person", stage=lifecycle.STAGE_PROSPECT, crm_birthday=self.birthday
        )
        self.holiday("Lantern")
        self.run_cron()
        self.assertTrue(blacklisted.is_blacklisted)
        self.assert_mails(
            {
                greeted: 2,
                blacklisted: 0,
                opted_out: 0,
                quiet_company: 0,
                colleague: 0,
                no_email: 0,
                prospect: 0,
            }
        )

    def test_company_time_zone_decides_the_day(self):
        self.assertEqual(self.la_day + timedelta(days=1), self.day)
        both = self.company | self.la
        person = self.customer("Zone Person", companies=both, crm_birthday=self.birthday)
        # 20:00 UTC: the birthday in Shanghai, the day before in Los Angeles
        self.assertEqual(self.run_cron(self.la)["sent"], 0)
        self.run_cron(every_company=True)
        self.assertEqual(self.Log.search([("partner_id", "=", person.id)]).company_id, self.company)
        # a day later: the birthday in Los Angeles, the day after in Shanghai
        later = "2026-06-16 20:00:00"
        self.assertEqual(self.run_cron(self.company, moment=later)["sent"], 0)
        self.assertEqual(self.run_cron(self.la, moment=later)["sent"], 1)
        self.assertEqual(
            self.Log.search([("partner_id", "=", person.id)]).mapped("company_id.name"),
            ["Greetings Los Angeles", "Greetings Shanghai"],
        )
        self.assert_mails({person: 2})

    def test_tier_template_and_tier_holiday(self):
        vip = self.customer("Gold Trading", self.tier_vip, is_company=True)
        standard = self.customer("Tin Trading", self.tier_standard, is_company=True)
        vip_template = self.template("Dear VIP")
        occasion = self.holiday(
            "Mid-Autumn",
            template_line_ids=[
                (0, 0, {"tier_id": self.tier_vip.id, "template_id": vip_template.id})
            ],
        )
        vip_only = self.holiday("Dragon Boat", tier_ids=[(6, 0, self.tier_vip.ids)])
        self.run_cron()
        mails = self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "in", (vip | standard).ids)]
        )
        self.assertEqual(
            sorted((mail.res_id == vip.id, mail.subject) for mail in mails),
            [(False, "Mid-Autumn wishes"), (True, "Dear VIP"), (True, "Dragon Boat wishes")],
        )
        logs = self.Log.search([("occasion_id", "in", (occasion | vip_only).ids)])
        self.assertEqual(
            sorted((log.partner_id.name, log.template_id.name) for log in logs),
            [
                ("Gold Trading", "Dear VIP"),
                ("Gold Trading", "Dragon Boat wishes"),
                ("Tin Trading", "Mid-Autumn wishes"),
            ],
        )

    def test_leap_day_birthdays(self):
        self.assertEqual(greeting_data.greeted_month_days(date(2027, 2, 28)), ["02-28", "02-29"])
        self.assertEqual(greeting_data.greeted_month_days(date(2028, 2, 28)), ["02-28"])
        self.assertEqual(greeting_data.greeted_month_days(date(2028, 2, 29)), ["02-29"])
        self.assertEqual(greeting_data.greeted_month_days(date(2027, 3, 1)), ["03-01"])
        leap = self.customer("Leap Person", crm_birthday=date(1980, 2, 29))
        # Shanghai's day at 20:00 UTC is the next one
        for moment, sent in (
            ("2027-02-26 20:00:00", 0),  # 27 February 2027
            ("2027-02-27 20:00:00", 1),  # 28 February 2027: no 29th that year
            ("2027-02-28 20:00:00", 0),  # 1 March 2027
            ("2028-02-27 20:00:00", 0),  # 28 February 2028: the 29th comes
            ("2028-02-28 20:00:00", 1),  # 29 February 2028
        ):
            with self.subTest(moment=moment):
                self.assertEqual(self.run_cron(moment=moment)["sent"], sent)
        self.assertEqual(
            self.Log.search([("partner_id", "=", leap.id)]).mapped("date"),
            [date(2028, 2, 29), date(2027, 2, 28)],
        )

    def test_anniversary_for_loyal_customers_only(self):
        first_order = self.day - relativedelta(years=3)
        loyal, repeat, loyal_new, loyal_other_day = (
            self.customer(name, stage=stage, is_company=True)
            for name, stage in (
                ("Loyal Trading", lifecycle.STAGE_LOYAL),
                ("Repeat Trading", lifecycle.STAGE_REPEAT),
                ("Fresh Trading", lifecycle.STAGE_LOYAL),
                ("Other Day Trading", lifecycle.STAGE_LOYAL),
            )
        )
        for partner, day in (
            (loyal, first_order),
            (repeat, first_order),
            (loyal_new, self.day),
            (loyal_other_day, first_order - timedelta(days=1)),
        ):
            partner.with_company(self.company).sudo().crm_first_order_date = day
        self.assertEqual(self.run_cron()["sent"], 1)
        self.assert_mails({loyal: 1, repeat: 0, loyal_new: 0, loyal_other_day: 0})
        self.assertEqual(
            self.Log.search([("partner_id", "=", loyal.id)]).occasion_id, self.anniversary
        )

    def test_nothing_back_filled(self):
        """Day one: the occasions of days before today send nothing."""
        yesterday = self.day - timedelta(days=1)
        person = self.customer("Late Person", crm_birthday=yesterday.replace(year=1980))
        self.holiday("Yesterday", holiday_month=yesterday.month, holiday_day=yesterday.day)
        self.holiday(
            "Moving",
            holiday_repeat=greeting_data.REPEAT_DATES,
            date_ids=[
                (0, 0, {"date": yesterday}),
                (0, 0, {"date": self.day + relativedelta(years=1)}),
            ],
        )
        self.assertEqual(self.run_cron()["sent"], 0)
        self.assert_mails({person: 0})

    def test_holiday_dates_per_year(self):
        customer = self.customer("Spring Trading", is_company=True)
        self.holiday(
            "Spring Festival",
            holiday_repeat=greeting_data.REPEAT_DATES,
            date_ids=[(0, 0, {"date": self.day}), (0, 0, {"date": self.day + timedelta(days=400)})],
        )
        self.assertEqual(self.run_cron()["sent"], 1)
        self.assert_mails({customer: 1})

    def test_bad_occasion_dates_refused(self):
        with self.assertRaisesRegex(ValidationError, "2/30 is not a day of the year"):
            self.holiday("Nowhere", holiday_month=2, holiday_day=30)
        with self.assertRaisesRegex(ValidationError, "Twice: give one date per year"):
            self.holiday(
                "Twice",
                holiday_repeat=greeting_data.REPEAT_DATES,
                date_ids=[(0, 0, {"date": date(2026, 1, 29)}), (0, 0, {"date": date(2026, 2, 17)})],
            )

    def test_access_per_group_and_company(self):
        person = self.customer("Seen Person", companies=self.company | self.la)
        person.crm_birthday = self.birthday
        self.run_cron()
        self.run_cron(self.la, moment="2026-06-16 20:00:00")
        user = make_company_user(
            self.env, "greet_user", "crm_satisfaction.crm_satisfaction_group_user", self.company
        )
        manager = make_company_user(
            self.env, "greet_manager", "crm_satisfaction.crm_satisfaction_group_manager", self.la
        )
        for who, company in ((user, self.company), (manager, self.la)):
            with self.subTest(user=who.login):
                logs = self.env["crm.greeting.log"].with_user(who).search([])
                self.assertEqual(logs.partner_id, person)
                self.assertEqual(logs.company_id, company)
        Occasion = self.env["crm.greeting.occasion"]
        self.assertEqual(
            Occasion.with_user(user).search([]), self.birthday_occasion | self.anniversary
        )
        with self.assertRaisesRegex(AccessError, "not allowed to create"):
            Occasion.with_user(user).create(
                {"name": "Mine", "kind": greeting_data.KIND_BIRTHDAY, "template_id": 1}
            )
        mine = Occasion.with_user(manager).create(
            {
                "name": "Harvest",
                "holiday_month": 9,
                "holiday_day": 23,
                "company_id": self.la.id,
                "template_id": self.birthday_occasion.template_id.id,
            }
        )
        self.assertFalse(Occasion.with_user(user).search([("id", "=", mine.id)]))


@tagged("post_install", "-at_install")
class TestGreetingScreens(CrmHttpCase):
    def test_manager_configures_a_moving_holiday(self):
        """static/tests/tours/crm_greeting_occasion_tour.js"""
        self.start_tour(
            "/odoo/action-crm_satisfaction.crm_greeting_occasion_action",
            "crm_greeting_occasion_tour",
            login="admin",
        )
        occasion = self.env["crm.greeting.occasion"].search([("name", "=", "Tour Spring Festival")])
        self.assertRecordValues(
            occasion,
            [
                {
                    "kind": greeting_data.KIND_HOLIDAY,
                    "holiday_repeat": greeting_data.REPEAT_DATES,
                    "template_id": self.env.ref(
                        "crm_satisfaction.mail_template_crm_greeting_holiday"
                    ).id,
                }
            ],
        )
        self.assertEqual(occasion.date_ids.mapped("date"), [date(2026, 2, 17)])
        self.assertEqual(
            occasion.tier_ids, self.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        )
