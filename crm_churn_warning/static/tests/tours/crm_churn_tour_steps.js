import { stepUtils } from "@web_tour/tour_utils";

/** The steps that open the CRM app from the home menu, where the churn tours start. */
export function openCrmApp() {
    return [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the CRM app",
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            run: "click",
        },
    ];
}
