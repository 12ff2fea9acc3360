import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_complaint_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "Open the complaints from the portal home",
            trigger: 'a[href="/my/complaints"]',
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "File a new complaint",
            trigger: "a.o_complaint_portal_new",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Subject",
            trigger: "form.o_complaint_portal_form input[name=name]",
            run: "edit Tour: scratched widget",
        },
        {
            content: "Category",
            trigger: "form.o_complaint_portal_form select[name=category_id]",
            run: "selectByLabel Portal late delivery",
        },
        {
            content: "Related order",
            trigger: "form.o_complaint_portal_form select[name=sale_order_id]",
            run: "selectByIndex 1",
        },
        {
            content: "Description",
            trigger: "form.o_complaint_portal_form textarea[name=description]",
            run: "edit The widget arrived scratched.",
        },
        {
            content: "Submit",
            trigger: "form.o_complaint_portal_form button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The complaint page shows the description",
            trigger: ".o_complaint_portal_description:contains(arrived scratched)",
        },
        {
            content: "Back to the list",
            trigger: '.breadcrumb a[href="/my/complaints"]',
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The new complaint is listed",
            trigger: "tr.o_complaint_portal_row:contains(Tour: scratched widget)",
        },
    ],
});
