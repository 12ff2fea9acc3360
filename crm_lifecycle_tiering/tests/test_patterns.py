"""The lifecycle pattern report on customers of a test company, one customer per pattern: from
the history the engine recorded, and from the order count where no history reaches back."""

from datetime import timedelta

from odoo.tests import tagged

from ..models import lifecycle_data as lifecycle
from .common import ValueCase


@tagged("post_install", "-at_install")
class TestLifecyclePatterns(ValueCase):
    def customer(self, name, days_before_as_of, confirm=True):
        """A customer with one order of 100 on each of the given days before AS_OF."""
        partner = self.make_customer(name)
        for days in days_before_as_of:
            self.make_order(partner, 100, self.AS_OF - timedelta(days=days), confirm=confirm)
        return partner

    def report(self):
        # a view over values the engine writes in SQL: flushed, and read afresh each time
        self.env.flush_all()
        Report = self.env["crm.lifecycle.pattern.report"]
        Report.invalidate_model()
        rows = Report.search([("company_id", "=", self.vc.id)])
        return {
            row.partner_id.name: (row.pattern, row.stage, row.order_count, row.revenue_total)
            for row in rows
        }

    def test_one_customer_per_pattern_from_history(self):
        """Runs 399 and 299 days before AS_OF and on AS_OF (churn after 180 days without order,
        loyal from 5 orders over 365 days: the defaults)."""
        self.customer("Prospect", [0], confirm=False)
        self.customer("Growing", [10])
        self.customer("Long Term", [400, 300, 200, 100, 10])
        # first purchase at -300, churned at AS_OF (300 days without order)
        self.customer("Early Abort", [300])
        # first purchase at -399, repeat at -299, churned at AS_OF
        self.customer("Midway Abort", [400, 300])
        # loyal at -399 (5 orders, 401 days of tenure), churned at AS_OF (400 days)
        self.customer("Early Exit", [800, 700, 600, 500, 400])
        # churned when first valued (-399: 301 days), bought again at -10: repeat, growing
        self.customer("Reactivated", [700, 10])
        for days in (399, 299, 0):
            self.run_engine(as_of=self.AS_OF - timedelta(days=days))
        self.assertEqual(
            self.report(),
            {
                "Prospect": (lifecycle.PATTERN_PROSPECT, lifecycle.STAGE_PROSPECT, 0, 0.0),
                "Growing": (lifecycle.PATTERN_GROWING, lifecycle.STAGE_FIRST_PURCHASE, 1, 100.0),
                "Long Term": (lifecycle.PATTERN_LONG_TERM, lifecycle.STAGE_LOYAL, 5, 500.0),
                "Early Abort": (lifecycle.PATTERN_EARLY_ABORT, lifecycle.STAGE_CHURNED, 1, 100.0),
                "Midway Abort": (lifecycle.PATTERN_MIDWAY_ABORT, lifecycle.STAGE_CHURNED, 2, 200.0),
                "Early Exit": (lifecycle.PATTERN_EARLY_EXIT, lifecycle.STAGE_CHURNED, 5, 500.0),
                "Reactivated": (lifecycle.PATTERN_GROWING, lifecycle.STAGE_REPEAT, 2, 200.0),
            },
        )

    def test_history_decides_over_the_order_count(self):
        """5 orders, but over 199 days only: never loyal while it bought, so lost from repeat
        (without its history, 5 orders would say lost after becoming loyal)."""
        self.customer("Never Loyal", [400, 350, 300, 250, 201])
        # repeat at -200 (5 orders, 200 days of tenure), churned at AS_OF (201 days)
        self.run_engine(as_of=self.AS_OF - timedelta(days=200))
        self.run_engine()
        self.assertEqual(
            self.report(),
            {"Never Loyal": (lifecycle.PATTERN_MIDWAY_ABORT, lifecycle.STAGE_CHURNED, 5, 500.0)},
        )

    def test_day_one_without_history(self):
        """One run over years of orders: every lost customer is first seen churned, and the
        order count against the company's loyal threshold tells how far it went."""
        self.customer("One Order", [400])
        self.customer("Two Orders", [500, 400])
        self.customer("Four Orders", [800, 700, 600, 500])
        self.customer("Five Orders", [900, 800, 700, 600, 500])
        self.run_engine()
        self.assertEqual(
            self.report(),
            {
                "One Order": (lifecycle.PATTERN_EARLY_ABORT, lifecycle.STAGE_CHURNED, 1, 100.0),
                "Two Orders": (lifecycle.PATTERN_MIDWAY_ABORT, lifecycle.STAGE_CHURNED, 2, 200.0),
                "Four Orders": (lifecycle.PATTERN_MIDWAY_ABORT, lifecycle.STAGE_CHURNED, 4, 400.0),
                "Five Orders": (lifecycle.PATTERN_EARLY_EXIT, lifecycle.STAGE_CHURNED, 5, 500.0),
            },
        )
        # a company whose customers are loyal from 4 orders
        self.vc.crm_loyal_min_orders = 4
        patterns = {name: row[0] for name, row in self.report().items()}
        self.assertEqual(patterns["Four Orders"], lifecycle.PATTERN_EARLY_EXIT)
        self.assertEqual(patterns["Two Orders"], lifecycle.PATTERN_MIDWAY_ABORT)
