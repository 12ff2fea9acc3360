"""Benchmark of the customer-value recompute (crm_lifecycle_tiering).

    setup/bench tests/bench_tiering.py [--customers 100000] [--orders 1000000] [--naive 5000]

Builds N customers with M confirmed sale orders over two years (set-wise SQL, skewed so that
some customers buy often and many rarely), then measures, through the nightly cron's own method
(`crm.value.engine._cron_recompute_values`):
- the first full recompute (every customer gets values, a tier, a stage, events and a note);
- a second run on unchanged data (must write 0 rows);
- a run after 1% of customers placed a new order;
and, on a subset, a naive loop (one search per customer, values computed in Python and
written with the ORM) to compare the time per customer. Prints the figures; asserts nothing.
"""

import time
from unittest.mock import patch

import bench_common

crm_value_engine = None  # imported once the addons path is known (see main)


def build_data(env, customers, orders):
    cr = env.cr
    company = env.company
    currency_id = company.currency_id.id
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, is_company, active, type,
                                 customer_rank, supplier_rank, autopost_bills, create_date,
                                 write_date, create_uid, write_uid)
        SELECT 'Bench Customer ' || g, 'Bench Customer ' || g, TRUE,
               TRUE, 'contact', 1, 0, 'ask', now(), now(), 1, 1
          FROM generate_series(1, %s) g
        RETURNING id
        """,
        [customers],
    )
    ids = [r[0] for r in cr.fetchall()]
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", [ids])
    # skewed: customer index = floor(N * u^2), so low indexes buy far more often
    cr.execute(
        """
        INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id,
                                company_id, currency_id, currency_rate, state, date_order,
                                amount_untaxed, amount_tax, amount_total, create_date,
                                write_date, create_uid, write_uid)
        SELECT 'BENCH' || o.g, o.pid, o.pid, o.pid, %(company)s, %(currency)s, 1.0, 'sale',
               now() - (random() * interval '730 days'),
               round((50 + random() * random() * 5000)::numeric, 2), 0, 0,
               now(), now(), 1, 1
          FROM (SELECT g, (%(ids)s::int[])[1 + floor(%(n)s * power(random(), 2))::int] AS pid
                  FROM generate_series(1, %(orders)s) g) o
        """,
        {
            "company": company.id,
            "currency": currency_id,
            "orders": orders,
            "ids": ids,
            "n": customers,
        },
    )
    cr.execute("UPDATE sale_order SET amount_total = amount_untaxed WHERE name LIKE 'BENCH%%'")
    cr.execute("ANALYZE sale_order")
    cr.execute("ANALYZE res_partner")
    return ids


def timed_cron(env):
    """Runs the nightly cron method; returns (seconds, batch seconds, rows, events)."""
    Cron = type(env["ir.cron"])
    original = Cron._commit_progress
    marks = [time.perf_counter()]

    def commit_progress(self, processed=0, remaining=None, deactivate=False):
        result = original(self, processed, remaining=remaining, deactivate=deactivate)
        marks.append(time.perf_counter())
        return result

    totals = {"written": 0, "events": 0}
    run = crm_value_engine.CrmValueEngine._run

    def counting_run(self, *args, **kwargs):
        result = run(self, *args, **kwargs)
        totals["written"] += result["written"]
        totals["events"] += result["events"]
        return result

    with (
        patch.object(Cron, "_commit_progress", commit_progress),
        patch.object(crm_value_engine.CrmValueEngine, "_run", counting_run),
    ):
        start = time.perf_counter()
        env["crm.value.engine"]._cron_recompute_values()
        env.cr.commit()
        elapsed = time.perf_counter() - start
    batches = [b - a for a, b in zip(marks, marks[1:], strict=False)]
    return elapsed, batches, totals["written"], totals["events"]


def naive_loop(env, partner_ids):
    """What a straightforward implementation does: a search per customer."""
    Order = env["sale.order"]
    Partner = env["res.partner"]
    start = time.perf_counter()
    for partner_id in partner_ids:
        orders = Order.search(
            [
                ("partner_id", "=", partner_id),
                ("state", "=", "sale"),
                ("company_id", "=", env.company.id),
            ]
        )
        dates = orders.mapped("date_order")
        revenue = sum(orders.mapped("amount_untaxed"))
        Partner.browse(partner_id).write(
            {
                "crm_order_count": len(orders),
                "crm_revenue_total": revenue,
                "crm_first_order_date": min(dates).date() if dates else False,
                "crm_last_order_date": max(dates).date() if dates else False,
            }
        )
    env.flush_all()
    elapsed = time.perf_counter() - start
    env.cr.rollback()
    return elapsed


def main():
    parser = bench_common.make_parser()
    parser.add_argument("--naive", type=int, default=5_000)
    args = parser.parse_args()
    with bench_common.bench_env(args) as env:
        global crm_value_engine
        from odoo.addons.crm_lifecycle_tiering.models import (
            crm_value_engine as engine_module,
        )

        crm_value_engine = engine_module
        cr = env.cr
        ids, seconds = bench_common.build(env, build_data, args.customers, args.orders)
        bench_common.print_built(args.customers, args.orders, seconds)

        first = timed_cron(env)
        second = timed_cron(env)
        cr.execute(
            """
            INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id,
                                    company_id, currency_id, currency_rate, state, date_order,
                                    amount_untaxed, amount_tax, amount_total)
            SELECT 'BENCHNEW' || p, p, p, p, %s, %s, 1, 'sale', now(), 100, 0, 100
              FROM unnest(%s::int[]) p
            """,
            [env.company.id, env.company.currency_id.id, ids[::100]],
        )
        cr.commit()
        third = timed_cron(env)
        for label, (elapsed, batches, written, events) in (
            ("first full recompute (all customers new)", first),
            ("unchanged re-run", second),
            ("re-run after 1% new orders", third),
        ):
            print(
                f"{label}: {elapsed:.2f} s, {len(batches)} batches, slowest batch "
                f"{max(batches, default=0):.2f} s, {written:,} rows written, {events:,} events"
            )
        subset = ids[: args.naive]
        naive = naive_loop(env, subset)
        per_naive = naive / len(subset) * 1000
        per_engine = first[0] / len(ids) * 1000
        per_steady = second[0] / len(ids) * 1000
        print(f"naive loop on {len(subset):,} customers: {naive:.2f} s, {per_naive:.3f} ms each")
        print(
            f"engine per customer: {per_engine:.4f} ms (first run), {per_steady:.4f} ms "
            f"(re-run); speed-up {per_naive / per_engine:.0f}x and {per_naive / per_steady:.0f}x"
        )


if __name__ == "__main__":
    main()
