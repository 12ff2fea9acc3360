import { registry } from "@web/core/registry";

// A salesperson opens the quotation of a VIP customer and sees, next to the customer, the VIP
// badge and what the tier entitles the customer to, the VIP pricelist and its price on the
// line, and confirms the quotation. The data comes from tests/test_tier_on_documents.py: "Tour
// VIP Docs Ltd", VIP, whose service policy starts with "Dedicated hotline within the hour" and
// whose pricelist "Tour VIP prices" sells the service at 8.50 instead of 10.
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
        {
            trigger: ".o_form_view .o_field_widget[name='crm_tier_summary']:contains(Tour VIP prices)",
            content: "The entitlement line names the tier's pricelist",
        },
        {
            trigger:
                ".o_form_view .o_field_widget[name='order_line'] .o_data_row:contains(Tour Docs Service) .o_data_cell[name='price_unit']:contains(8.50)",
            content: "The line carries the VIP pricelist's price",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_confirm']",
            content: "Confirm the quotation",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Sales Order)",
            content: "The quotation is a sales order",
        },
        {
            trigger:
                ".o_form_view .o_field_widget[name='order_line'] .o_data_row:contains(Tour Docs Service) .o_data_cell[name='price_unit']:contains(8.50)",
            content: "and keeps the VIP price",
        },
    ],
});
