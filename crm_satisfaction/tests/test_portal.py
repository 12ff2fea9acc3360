from urllib.parse import urlsplit

from odoo import http
from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmHttpCase, make_company_user

from .common import make_portal_user


@tagged("post_install", "-at_install")
class TestComplaintPortal(CrmHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Portal Complaint Co"})
        cls.env.user.company_ids |= cls.company
        cls.agent = make_company_user(
            cls.env,
            "portal_complaint_agent",
            "crm_satisfaction.crm_satisfaction_group_user",
            cls.company,
        )
        cls.team = cls.env["crm.complaint.team"].create(
            {
                "name": "Portal Care",
                "company_id": cls.company.id,
                "member_ids": [(6, 0, cls.agent.ids)],
            }
        )
        Category = cls.env["crm.complaint.category"]
        cls.category = Category.create(
            {"name": "Portal late delivery", "company_id": cls.company.id}
        )
        cls.archived_category = Category.create(
            {"name": "Portal old category", "company_id": cls.company.id, "active": False}
        )
        cls.acme, cls.globex = cls.env["res.partner"].create(
            [
                {"name": "Acme Portal", "is_company": True, "email": "acme@example.com"},
                {"name": "Globex Portal", "is_company": True, "email": "globex@example.com"},
            ]
        )
        cls.alice = cls._portal_user("complaint_alice", cls.acme)
        cls.bob = cls._portal_user("complaint_bob", cls.globex)
        product = cls.env["product.product"].create(
            {"name": "Portal widget", "type": "service", "list_price": 10}
        )
        SaleOrder = cls.env["sale.order"].with_company(cls.company)
        cls.acme_order, cls.globex_order, cls.acme_quotation = SaleOrder.create(
            [
                {
                    "partner_id": partner.id,
                    "company_id": cls.company.id,
                    "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
                }
                for partner in (cls.acme, cls.globex, cls.acme)
            ]
        )
        (cls.acme_order | cls.globex_order).action_confirm()
        Complaint = cls.env["crm.complaint"].with_company(cls.company)
        cls.alice_complaint, cls.bob_complaint = Complaint.create(
            [
                {
                    "name": "Broken widget",
                    "partner_id": cls.alice.partner_id.id,
                    "company_id": cls.company.id,
                    "root_cause": "Internal: packaging line 3",
                    "compensation_amount": 42,
                },
                {
                    "name": "Globex secret issue",
                    "partner_id": cls.bob.partner_id.id,
                    "company_id": cls.company.id,
                },
            ]
        )
        cls.stage_resolved = cls.env.ref("crm_satisfaction.crm_complaint_stage_resolved")
        cls.stage_closed = cls.env.ref("crm_satisfaction.crm_complaint_stage_closed")

    @classmethod
    def _portal_user(cls, login, company_partner):
        """A portal user who logs in with its login as password."""
        return make_portal_user(
            cls.env,
            cls.company,
            login,
            company_partner,
            password=login,
            name=login.replace("_", " ").title(),
            email=f"{login}@example.com",
        )

    def _post(self, url, data, allow_redirects=False):
        return self.url_open(
            url,
            data=dict(data, csrf_token=http.Request.csrf_token(self)),
            allow_redirects=allow_redirects,
        )

    def assertRedirectsTo(self, response, path):
        """A refusal answers with a redirect (303) to `path` and nothing else."""
        self.assertEqual(response.status_code, 303)
        location = urlsplit(response.headers["Location"]).path
        self.assertEqual(location, path)

    def _complaints_of(self, partner):
        return self.env["crm.complaint"].search([("partner_id", "=", partner.id)])

    # ------------------------------------------------------------------ list and access
    def test_home_count_and_list(self):
        self.authenticate("complaint_alice", "complaint_alice")
        home = self.url_open("/my")
        self.assertEqual(home.status_code, 200)
        self.assertIn('href="/my/complaints"', home.text)
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["complaint_count"]})
        self.assertEqual(counters, {"complaint_count": 1})

        response = self.url_open("/my/complaints")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.alice_complaint.reference, response.text)
        self.assertIn("Broken widget", response.text)
        self.assertNotIn(self.bob_complaint.reference, response.text)
        self.assertNotIn("Globex secret issue", response.text)

        self.alice_complaint.stage_id = self.stage_closed
        for filterby, shown in (("open", False), ("closed", True)):
            response = self.url_open(f"/my/complaints?filterby={filterby}&sortby=stage")
            self.assertEqual(response.status_code, 200)
            self.assertEqual(self.alice_complaint.reference in response.text, shown, filterby)

    def test_detail_shows_customer_fields_only(self):
        self.alice_complaint.write(
            {"resolution": "<p>We replace the widget.</p>", "stage_id": self.stage_resolved.id}
        )
        self.authenticate("complaint_alice", "complaint_alice")
        response = self.url_open(f"/my/complaints/{self.alice_complaint.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.alice_complaint.reference, response.text)
        self.assertIn("We replace the widget.", response.text)
        self.assertIn("o_portal_chatter", response.text)
        self.assertIn(f"/my/complaints/{self.alice_complaint.id}/confirm", response.text)
        self.assertNotIn("packaging line 3", response.text)
        self.assertNotIn(self.agent.name, response.text)

    def test_other_customer_complaint_is_refused(self):
        self.authenticate("complaint_alice", "complaint_alice")
        response = self.url_open(f"/my/complaints/{self.bob_complaint.id}", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertTrue(response.headers["Location"].endswith("/my"))
        self.assertEqual(
            self.env["crm.complaint"].with_user(self.alice).search([]), self.alice_complaint
        )
        self.assertEqual(
            self.env["crm.complaint"].with_user(self.bob).search([]), self.bob_complaint
        )
        # a token of the complaint opens it, as in the e-mails sent to the customer
        self.bob_complaint._portal_ensure_token()
        response = self.url_open(
            f"/my/complaints/{self.bob_complaint.id}?access_token={self.bob_complaint.access_token}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Globex secret issue", response.text)

    # ------------------------------------------------------------------ submission
    def test_submit_complaint(self):
        self.authenticate("complaint_alice", "complaint_alice")
        form = self.url_open("/my/complaints/new")
        self.assertEqual(form.status_code, 200)
        self.assertIn(self.category.name, form.text)
        self.assertNotIn(self.archived_category.name, form.text)
        self.assertIn(self.acme_order.name, form.text)
        self.assertNotIn(self.acme_quotation.name, form.text)
        self.assertNotIn(self.globex_order.name, form.text)

        response = self._post(
            "/my/complaints/new",
            {
                "name": "Wrong colour",
                "category_id": self.category.id,
                "sale_order_id": self.acme_order.id,
                "description": "Ordered blue, <b>got</b> red.",
            },
        )
        complaint = self._complaints_of(self.alice.partner_id) - self.alice_complaint
        self.assertEqual(len(complaint), 1)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(
            response.headers["Location"].endswith(
                complaint.get_portal_url(query_string="&submitted=1")
            )
        )
        self.assertRecordValues(
            complaint,
            [
                {
                    "name": "Wrong colour",
                    "partner_id": self.alice.partner_id.id,
                    "commercial_partner_id": self.acme.id,
                    "channel": "portal",
                    "company_id": self.company.id,
                    "category_id": self.category.id,
                    "sale_order_id": self.acme_order.id,
                    "team_id": self.team.id,
                    "user_id": self.agent.id,
                }
            ],
        )
        self.assertTrue(complaint.reference.startswith("CMP/"))
        self.assertIn("&lt;b&gt;got&lt;/b&gt;", complaint.description)
        self.assertIn(self.alice.partner_id, complaint.message_partner_ids)
        page = self.url_open(complaint.get_portal_url())
        self.assertEqual(page.status_code, 200)
        self.assertIn("Wrong colour", page.text)

    def test_submit_invalid_complaint_is_refused(self):
        self.authenticate("complaint_alice", "complaint_alice")
        before = self.env["crm.complaint"].search_count([])
        cases = [
            ({"name": " ", "description": "Something"}, "Please give your complaint a subject."),
            ({"name": "No text", "description": ""}, "Please describe what went wrong."),
            (
                {"name": "Not mine", "description": "x", "sale_order_id": self.globex_order.id},
                "This order is not one of your confirmed orders.",
            ),
            (
                {"name": "Draft", "description": "x", "sale_order_id": self.acme_quotation.id},
                "This order is not one of your confirmed orders.",
            ),
            (
                {"name": "Old", "description": "x", "category_id": self.archived_category.id},
                "Please choose one of the proposed categories.",
            ),
        ]
        for data, error in cases:
            with self.subTest(data=data):
                response = self._post("/my/complaints/new", data)
                self.assertEqual(response.status_code, 200)
                self.assertIn(error, response.text)
                self.assertIn("o_complaint_portal_error", response.text)
        self.assertEqual(self.env["crm.complaint"].search_count([]), before)

    # ------------------------------------------------------------------ confirm and reopen
    def test_confirm_and_reopen(self):
        complaint = self.alice_complaint
        complaint.stage_id = self.stage_resolved
        # another customer cannot act on it
        self.authenticate("complaint_bob", "complaint_bob")
        response = self._post(f"/my/complaints/{complaint.id}/confirm", {})
        self.assertRedirectsTo(response, "/my")
        self.assertFalse(complaint.customer_confirmed)
        self.assertEqual(complaint.stage_id, self.stage_resolved)

        self.authenticate("complaint_alice", "complaint_alice")
        response = self._post(f"/my/complaints/{complaint.id}/confirm", {})
        self.assertEqual(response.status_code, 303)
        self.assertRecordValues(complaint, [{"customer_confirmed": True, "is_closed": True}])

        self.authenticate("complaint_bob", "complaint_bob")
        response = self._post(f"/my/complaints/{complaint.id}/reopen", {})
        self.assertRedirectsTo(response, "/my")
        self.assertTrue(complaint.is_closed)

        self.authenticate("complaint_alice", "complaint_alice")
        page = self.url_open(complaint.get_portal_url())
        self.assertIn(f"/my/complaints/{complaint.id}/reopen", page.text)
        self._post(f"/my/complaints/{complaint.id}/reopen", {})
        self.assertRecordValues(
            complaint, [{"is_closed": False, "customer_confirmed": False, "reopen_count": 1}]
        )

    def test_confirm_refused_before_resolution(self):
        self.authenticate("complaint_alice", "complaint_alice")
        response = self._post(f"/my/complaints/{self.alice_complaint.id}/confirm", {})
        # back to the complaint, unchanged
        self.assertRedirectsTo(response, f"/my/complaints/{self.alice_complaint.id}")
        self.assertFalse(self.alice_complaint.customer_confirmed)
        self.assertFalse(self.alice_complaint.is_closed)

    # ------------------------------------------------------------------ tour
    def test_portal_tour(self):
        self.start_tour("/my", "crm_complaint_portal_tour", login="complaint_alice")
        complaint = self._complaints_of(self.alice.partner_id).filtered(
            lambda c: c.name == "Tour: scratched widget"
        )
        self.assertEqual(len(complaint), 1)
        self.assertRecordValues(
            complaint,
            [
                {
                    "channel": "portal",
                    "commercial_partner_id": self.acme.id,
                    "company_id": self.company.id,
                    "category_id": self.category.id,
                    "sale_order_id": self.acme_order.id,
                    "team_id": self.team.id,
                }
            ],
        )

    def test_portal_customer_complaint_then_survey_tour(self):
        """A logged-in customer files a complaint in the portal; once it is closed, the
        post-resolution campaign invites the customer company, and the contact answers the
        CSAT survey from the invitation link."""
        campaign = self.env["crm.satisfaction.campaign"].create(
            {
                "name": "After complaints",
                "company_id": self.company.id,
                "survey_id": self.env.ref("crm_satisfaction.survey_survey_csat").id,
                "trigger": "complaint_closed",
            }
        )
        self.start_tour("/my", "crm_complaint_portal_tour", login="complaint_alice")
        complaint = self._complaints_of(self.alice.partner_id).filtered(
            lambda c: c.name == "Tour: scratched widget"
        )
        self.assertEqual(len(complaint), 1)
        complaint.stage_id = self.stage_closed
        invitation = self.env["survey.user_input"].search([("crm_campaign_id", "=", campaign.id)])
        self.assertRecordValues(
            invitation,
            [
                {
                    "partner_id": self.acme.id,
                    "crm_complaint_res_id": complaint.id,
                    "crm_company_id": self.company.id,
                    "state": "new",
                }
            ],
        )
        self.assertTrue(invitation.access_token)

        self.start_tour(
            f"/survey/start/{invitation.survey_id.access_token}"
            f"?answer_token={invitation.access_token}",
            "crm_satisfaction_portal_survey_tour",
            login="complaint_alice",
        )
        self.assertEqual(invitation.state, "done")
        response = self.env["crm.satisfaction.response"].search(
            [("user_input_id", "=", invitation.id)]
        )
        self.assertRecordValues(
            response,
            [
                {
                    "partner_id": self.acme.id,
                    "company_id": self.company.id,
                    "campaign_id": campaign.id,
                    "complaint_res_id": complaint.id,
                    "csat": 4,
                    "csat_satisfied": 100,
                    "is_unhappy": False,
                    "comment": "Faster answers to complaints, please.",
                }
            ],
        )
        self.assertEqual(self.acme.with_company(self.company).crm_csat_last, 4)

    def test_survey_invitation_only_for_the_invited_customer(self):
        """Logged in, a contact of the invited company opens its invitation; a contact of
        another customer gets the survey app's access error."""
        campaign = self.env["crm.satisfaction.campaign"].create(
            {
                "name": "Manual CSAT",
                "company_id": self.company.id,
                "survey_id": self.env.ref("crm_satisfaction.survey_survey_csat").id,
            }
        )
        invitation = campaign._invite([(self.acme, {})])
        url = (
            f"/survey/start/{invitation.survey_id.access_token}"
            f"?answer_token={invitation.access_token}"
        )
        self.authenticate("complaint_bob", "complaint_bob")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Survey Access Error", response.text)
        self.assertNotIn("Start Survey", response.text)

        self.authenticate("complaint_alice", "complaint_alice")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(
            response.url.endswith(
                f"/survey/{invitation.survey_id.access_token}/{invitation.access_token}"
            )
        )
        self.assertIn("Start Survey", response.text)
        self.assertNotIn("Survey Access Error", response.text)
