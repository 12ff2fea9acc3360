"""Benchmark of the purchase-model fit (crm_churn_warning, crm.churn.model).

    setup/bench tests/bench_churn_fit.py [--customers 100000] [--orders 1000000] [--runs 3]

Builds N customers with M confirmed sale orders over two years (the data of
tests/bench_tiering.py), then measures, per run: the aggregate summary query
(`_get_summary`), the BG/NBD and Gamma-Gamma fits on its arrays, the whole `_fit_company`
(query, fits and the stored record) and the predictions for every customer (`_predict`, with
and without its summary query).
Prints the figures; asserts nothing.
"""

# a benchmark commits its data and prints its figures
# pylint: disable=invalid-commit,print-used
import time

import bench_common
from bench_tiering import build_data

import odoo


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def main():
    parser = bench_common.make_parser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with bench_common.bench_env(args) as env:
        from odoo.addons.crm_churn_warning.tools import churn_stats

        cr = env.cr
        _result, seconds = bench_common.build(env, build_data, args.customers, args.orders)
        bench_common.print_built(args.customers, args.orders, seconds)
        Model = env["crm.churn.model"]
        company = env.company
        as_of = odoo.fields.Date.context_today(Model.with_company(company))
        for run in range(1, args.runs + 1):
            query, summary = timed(Model._get_summary, company, as_of)
            bgnbd_seconds, bgnbd = timed(
                churn_stats.fit_bgnbd, summary["x"], summary["t_x"], summary["T"]
            )
            gg_seconds, spend = timed(churn_stats.fit_gamma_gamma, summary["x"], summary["m"])
            total, model = timed(Model._fit_company, company, as_of)
            cr.commit()
            params = Model._get_params(company)
            predict, predictions = timed(Model._predict, company, as_of, params)
            formulas, _predictions = timed(Model._predict, company, as_of, params, summary)
            print(
                f"run {run}: summary query {query:.2f} s ({len(summary['x']):,} customers, "
                f"{int((summary['x'] > 0).sum()):,} repeat buyers); BG/NBD fit "
                f"{bgnbd_seconds:.2f} s; Gamma-Gamma fit {gg_seconds:.2f} s; "
                f"_fit_company {total:.2f} s (state {model.state}); "
                f"_predict {predict:.2f} s ({len(predictions):,} customers; "
                f"{formulas:.2f} s of it without the summary query)"
            )
        print(
            "parameters: "
            + ", ".join(f"{key}={value:.4g}" for key, value in {**bgnbd, **spend}.items())
        )


if __name__ == "__main__":
    main()
