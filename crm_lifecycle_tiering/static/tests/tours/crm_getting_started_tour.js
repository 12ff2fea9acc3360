import { registry } from "@web/core/registry";
import { openConfigurationMenu, openCrmApp } from "@crm_lifecycle_tiering/../tests/tours/crm_tour_steps";

// The administrator opens Getting Started, moves the start date, previews what the first night
// would create, and applies the start date (tests/test_getting_started.py checks the rest).
registry.category("web_tour.tours").add("crm_getting_started_tour", {
    url: "/odoo",
    steps: () => [
        ...openCrmApp(),
        ...openConfigurationMenu("crm_getting_started_menu", "Open Getting Started"),
        {
            trigger: ".modal .o_field_widget[name='start_date'] button",
            content: "Open the start date",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='start_date'] input",
            content: "Move the start date",
            run: "edit 01/01/2025",
        },
        {
            trigger: ".modal .modal-body p.text-muted",
            content: "Leave the date field",
            run: "click",
        },
        {
            trigger: ".modal .modal-footer button[name='action_preview']",
            content: "Preview the first night",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='preview_html'] h4:contains(Customer tiers and lifecycle stages) + table.o_crm_getting_started_table",
            content: "The tiers and stages the first night assigns",
        },
        {
            trigger: ".modal .modal-footer button[name='action_apply']",
            content: "Apply the values",
            run: "click",
        },
        {
            trigger: ".modal:has(.modal-body:contains(Save these values)) .modal-footer .btn-primary",
            content: "Confirm",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
            content: "Getting Started is closed",
        },
    ],
});
