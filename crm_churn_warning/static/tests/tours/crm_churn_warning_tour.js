import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// Must match the customer and the call feedback of the Python test.
const CUSTOMER = "Tour Drifting Industries";
const FEEDBACK = "Called: they will order again with a 10% volume discount";

registry.category("web_tour.tours").add("crm_churn_warning_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the CRM app",
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            run: "click",
        },
        {
            content: "Open the Churn Warning menu",
            trigger: "button[data-menu-xmlid='crm_churn_warning.crm_churn_warning_root_menu']",
            run: "click",
        },
        {
            content: "Open the churn warnings",
            trigger: ".dropdown-item[data-menu-xmlid='crm_churn_warning.crm_churn_warning_menu']",
            run: "click",
        },
        {
            content: "Open the high-risk warning of the customer",
            trigger: `.o_kanban_view .o_kanban_record:contains(${CUSTOMER}):contains(High)`,
            run: "click",
        },
        {
            content: "The warning gives its reasons with their figures",
            trigger: ".o_form_view .o_field_widget[name=line_ids]:contains(No order for 120 days; usual interval 30 days)",
        },
        {
            content: "The playbook planned a call",
            trigger: ".o-mail-Activity:contains(Call)",
        },
        {
            content: "Mark the call done",
            trigger: ".o-mail-Activity:contains(Call) .o-mail-Activity-markDone",
            run: "click",
        },
        {
            content: "Write what the call gave",
            trigger: ".o-mail-ActivityMarkAsDone textarea",
            run: `edit ${FEEDBACK}`,
        },
        {
            trigger: ".o-mail-ActivityMarkAsDone button[aria-label=Done]",
            run: "click",
        },
        {
            content: "The call is logged in the chatter",
            trigger: `.o-mail-Message:contains(${FEEDBACK})`,
        },
        {
            content: "Mark the customer retained",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_retain]:visible",
            run: "click",
        },
        {
            content: "The customer is retained",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Retained)",
        },
    ],
});
