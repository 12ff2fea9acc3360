from psycopg2.errors import CheckViolation, UniqueViolation

from odoo.exceptions import AccessError
from odoo.tests import new_test_user
from odoo.tools import mute_logger

from odoo.addons.crm_churn_warning.models.churn_data import SIGNAL_CODES
from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase


class TestChurnSignal(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.churn_user = new_test_user(
            cls.env, login="churn_user", groups="crm_churn_warning.crm_churn_warning_group_user"
        )
        cls.churn_manager = new_test_user(
            cls.env,
            login="churn_manager",
            groups="crm_churn_warning.crm_churn_warning_group_manager",
        )
        cls.Signal = cls.env["crm.churn.signal"]

    def test_every_signal_shipped_once(self):
        signals = self.Signal.with_context(active_test=False).search([("company_id", "=", False)])
        self.assertEqual(sorted(signals.mapped("code")), sorted(code for code, _l in SIGNAL_CODES))
        self.assertTrue(all(weight > 0 for weight in signals.mapped("weight")))

    def test_weight_must_be_positive(self):
        signal = self.env.ref("crm_churn_warning.crm_churn_signal_overdue")
        for weight in (0, -1):
            with mute_logger("odoo.sql_db"), self.assertRaises(CheckViolation):
                with self.env.cr.savepoint():
                    signal.weight = weight
                    self.env.flush_all()
        self.assertEqual(signal.weight, 3)

    def test_signal_unique_per_company(self):
        other = self.env["res.company"].create({"name": "Churn Other Co"})
        self.Signal.create({"name": "Overdue B", "code": "overdue", "company_id": other.id})
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation):
            with self.env.cr.savepoint():
                self.Signal.create({"name": "Overdue again", "code": "overdue"})
                self.env.flush_all()

    def test_access_by_group(self):
        signal = self.env.ref("crm_churn_warning.crm_churn_signal_spend_drop")
        self.assertEqual(signal.with_user(self.churn_user).weight, 2)
        with self.assertRaises(AccessError):
            signal.with_user(self.churn_user).write({"weight": 5})
        signal.with_user(self.churn_manager).write({"weight": 5})
        self.assertEqual(signal.weight, 5)
        self.assertTrue(
            self.env.ref("sales_team.group_sale_salesman").all_implied_ids
            & self.env.ref("crm_churn_warning.crm_churn_warning_group_user")
        )
