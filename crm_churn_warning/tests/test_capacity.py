"""The company's capacity of new churn warnings per salesperson and day, and no offer e-mail to
customers found lost in the history at installation.

A company installing the addons on years of history finds thousands of customers at risk on the
first night: each salesperson gets at most the capacity of new warnings (and activities) a day,
the highest risks first; the others keep their score and come the following nights. Escalations
of open warnings are never held back. Win-back offer e-mails go only to customers who churned
after the company's start date."""

from datetime import timedelta

import psycopg2

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.crm_churn_warning.models.churn_data import (
    KIND_RISK,
    KIND_WIN_BACK,
    LEVEL_HIGH,
    LEVEL_MEDIUM,
)

from .common import AS_OF, ChurnCase
from .test_churn_warning import WarningCase


@tagged("post_install", "-at_install")
class TestWarningCapacity(WarningCase):
    """Scoring rows handed to the warnings by hand, the capacity at 3 a salesperson a day."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.crm_churn_warning_capacity = 3

    def customers(self, user, specs):
        """{name: (customer, level, score)} of ``user`` (None: no salesperson), created in the
        order of ``specs`` [(name, level, score)], so their ids rise in that order."""
        return {
            name: (self.make_customer(name, user=user), level, score)
            for name, level, score in specs
        }

    def rows(self, customers, *names, **kwargs):
        return [
            self.make_row(customers[name][0], customers[name][1], customers[name][2], **kwargs)
            for name in names
        ]

    def warned(self, user=None, as_of=None):
        """Names of the customers warned (of ``user``, on ``as_of``), in the order the
        warnings were raised."""
        domain = [("company_id", "=", self.company.id)]
        if user is not None:
            domain.append(("user_id", "=", user.id or False))
        if as_of:
            domain.append(("date", "=", as_of))
        return self.Warning.search(domain, order="id").partner_id.mapped("name")

    def test_highest_risk_first_per_salesperson(self):
        """Score first, then level, then the customer (the older one first): A2 and A4 both
        score 80 and A2 came first; B2 and B1 both score 60 and B2 is at high risk."""
        a = self.customers(
            self.salesperson,
            [
                ("A1", LEVEL_MEDIUM, 45.0),
                ("A2", LEVEL_HIGH, 80.0),
                ("A3", LEVEL_HIGH, 62.0),
                ("A4", LEVEL_HIGH, 80.0),
                ("A5", LEVEL_MEDIUM, 55.0),
            ],
        )
        b = self.customers(
            self.salesperson_2,
            [
                ("B1", LEVEL_MEDIUM, 60.0),
                ("B2", LEVEL_HIGH, 60.0),
                ("B3", LEVEL_HIGH, 90.0),
                ("B4", LEVEL_MEDIUM, 41.0),
                ("B5", LEVEL_HIGH, 70.0),
            ],
        )
        # the order of the rows does not matter
        rows = self.rows(b, "B5", "B4", "B3", "B2", "B1") + self.rows(a, "A5", "A4", "A3", "A2")
        rows += self.rows(a, "A1")
        self.assertEqual(self.sync(rows), {"created": 6, "escalated": 0, "updated": 0})
        self.assertEqual(self.warned(self.salesperson), ["A2", "A4", "A3"])
        self.assertEqual(self.warned(self.salesperson_2), ["B3", "B5", "B2"])
        # references follow the risk across salespeople too
        self.assertEqual(self.warned(), ["B3", "A2", "A4", "B5", "A3", "B2"])
        warnings = self.Warning.search([("company_id", "=", self.company.id)])
        activities = self.activities_of(warnings)
        self.assertEqual(len(activities), 6)
        self.assertEqual(
            len(activities.filtered(lambda a: a.user_id == self.salesperson)), 3, "A's activities"
        )
        self.assertEqual(
            len(activities.filtered(lambda a: a.user_id == self.salesperson_2)), 3, "B's"
        )
        # the others are left for the next night, without warning
        for name in ("A1", "A5"):
            self.assertFalse(self.warnings_of(a[name][0]), name)
        for name in ("B1", "B4"):
            self.assertFalse(self.warnings_of(b[name][0]), name)

        # the same rows again the same day: the 3 of each are already raised today
        self.assertEqual(self.sync(rows), {"created": 0, "escalated": 0, "updated": 0})
        self.assertEqual(len(self.warned()), 6)

    def test_customers_without_salesperson_share_one_allowance(self):
        """Customers without a salesperson count against one allowance for the company (their
        activities go to its first churn manager), beside each salesperson's own."""
        nobody = self.customers(
            self.env["res.users"],
            [
                ("N1", LEVEL_MEDIUM, 50.0),
                ("N2", LEVEL_HIGH, 85.0),
                ("N3", LEVEL_HIGH, 70.0),
                ("N4", LEVEL_HIGH, 65.0),
            ],
        )
        a = self.customers(self.salesperson, [("A1", LEVEL_MEDIUM, 45.0)])
        rows = self.rows(nobody, "N1", "N2", "N3", "N4") + self.rows(a, "A1")
        self.assertEqual(self.sync(rows)["created"], 4)
        self.assertEqual(self.warned(self.env["res.users"]), ["N2", "N3", "N4"])
        self.assertEqual(self.warned(self.salesperson), ["A1"])
        orphans = self.Warning.search(
            [("company_id", "=", self.company.id), ("user_id", "=", False)]
        )
        self.assertEqual(self.activities_of(orphans).user_id, self.manager)
        self.assertFalse(self.warnings_of(nobody["N1"][0]))

    def test_batches_and_days(self):
        """Batch 1 raises A2 (70) and A1 (50); batch 2 has room for one more of A (A3, the
        highest) and B1; both batches again add nothing. The next day the next three of A (A5
        80, A4 60, A6 45) are raised, A7 (42) the day after."""
        a = self.customers(
            self.salesperson,
            [
                ("A1", LEVEL_MEDIUM, 50.0),
                ("A2", LEVEL_HIGH, 70.0),
                ("A3", LEVEL_HIGH, 90.0),
                ("A4", LEVEL_HIGH, 60.0),
                ("A5", LEVEL_HIGH, 80.0),
                ("A6", LEVEL_MEDIUM, 45.0),
                ("A7", LEVEL_MEDIUM, 42.0),
            ],
        )
        b = self.customers(self.salesperson_2, [("B1", LEVEL_MEDIUM, 40.0)])
        batch_1 = self.rows(a, "A1", "A2")
        batch_2 = self.rows(a, "A3", "A4", "A5", "A6", "A7") + self.rows(b, "B1")
        self.assertEqual(self.sync(batch_1)["created"], 2)
        self.assertEqual(self.sync(batch_2), {"created": 2, "escalated": 0, "updated": 0})
        self.assertEqual(self.warned(self.salesperson), ["A2", "A1", "A3"])
        self.assertEqual(self.warned(self.salesperson_2), ["B1"])
        # the run again the same day (a resumed or repeated run)
        self.assertEqual(self.sync(batch_2), {"created": 0, "escalated": 0, "updated": 0})
        self.assertEqual(self.sync(batch_1), {"created": 0, "escalated": 0, "updated": 0})
        self.assertEqual(len(self.warned()), 4)

        tomorrow = self.today + timedelta(days=1)
        result = self.sync(batch_1 + batch_2, as_of=tomorrow)
        self.assertEqual(result, {"created": 3, "escalated": 0, "updated": 0})
        self.assertEqual(self.warned(self.salesperson, as_of=tomorrow), ["A5", "A4", "A6"])
        self.assertFalse(self.warnings_of(a["A7"][0]))
        after = self.today + timedelta(days=2)
        self.assertEqual(self.sync(batch_1 + batch_2, as_of=after)["created"], 1)
        self.assertEqual(self.warned(self.salesperson, as_of=after), ["A7"])
        self.assertEqual(len(self.warned(self.salesperson)), 7)

    def test_zero_is_no_limit(self):
        self.assertEqual(
            self.env["res.company"]
            .create({"name": "Capacity Default Co"})
            .crm_churn_warning_capacity,
            10,
        )
        self.company.crm_churn_warning_capacity = 0
        many = self.customers(
            self.salesperson, [(f"M{n:02d}", LEVEL_MEDIUM, 40.0 + n) for n in range(12)]
        )
        self.assertEqual(self.sync(self.rows(many, *many))["created"], 12)
        warnings = self.Warning.search([("company_id", "=", self.company.id)])
        self.assertEqual(len(self.activities_of(warnings)), 12)
        # highest risk first: M11 (51.0) down to M00 (40.0)
        self.assertEqual(self.warned(), [f"M{n:02d}" for n in range(11, -1, -1)])

    def test_escalations_not_limited(self):
        """A1 and A2 fill the capacity of 2; rising to high the same day they escalate (the
        playbook runs again: a second activity each) while A3, new, waits for the next day."""
        self.company.crm_churn_warning_capacity = 2
        a = self.customers(
            self.salesperson,
            [("A1", LEVEL_MEDIUM, 45.0), ("A2", LEVEL_MEDIUM, 50.0), ("A3", LEVEL_HIGH, 90.0)],
        )
        self.assertEqual(self.sync(self.rows(a, "A1", "A2"))["created"], 2)
        rising = [
            self.make_row(a["A1"][0], LEVEL_HIGH, 65.0),
            self.make_row(a["A2"][0], LEVEL_HIGH, 70.0),
            *self.rows(a, "A3"),
        ]
        self.assertEqual(self.sync(rising), {"created": 0, "escalated": 2, "updated": 0})
        for name in ("A1", "A2"):
            warning = self.warnings_of(a[name][0])
            self.assertEqual((warning.level, warning.escalation_count), (LEVEL_HIGH, 1))
            self.assertEqual(len(self.activities_of(warning)), 2, name)
        self.assertFalse(self.warnings_of(a["A3"][0]))
        tomorrow = self.today + timedelta(days=1)
        self.assertEqual(self.sync(rising, as_of=tomorrow)["created"], 1)
        self.assertEqual(self.warned(self.salesperson, as_of=tomorrow), ["A3"])

    @mute_logger("odoo.sql_db")
    def test_capacity_setting_and_bounds(self):
        settings = self.env["res.config.settings"].with_company(self.company).create({})
        self.assertEqual(settings.crm_churn_warning_capacity, 3)
        settings.crm_churn_warning_capacity = 25
        settings.execute()
        self.assertEqual(self.company.crm_churn_warning_capacity, 25)
        for value in (-1, 1001):
            with (
                self.subTest(value=value),
                self.assertRaisesRegex(
                    psycopg2.errors.CheckViolation,
                    'violates check constraint "res_company_crm_churn_warning_capacity_range"',
                ),
                self.env.cr.savepoint(),
            ):
                self.company.crm_churn_warning_capacity = value
                self.company.flush_recordset()
        self.company.crm_churn_warning_capacity = 1000
        self.company.flush_recordset()
        self.assertEqual(self.company.crm_churn_warning_capacity, 1000)


@tagged("post_install", "-at_install")
class TestInstallationOffers(WarningCase):
    """The addons start serving the company today (its first scoring night): the customers who
    churned before (last order plus 180 churn days before today) get a win-back warning and its
    activity, within the capacity, but no offer e-mail."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"crm_start_date": cls.today, "crm_churn_warning_capacity": 3})

    def offers(self):
        return self.env["mail.mail"].search_count([("model", "=", "crm.churn.warning")])

    def test_first_night_no_offer_later_night_offers(self):
        self.assertEqual(self.company.crm_churn_days, 180)
        lost = {
            name: self.make_customer(name, user=self.salesperson)
            for name in ("Lost 1", "Lost 2", "Lost 3", "Lost 4")
        }
        # last orders 400, 300, 200 and 250 days ago: churned 220, 120, 20 and 70 days ago
        night_1 = [
            self.make_row(lost["Lost 1"], LEVEL_HIGH, 75.0, stage="churned", days=400),
            self.make_row(lost["Lost 2"], LEVEL_MEDIUM, 55.0, stage="churned", days=300),
            self.make_row(lost["Lost 3"], LEVEL_MEDIUM, 50.0, stage="churned", days=200),
            self.make_row(lost["Lost 4"], LEVEL_MEDIUM, 45.0, stage="churned", days=250),
        ]
        mails = self.offers()
        self.assertEqual(self.sync(night_1)["created"], 3)
        self.assertEqual(self.offers(), mails)
        warnings = self.Warning.search([("company_id", "=", self.company.id)], order="id")
        self.assertEqual(warnings.partner_id.mapped("name"), ["Lost 1", "Lost 2", "Lost 3"])
        self.assertEqual(set(warnings.mapped("kind")), {KIND_WIN_BACK})
        self.assertEqual(
            warnings.playbook_id, self.env.ref("crm_churn_warning.crm_churn_playbook_win_back")
        )
        self.assertFalse(any(warnings.mapped("offer_sent_date")))
        # the activities are there (within the capacity), and the chatter says why no e-mail
        self.assertEqual(len(self.activities_of(warnings)), 3)
        self.assertEqual(self.activities_of(warnings).user_id, self.salesperson)
        withheld = self.env.ref("crm_churn_warning.mt_crm_churn_warning_offer_withheld")
        for warning in warnings:
            self.assertEqual(
                len(warning.message_ids.filtered(lambda m: m.subtype_id == withheld)),
                1,
                warning.partner_id.name,
            )

        # ten nights later: Lost 4 (from the backlog) and Lost 2 (escalated) still get no
        # e-mail; Fresh, whose last order was 175 days before the start (churned 5 days after
        # it), gets the offer
        later = self.today + timedelta(days=10)
        fresh = self.make_customer("Fresh", user=self.salesperson)
        night_2 = [
            night_1[3],
            self.make_row(lost["Lost 2"], LEVEL_HIGH, 70.0, stage="churned", days=300),
            self.make_row(fresh, LEVEL_MEDIUM, 48.0, stage="churned", days=175),
        ]
        result = self.sync(night_2, as_of=later)
        self.assertEqual(result, {"created": 2, "escalated": 1, "updated": 0})
        self.assertEqual(self.offers(), mails + 1)
        self.assertEqual(len(self.offer_mails(fresh)), 1)
        for name in ("Lost 2", "Lost 4"):
            self.assertFalse(self.offer_mails(lost[name]), name)
        self.assertEqual(self.warnings_of(fresh).offer_sent_date, later)
        self.assertFalse(self.warnings_of(lost["Lost 4"]).offer_sent_date)

    def test_risk_warnings_unaffected(self):
        """A customer who still buys is not churned: the start date withholds nothing."""
        customer = self.make_customer("Still buying", user=self.salesperson)
        self.sync([self.make_row(customer, LEVEL_MEDIUM, 45.0, days=60)])
        warning = self.warnings_of(customer)
        self.assertEqual(warning.kind, KIND_RISK)
        self.assertFalse(
            self.env["crm.churn.playbook"]._is_offer_withheld(self.company, KIND_RISK, self.today)
        )
        withheld = self.env.ref("crm_churn_warning.mt_crm_churn_warning_offer_withheld")
        self.assertNotIn(withheld, warning.message_ids.subtype_id)


@tagged("post_install", "-at_install")
class TestCapacityEngine(ChurnCase):
    """The real nightly scoring in batches of 2 customers, the capacity at 1 a salesperson a
    day: the batches share the day's capacity, every customer keeps its score, and the next
    nights warn the next ones.

    Signals overdue (weight 3) and no engagement (1): five orders 10 days apart, the last 160
    days ago, are overdue; never contacted as well: 100 (high); contacted 5 days ago: 75
    (high). Batches by customer id: P1 P2 | P3 Q1 | Q2 Q3."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.crm_churn_warning_capacity = 1
        salesperson_a, salesperson_b = cls.churn_user, cls.churn_manager
        cls.partners = {}
        for name, user, contacted in (
            ("P1", salesperson_a, False),
            ("P2", salesperson_a, False),
            ("P3", salesperson_a, True),
            ("Q1", salesperson_b, False),
            ("Q2", salesperson_b, True),
            ("Q3", salesperson_b, True),
        ):
            partner = cls.make_customer(name, user_id=user.id)
            cls.make_orders(partner, cls.every(AS_OF - timedelta(days=200), 10, 5))
            if contacted:
                cls.make_message(partner, AS_OF - timedelta(days=5))
            cls.partners[name] = partner

    def setUp(self):
        super().setUp()
        self.only_signals("overdue", "no_engagement")

    def run_night(self, as_of):
        with self.patch_model(), self.batch_size(2):
            return self.engine._score_company(self.company, as_of=as_of)

    def warned(self, as_of):
        warnings = self.env["crm.churn.warning"].search(
            [("company_id", "=", self.company.id), ("date", "=", as_of)], order="id"
        )
        return warnings.partner_id.mapped("name")

    def test_batches_share_the_day(self):
        result = self.run_night(AS_OF)
        self.assertEqual(result["scored"], 6)
        self.assertEqual(self.warned(AS_OF), ["P1", "Q1"])
        stored = [
            (p.crm_churn_score, p.crm_churn_level)
            for p in (
                self.partners[name].with_company(self.company)
                for name in ("P1", "P2", "P3", "Q1", "Q2", "Q3")
            )
        ]
        self.assertEqual(
            stored,
            [(100.0, LEVEL_HIGH)] * 2
            + [(75.0, LEVEL_HIGH), (100.0, LEVEL_HIGH)]
            + [(75.0, LEVEL_HIGH)] * 2,
        )
        # the run again the same day raises nothing
        self.run_night(AS_OF)
        self.assertEqual(self.warned(AS_OF), ["P1", "Q1"])
        day_2, day_3 = AS_OF + timedelta(days=1), AS_OF + timedelta(days=2)
        self.run_night(day_2)
        self.assertEqual(self.warned(day_2), ["P2", "Q2"])
        self.run_night(day_3)
        self.assertEqual(self.warned(day_3), ["P3", "Q3"])
        warnings = self.env["crm.churn.warning"].search([("company_id", "=", self.company.id)])
        self.assertEqual(len(warnings), 6)
        self.assertEqual(
            len(warnings.activity_ids.filtered(lambda a: a.user_id == self.churn_user)), 3
        )
