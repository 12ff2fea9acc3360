import { stepUtils } from "@web_tour/tour_utils";

// Steps the customer-value tours share: from the home screen into the CRM app, and from the CRM
// app into one of its Configuration menus.

export function openCrmApp() {
    return [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            content: "Open the CRM app",
            run: "click",
        },
    ];
}

export function openConfigurationMenu(menu, content) {
    return [
        {
            trigger: ".o_main_navbar button[data-menu-xmlid='crm.crm_menu_config']",
            content: "Open CRM > Configuration",
            run: "click",
        },
        {
            trigger: `.dropdown-item[data-menu-xmlid='crm_lifecycle_tiering.${menu}']`,
            content,
            run: "click",
        },
    ];
}
