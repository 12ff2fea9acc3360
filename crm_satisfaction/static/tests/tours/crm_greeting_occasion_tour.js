import { registry } from "@web/core/registry";

// Customer Care > Configuration > Greeting Occasions (tests/test_greetings.py): a holiday that
// moves every year is given its dates, one per year, and greets the VIP customers alone.
registry.category("web_tour.tours").add("crm_greeting_occasion_tour", {
    steps: () => [
        {
            content: "The shipped birthday occasion is listed",
            trigger: ".o_list_view .o_data_row:contains(Birthday)",
        },
        {
            content: "Create an occasion",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Name it",
            trigger: ".o_field_widget[name=name] input",
            run: "edit Tour Spring Festival",
        },
        {
            content: "A holiday on the same day every year asks for its month and day",
            trigger: ".o_field_widget[name=holiday_month]",
        },
        {
            content: "This one moves: its dates are listed per year",
            trigger: ".o_field_widget[name=holiday_repeat] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "On the dates listed per year",
            trigger: ".o_select_menu_item:contains(On the dates listed per year)",
            run: "click",
        },
        {
            content: "Month and day are gone, the dates page is there",
            trigger: ".o_form_view:not(:has(.o_field_widget[name=holiday_month])) .o_notebook a:contains(Dates)",
            run: "click",
        },
        {
            content: "Add this year's date",
            trigger: ".o_field_widget[name=date_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Give the date",
            trigger: ".o_field_widget[name=date_ids] .o_selected_row .o_field_widget[name=date] input",
            run: "edit 02/17/2026",
        },
        {
            content: "Greet the VIP customers",
            trigger: ".o_field_widget[name=tier_ids] input",
            run: "edit VIP",
        },
        {
            content: "Pick the VIP tier",
            trigger: ".o-autocomplete--dropdown-item:contains(VIP)",
            run: "click",
        },
        {
            content: "With the holiday template",
            trigger: ".o_field_widget[name=template_id] input",
            run: "edit Holiday Greeting",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item:contains(Holiday Greeting)",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
    ],
});
