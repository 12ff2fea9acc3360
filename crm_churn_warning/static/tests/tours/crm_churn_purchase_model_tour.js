import { registry } from "@web/core/registry";
import { openCrmApp } from "@crm_churn_warning/../tests/tours/crm_churn_tour_steps";

// The company's purchase model as tests/test_churn_model_summary.py writes it: 412 of 500
// customers likely still active, 321.5 orders expected in 90 days, ten calibration groups.

registry.category("web_tour.tours").add("crm_churn_purchase_model_tour", {
    url: "/odoo",
    steps: () => [
        ...openCrmApp(),
        {
            content: "Open CRM > Configuration",
            trigger: ".o_main_navbar button[data-menu-xmlid='crm.crm_menu_config']",
            run: "click",
        },
        {
            content: "Open the purchase models",
            trigger: ".dropdown-item[data-menu-xmlid='crm_churn_warning.crm_churn_model_menu']",
            run: "click",
        },
        {
            content: "The list gives the likely active customers, not the parameters",
            trigger: ".o_list_view .o_data_row:has(.o_data_cell[name=likely_active_count]:contains(412))",
        },
        {
            content: "Open the company's model",
            trigger: ".o_list_view .o_data_row .o_data_cell[name=likely_active_count]:contains(412)",
            run: "click",
        },
        {
            content: "First the customers likely still active, as a count and a percentage",
            trigger: ".o_form_view .o_inner_group:has(.o_field_widget[name=likely_active_count]:contains(412)):has(.o_field_widget[name=likely_active_share]:contains(82.4))",
        },
        {
            content: "Then the orders and the revenue expected in the next 90 days and 12 months",
            trigger: ".o_form_view .o_inner_group:has(.o_field_widget[name=expected_orders_90]:contains(321.5)):has(.o_field_widget[name=expected_orders_12m]:contains(1,204.3)):has(.o_field_widget[name=expected_revenue_12m]:contains(980,000))",
        },
        {
            content: "The calibration is the page open first: predicted against actual orders",
            trigger: ".o_notebook .nav-link.active:contains(Calibration)",
        },
        {
            content: "Ten groups of customers, each with its predicted and actual orders",
            trigger: ".o_field_widget[name=calibration_chart] table.o_crm_churn_calibration:has(tr.o_crm_churn_calibration_row:contains(Tenth 10):contains(45.0):contains(41))",
        },
        {
            content: "The parameters are not on the first screen",
            trigger: ".o_form_view:not(:has(.o_field_widget[name=alpha]:visible))",
        },
        {
            content: "Open the Technical page",
            trigger: ".o_notebook .nav-link:contains(Technical)",
            run: "click",
        },
        {
            content: "The parameters, and the drop-out probability as a percentage",
            trigger: ".o_notebook .tab-pane.active:has(.o_field_widget[name=alpha]:contains(9.87)):has(.o_field_widget[name=dropout_probability]:contains(%))",
        },
    ],
});
