{
    "name": "Customer Tiers and Lifecycle",
    "summary": "Customer tiers, lifecycle stages and value metrics (RFM, lifetime value) "
    "ruled from the UI, with history and reports",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "license": "LGPL-3",
    "author": "CRM Discipline Team",
    "website": "https://github.com/crm-discipline/crm-addons",
    "maintainers": ["crm-discipline"],
    "depends": ["sale_management", "crm"],
    "data": [
        "security/crm_lifecycle_tiering_groups.xml",
        "security/ir.model.access.csv",
        "security/crm_customer_tier_security.xml",
        "data/crm_customer_tier_data.xml",
        "data/crm_rfm_segment_data.xml",
        "data/crm_tier_rule_data.xml",
        "data/ir_cron_data.xml",
        "wizard/crm_tier_wizard_views.xml",
        "wizard/crm_getting_started_views.xml",
        "data/ir_actions_todo_data.xml",
        "views/crm_customer_tier_views.xml",
        "views/crm_lifecycle_event_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/crm_lifecycle_tiering_menus.xml",
    ],
    "demo": [
        "demo/crm_tier_rule_demo.xml",
        "demo/crm_lifecycle_demo.xml",
    ],
    "post_init_hook": "post_init_hook",
    "assets": {
        "web.assets_tests": [
            "crm_lifecycle_tiering/static/tests/tours/**/*",
        ],
    },
}
