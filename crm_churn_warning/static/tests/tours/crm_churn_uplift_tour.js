import { registry } from "@web/core/registry";
import { openCrmApp } from "@crm_churn_warning/../tests/tours/crm_churn_tour_steps";

// Must match the warnings of tests/test_churn_control_group.py (UPLIFT_SPEC): 60 of 100 treated
// warnings retained, 40 of 100 of the control group.

registry.category("web_tour.tours").add("crm_churn_uplift_tour", {
    url: "/odoo",
    steps: () => [
        ...openCrmApp(),
        {
            content: "Open the Reporting menu",
            trigger: "button[data-menu-xmlid='crm.crm_menu_report']",
            run: "click",
        },
        {
            content: "Open the Playbook Uplift",
            trigger: ".dropdown-item[data-menu-xmlid='crm_churn_warning.crm_churn_uplift_menu']",
            run: "click",
        },
        {
            content: "The treated warnings: 100 measured, 60% retained",
            trigger:
                ".o_form_view:has(.o_field_widget[name=treated_count]:contains(100))" +
                ":has(.o_field_widget[name=treated_rate]:contains(60%))",
        },
        {
            content: "The control group: 100 measured, 40% retained",
            trigger:
                ".o_form_view:has(.o_field_widget[name=control_count]:contains(100))" +
                ":has(.o_field_widget[name=control_rate]:contains(40%))",
        },
        {
            content: "The uplift: 20 points",
            trigger: ".o_form_view .o_field_widget[name=uplift]:contains(20%)",
        },
        {
            content: "The revenue retained by the playbooks",
            trigger: ".o_form_view .o_field_widget[name=revenue_uplift]:contains(24,000.00)",
        },
        {
            content: "The figures in a sentence",
            trigger: ".o_form_view div[name=summary]:contains(Uplift: 20.0 points)",
        },
        {
            content: "A date range without any control warning",
            trigger: ".o_form_view .o_field_widget[name=date_to] input",
            run: "edit 01/01/2020",
        },
        {
            content: "Leave the date field",
            trigger: ".o_form_view p.text-muted",
            run: "click",
        },
        {
            content: "The screen says the uplift cannot be measured yet",
            trigger:
                ".o_form_view div[name=summary]:contains(no warning of these dates is in the control group)",
        },
        {
            content: "No uplift figure is shown",
            trigger: ".o_form_view:not(:has(.o_field_widget[name=uplift]))",
        },
        {
            content: "Keep the dates",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The dates are kept, the figures still say why there is none",
            trigger: ".o_form_saved div[name=summary]:contains(no warning of these dates)",
        },
    ],
});
