"""Reasons are stored as codes and figures and read in the reader's language: a tier's reason, a
history event's and a simulated move's are put into words when they are displayed, with the
reader's translations and the reader's formats of numbers, money and dates; the chatter tells
tier and stage changes as tracked values, whose field names each reader reads in the reader's
language."""

import json
from datetime import timedelta

from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    COND_DOMAIN,
    COND_ORDERS,
    COND_REVENUE,
    EVENT_TIER,
    REASON_DEFAULT,
    REASON_GRACE,
    REASON_LOCKED,
    REASON_RULE,
    engine_write,
)

from .common import ValueCase

NBSP = "\xa0"


@tagged("post_install", "-at_install")
class TestReasonsInReaderLanguage(ValueCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a Chinese reader (with this addon's translations) and a French one (no translation of
        # this addon: English words, but French numbers and dates)
        for code in ("zh_CN", "fr_FR"):
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"]._load_module_terms(["crm_lifecycle_tiering"], ["zh_CN"])
        day = cls.AS_OF - timedelta(days=10)
        cls.big = cls.make_customer("Big Reader Co")
        for amount in (4000, 1500.5):
            cls.make_order(cls.big, amount, day)
        cls.small = cls.make_customer("Small Reader Co")
        cls.make_order(cls.small, 100, day)
        belgium = cls.env.ref("base.be")
        cls.big.country_id = belgium
        cls.key_rule = cls.env["crm.tier.rule"].create(
            {
                "tier_id": cls.tier_key.id,
                "company_id": cls.vc.id,
                "min_revenue_period": 5000,
                "min_orders_period": 2,
                "partner_domain": f"[('country_id', '=', {belgium.id})]",
            }
        )

    def read_as(self, records, lang):
        return records.with_context(lang=lang)

    def test_rule_reason_is_stored_as_codes_and_figures(self):
        self.run_engine()
        big = self.val(self.big)
        self.assertEqual(big.crm_tier_id, self.tier_key)
        self.assertEqual(
            json.loads(big.crm_tier_reason),
            {
                "code": REASON_RULE,
                "rule_id": self.key_rule.id,
                "conditions": [
                    {
                        "code": COND_REVENUE,
                        "value": 5500.5,
                        "threshold": 5000.0,
                        "months": 12,
                        "currency_id": self.usd.id,
                    },
                    {"code": COND_ORDERS, "value": 2, "threshold": 2, "months": 12},
                    {"code": COND_DOMAIN},
                ],
            },
        )
        small = self.val(self.small)
        self.assertEqual(
            json.loads(small.crm_tier_reason),
            {"code": REASON_DEFAULT, "tier_id": self.tier_standard.id},
        )
        # the history keeps the same codes
        event = self.env["crm.lifecycle.event"].search(
            [("partner_id", "=", self.big.id), ("kind", "=", EVENT_TIER)]
        )
        self.assertEqual(json.loads(event.reason), json.loads(big.crm_tier_reason))

    def test_rule_reason_in_the_reader_language(self):
        self.run_engine()
        big, small = self.val(self.big), self.val(self.small)
        self.assertEqual(
            self.read_as(big, "en_US").crm_tier_reason_text,
            f"Revenue 12 months ${NBSP}5,500.50 ≥ ${NBSP}5,000.00 and 2 orders in 12 months ≥ 2"
            " and matches the customer filter",
        )
        self.assertEqual(
            self.read_as(small, "en_US").crm_tier_reason_text,
            "No rule of a higher tier matches: Standard by default",
        )
        # the Chinese reader reads Chinese words (and the tier's Chinese name)
        self.assertEqual(
            self.read_as(big, "zh_CN").crm_tier_reason_text,
            f"近 12 个月收入 ${NBSP}5,500.50 ≥ ${NBSP}5,000.00，且近 12 个月订单数 2 ≥ 2"
            "，且符合客户筛选条件",
        )
        self.assertEqual(
            self.read_as(small, "zh_CN").crm_tier_reason_text, "没有更高等级的规则匹配：默认为 标准"
        )
        # the French reader reads French numbers: decimal comma, grouped thousands
        french = self.env["res.lang"]._lang_get("fr_FR")
        thousands = french.thousands_sep.replace(" ", NBSP)
        self.assertEqual(
            self.read_as(big, "fr_FR").crm_tier_reason_text,
            f"Revenue 12 months ${NBSP}5{thousands}500,50 ≥ ${NBSP}5{thousands}000,00 and 2 "
            "orders in 12 months ≥ 2 and matches the customer filter",
        )
        # the history and the workbook read the same words
        event = self.env["crm.lifecycle.event"].search(
            [("partner_id", "=", self.big.id), ("kind", "=", EVENT_TIER)]
        )
        self.assertEqual(
            self.read_as(event, "zh_CN").reason_text,
            self.read_as(big, "zh_CN").crm_tier_reason_text,
        )

    def test_a_reason_written_as_a_sentence_is_shown_as_written(self):
        # a database whose reasons were sentences (or one corrected by hand): shown as they are
        # until the next run stores the codes
        self.run_engine()
        legacy = "Revenue 12 months $5,500 ≥ $5,000"
        engine_write(self.val(self.big)).write({"crm_tier_reason": legacy})
        self.assertEqual(self.read_as(self.val(self.big), "zh_CN").crm_tier_reason_text, legacy)
        self.run_engine()
        self.assertEqual(json.loads(self.val(self.big).crm_tier_reason)["code"], REASON_RULE)

    def test_lock_and_grace_dates_in_the_reader_format(self):
        self.vc.crm_tier_grace_days = 30
        self.run_engine()
        # the big customer's revenue leaves the window: it keeps Key during the grace period
        failing = self.AS_OF + timedelta(days=360)
        self.run_engine(as_of=failing)
        big = self.val(self.big)
        self.assertEqual(big.crm_tier_id, self.tier_key)
        ends = failing + timedelta(days=30)
        self.assertEqual(
            json.loads(big.crm_tier_reason),
            {
                "code": REASON_GRACE,
                "tier_id": self.tier_key.id,
                "until": ends.isoformat(),
                "since": failing.isoformat(),
                "reason": {"code": REASON_DEFAULT, "tier_id": self.tier_standard.id},
            },
        )
        self.assertEqual(
            self.read_as(big, "en_US").crm_tier_reason_text,
            f"Keeps Key until {ends:%m/%d/%Y} (grace period; no longer meets its rules since "
            f"{failing:%m/%d/%Y}): No rule of a higher tier matches: Standard by default",
        )
        self.assertIn(f"{ends:%d/%m/%Y}", self.read_as(big, "fr_FR").crm_tier_reason_text)
        self.assertIn(f"{ends:%Y/%m/%d}", self.read_as(big, "zh_CN").crm_tier_reason_text)
        # a lock: who, until when (in the reader's format) and why (as written)
        until = self.crm_today(self.vc) + timedelta(days=400)
        (
            self.env["crm.tier.lock.wizard"]
            .with_user(self.tier_manager)
            .with_company(self.vc)
            .with_context(active_model="res.partner", active_ids=self.small.ids)
            .create({"tier_id": self.tier_vip.id, "reason": "Board decision", "until": until})
            .action_lock()
        )
        small = self.val(self.small)
        self.assertEqual(
            json.loads(small.crm_tier_reason),
            {
                "code": REASON_LOCKED,
                "user_id": self.tier_manager.id,
                "until": until.isoformat(),
                "note": "Board decision",
            },
        )
        name = self.tier_manager.name
        self.assertEqual(
            self.read_as(small, "en_US").crm_tier_reason_text,
            f"Tier locked by {name} until {until:%m/%d/%Y}: Board decision",
        )
        self.assertEqual(
            self.read_as(small, "zh_CN").crm_tier_reason_text,
            f"等级由 {name} 锁定至 {until:%Y/%m/%d}: Board decision",
        )
        self.assertEqual(
            self.read_as(small, "fr_FR").crm_tier_reason_text,
            f"Tier locked by {name} until {until:%d/%m/%Y}: Board decision",
        )
        # the nightly run keeps the lock's reason as the wizard wrote it: nothing to write
        before = small.crm_tier_reason
        self.assertEqual(self.run_engine(as_of=failing + timedelta(days=1))["written"], 0)
        self.assertEqual(self.val(self.small).crm_tier_reason, before)

    def test_simulated_moves_in_the_reader_language(self):
        today = self.crm_today(self.vc)
        mover = self.make_customer("Mover Co", country_id=self.env.ref("base.be").id)
        self.make_order(mover, 100, today - timedelta(days=3))
        self.run_engine(as_of=today)
        self.assertEqual(self.val(mover).crm_tier_id, self.tier_standard)
        self.make_order(mover, 4900, today - timedelta(days=2))
        wizard = (
            self.env["crm.tier.simulation"].with_user(self.tier_manager).with_company(self.vc)
        ).create({})
        wizard.action_simulate()
        line = wizard.line_ids.filtered(lambda line: line.partner_id == mover)
        self.assertEqual(line.new_tier_id, self.tier_key)
        self.assertEqual(json.loads(line.reason)["code"], REASON_RULE)
        self.assertEqual(
            self.read_as(line, "zh_CN").reason_text,
            f"近 12 个月收入 ${NBSP}5,000.00 ≥ ${NBSP}5,000.00，且近 12 个月订单数 2 ≥ 2"
            "，且符合客户筛选条件",
        )

    def test_chatter_tells_changes_as_tracked_values(self):
        self.run_engine()
        # the small customer reaches Key: a later run tells the change on its chatter
        self.make_order(self.small, 5000, self.AS_OF)
        self.small.country_id = self.env.ref("base.be")
        self.run_engine(as_of=self.AS_OF + timedelta(days=1))
        message = self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", self.small.id),
                ("message_id", "=like", "%-openerp-crm-lifecycle@%"),
            ]
        )
        self.assertEqual(len(message), 1)
        self.assertEqual(
            message.subtype_id, self.env.ref("crm_lifecycle_tiering.mt_partner_customer_value")
        )
        # no sentence stored in one language: the tracked values and the subtype say it all
        self.assertFalse(message.body)
        self.assertEqual(
            [
                (t.field_id.name, t.old_value_char, t.new_value_char)
                for t in message.tracking_value_ids
            ],
            [
                ("crm_tier_id", "Standard", "Key"),
                ("crm_lifecycle_stage", "First Purchase", "Repeat Purchase"),
            ],
        )

        def shown(lang):
            trackings = self.read_as(message.tracking_value_ids, lang)._tracking_value_format()
            return [
                (t["fieldInfo"]["changedField"], t["oldValue"], t["newValue"]) for t in trackings
            ]

        self.assertEqual(
            shown("en_US"),
            [("Tier", "Standard", "Key"), ("Lifecycle Stage", "First Purchase", "Repeat Purchase")],
        )
        self.assertEqual([field for field, _old, _new in shown("zh_CN")], ["等级", "生命周期阶段"])
        self.assertEqual(
            self.read_as(message.subtype_id, "en_US").description, "Customer values recomputed"
        )
