import { registry } from "@web/core/registry";

// The follow-up lists read at a laptop's width (tests/test_survey_screens.py opens each list
// at 1440x900): a handful of columns by default, no header cut short, no horizontal scrolling.
const MAX_COLUMNS = 8;

function checkHeaderInFull(header) {
    const label = header.querySelector("span.text-truncate");
    if (label && label.scrollWidth > label.clientWidth) {
        throw new Error(`Header cut short: "${label.textContent.trim()}"`);
    }
}

function checkListReadable() {
    const headers = [...document.querySelectorAll(".o_list_view thead th[data-name]")];
    if (!headers.length || headers.length > MAX_COLUMNS) {
        throw new Error(`${headers.length} columns shown by default (at most ${MAX_COLUMNS})`);
    }
    headers.forEach(checkHeaderInFull);
    const renderer = document.querySelector(".o_list_view .o_list_renderer");
    if (renderer.scrollWidth > renderer.clientWidth + 1) {
        throw new Error(`The list scrolls sideways: ${renderer.scrollWidth}px in ${renderer.clientWidth}px`);
    }
}

registry.category("web_tour.tours").add("crm_followup_list_readable_tour", {
    steps: () => [
        {
            content: "The list shows its records",
            trigger: ".o_list_view .o_data_row",
        },
        {
            content: "Every column reads in full, without scrolling sideways",
            trigger: ".o_list_view thead th[data-name]",
            run: checkListReadable,
        },
    ],
});

// Customer tiers: the follow-up interval in days, the unit said once (in the header of the list,
// after the value in the form).
registry.category("web_tour.tours").add("crm_followup_tier_interval_tour", {
    steps: () => [
        {
            content: "The interval column says its unit in the header",
            trigger: ".o_list_view thead th[data-name=followup_interval_days]:contains(Follow-up (days))",
            run() {
                checkHeaderInFull(this.anchor);
            },
        },
        {
            content: "The VIP tier is followed up every 30 days: the value alone in its cell",
            trigger: ".o_list_view .o_data_row:contains(VIP) .o_data_cell[name=followup_interval_days]",
            run() {
                const text = this.anchor.textContent.trim();
                if (text !== "30") {
                    throw new Error(`The VIP interval cell reads "${text}"`);
                }
            },
        },
        {
            content: "Open the VIP tier",
            trigger: ".o_list_view .o_data_row:contains(VIP) .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "The form says the unit once, after the value",
            trigger: ".o_form_view .o_field_widget[name=followup_interval_days]",
            run() {
                const label = document.querySelector(
                    ".o_form_view label[for^=followup_interval_days]"
                ).textContent;
                const line = this.anchor.closest("div:not(.o_field_widget)").textContent;
                if (label.includes("day") || (line.match(/days/g) || []).length !== 1) {
                    throw new Error(`The interval reads "${label.trim()}: ${line.trim()}"`);
                }
            },
        },
    ],
});
