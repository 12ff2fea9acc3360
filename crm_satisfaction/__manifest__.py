{
    "name": "Customer Satisfaction and Complaints",
    "summary": "CSAT / NPS surveys, complaints with tier-aware SLAs and escalation, "
    "regular follow-up visits, satisfaction and complaint KPIs",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "license": "LGPL-3",
    "author": "CRM Discipline Team",
    "website": "https://github.com/crm-discipline/crm-addons",
    "maintainers": ["crm-discipline"],
    "depends": ["crm_lifecycle_tiering", "survey", "mail", "portal"],
    "data": [
        "security/crm_satisfaction_groups.xml",
        "security/ir.model.access.csv",
        "security/crm_complaint_category_security.xml",
        "data/crm_complaint_category_data.xml",
        "views/crm_complaint_category_views.xml",
        "views/crm_satisfaction_menus.xml",
    ],
    "application": True,
}
