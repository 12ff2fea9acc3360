import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";
import { openConfigurationMenu, openCrmApp } from "@crm_lifecycle_tiering/../tests/tours/crm_tour_steps";

// An administrator lowers the revenue threshold of the Key rule, simulates the rules, applies
// them and finds the customer in the Key tier. The data comes from tests/test_tour.py: one Key
// rule (revenue in window >= 5,000,000) and "Tour Customer Ltd" with 3,000,000 of revenue.
const CUSTOMER = "Tour Customer Ltd";

registry.category("web_tour.tours").add("crm_tier_config_tour", {
    url: "/odoo",
    steps: () => [
        ...openCrmApp(),
        ...openConfigurationMenu("crm_tier_rule_menu", "Open Customer Value > Tier Rules"),
        {
            trigger: ".o_list_view .o_group_header:contains(Key)",
            content: "Rules are grouped by tier, every group unfolded",
        },
        {
            trigger: ".o_list_view .o_data_row .o_data_cell[name='summary']:contains(5,000,000)",
            content: "Open the Key rule",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='min_revenue_period'] input",
            content: "Lower the revenue threshold",
            run: "edit 2000000",
        },
        {
            trigger: ".o_form_button_save",
            content: "Save the rule",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved .o_field_widget[name='summary']:contains(2,000,000)",
            content: "Saved: the rule now asks for 2,000,000",
        },
        ...openConfigurationMenu("crm_tier_simulation_menu", "Open Simulate Tier Rules"),
        {
            trigger: ".modal .modal-footer button[name='action_simulate']",
            content: "Simulate the rules without changing anything",
            run: "click",
        },
        {
            trigger: `.modal .o_field_widget[name='line_ids'] .o_data_row:has(.o_data_cell[name='partner_id']:contains(${CUSTOMER})):has(.o_data_cell[name='old_tier_id']:contains(Standard)):has(.o_data_cell[name='new_tier_id']:contains(Key))`,
            content: "The customer would move from Standard to Key",
        },
        {
            trigger: ".modal .modal-footer button[name='action_apply']",
            content: "Apply the rules",
            run: "click",
        },
        {
            trigger: ".modal:has(.modal-body:contains(Apply the rules)) .modal-footer .btn-primary",
            content: "Confirm",
            run: "click",
        },
        {
            trigger: ".modal .alert-success:contains(Applied)",
            content: "The rules are applied",
        },
        {
            trigger: ".modal .modal-footer button:contains(Close)",
            content: "Close the simulation",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='contacts.menu_contacts']",
            content: "Open Contacts",
            run: "click",
        },
        {
            trigger: ".o_control_panel .o_searchview_input",
            content: "Search the customer",
            run: `edit ${CUSTOMER}`,
        },
        {
            trigger: ".o_searchview_autocomplete .o-dropdown-item:contains(Search Name for)",
            content: "Search by name",
            run: "click",
        },
        {
            trigger: `.o_searchview_facet:contains(${CUSTOMER})`,
        },
        {
            // Contacts opens on its list view; the kanban view shows cards
            trigger: `.o_data_row .o_data_cell:contains(${CUSTOMER}), .o_kanban_record:contains(${CUSTOMER})`,
            content: "Open the customer",
            run: "click",
        },
        {
            trigger: `.o_breadcrumb .active:contains(${CUSTOMER})`,
        },
        {
            trigger: ".o_form_view .o_crm_customer_badges .o_field_widget[name='crm_tier_id']:contains(Key)",
            content: "The customer's tier badge shows Key",
        },
    ],
});
