from unittest.mock import patch

from odoo.tools import SQL

from .common import TieringCase

CURSOR_KEY = "crm_lifecycle_tiering.test_engine_mixin.cursor"


class TestEngineBatches(TieringCase):
    """The batch runner every engine uses: commits, stops when out of time, resumes."""

    def setUp(self):
        super().setUp()
        self.Engine = self.env["crm.engine.mixin"]
        self.params = self.env["ir.config_parameter"].sudo()
        self.commits = []

    def commit_progress(self, stop_at=None):
        """A stand-in for ir.cron._commit_progress that never commits; no time is left at its
        `stop_at`-th call."""

        def commit_progress(processed=0, remaining=None, deactivate=False):
            self.commits.append((processed, remaining))
            return 0 if stop_at and len(self.commits) >= stop_at else 60.0

        return patch.object(
            type(self.env["ir.cron"]), "_commit_progress", side_effect=commit_progress
        )

    def run_ids(self, ids, stop_at=None, tag="2026-06-30"):
        """Runs batches of 2 of ``ids`` after the cursor of ``tag``, as a resumable cron does;
        returns (done, the batches processed)."""
        processed = []
        start_after = self.Engine._get_batch_cursor(CURSOR_KEY, tag)
        todo = [i for i in ids if i > start_after]
        with self.commit_progress(stop_at):
            done = self.Engine._run_batches(
                self.Engine._slice_batches(todo, 2),
                processed.append,
                len(todo),
                commit=True,
                cursor=(CURSOR_KEY, tag),
            )
        return done, processed

    def test_stops_when_out_of_time_and_resumes_after_the_cursor(self):
        ids = [3, 5, 8, 13, 21]
        done, processed = self.run_ids(ids, stop_at=1)
        self.assertFalse(done)
        self.assertEqual(processed, [[3, 5]])
        self.assertEqual(self.commits, [(2, 3)])
        self.assertEqual(self.params.get_param(CURSOR_KEY), "2026-06-30:5")

        # the next run starts after the last committed id and removes the cursor at the end
        self.commits = []
        done, processed = self.run_ids(ids)
        self.assertTrue(done)
        self.assertEqual(processed, [[8, 13], [21]])
        self.assertEqual(self.commits, [(2, 1), (1, 0)])
        self.assertFalse(self.params.get_param(CURSOR_KEY))

    def test_a_cursor_of_another_run_is_not_resumed(self):
        self.params.set_param(CURSOR_KEY, "2026-06-29:13")
        self.assertEqual(self.Engine._get_batch_cursor(CURSOR_KEY, "2026-06-29"), 13)
        done, processed = self.run_ids([3, 5, 8, 13, 21], tag="2026-06-30")
        self.assertTrue(done)
        self.assertEqual(processed, [[3, 5], [8, 13], [21]])

    def test_out_of_time_after_the_last_batch_is_done(self):
        done, processed = self.run_ids([3, 5, 8], stop_at=2)
        self.assertTrue(done)
        self.assertEqual(processed, [[3, 5], [8]])
        self.assertEqual(self.commits, [(2, 1), (1, 0)])
        self.assertFalse(self.params.get_param(CURSOR_KEY))

    def test_without_commit_every_batch_runs_in_the_transaction(self):
        processed = []
        with self.commit_progress(stop_at=1):
            done = self.Engine._run_batches(
                self.Engine._slice_batches([1, 2, 3, 4, 5], 2), processed.append, 5
            )
        self.assertTrue(done)
        self.assertEqual(processed, [[1, 2], [3, 4], [5]])
        self.assertEqual(self.commits, [])

    def test_a_queue_is_counted_again_after_each_batch(self):
        queue = [1, 2, 3, 4, 5]

        def heads():
            while queue:
                yield queue[:2]

        def process(batch):
            del queue[: len(batch)]
            if batch == [1, 2]:
                queue.append(6)  # queued while the first batch ran

        with self.commit_progress():
            done = self.Engine._run_batches(heads(), process, lambda: len(queue), commit=True)
        self.assertTrue(done)
        self.assertEqual(self.commits, [(2, 4), (2, 2), (2, 0)])

    def test_id_batches_of_a_table_after_a_cursor(self):
        self.env.cr.execute("CREATE TEMP TABLE crm_test_batch_ids (partner_id int)")
        self.env.cr.execute(
            "INSERT INTO crm_test_batch_ids SELECT unnest(ARRAY[40, 10, 30, 20, 50])"
        )
        count, batches = self.Engine._get_id_batches("crm_test_batch_ids", "partner_id", 2, 10)
        self.assertEqual(count, 4)
        first = next(batches)
        self.assertEqual(first, [20, 30])
        # each batch is read when asked for: what the one before changed is seen
        self.env.cr.execute("DELETE FROM crm_test_batch_ids WHERE partner_id = 40")
        self.assertEqual(list(batches), [[50]])


class TestCompanyValues(TieringCase):
    """The writer of the company-dependent values the engines own."""

    def stored(self, partner, column):
        self.env.cr.execute(
            SQL("SELECT %s FROM res_partner WHERE id = %s", SQL.identifier(column), partner.id)
        )
        return self.env.cr.fetchone()[0]

    def test_sets_the_company_key_only_and_refreshes_the_cache(self):
        Engine = self.env["crm.engine.mixin"]
        first, second = self.env["res.partner"].create([{"name": "Value A"}, {"name": "Value B"}])
        columns = [("crm_value_score", "float8"), ("crm_tier_since", "text")]
        Engine._write_company_values(
            self.other_company,
            columns,
            [(first.id, {"crm_value_score": 12.5, "crm_tier_since": "2026-01-31"})],
        )
        # read once: the cache holds the values the next write replaces
        self.assertEqual(first.with_company(self.company).crm_value_score, 0.0)
        written = Engine._write_company_values(
            self.company,
            columns,
            [
                (first.id, {"crm_value_score": 0.1 + 0.2, "crm_tier_since": "2026-02-28"}),
                (second.id, {"crm_value_score": 40.0, "crm_tier_since": None}),
            ],
        )
        self.assertEqual(written, 2)
        cid, other = str(self.company.id), str(self.other_company.id)
        self.assertEqual(self.stored(first, "crm_value_score"), {cid: 0.1 + 0.2, other: 12.5})
        self.assertEqual(
            self.stored(first, "crm_tier_since"), {cid: "2026-02-28", other: "2026-01-31"}
        )
        # without drop_null a None is stored as a JSON null under the company's key
        self.assertEqual(self.stored(second, "crm_tier_since"), {cid: None})
        self.assertEqual(first.with_company(self.company).crm_value_score, 0.1 + 0.2)
        self.assertEqual(str(first.with_company(self.company).crm_tier_since), "2026-02-28")
        self.assertEqual(second.with_company(self.company).crm_value_score, 40.0)
        self.assertEqual(Engine._write_company_values(self.company, columns, []), 0)

    def test_drop_null_removes_the_company_key(self):
        Engine = self.env["crm.engine.mixin"]
        partner = self.env["res.partner"].create({"name": "Value C"})
        columns = [("crm_tier_since", "text"), ("crm_stage_since", "text")]
        for company in (self.company, self.other_company):
            Engine._write_company_values(
                company,
                columns,
                [(partner.id, {"crm_tier_since": "2026-03-01", "crm_stage_since": "2026-03-02"})],
            )
        Engine._write_company_values(
            self.company,
            columns,
            [(partner.id, {"crm_tier_since": None, "crm_stage_since": "2026-04-01"})],
            drop_null=True,
        )
        cid, other = str(self.company.id), str(self.other_company.id)
        self.assertEqual(self.stored(partner, "crm_tier_since"), {other: "2026-03-01"})
        self.assertEqual(
            self.stored(partner, "crm_stage_since"), {cid: "2026-04-01", other: "2026-03-02"}
        )
        self.assertFalse(partner.with_company(self.company).crm_tier_since)


class TestFigureFormatter(TieringCase):
    """The figures of reasons, as every addon's reasons write them."""

    def test_amounts_numbers_and_a_currency_that_is_gone(self):
        figure = self.env["crm.value.reason"].with_context(lang="en_US")._get_figure_formatter()
        usd = self.env.ref("base.USD")
        self.assertEqual(figure(7000, currency_id=usd.id), "$\xa07,000.00")
        self.assertEqual(figure(None, currency_id=usd.id), "$\xa00.00")
        self.assertEqual(figure(1234.4), "1,234")
        self.assertEqual(figure(72.25, digits=1), "72.2")
        self.assertEqual(figure(None), "0")
        self.env.cr.execute("SELECT max(id) FROM res_currency")
        gone = self.env.cr.fetchone()[0] + 1000
        self.assertEqual(figure(7000, digits=2, currency_id=gone), "7,000.00")
