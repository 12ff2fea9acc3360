"""Benchmark of the learned churn risk (crm_churn_warning, crm.churn.risk.model).

    setup/bench tests/bench_churn_risk.py [--customers 100000] [--orders 1000000] [--runs 2]

Builds N customers with M confirmed sale orders over two years (the data of
tests/bench_tiering.py) and a history of their tiers as the value engine records it: every
customer's first tier 180 days ago (the addons' installation: half of the training dates come
before it), and a later change for one customer in five. Then measures, per run: the training
as of today (`_train_company`: the transaction days read once, twelve labelled month ends
described, the held-out validation and the final fit) and the scoring of every customer with
the stored model (`_predict`), with the time of each part of the training (the tiers as of
each date are part of describing it). Prints the figures and the validation's AUC against the
two baselines; asserts nothing.
"""

# a benchmark commits its data and prints its figures
# pylint: disable=invalid-commit,print-used
import time
from unittest.mock import patch

import bench_common
from bench_tiering import build_data

# the tier history begins this many days before today
INSTALLED_DAYS = 180


def build_tier_history(env, partner_ids):
    """Tier events of the customers ``partner_ids``, inserted set-wise (their new tiers: what
    the churn risk reads of them): a first tier on the installation day, and a change at a
    random later day for one customer in five."""
    company = env.company
    env.cr.execute("SELECT id FROM crm_customer_tier ORDER BY sequence, id")
    tier_ids = [row[0] for row in env.cr.fetchall()]
    env.cr.execute(
        """
        INSERT INTO crm_lifecycle_event (partner_id, company_id, date, kind, old_tier_id,
                                         new_tier_id, origin, create_uid, write_uid,
                                         create_date, write_date)
        SELECT e.pid, %(company)s, e.day, 'tier', e.old_tier, e.new_tier, 'cron', 1, 1, now(),
               now()
          FROM (SELECT p.pid, %(today)s - %(installed)s AS day, NULL::int AS old_tier,
                       (%(tiers)s::int[])[1 + floor(random() * %(count)s)::int] AS new_tier
                  FROM unnest(%(ids)s::int[]) p(pid)
                UNION ALL
                SELECT p.pid, %(today)s - floor(random() * %(installed)s)::int, NULL,
                       (%(tiers)s::int[])[1 + floor(random() * %(count)s)::int]
                  FROM unnest(%(ids)s::int[]) p(pid)
                 WHERE random() < 0.2) e
        """,
        {
            "company": company.id,
            "today": company._crm_today(),
            "installed": INSTALLED_DAYS,
            "tiers": tier_ids,
            "count": len(tier_ids),
            "ids": partner_ids,
        },
    )
    env.cr.execute("ANALYZE crm_lifecycle_event")


def main():
    parser = bench_common.make_parser()
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    with bench_common.bench_env(args) as env:
        from odoo.addons.crm_churn_warning.tools import churn_learning

        cr = env.cr
        partner_ids, seconds = bench_common.build(env, build_data, args.customers, args.orders)
        bench_common.print_built(args.customers, args.orders, seconds)
        _result, seconds = bench_common.build(env, build_tier_history, partner_ids)
        env.cr.execute("SELECT count(*) FROM crm_lifecycle_event")
        print(f"tier history: {env.cr.fetchone()[0]:,} events built in {seconds:.1f} s")
        Risk = env["crm.churn.risk.model"]
        RiskClass = type(Risk)
        company = env.company
        as_of = company._crm_today()
        for run in range(1, args.runs + 1):
            parts = {"read days": 0.0, "describe dates": 0.0, "of which tiers": 0.0, "fit": 0.0}

            def timing(name, original, parts=parts):
                def wrapped(*call_args, **kwargs):
                    start = time.perf_counter()
                    result = original(*call_args, **kwargs)
                    parts[name] += time.perf_counter() - start
                    return result

                return wrapped

            with (
                patch.object(RiskClass, "_get_days", timing("read days", RiskClass._get_days)),
                patch.object(RiskClass, "_describe", timing("describe dates", RiskClass._describe)),
                patch.object(
                    RiskClass,
                    "_get_tier_features",
                    timing("of which tiers", RiskClass._get_tier_features),
                ),
                patch.object(churn_learning, "fit", timing("fit", churn_learning.fit)),
            ):
                start = time.perf_counter()
                model = Risk._train_company(company, as_of)
                train = time.perf_counter() - start
            cr.commit()
            print(
                f"run {run}: training {train:.2f} s ({model.state}; {model.snapshot_count} "
                f"dates, {model.training_count:,} rows; "
                + ", ".join(f"{name} {value:.2f} s" for name, value in parts.items())
                + ")"
            )
            if model.state == "fitted":
                start = time.perf_counter()
                scores = Risk._predict(company, as_of, model.sudo().params)
                print(
                    f"    scoring every customer: {time.perf_counter() - start:.2f} s "
                    f"({len(scores):,} customers)"
                )
                print(
                    f"    validation on {model.validation_date}: {model.validation_count:,} "
                    f"customers, AUC {model.validation_auc:.3f} (days since last order "
                    f"{model.recency_auc:.3f}, P(alive) {model.p_alive_auc:.3f}), Brier "
                    f"{model.validation_brier:.3f}, top-decile lift {model.validation_lift:.2f}"
                )


if __name__ == "__main__":
    main()
