import { registry } from "@web/core/registry";

// The churn lists read at a laptop's width (tests/test_churn_screens.py opens each of them at
// 1440x900): no column header cut short, no scrolling sideways.

function checkListReadable(list) {
    const headers = [...list.querySelectorAll("thead th[data-name]")];
    if (!headers.length) {
        throw new Error("The list shows no column");
    }
    const cut = headers
        .map((header) => header.querySelector("span.text-truncate"))
        .filter((label) => label && label.scrollWidth > label.clientWidth + 1)
        .map((label) => label.textContent.trim());
    if (cut.length) {
        throw new Error(`Column headers cut short: ${cut.join(", ")}`);
    }
    const renderer = list.querySelector(".o_list_renderer") || list;
    if (renderer.scrollWidth > renderer.clientWidth + 1) {
        throw new Error(
            `The list scrolls sideways: ${renderer.scrollWidth}px in ${renderer.clientWidth}px`
        );
    }
}

registry.category("web_tour.tours").add("crm_churn_list_readable_tour", {
    steps: () => [
        {
            content: "The list shows its records",
            trigger: ".o_list_view .o_data_row",
        },
        {
            content: "Every column header reads in full, without scrolling sideways",
            trigger: ".o_list_view thead th[data-name]",
            run() {
                checkListReadable(document.querySelector(".o_list_view"));
            },
        },
    ],
});

registry.category("web_tour.tours").add("crm_churn_reason_lines_readable_tour", {
    steps: () => [
        {
            content: "The warning lists its reasons in words",
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_data_cell[name=text]:contains(No order for)",
        },
        {
            content: "The reasons' column headers read in full, without scrolling sideways",
            trigger: ".o_form_view .o_field_widget[name=line_ids] thead th[data-name]",
            run() {
                checkListReadable(document.querySelector(".o_form_view .o_field_widget[name=line_ids]"));
            },
        },
    ],
});
