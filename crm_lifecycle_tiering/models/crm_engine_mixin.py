"""What every engine of the customer addons does the same way: run in batches, and write
per-company values.

- Batches: the work is cut into batches of ids in a stable order; after each batch a cron
  commits and reports its progress with ``ir.cron._commit_progress`` and stops when no time is
  left. A resumable run records, before each commit, the last id done (a cursor in
  ``ir.config_parameter``, tagged with what the run is about, e.g. its date), so that a run cut
  short resumes after it and never does an id twice; the cursor goes once every batch has run.
  A call that does not commit (a user's click, a simulation) runs every batch in the caller's
  transaction.
- Values: the company-dependent columns our engines own are jsonb objects keyed by company id;
  a batch of changed rows is written with one UPDATE setting the company's key of each column.
"""

import json

from odoo import api, models
from odoo.tools import SQL


class CrmEngineMixin(models.AbstractModel):
    _name = "crm.engine.mixin"
    _description = "Customer Engine Batches and Values"

    # ------------------------------------------------------------------ batches
    @api.model
    def _get_batch_cursor(self, key, tag):
        """The last id a run of ``tag`` committed (stored under ``key``), or 0: none, or the
        cursor of another run (another day) that is not resumed."""
        saved = (self.env["ir.config_parameter"].sudo().get_param(key) or "").split(":")
        if len(saved) == 2 and saved[0] == tag:
            return int(saved[1])
        return 0

    @api.model
    def _get_id_batches(self, table, column, batch_size, start_after=0):
        """The ids of ``column`` in ``table`` (e.g. the temporary table of a run) after
        ``start_after``: (their number, their batches of at most ``batch_size`` in increasing
        order, each read once the one before was processed)."""
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT count(*) FROM %s WHERE %s > %s",
                SQL.identifier(table),
                SQL.identifier(column),
                start_after,
            )
        )
        count = cr.fetchone()[0]

        def batches():
            last_id = start_after
            while True:
                cr.execute(
                    SQL(
                        "SELECT %(col)s FROM %(table)s WHERE %(col)s > %(after)s"
                        " ORDER BY %(col)s LIMIT %(limit)s",
                        col=SQL.identifier(column),
                        table=SQL.identifier(table),
                        after=last_id,
                        limit=batch_size,
                    )
                )
                batch = [r[0] for r in cr.fetchall()]
                if not batch:
                    return
                yield batch
                last_id = batch[-1]

        return count, batches()

    @api.model
    def _slice_batches(self, items, batch_size):
        """The batches of at most ``batch_size`` of a list already in its order."""
        return (items[start : start + batch_size] for start in range(0, len(items), batch_size))

    @api.model
    def _run_batches(self, batches, process, remaining, commit=False, cursor=None):
        """Calls ``process(batch)`` for each batch of ``batches`` in turn (an iterable read
        lazily: a batch is fetched once the one before was processed).

        :param remaining: the number of items left before the first batch, lessened by each
            batch; or a function counting them after each batch (e.g. a queue others fill)
        :param commit: after each batch, ``ir.cron._commit_progress(len(batch), remaining=…)``:
            it commits and, in a cron, reports the progress and tells the time left; the run
            stops when none is left. Without it nothing is committed: an interactive call or
            a dry run stays in the caller's transaction
        :param cursor: (key, tag) of a resumable run: the last id of each batch (``batch[-1]``)
            is stored as "tag:id" under ``key`` in ir.config_parameter before the batch's commit
            (read back with _get_batch_cursor), and the key removed once every batch has run
        :return: True when every batch ran (or none was left when the time ran out), False
            when the run stopped with work left
        """
        params = self.env["ir.config_parameter"].sudo() if cursor else None
        for batch in batches:
            process(batch)
            if callable(remaining):
                left = remaining()
            else:
                remaining -= len(batch)
                left = remaining
            if cursor:
                params.set_param(cursor[0], f"{cursor[1]}:{batch[-1]}")
            if commit and not self.env["ir.cron"]._commit_progress(len(batch), remaining=left):
                if left:
                    return False
                break
        if cursor:
            params.search([("key", "=", cursor[0])]).unlink()
        return True

    # ------------------------------------------------------------------ values
    @api.model
    def _json_rows_sql(self, columns, rows, key="id"):
        """The rows [(key, {column: value})] as a table aliased v, with the integer column
        ``key`` and ``columns`` [(column, SQL type)], for an UPDATE … FROM or INSERT … SELECT.
        The values travel as one JSON document (much cheaper to send and plan than one array
        parameter per column); floats keep their exact value through JSON."""
        names = [col for col, _type in columns]
        document = json.dumps([[row_key, *(vals[col] for col in names)] for row_key, vals in rows])
        selected = SQL(", ").join(
            SQL("(v.r ->> %s)::%s AS %s", index, SQL(col_type), SQL.identifier(col))
            for index, (col, col_type) in enumerate([(key, "int"), *columns])
        )
        return SQL("(SELECT %s FROM jsonb_array_elements(%s::jsonb) v(r)) v", selected, document)

    @api.model
    def _write_company_values(self, company, columns, rows, drop_null=False):
        """Writes the company's values of company-dependent columns of partners with one UPDATE.

        :param columns: [(column, SQL type)], the columns being the fields' names
        :param rows: [(record id, {column: value})], values ready for JSON (dates as ISO text)
        :param drop_null: remove the company's key for a None value, instead of storing a JSON
            null (a stored integer, float or boolean must never be a JSON null: Odoo reads them
            with a plain jsonb cast)
        :return: the number of rows written

        The partners' cache is invalidated: the values and what is computed from them (a
        tier's reason in words, a churn badge…).
        """
        if not rows:
            return 0
        cid = str(company.id)
        sets = SQL(", ").join(self._set_company_key(col, cid, drop_null) for col, _type in columns)
        ids = [record_id for record_id, _vals in rows]
        # the id range lets the planner read only the batch's part of the table (batches are
        # consecutive ids) instead of hashing the whole table
        self.env.cr.execute(
            SQL(
                "UPDATE %(table)s p SET %(sets)s FROM %(values)s"
                " WHERE p.id = v.id AND p.id BETWEEN %(first)s AND %(last)s",
                table=SQL.identifier(self.env["res.partner"]._table),
                sets=sets,
                values=self._json_rows_sql(columns, rows),
                first=min(ids),
                last=max(ids),
            )
        )
        self.env["res.partner"].invalidate_model()
        return len(rows)

    @api.model
    def _set_company_key(self, column, cid, drop_null):
        """column = the column's object with the company's key set to the value v.column."""
        value = SQL(
            "COALESCE(p.%(col)s, '{}'::jsonb) || jsonb_build_object(%(cid)s::text, v.%(col)s)",
            col=SQL.identifier(column),
            cid=cid,
        )
        if drop_null:
            value = SQL(
                "CASE WHEN v.%(col)s IS NULL THEN COALESCE(p.%(col)s, '{}'::jsonb) - %(cid)s::text"
                " ELSE %(value)s END",
                col=SQL.identifier(column),
                cid=cid,
                value=value,
            )
        return SQL("%s = %s", SQL.identifier(column), value)
