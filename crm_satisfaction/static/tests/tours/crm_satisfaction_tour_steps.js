import { stepUtils } from "@web_tour/tour_utils";

/** The steps that open the Customer Care app from the home menu, where our tours start. */
export function openCustomerCareApp() {
    return [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Customer Care app",
            trigger: ".o_app[data-menu-xmlid='crm_satisfaction.crm_satisfaction_menu_root']",
            run: "click",
        },
    ];
}

/** From the home menu, the steps that open all complaints (the kanban of every complaint). */
export function openAllComplaints() {
    return [
        ...openCustomerCareApp(),
        {
            content: "Open the Complaints menu",
            trigger: "button[data-menu-xmlid='crm_satisfaction.crm_complaint_menu']",
            run: "click",
        },
        {
            content: "Open all complaints",
            trigger: ".dropdown-item[data-menu-xmlid='crm_satisfaction.crm_complaint_menu_all']",
            run: "click",
        },
    ];
}
