"""The move of the churn values from res_partner's company-dependent columns (up to 19.0.1.1.0)
to crm.churn.partner.score: replayed on columns made as the earlier version had them."""

import importlib.util
import json
from datetime import date
from pathlib import Path

from odoo.tests import tagged

from .common import ChurnCase

MIGRATION = Path(__file__).parent.parent / "migrations" / "19.0.1.2.0" / "post-migrate.py"


def load_migration():
    spec = importlib.util.spec_from_file_location("crm_churn_score_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# the partner columns of 19.0.1.1.0, as the migration knows them
OLD_COLUMNS = tuple(column for column, _type in load_migration().OLD_COLUMNS.values())


@tagged("post_install", "-at_install")
class TestChurnScoreMigration(ChurnCase):
    def old_columns(self):
        self.env.cr.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = 'res_partner' AND column_name = ANY(%s)",
            [list(OLD_COLUMNS)],
        )
        return {column for (column,) in self.env.cr.fetchall()}

    def test_values_move_to_their_rows_and_the_columns_go(self):
        other = self.env["res.company"].create({"name": "Churn Migration Other Co"})
        both = self.make_customer("Scored In Both")
        here = self.make_customer("Scored Here")
        cleared = self.make_customer("Cleared Here")
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            "ALTER TABLE res_partner "
            + ", ".join(f"ADD COLUMN {column} jsonb" for column in OLD_COLUMNS)
        )
        mine, theirs = str(self.company.id), str(other.id)
        reasons = json.dumps([["overdue", {"days": 134, "interval": 41}]])
        values = {
            both: {
                "crm_churn_score": {mine: 72.5, theirs: 10.0},
                "crm_churn_level": {mine: "high", theirs: "none"},
                "crm_churn_reason_data": {mine: reasons, theirs: None},
                "crm_churn_scored_date": {mine: "2026-11-29", theirs: "2026-11-30"},
                "crm_p_alive": {mine: 0.25, theirs: 0.9},
                "crm_expected_purchases": {mine: 0.5, theirs: 2.25},
                "crm_predicted_clv": {mine: 1200.5, theirs: 80.0},
            },
            # written before the probabilities existed: no key for them
            here: {"crm_churn_score": {mine: 45.0}, "crm_churn_level": {mine: "churned"}},
            # no longer a customer: its level cleared to a JSON null
            cleared: {"crm_churn_score": {mine: 0.0}, "crm_churn_level": {mine: None}},
        }
        for partner, columns in values.items():
            for column, value in columns.items():
                cr.execute(
                    f"UPDATE res_partner SET {column} = %s::jsonb WHERE id = %s",
                    [json.dumps(value), partner.id],
                )
        moved = load_migration().move_partner_scores(cr)
        self.assertEqual(moved, 3)
        self.assertFalse(self.old_columns())
        self.env.invalidate_all()
        Score = self.env["crm.churn.partner.score"]
        self.assertEqual(Score.search([("partner_id", "=", cleared.id)]), Score)
        figures = OLD_COLUMNS
        self.assertEqual(
            [both.with_company(self.company)[f] for f in figures],
            [72.5, "high", reasons, date(2026, 11, 29), 0.25, 0.5, 1200.5],
        )
        self.assertEqual(
            [both.with_company(other)[f] for f in figures],
            [10.0, "none", False, date(2026, 11, 30), 0.9, 2.25, 80.0],
        )
        self.assertEqual(
            [here.with_company(self.company)[f] for f in figures],
            [45.0, "churned", False, False, 0.0, 0.0, 0.0],
        )
        self.assertFalse(here.with_company(other).crm_churn_score_id)
        self.assertFalse(cleared.with_company(self.company).crm_churn_score_id)
        # the next scoring carries on from the moved rows: the same row, written in place
        row = both.with_company(self.company).crm_churn_score_id
        self.make_orders(both, [date(2026, 5, 1), date(2026, 6, 1)])
        self.score()
        self.assertEqual(both.with_company(self.company).crm_churn_score_id, row)
        self.assertEqual(row.scored_date, self.AS_OF)
        # run again, there is nothing left to move
        self.assertEqual(load_migration().move_partner_scores(cr), 0)
