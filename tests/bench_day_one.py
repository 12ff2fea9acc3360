"""Benchmark of the first night after the installation on a database with years of history.

    setup/bench tests/bench_day_one.py [--customers 100000] [--orders 1000000] [--salespeople 20]
        [--score-method rules|learned] [--level-basis score|share]

A company already on Odoo installs the addons: setup/bench recreates its database (ODOO_BENCH_DB,
crm_bench by default) with the addons installed, so the company's start date ("Customer
discipline since") is today. The script builds N customers with M confirmed sale orders over the
two years before the start date (the data of tests/bench_churn.py: skewed orders, messages,
satisfaction answers and complaints), each customer with one of the salespeople, then runs the
first night's crons through their own methods, as the scheduler does (each batch committed):
1. the customer values' recompute (crm.value.engine._cron_recompute_values);
2. the follow-up scheduler (crm.followup._cron_schedule_followups);
3. the churn scoring with its warnings (crm.churn.engine._cron_score);
then all three once more (a second night the same day must create nothing). Prints each cron's
time and what it created: chatter notes of the engine, lifecycle events, follow-up activities
(overdue ones, the most on one day, against ceil(customers / interval) + 1 per tier), churn
warnings per salesperson, e-mails queued. Asserts nothing.

To measure again on data built before (e.g. a copy of a bench database made right after the
data was built, with ``CREATE DATABASE <copy> TEMPLATE <bench db>``), run the script itself with
``--reuse-data`` and a configuration like the one setup/bench writes (.local/odoo-<bench db>.conf,
with the copy's name as db_name and dbfilter):

    .venv/bin/python tests/bench_day_one.py --config .local/odoo-<copy>.conf --database <copy> \\
        --reuse-data
"""

import math
import time

import bench_churn
import bench_common

import odoo

FOLLOWUP_TYPE_XMLID = "crm_satisfaction.mail_activity_type_crm_followup"


def build_data(env, customers, orders, salespeople):
    """The customers and orders of the churn benchmark, moved to before the start date (today),
    each customer with one of `salespeople` new salespeople."""
    cr = env.cr
    company = env.company
    ids = bench_churn.build_data(env, customers, orders)
    # every order before the start date: the random dates of the last 730 days, a day earlier
    cr.execute(
        "UPDATE sale_order SET date_order = date_order - interval '1 day'"
        " WHERE name LIKE 'BENCH%%' AND date_order >= %s",
        [odoo.fields.Datetime.to_datetime(company.crm_start_date)],
    )
    users = env["res.users"].create(
        [
            {
                "name": f"Bench Salesperson {i + 1}",
                "login": f"bench_salesperson_{i + 1}",
                "company_id": company.id,
                "company_ids": [(6, 0, company.ids)],
                "group_ids": [(6, 0, [env.ref("sales_team.group_sale_salesman").id])],
            }
            for i in range(salespeople)
        ]
    )
    cr.execute(
        "UPDATE res_partner p SET user_id = (%s::int[])[1 + p.id %% %s] WHERE p.id = ANY(%s)",
        [users.ids, len(users), ids],
    )
    cr.execute("ANALYZE res_partner")
    cr.execute("ANALYZE sale_order")
    env.invalidate_all()
    return ids


def count(env, query, params=None):
    env.flush_all()
    env.cr.execute(query, params or [])
    return env.cr.fetchone()[0]


def snapshot(env, company):
    """What the crons create: engine notes, lifecycle events, follow-up activities, churn
    warnings and e-mails."""
    followup_type = env.ref(FOLLOWUP_TYPE_XMLID).id
    return {
        "notes": count(
            env,
            "SELECT count(*) FROM mail_message WHERE model = 'res.partner'"
            " AND message_id LIKE '%%-openerp-crm-lifecycle@%%'",
        ),
        "events": count(env, "SELECT count(*) FROM crm_lifecycle_event"),
        "activities": count(
            env,
            "SELECT count(*) FROM mail_activity WHERE activity_type_id = %s"
            " AND crm_followup_company_id = %s",
            [followup_type, company.id],
        ),
        "warnings": count(
            env, "SELECT count(*) FROM crm_churn_warning WHERE company_id = %s", [company.id]
        ),
        "mails": count(env, "SELECT count(*) FROM mail_mail"),
    }


def run_night(env, company, label):
    crons = (
        ("value recompute", env["crm.value.engine"]._cron_recompute_values),
        ("follow-up scheduler", env["crm.followup"]._cron_schedule_followups),
        ("churn scoring with warnings", env["crm.churn.engine"]._cron_score),
    )
    print(f"{label}:")
    for name, cron in crons:
        before = snapshot(env, company)
        start = time.perf_counter()
        cron()
        env.cr.commit()
        elapsed = time.perf_counter() - start
        after = snapshot(env, company)
        created = ", ".join(f"{after[key] - before[key]:,} {key}" for key in after)
        print(f"    {name}: {elapsed:.2f} s; created {created}")


def report_followups(env, company, today):
    followup_type = env.ref(FOLLOWUP_TYPE_XMLID).id
    cid = str(company.id)
    env.cr.execute(
        """
        SELECT count(*),
               count(*) FILTER (WHERE date_deadline < %(today)s),
               count(*) FILTER (WHERE date_deadline < %(today)s - 30),
               count(*) FILTER (WHERE date_deadline < %(today)s - 365),
               min(date_deadline), max(date_deadline)
          FROM mail_activity
         WHERE activity_type_id = %(type)s AND crm_followup_company_id = %(company)s
        """,
        {"today": today, "type": followup_type, "company": company.id},
    )
    total, overdue, overdue_30, overdue_365, first, last = env.cr.fetchone()
    print(
        f"follow-up activities: {total:,}; overdue {overdue:,} (more than 30 days {overdue_30:,},"
        f" more than a year {overdue_365:,}); deadlines {first} to {last}"
    )
    env.cr.execute(
        """
        SELECT date_deadline, count(*) FROM mail_activity
         WHERE activity_type_id = %s AND crm_followup_company_id = %s
         GROUP BY 1 ORDER BY 1
        """,
        [followup_type, company.id],
    )
    print(
        "    activities per day: "
        + ", ".join(f"{day.strftime('%m-%d')} {n:,}" for day, n in env.cr.fetchall())
    )
    # next follow-up dates per tier: the most on one day against ceil(customers / interval) + 1
    env.cr.execute(
        """
        SELECT t.id, t.name ->> 'en_US', t.followup_interval_days, sum(n.per_day)::int,
               max(n.per_day), min(n.day), max(n.day)
          FROM (SELECT (p.crm_tier_id ->> %(cid)s)::int AS tier,
                       (p.crm_followup_next_date ->> %(cid)s)::date AS day, count(*) AS per_day
                  FROM res_partner p
                 WHERE p.crm_followup_next_date ? %(cid)s
                 GROUP BY 1, 2) n
          JOIN crm_customer_tier t ON t.id = n.tier
         GROUP BY 1, 2, 3 ORDER BY 3
        """,
        {"cid": cid},
    )
    for _id, tier, interval, customers, max_day, first, last in env.cr.fetchall():
        bound = math.ceil(customers / interval) + 1
        print(
            f"    next follow-ups, {tier} (every {interval} days): {customers:,} customers due"
            f" {first} to {last}, at most {max_day:,} a day (ceil({customers:,} / {interval})"
            f" + 1 = {bound:,})"
        )


def report_warnings(env, company):
    env.cr.execute(
        """
        SELECT COALESCE(u.login, '(none)'), count(*)
          FROM crm_churn_warning w
          LEFT JOIN res_users u ON u.id = w.user_id
         WHERE w.company_id = %s
         GROUP BY 1 ORDER BY 2 DESC, 1
        """,
        [company.id],
    )
    rows = env.cr.fetchall()
    total = sum(n for _login, n in rows)
    print(f"churn warnings: {total:,}; per salesperson:")
    print("    " + ", ".join(f"{login} {n:,}" for login, n in rows))


def main():
    parser = bench_common.make_parser(orders=None, orders_help="default: 10 per customer")
    parser.add_argument("--salespeople", type=int, default=20)
    bench_common.add_reuse_data(
        parser,
        "measure on the customers and orders already in the database (built by an earlier "
        "run, before its first night) instead of adding new ones",
    )
    bench_common.add_churn_score(parser)
    args = parser.parse_args()
    orders = args.orders or args.customers * 10
    with bench_common.bench_env(args) as env:
        cr = env.cr
        company = env.company
        today = company._crm_today()
        bench_common.apply_churn_score(env, company, args)
        # the addons were installed today: the company's start date
        company.crm_start_date = today
        if args.reuse_data:
            bench_common.print_reused(env)
        else:
            _result, seconds = bench_common.build(
                env, build_data, args.customers, orders, args.salespeople
            )
            print(
                f"data: {args.customers:,} customers, {orders:,} orders before {today}, "
                f"{args.salespeople} salespeople, built in {seconds:.1f} s"
            )
        cr.execute(
            "SELECT min(date_order)::date, max(date_order)::date FROM sale_order"
            " WHERE company_id = %s AND state = 'sale'",
            [company.id],
        )
        first, last = cr.fetchone()
        print(f"orders from {first} to {last}; start date {company.crm_start_date}")
        cr.commit()
        run_night(env, company, "first night")
        report_followups(env, company, today)
        report_warnings(env, company)
        run_night(env, company, "second night, same day")


if __name__ == "__main__":
    main()
