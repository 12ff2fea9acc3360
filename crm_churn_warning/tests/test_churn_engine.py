import json
from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import AS_OF, ChurnCase


def ago(days):
    return AS_OF - timedelta(days=days)


@tagged("post_install", "-at_install")
class TestChurnSignals(ChurnCase):
    """Each signal on hand-made histories, as of 2026-06-30, alone (score 100 when it
    triggers)."""

    def reasons(self, rows, partner):
        """(signal code, figure, the reason in English) of each reason of the partner."""
        render = self.env["crm.churn.reason"].with_context(lang="en_US")._get_renderer()
        return [
            (r["code"], r["value"], render(r["details"], line=True))
            for r in rows[partner.id]["reasons"]
        ]

    def parts(self, rows, partner):
        """The reason codes of what each signal of the partner found."""
        return [[code for code, _figures in r["details"]] for r in rows[partner.id]["reasons"]]

    def test_overdue_against_own_interval_and_company_median(self):
        self.only_signals("overdue")
        late = self.make_customer("Late Buyer")
        self.make_orders(late, self.every(ago(134 + 3 * 41), 41, 4))
        on_time = self.make_customer("On-time Buyer")  # 61 days <= 1.5 x 41
        self.make_orders(on_time, self.every(ago(61 + 2 * 41), 41, 3))
        just_late = self.make_customer("Just Late Buyer")  # 62 days > 61.5
        self.make_orders(just_late, self.every(ago(62 + 41), 41, 2))
        # two orders on one day count as one purchase day: interval 30, not 15
        same_day = self.make_customer("Same-day Buyer")
        self.make_orders(same_day, [ago(80), ago(80), ago(50)])
        once_late = self.make_customer("One-order Buyer")
        self.make_orders(once_late, [ago(70)])
        once_recent = self.make_customer("Recent One-order Buyer")
        self.make_orders(once_recent, [ago(61)])

        rows = self.evaluate()
        # company median of the mean intervals (41, 41, 41, 30) = 41
        self.assertEqual(
            rows[late.id]["reasons"][0]["details"],
            [["overdue", {"days": 134, "interval": 41.0}]],
        )
        self.assertEqual(self.parts(rows, once_late), [["overdue_median"]])
        self.assertEqual(
            self.reasons(rows, late),
            [("overdue", 134.0, "No order for 134 days; usual interval 41 days")],
        )
        self.assertEqual(rows[late.id]["score"], 100.0)
        self.assertEqual(rows[late.id]["level"], "high")
        self.assertEqual(rows[on_time.id]["reasons"], [])
        self.assertEqual((rows[on_time.id]["score"], rows[on_time.id]["level"]), (0.0, "none"))
        self.assertEqual(
            self.reasons(rows, just_late),
            [("overdue", 62.0, "No order for 62 days; usual interval 41 days")],
        )
        self.assertEqual(
            self.reasons(rows, same_day),
            [("overdue", 50.0, "No order for 50 days; usual interval 30 days")],
        )
        self.assertEqual(
            self.reasons(rows, once_late),
            [
                (
                    "overdue",
                    70.0,
                    "No order for 70 days; usual interval 41 days (median of the company's "
                    "customers, a single order so far)",
                )
            ],
        )
        self.assertEqual(rows[once_recent.id]["reasons"], [])

    def test_overdue_factor_and_no_median(self):
        self.only_signals("overdue")
        self.signals["overdue"].factor = 3.0
        buyer = self.make_customer("Factor Buyer")
        self.make_orders(buyer, self.every(ago(100 + 40), 40, 2))  # 100 <= 3 x 40
        once = self.make_customer("Only One-order Buyers")
        rows = self.evaluate()
        self.assertEqual(rows[buyer.id]["reasons"], [])
        self.signals["overdue"].factor = 2.4
        self.make_orders(once, [ago(500)])
        rows = self.evaluate()
        self.assertEqual(self.reasons(rows, buyer)[0][:2], ("overdue", 100.0))
        # the median is 40: 500 > 2.4 x 40
        self.assertEqual(self.reasons(rows, once)[0][:2], ("overdue", 500.0))

        # a company whose customers all ordered once has no usual interval to compare with
        other = self.env["res.company"].create({"name": "Single Orders Co"})
        self.make_orders(once, [ago(500)], company=other)
        rows = self.evaluate(company=other)
        self.assertEqual(rows[once.id]["reasons"], [])

    def test_spend_and_frequency_drop(self):
        self.only_signals("spend_drop", "frequency_drop")
        dropping = self.make_customer("Dropping Spender")
        # 90 days before: 3 orders (1,000 + 600 + 400; 2026-04-01 is the last day before the
        # recent period), last 90 days: one order of 700
        self.make_orders(dropping, [ago(170), ago(120), ago(90), ago(30)], [1000, 600, 400, 700])
        steady = self.make_customer("Steady Spender")  # -40% spend, same number of orders
        self.make_orders(steady, [ago(150), ago(20)], [1000, 600])
        newcomer = self.make_customer("Newcomer")  # nothing before: nothing can drop
        self.make_orders(newcomer, [ago(10)], [50])
        half = self.make_customer("Half Spender")  # exactly 50%: triggers
        self.make_orders(half, [ago(100), ago(89)], [800, 400])
        gone = self.make_customer("Gone Spender")  # nothing in the last 90 days: -100%
        self.make_orders(gone, [ago(100), ago(95)], [2500, 1500.4])

        rows = self.evaluate()
        self.assertEqual(
            self.reasons(rows, dropping),
            [
                (
                    "spend_drop",
                    65.0,
                    "Spend down 65% in the last 90 days: $\xa0700.00 against $\xa02,000.00 the "
                    "90 days before",
                ),
                (
                    "frequency_drop",
                    66.7,
                    "Orders down 67% in the last 90 days: 1 against 3 the 90 days before",
                ),
            ],
        )
        self.assertEqual(
            rows[dropping.id]["reasons"][0]["details"],
            [
                [
                    "spend_drop",
                    {
                        "drop": 65.0,
                        "days": 90,
                        "recent": 700.0,
                        "before": 2000.0,
                        "currency_id": self.usd.id,
                    },
                ]
            ],
        )
        # spend down 65% and orders down 66.7% past thresholds of 50%: two thirds of each
        # signal and (drop - 50) / 50 of the last third, weights 2 and 2
        self.assertEqual(
            rows[dropping.id]["score"],
            round(100 * (2 / 3 + 15 / 50 / 3 + 2 / 3 + (200 / 3 - 50) / 50 / 3) / 2, 1),
        )
        self.assertEqual(rows[steady.id]["reasons"], [])
        self.assertEqual(rows[newcomer.id]["reasons"], [])
        self.assertEqual(
            self.reasons(rows, half),
            [
                (
                    "spend_drop",
                    50.0,
                    "Spend down 50% in the last 90 days: $\xa0400.00 against $\xa0800.00 the 90 "
                    "days before",
                )
            ],
        )
        self.assertEqual(rows[half.id]["score"], 33.3)  # two thirds of 2 of 4
        self.assertEqual(
            [reason[:2] for reason in self.reasons(rows, gone)],
            [("spend_drop", 100.0), ("frequency_drop", 100.0)],
        )
        self.assertIn("$\xa00.00 against $\xa04,000.40", self.reasons(rows, gone)[0][2])

        # other periods and thresholds
        self.signals["spend_drop"].write({"period_days": 30, "threshold": 90})
        self.signals["frequency_drop"].period_days = 60
        rows = self.evaluate()
        # spend, 30 days: nothing since 2026-05-31, 700 in the 30 days before: -100%;
        # orders, 60 days: one (2026-05-31) against one (2026-04-01): no drop
        self.assertEqual(
            self.reasons(rows, dropping),
            [
                (
                    "spend_drop",
                    100.0,
                    "Spend down 100% in the last 30 days: $\xa00.00 against $\xa0700.00 the 30 "
                    "days before",
                )
            ],
        )
        self.assertEqual(rows[steady.id]["reasons"], [])

    def test_complaints(self):
        self.only_signals("complaints")
        urgent = self.make_customer("Urgent Complainer")
        self.make_complaint(urgent, ago(200), priority="3")
        breached = self.make_customer("Breached Complainer")
        self.make_complaint(breached, ago(100), breached_on=ago(5))
        later_breach = self.make_customer("Later Breach")  # breached after the date
        self.make_complaint(later_breach, ago(100), breached_on=ago(-3))
        frequent = self.make_customer("Frequent Complainer")
        self.make_complaint(frequent, ago(80), closed_on=ago(70))
        self.make_complaint(frequent, ago(3), closed_on=ago(1))
        spread = self.make_customer("Spread Complainer")
        self.make_complaint(spread, ago(95), closed_on=ago(90))
        self.make_complaint(spread, ago(20), closed_on=ago(10))
        closed_urgent = self.make_customer("Closed Urgent")
        self.make_complaint(closed_urgent, ago(150), priority="3", closed_on=ago(120))
        reopened = self.make_customer("Closed Later")  # closed after the date: open then
        self.make_complaint(reopened, ago(150), priority="3", closed_on=ago(-10))
        both = self.make_customer("Both Complainer")
        self.make_complaint(both, ago(30), priority="3")
        self.make_complaint(both, ago(20), breached_on=ago(10))
        elsewhere = self.make_customer("Complains Elsewhere")
        other = self.env["res.company"].create({"name": "Complaint Elsewhere Co"})
        self.make_complaint(elsewhere, ago(20), priority="3", company=other)
        self.make_complaint(elsewhere, ago(10), priority="3", company=other)
        customers = (
            urgent,
            breached,
            later_breach,
            frequent,
            spread,
            closed_urgent,
            reopened,
            both,
            elsewhere,
        )
        for customer in customers:
            self.make_orders(customer, [ago(10)])

        rows = self.evaluate()
        self.assertEqual(
            self.reasons(rows, urgent),
            [("complaints", 1.0, "Open complaints that are urgent or past their SLA: 1")],
        )
        self.assertEqual(self.parts(rows, urgent), [["complaints_open"]])
        self.assertEqual(self.reasons(rows, breached)[0][:2], ("complaints", 1.0))
        self.assertEqual(rows[later_breach.id]["reasons"], [])
        self.assertEqual(
            self.reasons(rows, frequent),
            [("complaints", 2.0, "Complaints in the last 90 days: 2")],
        )
        self.assertEqual(rows[spread.id]["reasons"], [])
        self.assertEqual(rows[closed_urgent.id]["reasons"], [])
        self.assertEqual(self.reasons(rows, reopened)[0][:2], ("complaints", 1.0))
        self.assertEqual(
            self.reasons(rows, both),
            [
                (
                    "complaints",
                    2.0,
                    "Open complaints that are urgent or past their SLA: 2; "
                    "Complaints in the last 90 days: 2",
                )
            ],
        )
        self.assertEqual(
            rows[both.id]["reasons"][0]["details"],
            [["complaints_open", {"count": 2}], ["complaints_recent", {"count": 2, "days": 90}]],
        )
        self.assertEqual(rows[elsewhere.id]["reasons"], [])

        self.signals["complaints"].write({"min_count": 3, "period_days": 30})
        rows = self.evaluate()
        self.assertEqual(rows[frequent.id]["reasons"], [])
        self.assertEqual(
            self.reasons(rows, both)[0][2],
            "Open complaints that are urgent or past their SLA: 2",
        )

    def test_low_satisfaction(self):
        self.only_signals("low_satisfaction")
        unhappy = self.make_customer("Unhappy Now")
        self.make_response(unhappy, ago(30), csat=4)
        self.make_response(unhappy, ago(5), csat=2)
        recovered = self.make_customer("Recovered")
        self.make_response(recovered, ago(30), csat=2)
        self.make_response(recovered, ago(5), csat=4)
        detractor = self.make_customer("Detractor")
        self.make_response(detractor, ago(40), nps=9)
        self.make_response(detractor, ago(12), nps=5)
        falling = self.make_customer("Falling")
        self.make_response(falling, ago(120), csat=5)
        self.make_response(falling, ago(100), csat=4)
        self.make_response(falling, ago(20), csat=3)
        stable = self.make_customer("Stable")
        self.make_response(stable, ago(120), csat=4)
        self.make_response(stable, ago(20), csat=4)
        future = self.make_customer("Unhappy Later")
        self.make_response(future, ago(20), csat=4)
        self.make_response(future, ago(-2), csat=1)
        for customer in (unhappy, recovered, detractor, falling, stable, future):
            self.make_orders(customer, [ago(10)])

        rows = self.evaluate()
        self.assertEqual(
            self.reasons(rows, unhappy),
            [("low_satisfaction", 2.0, "Last satisfaction rating 2/5")],
        )
        self.assertEqual(rows[recovered.id]["reasons"], [])
        self.assertEqual(
            self.reasons(rows, detractor),
            [("low_satisfaction", 5.0, "Last recommendation score 5/10 (detractor)")],
        )
        # 100 and 75 in the 90 days before, 50 in the last 90 days: falling by 37.5 points
        self.assertEqual(
            self.reasons(rows, falling),
            [
                (
                    "low_satisfaction",
                    37.5,
                    "Satisfaction falling: 50/100 in the last 90 days against 88/100 the 90 "
                    "days before",
                )
            ],
        )
        self.assertEqual(rows[stable.id]["reasons"], [])
        self.assertEqual(rows[future.id]["reasons"], [])

        self.signals["low_satisfaction"].threshold = 3
        rows = self.evaluate()
        self.assertEqual(
            self.reasons(rows, falling)[0][2],
            "Last satisfaction rating 3/5; Satisfaction falling: 50/100 in the last 90 days "
            "against 88/100 the 90 days before",
        )
        self.assertEqual(self.reasons(rows, falling)[0][1], 3.0)
        self.assertEqual(self.parts(rows, falling), [["csat", "trend"]])
        self.assertEqual(self.parts(rows, detractor), [["nps"]])

    def test_no_engagement(self):
        self.only_signals("no_engagement")
        Activity = self.env["mail.activity"]
        todo = self.env.ref("mail.mail_activity_data_todo")
        bot = self.env.ref("base.partner_root")

        def activity(partner, created, done=None, creator=None, record=None):
            record = Activity.create(
                {
                    "res_model_id": self.env["ir.model"]._get_id(record._name)
                    if record
                    else self.env["ir.model"]._get_id("res.partner"),
                    "res_id": (record or partner).id,
                    "activity_type_id": todo.id,
                    "summary": "Call",
                    "user_id": self.churn_user.id,
                    "date_deadline": created,
                }
            )
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE mail_activity SET create_date = %s, create_uid = %s, date_done = %s,"
                " active = %s WHERE id = %s",
                [
                    created,
                    (creator or self.churn_user).id,
                    done,
                    not done,
                    record.id,
                ],
            )
            Activity.invalidate_model()

        silent = self.make_customer("Silent Since Message")
        self.make_orders(silent, [ago(300)])
        self.make_message(silent, ago(100))
        talked = self.make_customer("Talked Recently")
        self.make_orders(talked, [ago(300)])
        self.make_message(talked, ago(100))
        self.make_message(talked, ago(30), message_type="email")
        never = self.make_customer("Never Contacted")
        self.make_orders(never, [ago(200), ago(20)])
        fresh = self.make_customer("New Customer")
        self.make_orders(fresh, [ago(60)])
        automated = self.make_customer("Only Automated Messages")
        self.make_orders(automated, [ago(300)])
        self.make_message(automated, ago(10), message_type="notification")
        self.make_message(automated, ago(10), author=bot)
        activity(automated, ago(10), creator=self.env.ref("base.user_root"))
        met = self.make_customer("Met Recently")
        self.make_orders(met, [ago(300)])
        self.make_meeting(met, ago(20))
        contact_talk = self.make_customer("Contact Talked")
        self.make_orders(contact_talk, [ago(300)])
        contact = self.env["res.partner"].create(
            {"name": "Buyer of Contact Talked", "parent_id": contact_talk.id}
        )
        self.make_message(contact, ago(20))
        done = self.make_customer("Activity Done")
        self.make_orders(done, [ago(300)])
        activity(done, ago(200), done=ago(40))
        planned = self.make_customer("Activity Planned")
        self.make_orders(planned, [ago(300)])
        activity(planned, ago(10))
        # a retention call done on the customer's churn warning is contact too; one only
        # planned there is not
        retained = self.make_customer("Called About Its Warning")
        self.make_orders(retained, [ago(300)])
        warning = self.env["crm.churn.warning"].create(
            {"partner_id": retained.id, "company_id": self.company.id, "level": "high"}
        )
        activity(retained, ago(50), done=ago(15), record=warning)
        planned_only = self.make_customer("Warning Call Planned")
        self.make_orders(planned_only, [ago(300)])
        warning = self.env["crm.churn.warning"].create(
            {"partner_id": planned_only.id, "company_id": self.company.id, "level": "high"}
        )
        activity(planned_only, ago(5), record=warning)
        later = self.make_customer("Contacted Later")
        self.make_orders(later, [ago(300)])
        self.make_message(later, ago(-5))
        self.make_meeting(later, ago(-5))
        early = self.make_customer("Contacted Before Buying")
        self.make_orders(early, [ago(120)])
        self.make_message(early, ago(400))
        # a follow-up visit recorded is contact; one recorded after the scoring date is not
        visited = self.make_customer("Visited Recently")
        self.make_orders(visited, [ago(300)])
        visit_later = self.make_customer("Visited Later")
        self.make_orders(visit_later, [ago(300)])
        self.env["crm.followup"].create(
            [
                {"partner_id": visited.id, "company_id": self.company.id, "date": ago(25)},
                {"partner_id": visit_later.id, "company_id": self.company.id, "date": ago(-3)},
            ]
        )

        rows = self.evaluate()
        self.assertEqual(
            self.reasons(rows, silent),
            [("no_engagement", 100.0, "No message, activity or meeting for 100 days")],
        )
        self.assertEqual(
            self.reasons(rows, never),
            [
                (
                    "no_engagement",
                    200.0,
                    "No message, activity or meeting since the first order 200 days ago",
                )
            ],
        )
        self.assertEqual(
            self.reasons(rows, automated)[0][2],
            "No message, activity or meeting since the first order 300 days ago",
        )
        self.assertEqual(
            self.reasons(rows, later)[0][2],
            "No message, activity or meeting since the first order 300 days ago",
        )
        self.assertEqual(
            self.reasons(rows, early)[0][2],
            "No message, activity or meeting since the first order 120 days ago",
        )
        self.assertEqual(
            self.reasons(rows, planned_only)[0][2],
            "No message, activity or meeting since the first order 300 days ago",
        )
        self.assertEqual(
            self.reasons(rows, visit_later)[0][2],
            "No message, activity or meeting since the first order 300 days ago",
        )
        for quiet_enough in (talked, fresh, met, contact_talk, done, planned, retained, visited):
            self.assertEqual(rows[quiet_enough.id]["reasons"], [], quiet_enough.name)

        self.signals["no_engagement"].period_days = 100
        rows = self.evaluate()
        self.assertEqual(rows[silent.id]["reasons"], [])  # 100 days is not more than 100

    def test_statistical_signal(self):
        self.only_signals("overdue", "p_alive", overdue=3, p_alive=2)
        fading = self.make_customer("Fading")
        self.make_orders(fading, self.every(ago(200 + 30), 30, 2))
        alive = self.make_customer("Alive")
        self.make_orders(alive, self.every(ago(10 + 60), 30, 3))
        params = {"r": 0.8, "alpha": 4.0, "a": 0.5, "b": 2.0}
        predictions = {fading.id: (0.1234, 0.0412, 12.345), alive.id: (0.91, 2.456, 1800.456)}

        result = self.score(params=params, predictions=predictions)
        rows = {row["partner_id"]: row for row in result["synced"]}
        self.assertEqual(
            self.reasons(rows, fading),
            [
                ("overdue", 200.0, "No order for 200 days; usual interval 30 days"),
                (
                    "p_alive",
                    0.123,
                    "Probability of still being an active customer 12% (below 30%)",
                ),
            ],
        )
        self.assertEqual(rows[fading.id]["score"], 100.0)
        self.assertEqual(
            (
                rows[alive.id]["p_alive"],
                rows[alive.id]["expected_purchases"],
                rows[alive.id]["predicted_clv"],
            ),
            (0.91, 2.46, 1800.46),
        )
        # no signal: the model's 9% chance that the customer stopped buying
        self.assertEqual(rows[alive.id]["score"], 9.0)
        fading_in_co = self.stored(fading)
        self.assertEqual(fading_in_co.crm_p_alive, 0.123)
        self.assertEqual(fading_in_co.crm_expected_purchases, 0.04)
        self.assertEqual(fading_in_co.crm_predicted_clv, 12.35)

        # below the statistical signal's threshold no statistical reason, but the model's
        # probability still counts: 0.877 + 0.123 x the overdue signal in full
        self.signals["p_alive"].threshold = 0.1
        rows = self.evaluate(params=params, predictions=predictions)
        self.assertEqual([r["code"] for r in rows[fading.id]["reasons"]], ["overdue"])
        self.assertEqual(rows[fading.id]["score"], 100.0)
        self.assertEqual(rows[fading.id]["level"], "high")

        # no model: the statistical signal does not count, figures are empty (0 stored)
        rows = self.evaluate()
        self.assertEqual(rows[fading.id]["score"], 100.0)
        self.assertEqual(
            [rows[fading.id][key] for key in ("p_alive", "expected_purchases", "predicted_clv")],
            [None, None, None],
        )
        self.score()
        self.assertEqual(
            (
                fading_in_co.crm_p_alive,
                fading_in_co.crm_expected_purchases,
                fading_in_co.crm_predicted_clv,
            ),
            (0.0, 0.0, 0.0),
        )

    def test_signal_defaults_by_code(self):
        form = Form(self.Signal.with_user(self.churn_manager))
        form.code = "p_alive"
        self.assertEqual(form.threshold, 0.3)
        self.assertEqual(form.name, "Low probability alive (BG/NBD)")
        form.code = "spend_drop"
        self.assertEqual((form.threshold, form.period_days), (50, 90))
        form.code = "low_satisfaction"
        self.assertEqual(form.threshold, 2)
        form.code = "complaints"
        self.assertEqual((form.min_count, form.period_days), (2, 90))
        form.code = "overdue"
        self.assertEqual(form.factor, 1.5)
        form.name = "Overdue in Churn Test Co"
        form.company_id = self.company
        signal = form.save()
        self.assertEqual((signal.code, signal.company_id), ("overdue", self.company))


@tagged("post_install", "-at_install")
class TestChurnScore(ChurnCase):
    """Weights, levels, the rows and the writing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # overdue (3), spend drop (2), frequency drop (2), complaints (2), low satisfaction (2),
        # no engagement (1): 12 without the statistical model
        for signal in cls.signals.values():
            signal.active = True
        # every 30 days from 2025-07-05 to 2026-03-02 (two orders in the 90 days before the
        # last 90, none since), nobody talked to them: overdue, spend and frequency drop, no
        # engagement: 8 of 12
        cls.lapsed = cls.make_customer("Lapsed")
        cls.make_orders(cls.lapsed, cls.every(ago(360), 30, 9))
        # every 5 days from 95 to 75 days ago (more orders in the last 90 days than before):
        # overdue and no engagement, 4 of 12
        cls.slow = cls.make_customer("Slowing")
        cls.make_orders(cls.slow, cls.every(ago(95), 5, 5))
        # orders every 10 days, a message a week ago: nothing
        cls.happy = cls.make_customer("Happy")
        cls.make_orders(cls.happy, cls.every(ago(175), 10, 18))
        cls.make_message(cls.happy, ago(7))
        # spend and orders halved, no complaint, contacted: 4 of 12
        cls.halving = cls.make_customer("Halving")
        cls.make_orders(cls.halving, [ago(170), ago(140), ago(110), ago(100), ago(60), ago(8)], 100)
        cls.make_message(cls.halving, ago(3))

    def test_weighted_share_and_levels(self):
        rows = self.evaluate()
        lapsed = rows[self.lapsed.id]
        # overdue + spend drop + frequency drop + no engagement: 3 + 2 + 2 + 1 = 8 of 12
        self.assertEqual(
            [r["code"] for r in lapsed["reasons"]],
            ["overdue", "spend_drop", "frequency_drop", "no_engagement"],
        )
        self.assertEqual([r["weight"] for r in lapsed["reasons"]], [3, 2, 2, 1])
        self.assertEqual(
            [r["signal_id"] for r in lapsed["reasons"]],
            [self.signals[code].id for code in ("overdue", "spend_drop", "frequency_drop")]
            + [self.signals["no_engagement"].id],
        )
        self.assertEqual((lapsed["score"], lapsed["level"]), (66.7, "high"))
        self.assertEqual(
            [r["code"] for r in rows[self.slow.id]["reasons"]], ["overdue", "no_engagement"]
        )
        # overdue 75 days against 5, in full; no contact since the first order 95 days ago:
        # (1 + 95 / 90) / 3 of the weight 1
        self.assertEqual((rows[self.slow.id]["score"], rows[self.slow.id]["level"]), (30.7, "low"))
        self.assertEqual((rows[self.happy.id]["score"], rows[self.happy.id]["level"]), (0, "none"))
        halving = rows[self.halving.id]
        self.assertEqual([r["code"] for r in halving["reasons"]], ["spend_drop", "frequency_drop"])
        # both at their threshold of 50%: two thirds of 2 + 2 of 12
        self.assertEqual((halving["score"], halving["level"]), (22.2, "low"))

        # the company's thresholds
        self.company.write(
            {"crm_churn_level_low": 10, "crm_churn_level_medium": 30, "crm_churn_level_high": 70}
        )
        rows = self.evaluate()
        self.assertEqual(rows[self.lapsed.id]["level"], "medium")
        self.assertEqual(rows[self.slow.id]["level"], "medium")
        self.company.write({"crm_churn_level_low": 0, "crm_churn_level_medium": 22.2})
        rows = self.evaluate()
        self.assertEqual(rows[self.halving.id]["level"], "medium")  # 22.2 >= 22.2
        self.assertEqual(rows[self.happy.id]["level"], "none")  # score 0 is never at risk

        # an inactive signal leaves the denominator, weights change the shares: 5 + 2 + 2 + 1
        # of 5 + 2 + 2 + 2 + 1
        self.signals["complaints"].active = False
        self.signals["overdue"].weight = 5
        rows = self.evaluate()
        self.assertEqual(rows[self.lapsed.id]["score"], round(100 * 10 / 12, 1))
        self.assertEqual(rows[self.slow.id]["score"], round(100 * (5 + (1 + 95 / 90) / 3) / 12, 1))

    def test_company_signal_overrides_shared_one(self):
        # the company's own overdue signal (weight 6) replaces the shared one (3); its own
        # archived spend-drop signal switches spend drop off: 6 + 2 + 2 + 2 + 1 = 13
        self.Signal.create(
            {
                "name": "Overdue (ours)",
                "code": "overdue",
                "company_id": self.company.id,
                "weight": 6,
                "factor": 1.5,
            }
        )
        own = self.Signal.create(
            {
                "name": "Spend drop (off)",
                "code": "spend_drop",
                "company_id": self.company.id,
                "active": False,
            }
        )
        rows = self.evaluate()
        slow = rows[self.slow.id]
        self.assertEqual([r["weight"] for r in slow["reasons"]], [6, 1])
        self.assertEqual(slow["score"], round(100 * (6 + (1 + 95 / 90) / 3) / 13, 1))
        self.assertEqual(
            [r["code"] for r in rows[self.lapsed.id]["reasons"]],
            ["overdue", "frequency_drop", "no_engagement"],
        )
        self.assertNotIn(own.id, [r["signal_id"] for r in rows[self.lapsed.id]["reasons"]])
        # another company keeps the shared signals
        other = self.env["res.company"].create({"name": "Shared Signals Co"})
        self.make_orders(self.slow, self.every(ago(95), 5, 5), company=other)
        rows = self.evaluate(company=other)
        self.assertEqual(rows[self.slow.id]["score"], round(100 * (3 + (1 + 95 / 90) / 3) / 12, 1))

    def test_row_format(self):
        tier = self.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        self.stored(self.slow).write(
            {"crm_tier_id": tier.id, "crm_lifecycle_stage": "loyal", "user_id": self.churn_user.id}
        )
        result = self.score()
        self.assertEqual((result["done"], result["scored"]), (True, 4))
        self.assertEqual(result["results"], [])
        rows = {row["partner_id"]: row for row in result["synced"]}
        slow = rows[self.slow.id]
        self.assertEqual(
            set(slow),
            {
                "partner_id",
                "score",
                "rule_score",
                "level",
                "reasons",
                "reason_data",
                "p_alive",
                "expected_purchases",
                "predicted_clv",
                "user_id",
                "tier_id",
                "stage",
                "last_order_date",
            },
        )
        # the weighted rules score: the rule score is the score
        self.assertEqual(slow["rule_score"], slow["score"])
        self.assertEqual(slow["user_id"], self.churn_user.id)
        self.assertEqual(slow["tier_id"], tier.id)
        self.assertEqual(slow["stage"], "loyal")
        self.assertEqual(slow["last_order_date"], ago(75))
        self.assertEqual(
            slow["reason_data"],
            [
                ["overdue", [["overdue", {"days": 75, "interval": 5.0}]]],
                ["no_engagement", [["engagement_never", {"days": 95}]]],
            ],
        )
        self.assertEqual(
            self.env["crm.churn.reason"]._render(slow["reason_data"]),
            "No order for 75 days; usual interval 5 days\n"
            "No message, activity or meeting since the first order 95 days ago",
        )
        self.assertEqual(
            set(slow["reasons"][0]), {"signal_id", "code", "value", "details", "weight"}
        )
        # nothing stored yet: the order count gives the stage
        self.assertEqual(rows[self.lapsed.id]["stage"], "repeat")
        self.assertEqual(rows[self.happy.id]["stage"], "repeat")
        self.assertIsNone(rows[self.lapsed.id]["user_id"])
        self.assertIsNone(rows[self.lapsed.id]["tier_id"])
        # more days without an order than the company's crm_churn_days: churned, whatever is
        # stored
        self.company.crm_churn_days = 110
        rows = self.evaluate()
        self.assertEqual(rows[self.lapsed.id]["stage"], "churned")
        self.assertEqual(rows[self.slow.id]["stage"], "loyal")
        self.company.crm_churn_days = 74
        rows = self.evaluate()
        self.assertEqual(rows[self.slow.id]["stage"], "churned")

        # the stored values, in the company only
        slow_in_co = self.stored(self.slow)
        self.assertEqual(slow_in_co.crm_churn_score, 30.7)
        self.assertEqual(slow_in_co.crm_churn_level, "low")
        self.assertEqual(slow_in_co.crm_churn_badge, "Churn risk: Low")
        self.assertEqual(json.loads(slow_in_co.crm_churn_reason_data), slow["reason_data"])
        self.assertEqual(
            slow_in_co.crm_churn_reasons,
            "No order for 75 days; usual interval 5 days\n"
            "No message, activity or meeting since the first order 95 days ago",
        )
        self.assertEqual(slow_in_co.crm_churn_scored_date, AS_OF)
        happy_in_co = self.stored(self.happy)
        self.assertEqual(happy_in_co.crm_churn_level, "none")
        self.assertFalse(happy_in_co.crm_churn_reasons)
        self.assertFalse(happy_in_co.crm_churn_reason_data)
        self.assertFalse(happy_in_co.crm_churn_badge)
        self.assertFalse(self.slow.with_company(self.env.ref("base.main_company")).crm_churn_level)
        self.assertEqual(
            self.env["res.partner"]
            .with_company(self.company)
            .search(
                [("id", "in", (self.slow | self.lapsed).ids), ("crm_churn_level", "=", "high")]
            ),
            self.lapsed,
        )

    def test_second_run_writes_nothing(self):
        first = self.score()
        self.assertEqual(first["written"], 4)
        second = self.score()
        self.assertEqual((second["scored"], second["written"]), (4, 0))
        self.assertEqual(second["synced"], first["synced"])
        # a day later the days without an order move: the overdue customers are written again
        third = self.score(as_of=AS_OF + timedelta(days=1))
        self.assertEqual(third["written"], 4)  # the scoring date moves for everyone
        self.assertEqual(self.stored(self.slow).crm_churn_scored_date, AS_OF + timedelta(days=1))
        self.assertIn("No order for 76 days", self.stored(self.slow).crm_churn_reasons)

    def test_dry_run_writes_nothing(self):
        rows = self.evaluate()
        self.assertEqual(len(rows), 4)
        self.assertFalse(self.stored(self.lapsed).crm_churn_level)
        with self.patch_model() as calls, self.patch_warnings() as warnings:
            self.engine._score_company(self.company, as_of=AS_OF, dry_run=True)
        self.assertEqual(warnings["sync"], [])
        self.assertEqual(calls["predict"], [])  # no model fitted as of that date

    def test_as_of_replay_ignores_later_data(self):
        # as of 2025-12-31: the lapsed customer ordered 29 days before and was called 19 days
        # before; the others had not ordered yet; later complaints, answers and orders do not
        # exist yet
        as_of = ago(181)
        self.make_message(self.lapsed, ago(200))
        self.make_complaint(self.lapsed, ago(100), priority="3")
        self.make_response(self.lapsed, ago(100), csat=1)
        rows = self.evaluate(as_of=as_of)
        self.assertEqual(list(rows), [self.lapsed.id])
        self.assertEqual(rows[self.lapsed.id]["reasons"], [])
        self.assertEqual(rows[self.lapsed.id]["last_order_date"], ago(210))
        self.assertEqual(rows[self.lapsed.id]["stage"], "repeat")
        # the same customers scored today
        rows = self.evaluate()
        self.assertEqual(
            [r["code"] for r in rows[self.lapsed.id]["reasons"]],
            [
                "overdue",
                "spend_drop",
                "frequency_drop",
                "complaints",
                "low_satisfaction",
                "no_engagement",
            ],
        )
        self.assertEqual(rows[self.lapsed.id]["score"], 100.0)

    def test_scores_are_rows_of_their_own_updated_in_place(self):
        Score = self.env["crm.churn.partner.score"]
        customers = self.lapsed | self.slow | self.happy | self.halving
        self.score()
        rows = Score.search([("company_id", "=", self.company.id)])
        self.assertEqual(rows.partner_id, customers)
        for row in rows:
            self.assertEqual(self.stored(row.partner_id).crm_churn_score_id, row)
        self.assertEqual(
            (self.stored(self.lapsed).crm_churn_score, self.stored(self.lapsed).crm_churn_level),
            (66.7, "high"),
        )
        # the next day: the same rows, rewritten in place; no other company gets any
        self.assertEqual(self.score(as_of=AS_OF + timedelta(days=1))["written"], 4)
        self.assertEqual(Score.search([("partner_id", "in", customers.ids)]), rows)
        self.assertEqual(set(rows.mapped("scored_date")), {AS_OF + timedelta(days=1)})
        # the partner's related values search, sort and group like stored ones, for a user
        as_user = self.env["res.partner"].with_user(self.churn_user).with_company(self.company)
        levels = {p: self.stored(p).crm_churn_level for p in customers}
        self.assertEqual(levels[self.happy], "none")
        domain = [("id", "in", customers.ids)]
        self.assertEqual(
            dict(as_user._read_group(domain, ["crm_churn_level"], ["__count"])),
            {level: list(levels.values()).count(level) for level in set(levels.values())},
        )
        self.assertEqual(
            as_user.search(domain + [("crm_churn_level", "=", "high")]).ids, self.lapsed.ids
        )
        by_score = as_user.search(domain, order="crm_churn_score desc, id")
        self.assertEqual(by_score[0], self.lapsed)
        self.assertEqual(
            by_score.mapped("crm_churn_score"),
            sorted(customers.with_company(self.company).mapped("crm_churn_score"), reverse=True),
        )
        # a contact never scored reads 0 and is found and sorted as 0: with the lowest, never
        # before the customers at risk
        unscored = self.make_customer("Never Scored")
        domain = [("id", "in", (customers | unscored).ids)]
        self.assertEqual(as_user.search(domain, order="crm_churn_score desc, id")[-1], unscored)
        self.assertEqual(as_user.search(domain, order="crm_churn_score, id")[0], unscored)
        self.assertEqual(as_user.search(domain, order="crm_p_alive desc, id")[-1], unscored)
        self.assertEqual(
            as_user.search(domain + [("crm_churn_score", "=", 0)]),
            as_user.browse((self.happy | unscored).ids),
        )
        positive = as_user.search(domain + [("crm_churn_score", ">", 0)])
        self.assertEqual(positive, as_user.browse((customers - self.happy).ids))
        self.assertEqual(
            as_user.search(domain + [("crm_churn_score", "in", [0, 66.7])]),
            as_user.browse((self.lapsed | self.happy | unscored).ids),
        )
        self.assertEqual(
            as_user.search(domain + [("crm_predicted_clv", "!=", 0)]), as_user.browse()
        )
        # the rows are the engine's: users read their companies' rows, nobody writes them
        as_user_rows = Score.with_user(self.churn_user).search([("id", "in", rows.ids)])
        self.assertEqual(as_user_rows, rows)
        self.assertEqual(len(as_user_rows.read(["score", "partner_id"])), 4)
        for user in (self.churn_user, self.churn_manager):
            with self.assertRaisesRegex(AccessError, "Customer Churn Score"):
                rows[0].with_user(user).write({"score": 1.0})
        with self.assertRaisesRegex(AccessError, "Churn Score"):
            as_user.browse(self.lapsed.id).write({"crm_churn_score": 1.0})
        other = self.env["res.company"].create({"name": "Churn Rows Other Co"})
        self.make_orders(self.happy, [ago(30)], company=other)
        self.score(company=other)
        theirs = Score.search([("company_id", "=", other.id)])
        self.assertEqual(theirs.partner_id, self.happy)
        self.assertFalse(Score.with_user(self.churn_user).search([("id", "=", theirs.id)]))

    def test_a_row_left_unlinked_is_linked_again(self):
        """A run cut short between inserting a customer's row and linking its partner to it:
        the next run links it without writing the values again."""
        self.score()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET crm_churn_score_id = crm_churn_score_id - %s WHERE id = %s",
            [str(self.company.id), self.lapsed.id],
        )
        self.env.invalidate_all()
        self.assertFalse(self.stored(self.lapsed).crm_churn_level)
        self.assertEqual(self.score()["written"], 0)
        self.assertEqual(self.stored(self.lapsed).crm_churn_level, "high")
        self.assertEqual(
            self.env["crm.churn.partner.score"].search_count([("partner_id", "=", self.lapsed.id)]),
            1,
        )

    def test_partner_no_longer_customer_is_cleared(self):
        self.score()
        self.assertEqual(self.stored(self.happy).crm_churn_level, "none")
        self.assertEqual(self.stored(self.lapsed).crm_churn_level, "high")
        # replayed before the happy customer's first order: not a customer then
        result = self.score(as_of=ago(181))
        self.assertEqual(result["scored"], 1)
        self.assertEqual(result["written"], 4)
        self.assertEqual([row["partner_id"] for row in result["synced"]], self.lapsed.ids)
        happy = self.stored(self.happy)
        self.assertFalse(happy.crm_churn_level)
        self.assertEqual(happy.crm_churn_score, 0)
        self.assertFalse(happy.crm_churn_scored_date)
        self.assertEqual(self.score(as_of=ago(181))["written"], 0)

    def test_company_isolation(self):
        other = self.env["res.company"].create({"name": "Churn Other Co"})
        only_other = self.make_customer("Only Other Company")
        self.make_orders(only_other, [ago(400), ago(380)], company=other)
        self.make_orders(self.happy, [ago(400)], company=other)
        self.make_complaint(self.happy, ago(10), priority="3", company=other)
        mine = self.evaluate()
        self.assertNotIn(only_other.id, mine)
        self.assertEqual(mine[self.happy.id]["reasons"], [])
        self.score()
        self.score(company=other)
        theirs = self.stored(self.happy, other)
        # 3 + 2 of 12 there, nothing here
        self.assertEqual(
            theirs.crm_churn_reasons,
            "No order for 400 days; usual interval 20 days (median of the company's customers, "
            "a single order so far)\n"
            "Open complaints that are urgent or past their SLA: 1",
        )
        # no order there for 400 days: churned, shown as win-back with its score
        self.assertEqual((theirs.crm_churn_score, theirs.crm_churn_level), (41.7, "churned"))
        happy = self.stored(self.happy)
        self.assertEqual((happy.crm_churn_score, happy.crm_churn_level), (0, "none"))
        self.assertFalse(self.stored(only_other).crm_churn_level)
        self.assertEqual(self.stored(only_other, other).crm_churn_level, "churned")

    def test_partners_subset(self):
        result = self.score(partners=self.slow | self.lapsed)
        self.assertEqual(result["scored"], 2)
        self.assertEqual(
            sorted(row["partner_id"] for row in result["synced"]),
            sorted((self.slow | self.lapsed).ids),
        )
        self.assertFalse(self.stored(self.happy).crm_churn_level)
        # the median interval stays the company's: a contact refers to its company
        contact = self.env["res.partner"].create({"name": "Contact", "parent_id": self.slow.id})
        rows = self.evaluate(partners=contact)
        self.assertEqual(list(rows), [self.slow.id])

    def test_orders_of_contacts_and_states(self):
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": self.happy.id})
        self.make_orders(contact, [ago(1)])
        self.make_orders(self.happy, [ago(0)], state="cancel")
        rows = self.evaluate()
        self.assertEqual(rows[self.happy.id]["last_order_date"], ago(1))
        self.assertNotIn(contact.id, rows)

    def test_summary_is_the_models(self):
        """The engine hands crm.churn.model._predict the summary of its own order table: the
        same figures the model's _get_summary reads."""
        self.make_orders(self.happy, [ago(5)], 40)  # a second order on the same day
        self.make_orders(self.halving, [ago(400)], -20)  # a credit, a day of its own
        self.make_orders(self.slow, [ago(-3)])  # after the date
        with self.patch_model(), self.patch_warnings():
            self.env.flush_all()
            self.engine._score_company(self.company, as_of=AS_OF, dry_run=True)
            ctx = self.engine._prepare(self.company, AS_OF, dry_run=True)
            self.engine._aggregate(ctx, None)
            ours = self.engine._get_summary(AS_OF)
        theirs = self.env["crm.churn.model"]._get_summary(self.company, AS_OF)
        self.assertEqual(ours["partner_id"].tolist(), theirs["partner_id"].tolist())
        for key in ("x", "t_x", "T", "m"):
            self.assertEqual(
                [round(v, 6) for v in ours[key].tolist()],
                [round(v, 6) for v in theirs[key].tolist()],
                key,
            )
        slow = ours["partner_id"].tolist().index(self.slow.id)
        self.assertEqual((ours["x"][slow], ours["t_x"][slow], ours["m"][slow]), (4, 20 / 7, 100))

    def test_reasons_in_the_readers_language(self):
        """The scoring stores codes and figures, not words: the same stored reasons read in
        English by one user and in French by another, numbers and amounts formatted as each
        language formats them, whatever the company's language."""
        lang = self.env["res.lang"]._activate_lang("fr_FR")
        self.company.partner_id.lang = "fr_FR"
        self.only_signals("spend_drop")
        big = self.make_customer("Big Spender")
        self.make_orders(big, [ago(100), ago(10)], [12345.5, 1234.25])
        self.score()
        stored = self.stored(big)
        self.assertEqual(json.loads(stored.crm_churn_reason_data)[0][1][0][0], "spend_drop")
        english = stored.with_context(lang="en_US").crm_churn_reasons
        self.assertEqual(
            english,
            "Spend down 90% in the last 90 days: $\xa01,234.25 against $\xa012,345.50 the 90 "
            "days before",
        )
        # French writes 1 234,25 (a no-break space between the thousands, a decimal comma);
        # the dollar keeps its place before the amount
        french = stored.with_context(lang="fr_FR").crm_churn_reasons
        self.assertIn(f"$\xa0{lang.format('%.2f', 1234.25, grouping=True)}", french)
        self.assertIn("$\xa01\xa0234,25", french)
        self.assertIn("$\xa012\xa0345,50", french)
        self.assertNotIn("1,234.25", french)
        self.assertNotEqual(french, english)
