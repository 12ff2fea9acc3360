import { registry } from "@web/core/registry";

// A salesperson opens the quotation of a VIP customer and sees, next to the customer, the VIP
// badge and what the tier entitles the customer to. The data comes from
// tests/test_tier_on_documents.py: "Tour VIP Docs Ltd", VIP, whose service policy starts with
// "Dedicated hotline within the hour".
registry.category("web_tour.tours").add("crm_tier_on_quotation_tour", {
    steps: () => [
        {
            trigger: ".o_form_view .o_field_widget[name='partner_id'] input:value(Tour VIP Docs Ltd)",
            content: "The quotation of the VIP customer is open",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='crm_tier_id'] .badge:contains(VIP)",
            content: "The customer's tier shows as a badge",
        },
        {
            trigger:
                ".o_form_view .o_field_widget[name='crm_tier_summary']:contains(Dedicated hotline within the hour)",
            content: "The entitlement line shows under it",
        },
    ],
});
