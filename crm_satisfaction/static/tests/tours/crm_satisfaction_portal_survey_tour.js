import { registry } from "@web/core/registry";

// Opened on the invitation link (/survey/start/<survey token>?answer_token=<token>) of the
// shipped CSAT survey; the texts must match tests/test_portal.py.
registry.category("web_tour.tours").add("crm_satisfaction_portal_survey_tour", {
    steps: () => [
        {
            content: "Start the survey",
            trigger: ".o_survey_start button[value=start]:not(.disabled)",
            run: "click",
        },
        {
            content: "Rate the satisfaction 4 of 5",
            trigger:
                'div.js_question-wrapper:contains("How satisfied are you") label.o_survey_choice_btn:contains("4")',
            run: "click",
        },
        {
            content: "The rating is selected",
            trigger:
                'div.js_question-wrapper:contains("How satisfied are you") label.o_survey_selected:contains("4")',
        },
        {
            content: "Say what could be better",
            trigger: 'div.js_question-wrapper:contains("What could we do better") textarea',
            run: "edit Faster answers to complaints, please.",
        },
        {
            content: "Submit the answers",
            trigger: 'button[value="finish"]',
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The survey thanks the customer",
            trigger: ".o_survey_finished:contains(Thank you for your feedback)",
        },
    ],
});
