"""Bad input refused with a clear message, nothing lost: rule filters that are no domain, the
deletion of a tier its rules hang on, settings out of bounds, merging customers who both wait
in the value refresh queue."""

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import TieringCase


@tagged("post_install", "-at_install")
class TestTieringBadInput(TieringCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tier = cls.Tier.create({"name": "Bad Input Gold", "code": "bad_input_gold"})
        cls.rule = cls.env["crm.tier.rule"].create(
            {"tier_id": cls.tier.id, "min_orders_period": 3, "name": "Three orders"}
        )

    def test_rule_filter_not_a_domain_refused(self):
        for partner_domain in ("5", "{'a': 1}", "[1, 2, 3]", "[('name', '~~', 1)]", "None"):
            with self.subTest(partner_domain=partner_domain):
                with self.assertRaisesRegex(ValidationError, "is not a valid domain"):
                    self.env["crm.tier.rule"].create(
                        {"tier_id": self.tier.id, "partner_domain": partner_domain}
                    )
                with (
                    self.assertRaisesRegex(
                        ValidationError,
                        "The customer filter of rule “Three orders” is not a valid domain",
                    ),
                    self.cr.savepoint(),
                ):
                    self.rule.partner_domain = partner_domain
                # the rule is unchanged
                self.assertEqual(self.rule.partner_domain, "[]")
                self.assertEqual(self.rule.summary, "orders ≥ 3")

    def test_tier_with_rules_not_deleted(self):
        archived_tier = self.Tier.create({"name": "Bad Input Silver", "code": "bad_input_silver"})
        archived_rule = self.env["crm.tier.rule"].create(
            {"tier_id": archived_tier.id, "min_referrals": 2, "name": "Two referrals"}
        )
        archived_rule.action_archive()
        for tier, rule in ((self.tier, "Three orders"), (archived_tier, "Two referrals")):
            with self.subTest(tier=tier.name):
                with self.assertRaisesRegex(
                    UserError,
                    f"Tier {tier.name} cannot be deleted: its rules {rule} would be deleted",
                ):
                    tier.unlink()
        self.assertTrue(self.tier.exists())
        self.assertEqual(self.tier.rule_ids, self.rule)
        self.assertTrue(archived_rule.exists())
        # a tier nobody uses goes
        unused = self.Tier.create({"name": "Bad Input Unused", "code": "bad_input_unused"})
        unused.unlink()
        self.assertFalse(unused.exists())

    def test_settings_out_of_bounds_refused(self):
        company = self.company
        self.assert_checks_refuse(
            company,
            [
                ("crm_tier_grace_days", 3651, "crm_days_max"),
                ("crm_loyal_min_tenure_days", 1_000_000, "crm_days_max"),
                ("crm_churn_days", 1_000_000, "crm_days_max"),
                ("crm_score_weight_recency", 101, "crm_score_weights_max"),
                ("crm_score_weight_potential", float("nan"), "crm_score_weights_max"),
                ("crm_score_weight_monetary", float("inf"), "crm_score_weights_max"),
            ],
        )
        # the bounds themselves are allowed
        company.write(
            {
                "crm_tier_grace_days": 3650,
                "crm_churn_days": 3650,
                "crm_loyal_min_tenure_days": 3650,
                "crm_score_weight_recency": 100,
            }
        )
        company.flush_recordset()
        self.assertEqual((company.crm_churn_days, company.crm_score_weight_recency), (3650, 100))

    def test_merge_customers_both_queued(self):
        """Both customers wait for a value refresh in the same company: the merge goes through
        and the customer kept waits once."""
        kept, merged = self.env["res.partner"].create(
            [{"name": "Queued Kept", "is_company": True}, {"name": "Queued Merged"}]
        )
        Queue = self.env["crm.value.queue"]
        Queue._enqueue(
            [
                (kept.id, self.company.id),
                (merged.id, self.company.id),
                (merged.id, self.other_company.id),
            ]
        )
        self.env["base.partner.merge.automatic.wizard"]._merge((kept | merged).ids, kept)
        self.assertFalse(merged.exists())
        queued = Queue.search([("partner_id", "in", (kept | merged).ids)])
        self.assertEqual(
            sorted((entry.partner_id.id, entry.company_id.id) for entry in queued),
            sorted([(kept.id, self.company.id), (kept.id, self.other_company.id)]),
        )
