import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// A manager finds the tiers under CRM > Configuration and renames one.
registry.category("web_tour.tours").add("crm_tier_config_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            content: "Open the CRM app",
            run: "click",
        },
        {
            trigger: ".o_main_navbar button[data-menu-xmlid='crm.crm_menu_config']",
            content: "Open Configuration",
            run: "click",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='crm_lifecycle_tiering.crm_customer_tier_menu']",
            content: "Open Customer Tiers",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:first-child td[name='name']:contains(VIP)",
            content: "VIP is the highest-ranked tier",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='code'] input:value(vip)",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='name'] input",
            content: "Rename the tier",
            run: "edit VIP Platinum",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
    ],
});
