import { registry } from "@web/core/registry";

// Opened on the customer of tests/test_churn_score.py, who last ordered 210 days ago.
const WIN_BACK = "Churned – win-back";

registry.category("web_tour.tours").add("crm_churn_win_back_tour", {
    steps: () => [
        {
            content: "The customer's badges say win-back, not a risk level",
            trigger: `.o_form_view .o_field_widget[name=crm_churn_badge]:contains(${WIN_BACK})`,
        },
        {
            content: "No medium or high churn risk is shown",
            trigger: ".o_form_view:not(:has(.o_field_widget[name=crm_churn_badge]:contains(Churn risk)))",
        },
        {
            content: "Open the Churn Risk page",
            trigger: ".o_notebook .nav-link:contains(Churn Risk)",
            run: "click",
        },
        {
            content: "The page explains that this is a win-back case",
            trigger: ".o_notebook .tab-pane.active div[name=crm_churn_win_back]:contains(win-back case)",
        },
        {
            content: "The risk band is Churned – win-back",
            trigger: `.o_notebook .tab-pane.active .o_field_widget[name=crm_churn_level]:contains(${WIN_BACK})`,
        },
    ],
});
