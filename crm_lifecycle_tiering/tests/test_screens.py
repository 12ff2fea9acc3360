"""The customer-value screens as an administrator sees them at 1440x900: tier and stage columns
shown and coloured in the customers list, cards and form; the reports open on their measure
(revenue for Tiers and Revenue, the count for the Lifecycle Funnel) and offer our figures only;
the funnel follows the customers' path; list headers are not cut; a simulation that moves
nobody says so, without empty rows nor an Apply button."""

from lxml import etree

from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.models import lifecycle_data as lifecycle

from .common import AdminScreenCase

FUNNEL = [key for key, _label in lifecycle.LIFECYCLE_STAGES]


@tagged("post_install", "-at_install")
class TestCustomerValueScreens(AdminScreenCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tier_vip = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        cls.tier_key = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_key")
        cls.tier_standard = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_standard")
        cls.customers = {}
        for name, stage, tier in (
            ("Screen Tour VIP", lifecycle.STAGE_LOYAL, cls.tier_vip),
            ("Screen Tour Key", lifecycle.STAGE_REPEAT, cls.tier_key),
            ("Screen Tour Newcomer", lifecycle.STAGE_FIRST_PURCHASE, cls.tier_standard),
            ("Screen Tour Churned", lifecycle.STAGE_CHURNED, cls.tier_standard),
            ("Screen Tour Prospect", lifecycle.STAGE_PROSPECT, cls.env["crm.customer.tier"]),
        ):
            partner = cls.env["res.partner"].create(
                {"name": name, "is_company": True, "customer_rank": 1}
            )
            lifecycle.engine_write(partner.with_company(cls.company)).write(
                {"crm_lifecycle_stage": stage, "crm_tier_id": tier.id}
            )
            cls.customers[stage] = partner
        # the VIP customer was Key and Repeat Purchase: the engine's message on its chatter
        engine = cls.env["crm.value.engine"]
        today = cls.company._crm_today()
        cls.env["crm.lifecycle.event"]._post_changes(
            engine._prepare(cls.company, today, {}),
            [
                (
                    {
                        "partner_id": cls.customers[lifecycle.STAGE_LOYAL].id,
                        "old": {
                            "crm_tier_id": cls.tier_key.id,
                            "crm_lifecycle_stage": lifecycle.STAGE_REPEAT,
                        },
                        "new": {
                            "crm_tier_id": cls.tier_vip.id,
                            "crm_lifecycle_stage": lifecycle.STAGE_LOYAL,
                        },
                    },
                    False,
                )
            ],
        )
        # history with reasons, as the engine writes it
        currency = cls.company.currency_id
        cls.env["crm.lifecycle.event"].create(
            [
                {
                    "partner_id": cls.customers[stage].id,
                    "company_id": cls.company.id,
                    "kind": lifecycle.EVENT_TIER,
                    "old_tier_id": cls.tier_standard.id,
                    "new_tier_id": cls.tier_key.id,
                    "old_stage": lifecycle.STAGE_FIRST_PURCHASE,
                    "new_stage": stage,
                    "origin": "cron",
                    "reason": lifecycle.dump_reason(
                        {
                            "code": lifecycle.REASON_RULE,
                            "conditions": [
                                {
                                    "code": lifecycle.COND_REVENUE,
                                    "value": 123456.78,
                                    "threshold": 100000.0,
                                    "months": 12,
                                    "currency_id": currency.id,
                                },
                                {
                                    "code": lifecycle.COND_ORDERS,
                                    "value": 14,
                                    "threshold": 12,
                                    "months": 12,
                                },
                            ],
                        }
                    ),
                }
                for stage in (
                    lifecycle.STAGE_REPEAT,
                    lifecycle.STAGE_LOYAL,
                    lifecycle.STAGE_CHURNED,
                )
            ]
        )

    def test_customer_list_shows_tier_and_stage_in_colour(self):
        self.start_tour("/odoo/customers", "crm_customer_list_tour", login="admin")

    def test_reports_open_on_their_measure_in_funnel_order(self):
        self.start_tour(
            "/odoo/action-crm_lifecycle_tiering.res_partner_action_customer_value",
            "crm_value_reports_tour",
            login="admin",
        )

    def test_list_headers_are_not_cut(self):
        self.start_tour(
            "/odoo/action-crm_lifecycle_tiering.crm_lifecycle_event_action",
            "crm_value_headers_tour",
            login="admin",
        )

    def test_simulation_that_moves_nobody(self):
        # the rules in force are the ones the customers were last evaluated with
        self.env["crm.tier.rule"].search(
            [("company_id", "in", [False, self.company.id])]
        ).active = False
        self.env["crm.value.engine"]._recompute_company(self.company)
        wizard = self.env["crm.tier.simulation"].with_company(self.company).create({})
        wizard.action_simulate()
        self.assertGreater(wizard.evaluated_count, 0)
        self.assertEqual((wizard.moved_count, len(wizard.line_ids)), (0, 0))
        self.start_tour("/odoo/crm", "crm_simulation_no_move_tour", login="admin")

    # ------------------------------------------------------------------ what the screens read
    def test_stages_group_and_sort_in_funnel_order(self):
        Partner = self.env["res.partner"].with_company(self.company)
        domain = [("id", "in", [p.id for p in self.customers.values()])]
        # the graph's and the pivot's query
        groups = Partner.formatted_read_group(domain, ["crm_lifecycle_stage"], ["__count"])
        self.assertEqual([group["crm_lifecycle_stage"] for group in groups], FUNNEL)
        groups = Partner.formatted_read_group(
            domain, ["crm_lifecycle_stage"], ["__count"], order="crm_lifecycle_stage desc"
        )
        self.assertEqual([group["crm_lifecycle_stage"] for group in groups], FUNNEL[::-1])
        # the pivot's, with tiers in columns
        groups = Partner.formatted_read_grouping_sets(
            domain, [["crm_lifecycle_stage"], ["crm_lifecycle_stage", "crm_tier_id"]], ["__count"]
        )
        self.assertEqual([group["crm_lifecycle_stage"] for group in groups[0]], FUNNEL)
        stages = [group["crm_lifecycle_stage"] for group in groups[1]]
        self.assertEqual(stages, sorted(stages, key=FUNNEL.index))
        self.assertEqual(list(dict.fromkeys(stages)), FUNNEL)
        # a list sorted by stage
        self.assertEqual(
            Partner.search(domain, order="crm_lifecycle_stage").mapped("crm_lifecycle_stage"),
            FUNNEL,
        )

    def test_reports_offer_customer_value_measures_only(self):
        Partner = self.env["res.partner"].with_user(self.admin).with_company(self.company)
        for xmlid, view_type in (
            ("res_partner_view_graph_customer_value", "graph"),
            ("res_partner_view_pivot_customer_value", "pivot"),
        ):
            view = self.env.ref(f"crm_lifecycle_tiering.{xmlid}")
            arch = etree.fromstring(Partner.get_view(view.id, view_type)["arch"])
            hidden = {node.get("name") for node in arch.iter("field") if node.get("invisible")}
            self.assertTrue({"color", "message_bounce", "partner_latitude"} <= hidden, view_type)
            self.assertFalse(hidden & set(lifecycle.PARTNER_REPORT_MEASURES), view_type)
            measures = [
                node.get("name") for node in arch.iter("field") if node.get("type") == "measure"
            ]
            self.assertEqual(measures, ["crm_revenue_period"], view_type)
        for xmlid, graph_measure in (
            ("res_partner_action_customer_value", "crm_revenue_period"),
            ("res_partner_action_stage_funnel", "__count"),
        ):
            action = self.env["ir.actions.act_window"]._for_xml_id(f"crm_lifecycle_tiering.{xmlid}")
            self.assertIn(f"'graph_measure': '{graph_measure}'", action["context"])
