import { registry } from "@web/core/registry";
import { openConfigurationMenu } from "@crm_lifecycle_tiering/../tests/tours/crm_tour_steps";

// Screens of customer value at 1440x900, with the data of tests/test_screens.py: customers in
// each lifecycle stage, a VIP one (gold badge), a Key one (blue badge).
const STAGES_IN_FUNNEL_ORDER = ["Prospect", "First Purchase", "Repeat Purchase", "Loyal", "Churned"];
const UNRELATED_MEASURES = ["Color Index", "Bounce", "Latitude", "Longitude"];

function assertHeadersNotTruncated() {
    const labels = [
        ...document.querySelectorAll(".o_list_view thead th[data-name] span.text-truncate"),
    ];
    if (!labels.length) {
        throw new Error("No column header found");
    }
    const truncated = labels
        .filter((label) => label.scrollWidth > label.clientWidth + 1)
        .map((label) => label.textContent.trim());
    if (truncated.length) {
        throw new Error(`Truncated column headers: ${truncated.join(", ")}`);
    }
}

function measuresSteps(activeMeasure, inactiveMeasure) {
    return [
        {
            trigger: "button:contains(Measures)",
            content: "Open the measures",
            run: "click",
        },
        {
            trigger: `.o-dropdown--menu .o-dropdown-item.selected:contains(${activeMeasure})`,
            content: `The report measures ${activeMeasure}`,
        },
        ...(inactiveMeasure
            ? [
                  {
                      trigger: `.o-dropdown--menu .o-dropdown-item:not(.selected):contains(${inactiveMeasure})`,
                      content: `${inactiveMeasure} is offered, not selected`,
                  },
              ]
            : []),
        {
            trigger: `.o-dropdown--menu:has(.o-dropdown-item:contains(Revenue (all time)))${UNRELATED_MEASURES.map(
                (measure) => `:not(:has(.o-dropdown-item:contains(${measure})))`
            ).join("")}`,
            content: "Only customer-value figures are offered as measures",
        },
        {
            trigger: "button:contains(Measures)",
            content: "Close the measures",
            run: "click",
        },
        {
            trigger: "body:not(:has(.o-dropdown--menu))",
        },
    ];
}

registry.category("web_tour.tours").add("crm_customer_list_tour", {
    steps: () => [
        {
            trigger: ".o_list_view th[data-name='crm_tier_id']",
            content: "The customers list shows the tier column by default",
        },
        {
            trigger: ".o_list_view th[data-name='crm_lifecycle_stage']",
            content: "and the lifecycle stage column",
        },
        {
            trigger: ".o_control_panel .o_searchview_input",
            content: "Search the tour's customers",
            run: "edit Screen Tour",
        },
        {
            trigger: ".o_searchview_autocomplete .o-dropdown-item:contains(Search Name for)",
            run: "click",
        },
        {
            trigger: ".o_searchview_facet:contains(Screen Tour)",
        },
        {
            trigger:
                ".o_data_row:contains(Screen Tour VIP) .o_data_cell[name='crm_tier_id'] .badge.o_badge_color_3:contains(VIP)",
            content: "VIP is gold",
        },
        {
            trigger:
                ".o_data_row:contains(Screen Tour Key) .o_data_cell[name='crm_tier_id'] .badge.o_badge_color_4:contains(Key)",
            content: "Key is blue",
        },
        {
            trigger:
                ".o_data_row:contains(Screen Tour VIP) .o_data_cell[name='crm_lifecycle_stage'] .badge.text-bg-success:contains(Loyal)",
            content: "Loyal customers are green",
        },
        {
            trigger:
                ".o_data_row:contains(Screen Tour Churned) .o_data_cell[name='crm_lifecycle_stage'] .badge.text-bg-danger:contains(Churned)",
            content: "Churned customers are red",
        },
        {
            trigger: ".o_switch_view.o_kanban",
            content: "Switch to the cards",
            run: "click",
        },
        {
            trigger:
                ".o_kanban_record:contains(Screen Tour Key) .o_field_widget[name='crm_tier_id'] .badge.o_badge_color_4",
            content: "The card shows the Key tier in blue",
        },
        {
            trigger: ".o_kanban_record:contains(Screen Tour VIP)",
            content: "Open the VIP customer",
            run: "click",
        },
        {
            trigger:
                ".o_form_view .o_crm_customer_badges .o_field_widget[name='crm_tier_id'] .badge.o_badge_color_3:contains(VIP)",
            content: "The form shows the VIP tier in gold",
        },
        {
            trigger:
                ".o-mail-Chatter .o-mail-Message:contains(Customer values recomputed) .o-mail-Message-tracking:has(.o-mail-Message-trackingOld:contains(Key)):has(.o-mail-Message-trackingNew:contains(VIP)):has(.o-mail-Message-trackingField:contains(Tier))",
            content: "The chatter tells the tier change",
        },
        {
            trigger:
                ".o-mail-Chatter .o-mail-Message:contains(Customer values recomputed) .o-mail-Message-tracking:has(.o-mail-Message-trackingOld:contains(Repeat Purchase)):has(.o-mail-Message-trackingNew:contains(Loyal)):has(.o-mail-Message-trackingField:contains(Lifecycle Stage))",
            content: "and the stage change",
        },
    ],
});

registry.category("web_tour.tours").add("crm_value_reports_tour", {
    steps: () => [
        {
            trigger: ".o_graph_view .o_graph_canvas_container canvas",
            content: "Tiers and Revenue opens on its chart",
        },
        ...measuresSteps("Revenue in Window", "Count"),
        {
            trigger: ".o_switch_view.o_pivot",
            content: "Switch to the pivot table",
            run: "click",
        },
        {
            trigger: ".o_pivot .o_pivot_measure_row:contains(Revenue in Window)",
            content: "The pivot table measures the revenue (and counts the customers)",
        },
        ...measuresSteps("Revenue in Window"),
        {
            trigger: "body",
            content: "Open the Lifecycle Funnel",
            run: "goToUrl /odoo/action-crm_lifecycle_tiering.res_partner_action_stage_funnel",
            expectUnloadPage: true,
        },
        {
            trigger: ".o_graph_view .o_graph_canvas_container canvas",
            content: "The funnel opens on its chart",
        },
        ...measuresSteps("Count", "Revenue in Window"),
        {
            trigger: ".o_switch_view.o_pivot",
            content: "Switch to the pivot table",
            run: "click",
        },
        {
            trigger: ".o_pivot tbody th:contains(Churned)",
            content: "The funnel's rows follow the customers' path",
            run() {
                const rows = [...document.querySelectorAll(".o_pivot tbody th")]
                    .map((th) => th.textContent.trim())
                    .filter((label) => STAGES_IN_FUNNEL_ORDER.includes(label));
                if (JSON.stringify(rows) !== JSON.stringify(STAGES_IN_FUNNEL_ORDER)) {
                    throw new Error(`Funnel rows in the order ${rows.join(", ")}`);
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("crm_value_headers_tour", {
    steps: () => [
        {
            trigger: ".o_list_view .o_data_row .o_data_cell[name='reason_text']:not(:empty)",
            content: "Lifecycle History lists changes with their reasons",
        },
        {
            trigger: ".o_list_view thead th[data-name='old_stage']",
            content: "No column header is cut",
            run: assertHeadersNotTruncated,
        },
        {
            trigger: "body",
            content: "Open the RFM segments",
            run: "goToUrl /odoo/action-crm_lifecycle_tiering.crm_rfm_segment_action",
            expectUnloadPage: true,
        },
        {
            trigger: ".o_list_view .o_data_row .o_data_cell[name='r_min']",
            content: "RFM Segments lists the segments",
        },
        {
            trigger: ".o_list_view thead th[data-name='f_max']",
            content: "No column header is cut",
            run: assertHeadersNotTruncated,
        },
    ],
});

registry.category("web_tour.tours").add("crm_simulation_no_move_tour", {
    steps: () => [
        ...openConfigurationMenu("crm_tier_simulation_menu", "Open Simulate Tier Rules"),
        {
            trigger: ".modal .modal-footer button[name='action_simulate']",
            content: "Simulate the rules",
            run: "click",
        },
        {
            trigger:
                ".modal .o_crm_tier_simulation_no_move:contains(No customer would change tier with these rules)",
            content: "Nobody would move: the simulation says so",
        },
        {
            trigger:
                ".modal:not(:has(.modal-footer button[name='action_apply'])):not(:has(.o_field_widget[name='line_ids'])):not(:has(.o_data_row))",
            content: "No Apply button, no empty rows",
        },
        {
            trigger: ".modal .modal-footer button:contains(Close)",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});
