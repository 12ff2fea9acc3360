"""The control group: a share of the new warnings of each night, drawn at random within each kind
and risk level, gets no playbook (no activity, offer, note nor line in the managers' message),
takes no place in a salesperson's capacity and stays out of the salespeople's sight; its outcomes
close as any other's. The Playbook Uplift compares the closed warnings of both groups: retained
rates, the uplift with Newcombe's 95% interval, the revenue attributable to the playbooks with
Welch's, or why it cannot tell yet."""

import math
import statistics
from contextlib import suppress
from datetime import date, timedelta

from psycopg2.errors import CheckViolation

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.crm_churn_warning.models.churn_data import (
    KIND_RISK,
    KIND_WIN_BACK,
    LEVEL_HIGH,
    LEVEL_MEDIUM,
    STATE_DISMISSED,
    STATE_LOST,
    STATE_NEW,
    STATE_RETAINED,
)
from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import STAGE_CHURNED, engine_write
from odoo.addons.crm_lifecycle_tiering.tests.common import (
    CrmHttpCase,
    insert_orders,
    make_company_user,
)

from .common import ChurnCase, logged_events
from .test_churn_warning import WarningCase

REFUSED = "You cannot set “Control Group” of Churn Warning by hand"
# the normal quantile of a 95% interval
Z = 1.959963984540054


class Rollback(Exception):
    """Undoes a savepoint's work."""


def wilson(successes, total):
    """The Wilson score interval of successes / total, from its textbook form."""
    p = successes / total
    root = Z * math.sqrt(p * (1 - p) / total + Z**2 / (4 * total**2))
    return (
        (p + Z**2 / (2 * total) - root) / (1 + Z**2 / total),
        (p + Z**2 / (2 * total) + root) / (1 + Z**2 / total),
    )


def raised_warnings(env, company, night, spec, prefix="UPLIFT"):
    """Warnings raised on ``night``, one per new customer, and the customers' orders: ``spec`` is
    a list of (control?, count, state the warning came to, order amount or None, days after the
    night the order was placed). What became of a warning does not change its outcome."""
    vals_list, orders = [], []
    for is_control, count, state, amount, after in spec:
        partners = env["res.partner"].create(
            [
                {"name": f"{prefix} {len(vals_list) + index}", "is_company": True}
                for index in range(count)
            ]
        )
        vals_list += [
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "level": LEVEL_HIGH,
                "score": 70.0,
                "date": night,
                "is_control": is_control,
                "state": state,
            }
            for partner in partners
        ]
        if amount is not None:
            orders += [(partner, night + timedelta(days=after), amount) for partner in partners]
    if orders:
        insert_orders(env, company, orders, prefix=prefix)
    return (
        engine_write(env["crm.churn.warning"]).with_context(tracking_disable=True).create(vals_list)
    )


# 60 of 100 treated customers ordered within the horizon ($1,000 each), 40 of 100 customers of
# the control group ($900 each); some treated warnings marked lost or dismissed by hand though
# their customer ordered, some marked retained though they did not, some control customers
# ordering only after the horizon: none of it changes the outcome
UPLIFT_SPEC = [
    (False, 50, STATE_RETAINED, 1000.0, 10),
    (False, 5, STATE_LOST, 1000.0, 60),
    (False, 5, STATE_DISMISSED, 1000.0, 89),
    (False, 30, STATE_LOST, None, 0),
    (False, 10, STATE_RETAINED, None, 0),
    (True, 40, STATE_RETAINED, 900.0, 20),
    (True, 50, STATE_LOST, None, 0),
    (True, 10, STATE_NEW, 900.0, 95),
]


@tagged("post_install", "-at_install")
class TestControlGroupDraw(WarningCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.crm_churn_warning_capacity = 0
        # ten VIP customers at high risk (their playbook notifies the managers), ten at medium
        # risk, five churned customers for a win-back (an offer e-mail)
        cls.customers = {
            (KIND_RISK, LEVEL_HIGH): [
                cls.make_customer(f"Control VIP {i}", user=cls.salesperson) for i in range(10)
            ],
            (KIND_RISK, LEVEL_MEDIUM): [
                cls.make_customer(f"Control Standard {i}", user=cls.salesperson_2)
                for i in range(10)
            ],
            (KIND_WIN_BACK, LEVEL_HIGH): [
                cls.make_customer(f"Control Gone {i}", user=cls.salesperson) for i in range(5)
            ],
        }

    def rows(self):
        rows = []
        for (kind, level), customers in self.customers.items():
            for index, customer in enumerate(customers):
                rows.append(
                    self.make_row(
                        customer,
                        level,
                        (80.0 if level == LEVEL_HIGH else 50.0) - index,
                        tier=self.tier_vip if kind == KIND_RISK and level == LEVEL_HIGH else None,
                        stage=STAGE_CHURNED if kind == KIND_WIN_BACK else "repeat",
                    )
                )
        return rows

    def company_warnings(self, user=None):
        Warning = self.Warning.with_user(user) if user else self.Warning
        return Warning.search([("company_id", "=", self.company.id)], order="id")

    def managers_digest(self):
        return self.env["mail.message"].search(
            [
                ("subject", "like", "Churn warnings for the managers"),
                ("partner_ids", "in", self.manager.partner_id.ids),
            ]
        )

    def test_no_share_holds_nothing_back(self):
        self.assertEqual(self.company.crm_churn_control_share, 0)
        self.assertEqual(self.sync(self.rows())["created"], 25)
        warnings = self.company_warnings()
        self.assertFalse(warnings.filtered("is_control"))
        self.assertEqual(len(self.activities_of(warnings)), 25)

    def test_share_held_back_per_level_without_playbook(self):
        self.company.crm_churn_control_share = 20
        self.assertEqual(self.sync(self.rows())["created"], 25)
        warnings = self.company_warnings()
        control = warnings.filtered("is_control")
        for (kind, level), customers in self.customers.items():
            with self.subTest(kind=kind, level=level):
                stratum = control.filtered(lambda w, k=kind, lv=level: (w.kind, w.level) == (k, lv))
                self.assertEqual(len(stratum), round(0.2 * len(customers)))
        treated = warnings - control
        self.assertEqual(len(control), 5)
        # the control group: nothing done, nobody following; its note says it is the control
        self.assertFalse(self.activities_of(control))
        self.assertFalse(control.playbook_id)
        self.assertFalse(control.filtered("offer_sent_date"))
        self.assertFalse(control.message_follower_ids)
        for warning in control:
            self.assertFalse(self.offer_mails(warning.partner_id))
            [raised] = logged_events(warning, "crm_churn_warning.mt_crm_churn_warning_raised")
            self.assertEqual(raised["is_control"], (False, True))
            self.assertFalse(
                logged_events(warning, "crm_churn_warning.mt_crm_churn_warning_managers_notified")
            )
        # the treated warnings: their playbooks ran
        self.assertEqual(len(self.activities_of(treated)), 20)
        self.assertFalse(treated.filtered(lambda w: not w.playbook_id))
        win_back = treated.filtered(lambda w: w.kind == KIND_WIN_BACK)
        self.assertEqual(len(win_back), 4)
        for warning in win_back:
            self.assertTrue(self.offer_mails(warning.partner_id))
        # the managers' message lists the treated VIP warnings only
        digest = self.managers_digest()
        self.assertEqual(len(digest), 1)
        vip = warnings.filtered(lambda w: w.tier_id == self.tier_vip)
        for warning in vip:
            self.assertEqual(warning.name in digest.body, not warning.is_control, warning.name)
        self.assertEqual(digest.subject, "Churn warnings for the managers (8)")
        # an escalation leaves the control group alone
        escalated_rows = [
            self.make_row(w.partner_id, LEVEL_HIGH, 90.0)
            for w in warnings
            if w.level == LEVEL_MEDIUM
        ]
        self.assertEqual(self.sync(escalated_rows)["escalated"], 10)
        self.assertFalse(self.activities_of(control))
        self.assertEqual(len(self.managers_digest()), 1)
        self.assertEqual(warnings.filtered("is_control"), control)

    def test_same_night_draws_the_same(self):
        self.company.crm_churn_control_share = 20
        rows = self.rows()
        first = None
        with suppress(Rollback), self.env.cr.savepoint():
            self.sync(rows)
            first = self.company_warnings().filtered("is_control").partner_id
            raise Rollback
        self.env.invalidate_all()
        self.assertFalse(self.company_warnings())
        self.assertEqual(len(first), 5)
        self.sync(rows)
        self.assertEqual(self.company_warnings().filtered("is_control").partner_id, first)
        # and a run of the same night again changes nothing
        self.assertEqual(self.sync(rows), {"created": 0, "escalated": 0, "updated": 0})

    def test_control_takes_no_capacity(self):
        """Capacity 3: the salesperson works 3 new warnings; the control warnings of the
        customers ranked among them come along, those ranked below do not."""
        self.company.write({"crm_churn_warning_capacity": 3, "crm_churn_control_share": 50})
        customers = self.customers[KIND_RISK, LEVEL_HIGH]  # by score, highest first
        rows = self.rows()[:10]
        pairs = [(row, KIND_RISK) for row in rows]
        # a night whose draw holds back one of the three highest risks (half the nights do)
        night, control = next(
            (day, drawn)
            for day in (self.today - timedelta(days=days) for days in range(30))
            if (drawn := self.Warning._draw_control(self.company, day, pairs))
            & {customer.id for customer in customers[:3]}
        )
        self.assertEqual(len(control), 5)
        self.sync(rows, as_of=night)
        warnings = self.company_warnings()
        self.assertEqual(len(warnings.filtered(lambda w: not w.is_control)), 3)
        # the highest risks first, down to the third treated one, with the control ones among
        # them
        ranked, treated = [], 0
        for customer in customers:
            if treated == 3:
                break
            ranked.append(customer.id)
            treated += customer.id not in control
        self.assertGreater(len(ranked), 3)
        self.assertEqual(sorted(warnings.partner_id.ids), sorted(ranked))
        self.assertEqual(
            {w.partner_id.id for w in warnings.filtered("is_control")}, control & set(ranked)
        )
        # the day is full: a run again adds nothing
        self.assertEqual(self.sync(rows, as_of=night)["created"], 0)

    def test_nobody_sets_the_control_group_by_hand(self):
        self.company.crm_churn_control_share = 50
        self.sync(self.rows())
        warnings = self.company_warnings()
        control = warnings.filtered("is_control")[0]
        treated = warnings.filtered(lambda w: not w.is_control and w.user_id == self.salesperson)[0]
        customer = self.make_customer("Control By Hand", user=self.salesperson)
        for user, warning, value in (
            (self.manager, control, False),
            (self.manager, treated, True),
            (self.salesperson, treated, True),
        ):
            with self.subTest(user=user.login, warning=warning.name):
                with self.assertRaisesRegex(AccessError, REFUSED):
                    warning.with_user(user).write({"is_control": value})
        with self.assertRaisesRegex(AccessError, REFUSED):
            self.Warning.with_user(self.manager).create(
                {
                    "partner_id": customer.id,
                    "company_id": self.company.id,
                    "level": LEVEL_HIGH,
                    "score": 70.0,
                    "is_control": True,
                }
            )
        self.assertTrue(control.is_control)
        self.assertFalse(treated.is_control)

    def test_salespeople_do_not_see_the_control_group(self):
        self.company.crm_churn_control_share = 20
        self.sync(self.rows())
        warnings = self.company_warnings()
        control = warnings.filtered("is_control")
        self.assertEqual(self.company_warnings(self.manager), warnings)
        seen = self.company_warnings(self.salesperson) | self.company_warnings(self.salesperson_2)
        self.assertEqual(seen, warnings - control)
        self.assertFalse(
            self.env["crm.churn.warning.line"]
            .with_user(self.salesperson)
            .search([("warning_id", "in", control.ids)])
        )
        with self.assertRaises(AccessError):
            control.with_user(control[0].user_id).read(["name"])
        # nobody works them, not even a manager
        for action in ("action_start", "action_retain", "action_lose", "action_open_dismiss"):
            with self.subTest(action=action):
                with self.assertRaisesRegex(UserError, "These warnings are in the control group"):
                    getattr(control[:1].with_user(self.manager), action)()
        self.assertEqual(set(control.mapped("state")), {STATE_NEW})

    def test_control_outcomes_close_as_the_others(self):
        """Retained when the customer orders again, a win-back lost at its horizon: the
        nightly outcomes treat both groups alike."""
        self.company.crm_churn_control_share = 50
        raised = self.today - timedelta(days=200)
        self.sync(self.rows(), as_of=raised)
        warnings = self.company_warnings()
        risk = warnings.filtered(lambda w: w.kind == KIND_RISK and w.level == LEVEL_HIGH)
        self.assertEqual(len(risk.filtered("is_control")), 5)
        insert_orders(
            self.env,
            self.company,
            [(w.partner_id, raised + timedelta(days=10), 300.0) for w in risk],
            prefix="CONTROL",
        )
        self.Warning._close_outcomes(self.company, raised + timedelta(days=20))
        self.assertEqual(set(risk.mapped("state")), {STATE_RETAINED})
        self.assertEqual(set(risk.mapped("revenue_after")), {300.0})
        win_back = warnings.filtered(lambda w: w.kind == KIND_WIN_BACK)
        self.assertTrue(win_back.filtered("is_control"))
        horizon = raised + timedelta(days=self.company.crm_churn_win_back_days)
        self.Warning._close_outcomes(self.company, horizon)
        self.assertEqual(set(win_back.mapped("state")), {STATE_LOST})


@tagged("post_install", "-at_install")
class TestPlaybookUplift(ChurnCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.crm_churn_control_share = 10
        cls.company.crm_churn_backtest_horizon = 90
        # a night whose 90 days are over
        cls.night = cls.crm_today(cls.company) - timedelta(days=200)

    def uplift(self, **values):
        return (
            self.env["crm.churn.uplift"]
            .with_user(self.churn_manager)
            .create({"company_id": self.company.id, **values})
        )

    def test_uplift_of_measured_outcomes(self):
        raised_warnings(self.env, self.company, self.night, UPLIFT_SPEC)
        # left out: a night that drew no control group, and a night whose horizon is not over
        raised_warnings(
            self.env, self.company, self.night - timedelta(days=1), UPLIFT_SPEC[:1], "EARLIER"
        )
        recent = self.crm_today(self.company) - timedelta(days=89)
        raised_warnings(self.env, self.company, recent, UPLIFT_SPEC[5:7], "RECENT")
        uplift = self.uplift()
        self.assertRecordValues(
            uplift,
            [
                {
                    "horizon_days": 90,
                    "treated_count": 100,
                    "treated_retained": 60,
                    "treated_rate": 0.6,
                    "treated_revenue": 600.0,
                    "control_count": 100,
                    "control_retained": 40,
                    "control_rate": 0.4,
                    "control_revenue": 360.0,
                    "measurable": True,
                }
            ],
        )
        # Newcombe: d - sqrt((p1 - l1)^2 + (u2 - p2)^2), d + sqrt((u1 - p1)^2 + (p2 - l2)^2)
        low_1, high_1 = wilson(60, 100)
        low_2, high_2 = wilson(40, 100)
        self.assertAlmostEqual(uplift.uplift, 0.2, places=12)
        self.assertAlmostEqual(
            uplift.uplift_low, 0.2 - math.hypot(0.6 - low_1, high_2 - 0.4), places=12
        )
        self.assertAlmostEqual(
            uplift.uplift_high, 0.2 + math.hypot(high_1 - 0.6, 0.4 - low_2), places=12
        )
        self.assertAlmostEqual(uplift.uplift_low, 0.0614, places=4)
        self.assertAlmostEqual(uplift.uplift_high, 0.3281, places=4)
        # (600 - 360) x 100 treated warnings; Welch: +/- z sqrt(s1^2 / 100 + s2^2 / 100)
        self.assertAlmostEqual(uplift.revenue_uplift, 24000.0, places=6)
        half = Z * math.sqrt(
            statistics.variance([1000.0] * 60 + [0.0] * 40) / 100
            + statistics.variance([900.0] * 40 + [0.0] * 60) / 100
        )
        self.assertAlmostEqual(uplift.revenue_uplift_low, (240 - half) * 100, places=2)
        self.assertAlmostEqual(uplift.revenue_uplift_high, (240 + half) * 100, places=2)
        self.assertEqual(
            uplift.summary,
            "Retained: 60.0% of the treated warnings, 40.0% of the control group. Uplift: 20.0 "
            "points (95% interval 6.1 to 32.8). Revenue retained by the playbooks: "
            "$\N{NO-BREAK SPACE}24,000.00 (95% interval $\N{NO-BREAK SPACE}11,016.99 to "
            "$\N{NO-BREAK SPACE}36,983.01).",
        )
        # the dates narrow the warnings: from the next day, only the recent night, whose
        # horizon is not over
        uplift.date_from = self.night + timedelta(days=1)
        self.assertEqual((uplift.treated_count, uplift.control_count), (0, 0))
        self.assertFalse(uplift.measurable)
        self.assertEqual(
            uplift.summary,
            "The uplift cannot be measured yet: 0 treated warnings and 0 control warnings were "
            "raised 90 days ago or more; each group needs at least 30.",
        )
        # and no night at all
        uplift.date_to = self.night + timedelta(days=10)
        self.assertEqual(
            uplift.summary,
            "The uplift cannot be measured yet: no warning of these dates is in the control "
            "group. Each group needs at least 30 warnings raised 90 days ago or more.",
        )
        # a longer horizon: the same warnings, now with the orders of 95 days after them
        self.company.crm_churn_backtest_horizon = 100
        uplift.write({"date_from": False, "date_to": False})
        self.assertEqual((uplift.control_count, uplift.control_retained), (100, 50))

    def test_too_few_measured_warnings(self):
        spec = [*UPLIFT_SPEC[:2], (True, 10, STATE_NEW, 900.0, 5), (True, 19, STATE_NEW, None, 0)]
        raised_warnings(self.env, self.company, self.night, spec)
        uplift = self.uplift()
        self.assertEqual((uplift.treated_count, uplift.control_count), (55, 29))
        self.assertFalse(uplift.measurable)
        self.assertEqual((uplift.uplift, uplift.revenue_uplift), (0.0, 0.0))
        self.assertEqual(
            uplift.summary,
            "The uplift cannot be measured yet: 55 treated warnings and 29 control warnings "
            "were raised 90 days ago or more; each group needs at least 30.",
        )

    def test_no_control_group(self):
        self.company.crm_churn_control_share = 0
        raised_warnings(self.env, self.company, self.night, UPLIFT_SPEC[:2])
        uplift = self.uplift()
        self.assertFalse(uplift.measurable)
        self.assertEqual((uplift.treated_count, uplift.control_count), (0, 0))
        self.assertEqual(
            uplift.summary,
            "The uplift cannot be measured: Churn Test Co has no control group (its share is 0 "
            "in the settings), so every new warning gets its playbook. Set a share, e.g. 10%, "
            "to hold back part of the new warnings.",
        )

    def test_other_companies_uplift(self):
        other = self.env["res.company"].create({"name": "Uplift Other Co"})
        message = "You cannot measure the playbooks' uplift of Uplift Other Co"
        with self.assertRaisesRegex(AccessError, message):
            self.uplift(company_id=other.id)
        uplift = self.uplift()
        with self.assertRaisesRegex(AccessError, message):
            uplift.company_id = other

    def test_share_bounds(self):
        for share in (60, -1, 50.5):
            with self.subTest(share=share):
                with self.assertRaisesRegex(
                    ValidationError,
                    f"cannot hold {share:g}% of the new churn warnings: choose between 0 "
                    r"\(no control group\) and 50%",
                ):
                    self.company.crm_churn_control_share = share
        self.company.crm_churn_control_share = 50
        self.company.flush_recordset()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaisesRegex(CheckViolation, "res_company_crm_churn_control_share_range"),
            self.cr.savepoint(),
        ):
            self.env.cr.execute(
                "UPDATE res_company SET crm_churn_control_share = 60 WHERE id = %s",
                [self.company.id],
            )
        self.company.invalidate_recordset()
        self.assertEqual(self.company.crm_churn_control_share, 50)


@tagged("post_install", "-at_install")
class TestPlaybookUpliftTour(CrmHttpCase):
    def test_manager_reads_the_uplift(self):
        company = self.env.ref("base.main_company")
        company.crm_churn_control_share = 10
        make_company_user(
            self.env,
            "uplift_manager",
            "sales_team.group_sale_manager,crm_churn_warning.crm_churn_warning_group_manager",
            company,
        )
        # a night well before the demo history
        raised_warnings(self.env, company, date(2020, 3, 2), UPLIFT_SPEC, "UPLIFT TOUR")
        self.start_tour("/odoo", "crm_churn_uplift_tour", login="uplift_manager")
