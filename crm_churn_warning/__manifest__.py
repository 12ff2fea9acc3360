{
    "name": "Customer Churn Warning",
    "summary": "Nightly churn-risk scoring with explained reasons, retention activities, "
    "outcome tracking and backtests",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "license": "LGPL-3",
    "author": "CRM Discipline Team",
    "website": "https://github.com/crm-discipline/crm-addons",
    "maintainers": ["crm-discipline"],
    "depends": ["crm_lifecycle_tiering", "crm_satisfaction"],
    "external_dependencies": {"python": ["numpy", "scipy"]},
    "data": [
        "security/crm_churn_warning_groups.xml",
        "security/ir.model.access.csv",
        "security/crm_churn_signal_security.xml",
        "data/crm_churn_signal_data.xml",
        "views/crm_churn_signal_views.xml",
        "views/crm_churn_warning_menus.xml",
    ],
}
