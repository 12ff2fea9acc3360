from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.fields import Domain
from odoo.http import request
from odoo.tools import plaintext2html

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.complaint_data import SLA_STEP_RESOLVED

COMPLAINT_HISTORY = "my_complaints_history"
# the longest subject and description a customer may submit, in characters
SUBJECT_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 10000


class ComplaintCustomerPortal(CustomerPortal):
    # ------------------------------------------------------------------ helpers
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "complaint_count" in counters:
            Complaint = request.env["crm.complaint"]
            values["complaint_count"] = (
                Complaint.search_count(self._get_complaints_domain())
                if Complaint.has_access("read")
                else 0
            )
        return values

    def _get_complaints_domain(self):
        """The complaints of the customer's company; record rules already restrict portal
        users to them, this keeps internal users browsing their own portal consistent."""
        commercial = request.env.user.partner_id.commercial_partner_id
        return Domain("commercial_partner_id", "=", commercial.id)

    def _get_complaint_searchbar_sortings(self):
        env = request.env
        return {
            "date": {"label": env._("Newest"), "order": "reported_date desc, id desc"},
            "reference": {"label": env._("Reference"), "order": "reference desc, id desc"},
            "stage": {"label": env._("Stage"), "order": "stage_id, reported_date desc, id desc"},
        }

    def _get_complaint_searchbar_filters(self):
        env = request.env
        return {
            "all": {"label": env._("All"), "domain": Domain.TRUE},
            "open": {"label": env._("Open"), "domain": Domain("is_closed", "=", False)},
            "closed": {"label": env._("Closed"), "domain": Domain("is_closed", "=", True)},
        }

    def _get_complaint_categories(self, company):
        return (
            request.env["crm.complaint.category"]
            .sudo()
            .search([("company_id", "in", [False, company.id])])
        )

    def _get_complaint_orders(self, partner, company):
        """Confirmed sales orders of the customer's company, the only ones a complaint can
        refer to."""
        return (
            request.env["sale.order"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", partner.commercial_partner_id.id),
                    ("state", "=", "sale"),
                    ("company_id", "=", company.id),
                ],
                order="date_order desc, id desc",
            )
        )

    def _get_own_complaint(self, complaint_id):
        """The complaint, sudoed, when it belongs to the user's company; None otherwise."""
        try:
            complaint_sudo = self._document_check_access("crm.complaint", complaint_id)
        except (AccessError, MissingError):
            return None
        commercial = request.env.user.partner_id.commercial_partner_id
        if complaint_sudo.commercial_partner_id != commercial:
            return None
        return complaint_sudo

    # ------------------------------------------------------------------ list
    @http.route(
        ["/my/complaints", "/my/complaints/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_complaints(self, page=1, sortby=None, filterby=None, **kw):
        values = self._prepare_portal_layout_values()
        Complaint = request.env["crm.complaint"]
        sortings = self._get_complaint_searchbar_sortings()
        filters = self._get_complaint_searchbar_filters()
        sortby = sortby if sortby in sortings else "date"
        filterby = filterby if filterby in filters else "all"
        domain = self._get_complaints_domain() & filters[filterby]["domain"]
        total = Complaint.search_count(domain)
        pager = portal_pager(
            url="/my/complaints",
            url_args={"sortby": sortby, "filterby": filterby},
            total=total,
            page=page,
            step=self._items_per_page,
        )
        complaints = Complaint.search(
            domain,
            order=sortings[sortby]["order"],
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        request.session[COMPLAINT_HISTORY] = complaints.ids[:100]
        values.update(
            {
                "complaints": complaints.sudo(),
                "page_name": "complaint",
                "default_url": "/my/complaints",
                "pager": pager,
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_filters": filters,
                "filterby": filterby,
            }
        )
        return request.render("crm_satisfaction.portal_my_complaints", values)

    # ------------------------------------------------------------------ detail
    @http.route(
        ["/my/complaints/<int:complaint_id>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_complaint(self, complaint_id, access_token=None, **kw):
        try:
            complaint_sudo = self._document_check_access(
                "crm.complaint", complaint_id, access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        complaint_sudo._portal_ensure_token()
        commercial = request.env.user.partner_id.commercial_partner_id
        is_owner = not request.env.user._is_public() and (
            complaint_sudo.commercial_partner_id == commercial
        )
        values = {
            "page_name": "complaint",
            "complaint": complaint_sudo,
            "can_confirm": is_owner
            and not complaint_sudo.is_closed
            and complaint_sudo.stage_id.sla_step == SLA_STEP_RESOLVED,
            "can_reopen": is_owner and complaint_sudo.is_closed,
            "submitted": is_owner and bool(kw.get("submitted")),
        }
        if values["submitted"]:
            # what happens next, in the customer's language, date format and time zone
            values["acknowledge_by"] = complaint_sudo.ack_deadline and (
                complaint_sudo._format_customer_date(complaint_sudo.ack_deadline, with_time=True)
            )
            values["resolve_by"] = complaint_sudo.resolve_deadline and (
                complaint_sudo._format_customer_date(complaint_sudo.resolve_deadline)
            )
        values = self._get_page_view_values(
            complaint_sudo, access_token, values, COMPLAINT_HISTORY, False, **kw
        )
        return request.render("crm_satisfaction.portal_my_complaint", values)

    # ------------------------------------------------------------------ new
    @http.route(
        ["/my/complaints/new"],
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_new_complaint(self, **post):
        user = request.env.user
        partner, company = user.partner_id, user.company_id
        categories = self._get_complaint_categories(company)
        orders = self._get_complaint_orders(partner, company)
        errors = {}
        # NUL characters cannot be stored (nor mailed): dropped from whatever was typed
        post = {
            key: value.replace("\x00", "") if isinstance(value, str) else value
            for key, value in post.items()
        }
        if request.httprequest.method == "POST":
            values, errors = self._check_complaint_form(post, categories, orders)
            if not errors:
                complaint = self._create_portal_complaint(values)
                # the complaint's page confirms the submission (see portal_my_complaint)
                return request.redirect(complaint.get_portal_url(query_string="&submitted=1"))
        render_values = self._prepare_portal_layout_values()
        render_values.update(
            {
                "page_name": "complaint_new",
                "categories": categories,
                "orders": orders,
                "errors": errors,
                "error_message": list(dict.fromkeys(errors.values())),
                "form": post,
            }
        )
        return request.render("crm_satisfaction.portal_complaint_new", render_values)

    def _check_complaint_form(self, post, categories, orders):
        """(values, errors) of a submitted complaint form; errors maps field names to
        translated messages."""
        env = request.env
        errors = {}
        name = (post.get("name") or "").strip()
        # browsers send a textarea's line breaks as CRLF but count them as one character
        description = (post.get("description") or "").replace("\r\n", "\n").strip()
        if not name:
            errors["name"] = env._("Please give your complaint a subject.")
        elif len(name) > SUBJECT_MAX_LENGTH:
            errors["name"] = env._(
                "Please keep the subject to %(max)s characters.", max=SUBJECT_MAX_LENGTH
            )
        if not description:
            errors["description"] = env._("Please describe what went wrong.")
        elif len(description) > DESCRIPTION_MAX_LENGTH:
            errors["description"] = env._(
                "Please keep the description to %(max)s characters.", max=DESCRIPTION_MAX_LENGTH
            )
        category_id = self._to_int(post.get("category_id"))
        if category_id and category_id not in categories.ids:
            errors["category_id"] = env._("Please choose one of the proposed categories.")
        order_id = self._to_int(post.get("sale_order_id"))
        if order_id and order_id not in orders.ids:
            errors["sale_order_id"] = env._("This order is not one of your confirmed orders.")
        values = {
            "name": name,
            "description": plaintext2html(description),
            "category_id": category_id or False,
            "sale_order_id": order_id or False,
        }
        return values, errors

    @staticmethod
    def _to_int(value):
        try:
            return int(value or 0)
        except (TypeError, ValueError):
            return -1

    def _create_portal_complaint(self, values):
        user = request.env.user
        complaint = (
            request.env["crm.complaint"]
            .sudo()
            .create(
                dict(
                    values,
                    partner_id=user.partner_id.id,
                    channel="portal",
                    company_id=user.company_id.id,
                )
            )
        )
        complaint.message_subscribe(partner_ids=user.partner_id.ids)
        return complaint

    # ------------------------------------------------------------------ customer actions
    @http.route(
        ["/my/complaints/<int:complaint_id>/confirm"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_complaint_confirm(self, complaint_id, **kw):
        complaint_sudo = self._get_own_complaint(complaint_id)
        if complaint_sudo is None:
            return request.redirect("/my")
        if not complaint_sudo.is_closed and complaint_sudo.stage_id.sla_step == SLA_STEP_RESOLVED:
            complaint_sudo.action_confirm_resolution()
        return request.redirect(complaint_sudo.get_portal_url())

    @http.route(
        ["/my/complaints/<int:complaint_id>/reopen"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_complaint_reopen(self, complaint_id, **kw):
        complaint_sudo = self._get_own_complaint(complaint_id)
        if complaint_sudo is None:
            return request.redirect("/my")
        if complaint_sudo.is_closed:
            complaint_sudo.action_reopen()
        return request.redirect(complaint_sudo.get_portal_url())
