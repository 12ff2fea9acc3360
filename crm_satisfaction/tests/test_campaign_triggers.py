"""Survey campaigns run after delivery and after invoicing: the orders delivered (or invoiced)
the campaign's delay ago, or up to ORDER_CATCH_UP_DAYS before, are surveyed once; the others
are not. Days are the company's days, in its time zone."""

from datetime import UTC, date, datetime

import pytz
from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase, make_sale_order
from odoo.addons.crm_satisfaction.models.satisfaction_data import (
    TRIGGER_ORDER_DELIVERED,
    TRIGGER_ORDER_INVOICED,
)

# the campaigns run on Friday 2026-03-20 at 23:30 UTC (Saturday 07:30 in Shanghai)
RUN_AT = "2026-03-20 23:30:00"


class TriggerCase(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create(
            {
                "name": "Trigger Service",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 100,
                "taxes_id": False,
            }
        )
        cls.survey = cls.env.ref("crm_satisfaction.survey_survey_csat")
        cls.index = 0

    @classmethod
    def make_company(cls, name, tz):
        company = cls.env["res.company"].create({"name": name})
        company.partner_id.tz = tz
        cls.env.user.company_ids |= company
        return company

    @classmethod
    def make_campaign(cls, company, trigger, delay_days):
        return cls.env["crm.satisfaction.campaign"].create(
            {
                "name": f"After {trigger}",
                "company_id": company.id,
                "survey_id": cls.survey.id,
                "trigger": trigger,
                "delay_days": delay_days,
                "reminder_days": 0,
            }
        )

    def customer(self, name, email=True):
        type(self).index += 1
        return self.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "email": email and f"trigger{self.index}@example.com",
            }
        )

    def order(self, partner, company, confirm=True):
        return make_sale_order(
            self.env,
            partner,
            company,
            [{"product_id": self.product.id, "tax_ids": False}],
            confirm=confirm,
        )

    def deliver(self, order, local, tz):
        """Delivered at `local`, a naive datetime of the company's time zone `tz`."""
        # sale_stock's real delivery date when it is installed, else the committed date
        field = "effective_date" if "effective_date" in order._fields else "commitment_date"
        utc = pytz.timezone(tz).localize(local).astimezone(UTC).replace(tzinfo=None)
        order.write({field: utc})

    def invitations(self, campaign):
        return self.env["survey.user_input"].search([("crm_campaign_id", "=", campaign.id)])

    def surveyed(self, campaign):
        """{customer: order surveyed} of the campaign's invitations."""
        return {ui.partner_id: ui.crm_sale_order_id for ui in self.invitations(campaign)}


@tagged("post_install", "-at_install")
class TestCampaignTriggers(TriggerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.make_company("Trigger Co", "UTC")
        cls.other_company = cls.make_company("Trigger Other Co", "UTC")
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.company, install_demo=False
        )
        cls.env = cls.env(
            context=dict(cls.env.context, allowed_company_ids=(cls.company | cls.other_company).ids)
        )

    @freeze_time(RUN_AT)
    def test_after_delivery(self):
        """Delay 3 days on the 20th: delivered from the 10th (catch-up) to the 17th."""
        campaign = self.make_campaign(self.company, TRIGGER_ORDER_DELIVERED, 3)
        due = self.customer("Delivered on the 17th")
        last_second = self.customer("Delivered on the 17th at 23:59:59")
        catch_up = self.customer("Delivered on the 10th at midnight")
        via_contact = self.customer("Delivered to a contact on the 12th")
        contact = self.env["res.partner"].create(
            {"name": "Buyer", "parent_id": via_contact.id, "email": "buyer@example.com"}
        )
        not_yet = self.customer("Delivered on the 18th at midnight")
        too_old = self.customer("Delivered on the 9th at 23:59:59")
        undelivered = self.customer("Not delivered")
        quotation = self.customer("Quotation only")
        no_email = self.customer("No email", email=False)
        elsewhere = self.customer("Delivered by the other company")
        orders = {}
        for partner, moment in (
            (due, datetime(2026, 3, 17, 10, 0)),
            (last_second, datetime(2026, 3, 17, 23, 59, 59)),
            (catch_up, datetime(2026, 3, 10, 0, 0)),
            (contact, datetime(2026, 3, 12, 9, 0)),
            (not_yet, datetime(2026, 3, 18, 0, 0)),
            (too_old, datetime(2026, 3, 9, 23, 59, 59)),
            (no_email, datetime(2026, 3, 17, 10, 0)),
        ):
            orders[partner] = self.order(partner, self.company)
            self.deliver(orders[partner], moment, "UTC")
        self.order(undelivered, self.company)
        self.deliver(
            self.order(quotation, self.company, confirm=False), datetime(2026, 3, 17), "UTC"
        )
        self.deliver(self.order(elsewhere, self.other_company), datetime(2026, 3, 17), "UTC")
        # the orders were all confirmed today: the delivery date counts, not the order date
        self.assertEqual(orders[due].date_order.date(), date(2026, 3, 20))

        campaign._run()
        self.assertEqual(
            self.surveyed(campaign),
            {
                due: orders[due],
                last_second: orders[last_second],
                catch_up: orders[catch_up],
                via_contact: orders[contact],
            },
        )
        self.assertEqual(self.invitations(campaign).crm_company_id, self.company)
        # the next run surveys nobody again
        campaign._run()
        self.assertEqual(len(self.invitations(campaign)), 4)

    @freeze_time(RUN_AT)
    def test_after_invoicing(self):
        """Delay 5 days on the 20th: posted customer invoices dated from the 8th to the 15th."""
        campaign = self.make_campaign(self.company, TRIGGER_ORDER_INVOICED, 5)
        cases = {}
        for name, invoice_date, post in (
            ("Invoiced on the 15th", date(2026, 3, 15), True),
            ("Invoiced on the 8th", date(2026, 3, 8), True),
            ("Invoiced on the 16th", date(2026, 3, 16), True),
            ("Invoiced on the 7th", date(2026, 3, 7), True),
            ("Draft invoice of the 15th", date(2026, 3, 15), False),
            ("Not invoiced", None, False),
        ):
            partner = self.customer(name)
            order = self.order(partner, self.company)
            # delivered on the due day of an after-delivery campaign: irrelevant here
            self.deliver(order, datetime(2026, 3, 15, 12, 0), "UTC")
            if invoice_date:
                invoice = order._create_invoices()
                invoice.invoice_date = invoice_date
                if post:
                    invoice.action_post()
                    self.assertEqual(invoice.state, "posted")
            cases[name] = (partner, order)
        campaign._run()
        self.assertEqual(
            self.surveyed(campaign),
            {
                cases["Invoiced on the 15th"][0]: cases["Invoiced on the 15th"][1],
                cases["Invoiced on the 8th"][0]: cases["Invoiced on the 8th"][1],
            },
        )
        # invoiced again within the window: the order is surveyed once only
        order = cases["Invoiced on the 15th"][1]
        order.order_line.product_uom_qty = 2
        second = order._create_invoices()
        second.invoice_date = date(2026, 3, 14)
        second.action_post()
        campaign._run()
        self.assertEqual(len(self.invitations(campaign)), 2)


@tagged("post_install", "-at_install")
class TestCampaignTriggerTimeZone(TriggerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.make_company("Trigger Shanghai Co", "Asia/Shanghai")
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))

    @freeze_time(RUN_AT)
    def test_delivery_days_are_the_company_days(self):
        """Saturday 21 March in Shanghai, delay 3 days: delivered there from the 11th to the
        18th, whatever the UTC date of the delivery."""
        self.assertEqual(self.crm_today(self.company), date(2026, 3, 21))
        campaign = self.make_campaign(self.company, TRIGGER_ORDER_DELIVERED, 3)
        cases = {}
        for name, local in (
            # 15:00 UTC on the 18th
            ("Late on the 18th", datetime(2026, 3, 18, 23, 0)),
            # 23:00 UTC on the 18th, but the 19th in Shanghai: not due before the 22nd
            ("Early on the 19th", datetime(2026, 3, 19, 7, 0)),
            # 23:00 UTC on the 10th, but the 11th in Shanghai: the last catch-up day
            ("Early on the 11th", datetime(2026, 3, 11, 7, 0)),
            # the 10th in Shanghai: too old
            ("Late on the 10th", datetime(2026, 3, 10, 23, 0)),
        ):
            partner = self.customer(name)
            order = self.order(partner, self.company)
            self.deliver(order, local, "Asia/Shanghai")
            cases[name] = (partner, order)
        campaign._run()
        self.assertEqual(
            self.surveyed(campaign),
            {
                cases["Late on the 18th"][0]: cases["Late on the 18th"][1],
                cases["Early on the 11th"][0]: cases["Early on the 11th"][1],
            },
        )
