import { registry } from "@web/core/registry";

// A customer follow-up in the chatter shows the customer's tier and what it entitles the
// customer to. The data comes from tests/test_tier_entitlement.py: a VIP customer whose tier's
// service policy starts with "Dedicated hotline within the hour", with a follow-up activity.
registry.category("web_tour.tours").add("crm_followup_tier_tour", {
    steps: () => [
        {
            content: "The follow-up activity shows the customer's tier",
            trigger: ".o-mail-Activity .o-crm-Activity-tier .badge:contains(VIP)",
        },
        {
            content: "and the tier's entitlement line",
            trigger:
                ".o-mail-Activity .o-crm-Activity-tierSummary:contains(Dedicated hotline within the hour)",
        },
    ],
});
