import { registry } from "@web/core/registry";
import { openCrmApp } from "@crm_churn_warning/../tests/tours/crm_churn_tour_steps";

// Must match the customers and the call feedback of the Python test.
const CUSTOMER = "Tour Drifting Industries";
const LOST_CUSTOMER = "Tour Gone Trading";
const FEEDBACK = "Called: they will order again with a 10% volume discount";

registry.category("web_tour.tours").add("crm_churn_warning_tour", {
    url: "/odoo",
    steps: () => [
        ...openCrmApp(),
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
            content: "The warnings open on the open ones",
            trigger: ".o_searchview .o_facet_value:contains(Open)",
        },
        {
            content: "Only the New and In Progress columns show",
            trigger:
                ".o_kanban_renderer:has(.o_kanban_group .o_column_title:contains(New))" +
                ":has(.o_kanban_group .o_column_title:contains(In Progress))" +
                ":not(:has(.o_column_title:contains(Lost)))" +
                ":not(:has(.o_column_title:contains(Retained)))" +
                ":not(:has(.o_column_title:contains(Dismissed)))",
        },
        {
            content: "The lost warning is out of sight",
            trigger: `.o_kanban_renderer:has(.o_kanban_record:contains(${CUSTOMER})):not(:has(.o_kanban_record:contains(${LOST_CUSTOMER})))`,
        },
        {
            content: "Remove the Open filter",
            trigger: ".o_searchview .o_facet_value:contains(Open) ~ .o_facet_remove",
            run: "click",
        },
        {
            content: "The closed warnings come in a folded column",
            trigger: ".o_kanban_group.o_column_folded .o_column_title:contains(Lost)",
        },
        {
            content: "Open the high-risk warning of the customer",
            trigger: `.o_kanban_view .o_kanban_record:contains(${CUSTOMER}):contains(High)`,
            run: "click",
        },
        {
            content: "The warning gives its reasons in words with their figures",
            trigger:
                ".o_form_view .o_field_widget[name=line_ids]" +
                " .o_data_cell[name=text]:contains(No order for 120 days; usual interval 30 days)",
        },
        {
            content: "Amounts come formatted with their currency",
            trigger:
                ".o_form_view .o_field_widget[name=line_ids]" +
                " .o_data_cell[name=text]:contains(Spend down 75% in the last 90 days):contains(5,000.00)",
        },
        {
            content: "The chatter tells the warning was raised, with its figures",
            trigger: ".o-mail-Message:contains(Churn warning raised):contains(75.0)",
        },
        {
            content: "The playbook planned a retention call",
            trigger: ".o-mail-Activity:contains(Retention Call)",
        },
        {
            content: "Mark the call done",
            trigger: ".o-mail-Activity:contains(Retention Call) .o-mail-Activity-markDone",
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
