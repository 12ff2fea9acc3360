"""What the benchmarks of tests/ share: their command line, the database they run on and the
line that tells how their data was built."""

import argparse
import time
from contextlib import contextmanager

import odoo
from odoo.modules.registry import Registry
from odoo.tools import config


def make_parser(orders=1_000_000, orders_help=None):
    """The options of every benchmark (setup/bench gives the first two): the Odoo configuration
    and database, and how many customers and orders to build."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=orders, help=orders_help)
    return parser


def add_reuse_data(parser, help_text):
    """The --reuse-data option: measure on the data an earlier run built."""
    parser.add_argument("--reuse-data", action="store_true", help=help_text)


def add_churn_score(parser):
    """The --score-method and --level-basis options: the company's churn score (weighted rules
    or learned from history) and how its risk levels are set, for the runs of the benchmark."""
    parser.add_argument(
        "--score-method",
        choices=("rules", "learned"),
        help="the company's churn score; default: the company's setting",
    )
    parser.add_argument(
        "--level-basis",
        choices=("score", "share"),
        help="risk levels by score thresholds or by shares of the customers (with the learned "
        "score); default: the company's setting",
    )


def apply_churn_score(env, company, args):
    """Writes the options of ``add_churn_score`` to the company and says which score runs."""
    values = {}
    if args.score_method:
        values["crm_churn_score_method"] = args.score_method
    if args.level_basis:
        values["crm_churn_level_basis"] = args.level_basis
    company.write(values)
    env.cr.commit()
    print(
        f"churn score: {company.crm_churn_score_method}, levels by {company.crm_churn_level_basis}"
    )


@contextmanager
def bench_env(args):
    """A superuser environment on the benchmark's database, Odoo configured from `args`."""
    config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    odoo.modules.module.initialize_sys_path()
    registry = Registry(args.database)
    with registry.cursor() as cr:
        yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


def build(env, builder, *args):
    """Runs `builder(env, *args)` and commits: returns its result and the seconds it took."""
    start = time.perf_counter()
    result = builder(env, *args)
    env.cr.commit()
    return result, time.perf_counter() - start


def print_built(customers, orders, seconds):
    print(f"data: {customers:,} customers, {orders:,} orders built in {seconds:.1f} s")


def print_reused(env):
    """Says how many orders of an earlier run the benchmark measures on."""
    env.cr.execute("SELECT count(*) FROM sale_order WHERE name LIKE 'BENCH%%'")
    print(f"data: reused, {env.cr.fetchone()[0]:,} orders")
