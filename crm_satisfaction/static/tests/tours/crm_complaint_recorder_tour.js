import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";
import { openAllComplaints } from "@crm_satisfaction/../tests/tours/crm_satisfaction_tour_steps";

// Must match the texts of tests/test_complaint_recorder.py
const SUBJECT = "Recorder tour: cracked lid";
const CUSTOMER = "Cracked Lid Ltd";

registry.category("web_tour.tours").add("crm_complaint_recorder_tour", {
    url: "/odoo",
    steps: () => [
        ...openAllComplaints(),
        {
            content: "Record a new complaint from all complaints (not only the user's own)",
            trigger:
                ".o_control_panel:not(:has(.o_searchview_facet:contains(My Complaints))) .o_control_panel_main_buttons .o-kanban-button-new",
            run: "click",
        },
        {
            content: "Subject",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: `edit ${SUBJECT}`,
        },
        {
            content: "Customer",
            trigger: ".o_form_view .o_field_widget[name=partner_id] input",
            run: `edit ${CUSTOMER}`,
        },
        {
            trigger: `.o-autocomplete--dropdown-item:contains(${CUSTOMER})`,
            run: "click",
        },
        ...stepUtils.saveForm(),
        {
            content: "The complaint is saved with its reference",
            trigger: ".o_form_saved .o_field_widget[name=reference]:contains(CMP/)",
        },
        {
            content: "Back to the complaints",
            trigger: ".o_breadcrumb li.o_back_button a",
            run: "click",
        },
        {
            content: "The recorder still sees the complaint",
            trigger: `.o_kanban_view .o_kanban_record:contains(${SUBJECT})`,
        },
    ],
});
