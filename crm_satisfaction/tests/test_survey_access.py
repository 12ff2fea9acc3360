from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase, make_company_user

USER_GROUP = "crm_satisfaction.crm_satisfaction_group_user"
MANAGER_GROUP = "crm_satisfaction.crm_satisfaction_group_manager"


@tagged("post_install", "-at_install")
class TestSatisfactionAccess(CrmCase):
    """What each group reads and changes of survey campaigns and satisfaction responses:
    User reads, Manager manages, both within their companies; portal users see nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env["res.company"].create({"name": "Access Survey A"})
        cls.company_b = cls.env["res.company"].create({"name": "Access Survey B"})
        cls.env.user.company_ids |= cls.company_a | cls.company_b
        cls.user_a = make_company_user(cls.env, "sat_access_user", USER_GROUP, cls.company_a)
        cls.manager_a = make_company_user(
            cls.env, "sat_access_manager", MANAGER_GROUP, cls.company_a
        )
        cls.manager_b = make_company_user(
            cls.env, "sat_access_manager_b", MANAGER_GROUP, cls.company_b
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Access Survey Customer", "is_company": True, "email": "as@example.com"}
        )
        cls.portal_user = new_test_user(
            cls.env,
            login="sat_access_portal",
            groups="base.group_portal",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, cls.company_a.ids)],
        )
        cls.portal_user.partner_id.parent_id = cls.customer
        cls.survey = cls.env.ref("crm_satisfaction.survey_survey_csat")
        cls.Campaign = cls.env["crm.satisfaction.campaign"]
        cls.Response = cls.env["crm.satisfaction.response"]
        cls.campaign_a, cls.campaign_b = cls.Campaign.create(
            [
                {"name": name, "company_id": company.id, "survey_id": cls.survey.id}
                for name, company in (("Access A", cls.company_a), ("Access B", cls.company_b))
            ]
        )
        cls.response_a, cls.response_b = cls.Response.create(
            [
                {
                    "partner_id": cls.customer.id,
                    "company_id": campaign.company_id.id,
                    "campaign_id": campaign.id,
                    "csat": 4,
                    "csat_satisfied": 100,
                    "comment": f"Answer in {campaign.company_id.name}",
                }
                for campaign in (cls.campaign_a, cls.campaign_b)
            ]
        )

    def _campaign_vals(self, company, name="New campaign"):
        return {"name": name, "company_id": company.id, "survey_id": self.survey.id}

    def _response_vals(self, company):
        return {"partner_id": self.customer.id, "company_id": company.id, "csat": 2}

    # ------------------------------------------------------------------ campaigns
    def test_campaign_user_reads_only(self):
        Campaign = self.Campaign.with_user(self.user_a)
        self.assertEqual(Campaign.search([]), self.campaign_a)
        self.assertEqual(self.campaign_a.with_user(self.user_a).name, "Access A")
        with self.assertRaises(AccessError):
            self.campaign_a.with_user(self.user_a).write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            Campaign.create(self._campaign_vals(self.company_a))
        with self.assertRaises(AccessError):
            self.campaign_a.with_user(self.user_a).unlink()
        self.assertEqual(self.campaign_a.name, "Access A")

    def test_campaign_manager_manages_own_company(self):
        Campaign = self.Campaign.with_user(self.manager_a)
        self.assertEqual(Campaign.search([]), self.campaign_a)
        self.campaign_a.with_user(self.manager_a).write({"name": "Renamed A"})
        self.assertEqual(self.campaign_a.name, "Renamed A")
        created = Campaign.create(self._campaign_vals(self.company_a))
        self.assertEqual(Campaign.search([]), self.campaign_a | created)
        created.unlink()
        self.assertFalse(created.exists())
        with mute_logger("odoo.addons.base.models.ir_rule"), self.assertRaises(AccessError):
            Campaign.create(self._campaign_vals(self.company_b))

    def test_campaign_other_company_is_hidden(self):
        Campaign = self.Campaign.with_user(self.manager_b)
        self.assertEqual(Campaign.search([]), self.campaign_b)
        self.assertFalse(Campaign.search([("name", "=", "Access A")]))
        self.assertFalse(Campaign.search([("id", "=", self.campaign_a.id)]))
        campaign_a = self.campaign_a.with_user(self.manager_b)
        with mute_logger("odoo.addons.base.models.ir_rule"):
            with self.assertRaises(AccessError):
                campaign_a.read(["name"])
            with self.assertRaises(AccessError):
                campaign_a.write({"name": "Taken over"})
            with self.assertRaises(AccessError):
                campaign_a.unlink()
        self.assertEqual(self.campaign_a.name, "Access A")

    def test_campaign_portal_user_has_no_access(self):
        Campaign = self.Campaign.with_user(self.portal_user)
        with mute_logger("odoo.addons.base.models.ir_model"):
            with self.assertRaises(AccessError):
                Campaign.search([])
            with self.assertRaises(AccessError):
                self.campaign_a.with_user(self.portal_user).read(["name"])
            with self.assertRaises(AccessError):
                Campaign.create(self._campaign_vals(self.company_a))

    # ------------------------------------------------------------------ responses
    def test_response_user_reads_only(self):
        Response = self.Response.with_user(self.user_a)
        self.assertEqual(Response.search([]), self.response_a)
        self.assertEqual(
            self.response_a.with_user(self.user_a).read(["csat", "comment"]),
            [{"id": self.response_a.id, "csat": 4, "comment": "Answer in Access Survey A"}],
        )
        with self.assertRaises(AccessError):
            self.response_a.with_user(self.user_a).write({"comment": "Edited"})
        with self.assertRaises(AccessError):
            Response.create(self._response_vals(self.company_a))
        with self.assertRaises(AccessError):
            self.response_a.with_user(self.user_a).unlink()
        self.assertEqual(self.response_a.comment, "Answer in Access Survey A")

    def test_response_manager_manages_own_company(self):
        Response = self.Response.with_user(self.manager_a)
        self.assertEqual(Response.search([]), self.response_a)
        self.response_a.with_user(self.manager_a).write({"comment": "Called back"})
        self.assertEqual(self.response_a.comment, "Called back")
        created = Response.create(self._response_vals(self.company_a))
        self.assertEqual(Response.search([]), self.response_a | created)
        created.unlink()
        self.assertFalse(created.exists())
        with mute_logger("odoo.addons.base.models.ir_rule"), self.assertRaises(AccessError):
            Response.create(self._response_vals(self.company_b))

    def test_response_other_company_is_hidden(self):
        Response = self.Response.with_user(self.manager_b)
        self.assertEqual(Response.search([]), self.response_b)
        self.assertEqual(Response.search([("partner_id", "=", self.customer.id)]), self.response_b)
        response_a = self.response_a.with_user(self.manager_b)
        with mute_logger("odoo.addons.base.models.ir_rule"):
            with self.assertRaises(AccessError):
                response_a.read(["comment"])
            with self.assertRaises(AccessError):
                response_a.write({"comment": "Taken over"})
            with self.assertRaises(AccessError):
                response_a.unlink()
        # the indicators of a user count only the companies they work for
        self.assertEqual(
            Response._read_group([], [], ["__count", "csat:avg"]),
            [(1, 4.0)],
        )

    def test_response_portal_user_has_no_access(self):
        Response = self.Response.with_user(self.portal_user)
        with mute_logger("odoo.addons.base.models.ir_model"):
            with self.assertRaises(AccessError):
                Response.search([])
            with self.assertRaises(AccessError):
                self.response_a.with_user(self.portal_user).read(["comment"])
            with self.assertRaises(AccessError):
                Response.create(self._response_vals(self.company_a))
