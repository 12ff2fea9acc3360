"""Benchmark of the learned churn risk (crm_churn_warning, crm.churn.risk.model).

    setup/bench tests/bench_churn_risk.py [--customers 100000] [--orders 1000000] [--runs 2]

Builds N customers with M confirmed sale orders over two years (the data of
tests/bench_tiering.py), then measures, per run: the training as of today (`_train_company`:
the transaction days read once, twelve labelled month ends described, the held-out validation
and the final fit) and the scoring of every customer with the stored model (`_predict`), with
the time of each part of the training. Prints the figures and the validation's AUC against the
two baselines; asserts nothing.
"""

# a benchmark commits its data and prints its figures
# pylint: disable=invalid-commit,print-used
import time
from unittest.mock import patch

import bench_common
from bench_tiering import build_data


def main():
    parser = bench_common.make_parser()
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    with bench_common.bench_env(args) as env:
        from odoo.addons.crm_churn_warning.tools import churn_learning

        cr = env.cr
        _result, seconds = bench_common.build(env, build_data, args.customers, args.orders)
        bench_common.print_built(args.customers, args.orders, seconds)
        Risk = env["crm.churn.risk.model"]
        RiskClass = type(Risk)
        company = env.company
        as_of = company._crm_today()
        for run in range(1, args.runs + 1):
            parts = {"read days": 0.0, "describe dates": 0.0, "fit": 0.0}

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
