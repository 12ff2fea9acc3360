import { registry } from "@web/core/registry";

// Must match the company name the Python test gives the customer's company.
const COMPANY = "Acknowledging Co";

registry.category("web_tour.tours").add("crm_complaint_portal_confirmation_tour", {
    url: "/my/complaints/new",
    steps: () => [
        {
            content: "Subject",
            trigger: "form.o_complaint_portal_form input[name=name]",
            run: "edit Tour: kettle leaks",
        },
        {
            content: "Description",
            trigger: "form.o_complaint_portal_form textarea[name=description]",
            run: "edit The kettle leaks from the bottom.",
        },
        {
            content: "Submit",
            trigger: "form.o_complaint_portal_form button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The page confirms the submission with the complaint's reference",
            trigger: ".o_complaint_portal_submitted .o_complaint_portal_reference:contains(CMP/)",
        },
        {
            content: "It tells what happens next and by when",
            trigger: ".o_complaint_portal_submitted .o_complaint_portal_next_step:contains(gets back to you by)",
        },
        {
            content: "It gives the date by which the complaint should be resolved",
            trigger: ".o_complaint_portal_submitted .o_complaint_portal_resolve_by:contains(We aim to resolve it by) strong",
        },
        {
            content: "The acknowledgement is in the conversation, from the company",
            trigger: `#chatterRoot:shadow .o-mail-Message:contains(We have received your complaint):has(.o-mail-Message-author:contains(${COMPANY}))`,
        },
    ],
});
