"""Where the settings of Customer Care live and how they read: an app of its own in Settings, one
Settings entry per configuration menu, units shown once, numbers of hours as numbers, and field
labels written out rather than generated from technical names."""

import re

from lxml import etree

from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase

CUSTOMER_CARE_SETTINGS = {
    "crm_complaint_sla_risk_percent",
    "crm_complaint_escalation_hours",
    "crm_complaint_window_days",
    "crm_survey_fatigue_days",
    "crm_satisfaction_window_days",
    "crm_satisfaction_create_activity",
    "crm_satisfaction_open_complaint",
    "crm_followup_first_days",
    "crm_followup_horizon_days",
}
UNITS = re.compile(r"^(days|hours|months|%)\b")
UNIT_IN_LABEL = re.compile(r"\((days|hours|months|%)\)")
# words a label generated from a technical name shows instead of the acronym
GENERATED_WORDS = re.compile(r"\b(Sla|Csat|Nps|Rfm|Clv|Crm)\b")


@tagged("post_install", "-at_install")
class TestSettingsApp(CrmCase):
    def arch(self, model, view_type="form"):
        """The view as the administrator gets it: every app and block of the settings."""
        admin = self.env.ref("base.user_admin")
        views = self.env[model].with_user(admin).get_views([(False, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    @property
    def menus(self):
        """The menus the administrator sees."""
        return self.env["ir.ui.menu"].with_user(self.env.ref("base.user_admin"))

    def field_names(self, node):
        return {field.get("name") for field in node.iter("field")}

    def test_customer_care_app_in_settings(self):
        arch = self.arch("res.config.settings")
        apps = arch.xpath("//app[@name='crm_satisfaction']")
        self.assertEqual(len(apps), 1)
        self.assertEqual(apps[0].get("string"), "Customer Care")
        self.assertEqual(
            [block.get("title") for block in apps[0].iter("block")],
            ["Complaints", "Customer Satisfaction", "Follow-up Visits"],
        )
        self.assertEqual(self.field_names(apps[0]), CUSTOMER_CARE_SETTINGS)
        # and not under CRM any more
        (crm,) = arch.xpath("//app[@name='crm']")
        self.assertFalse(self.field_names(crm) & CUSTOMER_CARE_SETTINGS)

    def test_settings_menu_of_customer_care(self):
        config = self.env.ref("crm_satisfaction.crm_satisfaction_config_menu")
        menus = self.menus.search([("id", "child_of", config.id), ("name", "=", "Settings")])
        self.assertEqual(len(menus), 1)
        self.assertEqual(menus.parent_id, config)
        self.assertEqual(menus.action.res_model, "res.config.settings")
        self.assertIn("'module': 'crm_satisfaction'", menus.action.context)

    def test_one_settings_entry_in_crm_configuration(self):
        config = self.env.ref("crm.crm_menu_config")
        menus = self.menus.search([("id", "child_of", config.id), ("name", "=", "Settings")])
        self.assertEqual(menus, self.env.ref("crm.crm_config_settings_menu"))

    def test_units_shown_once(self):
        """The settings page shows only the elements of a <setting>: a unit must sit in an
        element with its field; a unit after a field is not repeated in its label."""
        for model in ("res.config.settings", "crm.customer.tier", "crm.getting.started"):
            arch = self.arch(model)
            for setting in arch.iter("setting"):
                loose = [setting.text or ""] + [child.tail or "" for child in setting]
                self.assertFalse(
                    "".join(loose).strip(),
                    f"{model}: text outside an element in setting {setting.get('string')!r}",
                )
            for field in arch.iter("field"):
                if not UNITS.match((field.tail or "").strip()):
                    continue
                name = field.get("name")
                for label in arch.xpath(f"//label[@for='{name}']"):
                    string = label.get("string") or self.env[model]._fields[name].string
                    self.assertNotRegex(string, UNIT_IN_LABEL, f"{model}.{name}")

    def test_numbers_of_hours_are_not_times_of_day(self):
        views = [
            ("res.config.settings", "form"),
            ("crm.complaint", "form"),
            ("crm.complaint.sla", "list"),
        ]
        for model, view_type in views:
            arch = self.arch(model, view_type)
            for field in arch.iter("field"):
                if "hours" in field.get("name"):
                    self.assertNotEqual(
                        field.get("widget"), "float_time", f"{model}.{field.get('name')}"
                    )
        # to the tenth, as the form shows them: "2.5" working hours
        Complaint = self.env["crm.complaint"]
        for name in ("ack_hours_taken", "resolve_hours_taken", "sla_paused_hours"):
            self.assertEqual(Complaint._fields[name].get_digits(self.env), (16, 1), name)

    def test_field_labels_are_written_out(self):
        """No label of ours reads like a technical name ("Sla Paused Since")."""
        field_ids = (
            self.env["ir.model.data"]
            .search([("module", "=", "crm_satisfaction"), ("model", "=", "ir.model.fields")])
            .mapped("res_id")
        )
        fields = self.env["ir.model.fields"].with_context(lang="en_US").browse(field_ids)
        generated = [
            f"{field.model}.{field.name}: {field.field_description}"
            for field in fields
            if GENERATED_WORDS.search(field.field_description)
        ]
        self.assertEqual(generated, [])
        Complaint = self.env["crm.complaint"]
        self.assertEqual(Complaint._fields["sla_paused_since"].string, "SLA Paused Since")
        self.assertEqual(Complaint._fields["sla_breached_date"].string, "SLA Breached On")
