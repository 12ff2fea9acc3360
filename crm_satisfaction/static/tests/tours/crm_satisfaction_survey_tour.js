import { registry } from "@web/core/registry";
import { openCustomerCareApp } from "@crm_satisfaction/../tests/tours/crm_satisfaction_tour_steps";

// A manager reviews the demo survey campaigns (tests/test_survey_screens.py): both are listed,
// closed, each with the figures of the questions it asks only; a CSAT response shows no
// recommendation and an NPS response no CSAT, and the breadcrumb names the response.
const NPS_CAMPAIGN = "Half-yearly NPS of buying customers";
const CSAT_CAMPAIGN = "Satisfaction one week after the order";

const row = (campaign) => `.o_list_view .o_data_row:contains(${campaign})`;

function cellText(campaign, name) {
    const campaignRow = [...document.querySelectorAll(".o_list_view .o_data_row")].find(
        (dataRow) => dataRow.querySelector(".o_data_cell[name=name]")?.textContent.trim() === campaign
    );
    const cell = campaignRow?.querySelector(`.o_data_cell[name=${name}]`);
    if (!cell) {
        throw new Error(`No ${name} cell for ${campaign}`);
    }
    return cell.textContent.trim();
}

function openResponses(campaign) {
    return [
        {
            content: `Open the campaign ${campaign}`,
            trigger: `${row(campaign)} .o_data_cell[name=name]`,
            run: "click",
        },
        {
            content: "The campaign is closed: nothing more to send, it can be reopened",
            trigger: `.o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Closed)`,
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_send]))",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_reopen]",
        },
    ];
}

function openCampaigns() {
    return [
        {
            content: "Open the Surveys menu",
            trigger: "button[data-menu-xmlid='crm_satisfaction.crm_satisfaction_survey_menu']",
            run: "click",
        },
        {
            content: "Open the survey campaigns",
            trigger: ".dropdown-item[data-menu-xmlid='crm_satisfaction.crm_satisfaction_campaign_menu']",
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("crm_satisfaction_survey_tour", {
    url: "/odoo",
    steps: () => [
        ...openCustomerCareApp(),
        ...openCampaigns(),
        {
            content: "The demo NPS campaign is listed, closed",
            trigger: `${row(NPS_CAMPAIGN)} .o_data_cell[name=state]:contains(Closed)`,
        },
        {
            content: "The demo CSAT campaign is listed, closed",
            trigger: `${row(CSAT_CAMPAIGN)} .o_data_cell[name=state]:contains(Closed)`,
        },
        {
            content: "The CSAT campaign shows a CSAT % and no NPS; the NPS campaign the reverse",
            trigger: `${row(CSAT_CAMPAIGN)} .o_data_cell[name=csat_percent]`,
            run() {
                const figures = {
                    csat: [cellText(CSAT_CAMPAIGN, "nps"), cellText(CSAT_CAMPAIGN, "csat_percent")],
                    nps: [cellText(NPS_CAMPAIGN, "nps"), cellText(NPS_CAMPAIGN, "csat_percent")],
                };
                if (figures.csat[0] !== "" || figures.csat[1] === "") {
                    throw new Error(`CSAT campaign: NPS "${figures.csat[0]}", CSAT % "${figures.csat[1]}"`);
                }
                if (figures.nps[0] === "" || figures.nps[1] !== "") {
                    throw new Error(`NPS campaign: NPS "${figures.nps[0]}", CSAT % "${figures.nps[1]}"`);
                }
            },
        },
        ...openResponses(CSAT_CAMPAIGN),
        {
            content: "A CSAT campaign shows its CSAT %, no NPS, no promoters",
            trigger: ".o_form_view .o_field_widget[name=csat_percent]",
        },
        {
            trigger: ".o_form_view:not(:has(.o_field_widget[name=nps])):not(:has(.o_field_widget[name=promoter_count]))",
        },
        {
            content: "Open its responses",
            trigger: ".o_control_panel button[name=action_open_responses]",
            run: "click",
        },
        {
            content: "Open the first CSAT response",
            trigger: ".o_list_view .o_data_row:first .o_data_cell[name=partner_id]",
            run: "click",
        },
        {
            content: "The breadcrumb names the response: customer, campaign, date",
            trigger: `.o_breadcrumb .o_last_breadcrumb_item:contains(– ${CSAT_CAMPAIGN} –)`,
        },
        {
            content: "The CSAT answer is shown; no recommendation was asked: nothing shown",
            trigger: ".o_form_view .o_field_widget[name=csat]",
        },
        {
            trigger: ".o_form_view:not(:has(.o_field_widget[name=nps])):not(:has(.o_field_widget[name=nps_category]))",
        },
        ...openCampaigns(),
        ...openResponses(NPS_CAMPAIGN),
        {
            content: "An NPS campaign shows its NPS, promoters, passives and detractors, no CSAT %",
            trigger: ".o_form_view .o_field_widget[name=nps]",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=promoter_count]",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=passive_count]",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=detractor_count]",
        },
        {
            trigger: ".o_form_view:not(:has(.o_field_widget[name=csat_percent]))",
        },
        {
            content: "Open its responses",
            trigger: ".o_control_panel button[name=action_open_responses]",
            run: "click",
        },
        {
            content: "Open the first NPS response",
            trigger: ".o_list_view .o_data_row:first .o_data_cell[name=partner_id]",
            run: "click",
        },
        {
            content: "The recommendation is shown, no CSAT",
            trigger: `.o_breadcrumb .o_last_breadcrumb_item:contains(– ${NPS_CAMPAIGN} –)`,
        },
        {
            trigger: ".o_form_view .o_field_widget[name=nps]",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=nps_category]",
        },
        {
            trigger: ".o_form_view:not(:has(.o_field_widget[name=csat])):not(:has(.o_field_widget[name=ces]))",
        },
    ],
});
