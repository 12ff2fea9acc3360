"""Benchmark of the churn scoring (crm_churn_warning).

    setup/bench tests/bench_churn.py [--customers 100000] [--orders 1000000] [--engine-only]
        [--capacity N] [--score-method rules|learned] [--level-basis score|share]

setup/bench recreates its database (ODOO_BENCH_DB, crm_bench by default) and builds the data
each time. To measure again on data built before (e.g. a copy of a bench database made with
``CREATE DATABASE <copy> TEMPLATE <bench db>``), run the script itself with ``--reuse-data``
and a configuration like the one setup/bench writes (.local/odoo-<bench db>.conf, with the
copy's name as db_name and dbfilter):

    .venv/bin/python tests/bench_churn.py --config .local/odoo-<copy>.conf --database <copy> \
        --reuse-data [--cron-only]

``--cron-only`` skips the runs of the engine alone, e.g. to measure the warnings of a first
nightly run on a copy holding no warnings yet.

``--score-method learned`` scores with the churn risk learned from the history: it is trained
first (its time printed on its own line), then every run scores with it.

Builds N customers with M confirmed sale orders over two years (set-wise SQL, skewed so that
some customers buy often and many rarely), with messages, satisfaction answers and complaints
for some of them, then measures:
- the purchase model's fit (`crm.churn.model._fit_if_due`);
- the scoring of every customer (`crm.churn.engine._score_company`, resumable, as the nightly
  cron runs it), first without the warnings (the engine alone): the first run (every customer
  written) and a second run the same day (must write 0 rows);
- the nightly cron itself (`_cron_score`: fit when due, scoring, warnings and activities,
  outcomes), twice (the second run must create nothing), then as of the next day (every
  customer rescored: the open warnings get their new figures and reasons), after a VACUUM
  ANALYZE of the partners and their churn scores as autovacuum runs one in the day between
  two nights.
Prints the total and per-batch times (a batch ends at each `_commit_progress`), and for the
cron runs the time of the warnings' part of each batch (`crm.churn.warning._sync_scores`), the
warnings created and the most one salesperson got on one day; asserts nothing.

New warnings are capped per salesperson and day by the company's capacity (10 out of the box;
``--capacity N`` sets it, 0 for no limit). The benchmark's customers have no salesperson, so
they share the company's one allowance: ``--capacity 0`` measures the mass creation of a first
night without limit (thousands of warnings in one batch).
"""

import time
from datetime import timedelta
from unittest.mock import patch

import bench_common
import bench_tiering
from markupsafe import Markup

import odoo
from odoo.tools import SQL


def build_data(env, customers, orders):
    """The customers and orders of the tiering benchmark, with contacts, satisfaction answers
    and complaints for some of them."""
    cr = env.cr
    company = env.company
    ids = bench_tiering.build_data(env, customers, orders)
    # a message to 30% of the customers, a satisfaction answer from 10%, a complaint from 3%
    log_messages(env, ids)
    cr.execute(
        """
        INSERT INTO crm_satisfaction_response (partner_id, company_id, source, date, csat,
                                               has_csat, satisfaction_score, create_date,
                                               write_date, create_uid, write_uid)
        SELECT r.p, %(company)s, 'survey', r.day, r.csat, TRUE, (r.csat - 1) * 25, now(),
               now(), 1, 1
          FROM (SELECT p, (now() - random() * interval '365 days')::date AS day,
                       1 + floor(random() * 5)::int AS csat
                  FROM unnest(%(ids)s::int[]) p WHERE random() < 0.1) r
        """,
        {"ids": ids, "company": company.id},
    )
    cr.execute(
        """
        INSERT INTO crm_complaint (name, reference, company_id, partner_id, commercial_partner_id,
                                   channel, priority, reported_date, stage_id, is_closed,
                                   closed_date, create_date, write_date, create_uid, write_uid)
        SELECT 'Bench complaint', '/', %(company)s, c.p, c.p, 'phone',
               floor(random() * 4)::int::text, c.reported,
               CASE WHEN c.closed THEN %(closed)s ELSE %(new)s END, c.closed,
               CASE WHEN c.closed THEN c.reported + interval '3 days' END, now(), now(), 1, 1
          FROM (SELECT p, now() - random() * interval '200 days' AS reported,
                       random() < 0.7 AS closed
                  FROM unnest(%(ids)s::int[]) p WHERE random() < 0.03) c
        """,
        {
            "ids": ids,
            "company": company.id,
            "closed": env.ref("crm_satisfaction.crm_complaint_stage_closed").id,
            "new": env.ref("crm_satisfaction.crm_complaint_stage_new").id,
        },
    )
    for table in (
        "sale_order",
        "res_partner",
        "mail_message",
        "crm_complaint",
        "crm_satisfaction_response",
    ):
        cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    return ids


def log_messages(env, ids, chunk=1000):
    """A message from the administrator to 30% of the customers ``ids``, dated in the last
    year, logged through the chatter's API (as superuser) in chunks."""
    env.cr.execute(
        """
        SELECT p, (now() AT TIME ZONE 'UTC') - random() * interval '365 days'
          FROM unnest(%(ids)s::int[]) p WHERE random() < 0.3
        """,
        {"ids": ids},
    )
    dates = dict(env.cr.fetchall())
    author = env.ref("base.partner_admin").id
    partner_ids = list(dates)
    for start in range(0, len(partner_ids), chunk):
        partners = env["res.partner"].sudo().browse(partner_ids[start : start + chunk])
        messages = partners._message_log_batch(
            dict.fromkeys(partners.ids, Markup("<p>Called</p>")),
            author_id=author,
            message_type="comment",
        )
        for message in messages:
            message.date = dates[message.res_id]
        env.flush_all()
        env.invalidate_all()


def timed(env, run):
    """Runs `run()` and commits; returns (seconds, setup seconds, batch seconds, rows written,
    warnings seconds per batch). A run's setup is its aggregation into temporary tables and the
    model's predictions (from the start of the engine's run to its first batch); a batch runs
    from its start to its commit."""
    Cron = type(env["ir.cron"])
    Engine = type(env["crm.churn.engine"])
    Warning = type(env["crm.churn.warning"])
    original_commit, original_run, original_batch, original_sync = (
        Cron._commit_progress,
        Engine._run,
        Engine._compute_batch,
        Warning._sync_scores,
    )
    runs, batch_starts, commits, written, syncs = [], [], [], [], []

    def commit_progress(self, processed=0, remaining=None, deactivate=False):
        result = original_commit(self, processed, remaining=remaining, deactivate=deactivate)
        commits.append(time.perf_counter())
        return result

    def counting_run(self, *args, **kwargs):
        runs.append([time.perf_counter(), None])
        result = original_run(self, *args, **kwargs)
        written.append(result["written"])
        return result

    def compute_batch(self, ctx, batch):
        batch_starts.append(time.perf_counter())
        if runs[-1][1] is None:
            runs[-1][1] = batch_starts[-1]
        return original_batch(self, ctx, batch)

    def sync_scores(self, company, as_of, rows):
        begin = time.perf_counter()
        result = original_sync(self, company, as_of, rows)
        self.env.flush_all()
        syncs.append(time.perf_counter() - begin)
        return result

    with (
        patch.object(Cron, "_commit_progress", commit_progress),
        patch.object(Engine, "_run", counting_run),
        patch.object(Engine, "_compute_batch", compute_batch),
        patch.object(Warning, "_sync_scores", sync_scores),
    ):
        start = time.perf_counter()
        run()
        env.cr.commit()
        elapsed = time.perf_counter() - start
    setup = sum(first - begin for begin, first in runs if first)
    batches = [end - begin for begin, end in zip(batch_starts, commits, strict=False)]
    return elapsed, setup, batches, sum(written), syncs


def report(label, figures, warnings=False):
    elapsed, setup, batches, written, syncs = figures
    print(
        f"{label}: {elapsed:.2f} s; setup (aggregation, predictions) {setup:.2f} s; "
        f"{len(batches)} batches, slowest {max(batches, default=0):.2f} s; "
        f"{written:,} rows written"
    )
    print("    batches: " + ", ".join(f"{b:.2f}" for b in batches))
    if warnings:
        print("    of which warnings: " + ", ".join(f"{s:.2f}" for s in syncs))


def bench_engine(env, company, today, customers):
    """The scoring alone (no warnings), a first run and a same-day re-run."""
    Warning = type(env["crm.churn.warning"])
    with patch.object(Warning, "_sync_scores", lambda self, company, as_of, rows: {}):
        first = timed(
            env,
            lambda: env["crm.churn.engine"]._score_company(company, as_of=today, resumable=True),
        )
        second = timed(
            env,
            lambda: env["crm.churn.engine"]._score_company(company, as_of=today, resumable=True),
        )
    report("scoring, engine only, first run (every customer written)", first)
    report("scoring, engine only, same-day re-run", second)
    print(f"    {first[0] / customers * 1000:.4f} ms per customer")


def vacuum(env, table):
    """VACUUM ANALYZE of ``table``, outside the benchmark's transaction (committed first)."""
    env.cr.commit()
    connection = odoo.sql_db.db_connect(env.cr.dbname)
    with connection.cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute(SQL("VACUUM ANALYZE %s", SQL.identifier(table)))


def warnings_per_salesperson(env, company):
    """(the most warnings one salesperson got on one day, the salesperson-days with warnings);
    the customers without a salesperson count as one salesperson."""
    env.cr.execute(
        "SELECT COALESCE(MAX(n), 0), count(*) FROM (SELECT count(*) AS n FROM crm_churn_warning"
        " WHERE company_id = %s GROUP BY user_id, date) w",
        [company.id],
    )
    return env.cr.fetchone()


def main():
    parser = bench_common.make_parser()
    parser.add_argument(
        "--engine-only", action="store_true", help="skip the cron runs with the warnings"
    )
    bench_common.add_reuse_data(
        parser,
        "measure on the customers and orders already in the database (built by an earlier run) "
        "instead of adding new ones",
    )
    parser.add_argument(
        "--cron-only", action="store_true", help="skip the runs of the engine alone"
    )
    parser.add_argument(
        "--capacity",
        type=int,
        help="the company's new warnings per salesperson and day (0: no limit); default: "
        "the company's setting",
    )
    bench_common.add_churn_score(parser)
    args = parser.parse_args()
    with bench_common.bench_env(args) as env:
        cr = env.cr
        company = env.company
        today = odoo.fields.Date.context_today(env["crm.churn.engine"])
        bench_common.apply_churn_score(env, company, args)
        if args.reuse_data:
            bench_common.print_reused(env)
        else:
            _result, seconds = bench_common.build(env, build_data, args.customers, args.orders)
            bench_common.print_built(args.customers, args.orders, seconds)
        Model = env["crm.churn.model"]
        start = time.perf_counter()
        Model._fit_if_due(company, today)
        cr.commit()
        params = Model._get_params(company)
        print(
            f"model fit: {time.perf_counter() - start:.2f} s "
            f"({'fitted' if params else 'not fitted'})"
        )
        if company.crm_churn_score_method == "learned":
            start = time.perf_counter()
            risk = env["crm.churn.risk.model"]._train_company(company, today)
            cr.commit()
            print(
                f"learned churn risk trained: {time.perf_counter() - start:.2f} s "
                f"({risk.state}, validation AUC {risk.validation_auc:.3f})"
            )
        if not args.cron_only:
            bench_engine(env, company, today, args.customers)

        if args.engine_only:
            return
        if args.capacity is not None:
            company.crm_churn_warning_capacity = args.capacity
            cr.commit()
        warnings = env["crm.churn.warning"]
        before = warnings.search_count([])
        cron_first = timed(env, env["crm.churn.engine"]._cron_score)
        created = warnings.search_count([]) - before
        cron_second = timed(env, env["crm.churn.engine"]._cron_score)
        created_again = warnings.search_count([]) - before - created
        report(
            f"nightly cron with warnings ({created:,} warnings created)", cron_first, warnings=True
        )
        report(
            f"nightly cron again ({created_again:,} warnings created)", cron_second, warnings=True
        )
        # the next night: days without an order grow, most open warnings are refreshed. In the
        # day between two nights, autovacuum clears the row versions the night wrote (a fifth
        # of a table changed triggers it); the runs above follow each other at once
        vacuum(env, "res_partner")
        vacuum(env, "crm_churn_partner_score")
        tomorrow = today + timedelta(days=1)
        with patch.object(odoo.fields.Date, "context_today", lambda *args, **kwargs: tomorrow):
            cron_next = timed(env, env["crm.churn.engine"]._cron_score)
        created_next = warnings.search_count([]) - before - created - created_again
        report(
            f"nightly cron the next day ({created_next:,} warnings created)",
            cron_next,
            warnings=True,
        )
        cr.execute(
            "SELECT level, count(*) FROM crm_churn_partner_score"
            " WHERE company_id = %s AND level IS NOT NULL GROUP BY 1 ORDER BY 1",
            [company.id],
        )
        print("levels: " + ", ".join(f"{level} {count:,}" for level, count in cr.fetchall()))
        most, pairs = warnings_per_salesperson(env, company)
        capacity = company.crm_churn_warning_capacity
        print(
            f"warnings per salesperson and day: max {most:,} over {pairs:,} salesperson-days "
            f"(capacity {capacity or 'unlimited'}; customers without a salesperson count as one)"
        )


if __name__ == "__main__":
    main()
