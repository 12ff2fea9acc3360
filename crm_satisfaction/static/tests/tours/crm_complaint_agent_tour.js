import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";
import { openAllComplaints } from "@crm_satisfaction/../tests/tours/crm_satisfaction_tour_steps";

// Must match the subject the Python test gives its complaint.
const SUBJECT = "Agent tour: dented kettle";
const ROOT_CAUSE = "Parcel crushed by the carrier";
const RESOLUTION = "Replacement kettle shipped by express courier";

const currentStage = (label) => `.o_statusbar_status button.o_arrow_button_current:contains(${label})`;

registry.category("web_tour.tours").add("crm_complaint_agent_tour", {
    url: "/odoo",
    steps: () => [
        ...openAllComplaints(),
        {
            content: "Open the complaint from the kanban",
            trigger: `.o_kanban_view .o_kanban_record:contains(${SUBJECT})`,
            run: "click",
        },
        {
            content: "The complaint is open and new",
            trigger: `.o_form_view .o_field_widget[name=name] input:value(${SUBJECT})`,
        },
        {
            trigger: currentStage("New"),
        },
        {
            content: "Acknowledge the complaint",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_acknowledge]",
            run: "click",
        },
        {
            content: "The complaint is acknowledged",
            trigger: `.o_form_view:not(:has(button[name=action_acknowledge])) ${currentStage("Acknowledged")}`,
        },
        {
            content: "Open the Resolution tab",
            trigger: ".o_notebook .nav-link[name=resolution]",
            run: "click",
        },
        {
            content: "Write the root cause",
            trigger: ".o_field_widget[name=root_cause] textarea",
            run: `edit ${ROOT_CAUSE}`,
        },
        {
            // focus the editor so that it creates its first paragraph
            trigger: ".o_field_widget[name=resolution] .odoo-editor-editable",
            run: "click",
        },
        {
            content: "Describe the resolution",
            trigger: ".o_field_widget[name=resolution] .odoo-editor-editable",
            run: `editor ${RESOLUTION}`,
        },
        ...stepUtils.saveForm(),
        {
            content: "Mark the complaint resolved",
            trigger: ".o_statusbar_status button.o_arrow_button:not(.dropdown-toggle):contains(Resolved)",
            run: "click",
        },
        {
            content: "The complaint awaits the customer's confirmation",
            trigger: `.o_form_saved ${currentStage("Resolved")}`,
        },
        {
            content: "Open the folded stages",
            trigger: ".o_statusbar_status button.dropdown-toggle.o_first[aria-label='More...']",
            run: "click",
        },
        {
            content: "Close the complaint",
            trigger: ".o-dropdown--menu .dropdown-item:contains(Closed)",
            run: "click",
        },
        {
            content: "The complaint is closed and saved",
            trigger: `.o_form_saved ${currentStage("Closed")}`,
        },
        {
            content: "A closed complaint can be reopened",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_reopen]",
        },
    ],
});
