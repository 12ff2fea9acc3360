"""Computes customer values, RFM, tiers and lifecycle stages, set-based and in batches.

One run for one company:
1. one aggregate query puts every customer's transaction figures into a temporary table
   (confirmed orders or posted invoices net of refunds, in the company currency, per commercial
   partner), with prospects and customers valued before;
2. RFM quintile breakpoints over the company's buyers (a full run computes and stores them; a
   refresh of a few customers reuses the stored ones, so one order does not reshuffle everyone);
3. batches of customers in id order: figures, scores, segment, stage and tier computed in Python
   from the temporary table, compared with the stored values, and only changed rows written with
   one UPDATE per batch; each tier or stage change adds a history event, inserted set-wise,
   and each customer whose tier or stage changed gets one message on its chatter with the
   changes of the run as tracking values (each reader sees them in the reader's language); a
   customer's first assignment in the company (no tier nor stage before: every existing
   customer on the first night after the installation) writes its history but no message, so
   that the first run does not flood every chatter (crm.lifecycle.event._log_changes).
The tier of a customer is the first tier whose rule its figures meet (crm.tier.rule._match_tier).
Reasons (of tiers, of history events) are stored as codes and figures (lifecycle_data.REASON_*)
and put into words when they are read, in the reader's language (crm.value.reason).
A full run records its cursor after each committed batch, so a run cut short resumes where it
stopped and never counts a customer twice (crm.engine.mixin); values are absolute, so
re-running changes nothing.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .lifecycle_data import (
    BUYER_STAGES,
    EVENT_STAGE,
    EVENT_TIER,
    ORIGIN_CRON,
    ORIGIN_MANUAL,
    ORIGIN_ORDER,
    REASON_GRACE,
    REASON_LOCKED,
    RFM_SCORE_MAX,
    STAGE_FIRST_PURCHASE,
    STAGE_PROSPECT,
    buyer_stage_tests,
    dump_reason,
)

_logger = logging.getLogger(__name__)

BATCH_SIZE = 10000
CURSOR_PARAM = "crm_lifecycle_tiering.recompute_cursor.%s"

# company-dependent columns the engine owns: (column, kind of SQL type). Odoo reads stored
# integer, float and boolean company-dependent values with a plain jsonb cast, which fails on a
# JSON null: those always get a value (NULL_DEFAULTS); many2one, date and text accept null.
VALUE_COLUMNS = [
    ("crm_tier_id", "m2o"),
    ("crm_tier_rule_id", "m2o"),
    ("crm_tier_reason", "text"),
    ("crm_tier_since", "text"),
    ("crm_tier_grace_since", "text"),
    ("crm_tier_locked", "bool"),
    ("crm_tier_lock_reason", "text"),
    ("crm_tier_lock_until", "text"),
    ("crm_tier_lock_user_id", "m2o"),
    ("crm_lifecycle_stage", "text"),
    ("crm_stage_since", "text"),
    ("crm_first_order_date", "text"),
    ("crm_last_order_date", "text"),
    ("crm_order_count", "int"),
    ("crm_revenue_total", "float8"),
    ("crm_order_count_period", "int"),
    ("crm_revenue_period", "float8"),
    ("crm_avg_order_value", "float8"),
    ("crm_purchase_interval", "float8"),
    ("crm_rfm_r", "int"),
    ("crm_rfm_f", "int"),
    ("crm_rfm_m", "int"),
    ("crm_rfm_segment_id", "m2o"),
    ("crm_value_score", "float8"),
]
VALUE_NAMES = tuple(col for col, _type in VALUE_COLUMNS)
LOCK_COLUMNS = (
    "crm_tier_locked",
    "crm_tier_lock_reason",
    "crm_tier_lock_until",
    "crm_tier_lock_user_id",
)
SQL_TYPES = {"m2o": "int", "text": "text", "int": "int", "float8": "float8", "bool": "bool"}
NULL_DEFAULTS = {"int": 0, "float8": 0.0, "bool": False}


def _score(value, breakpoints):
    """Quintile score 1..5: one more for each breakpoint the value exceeds (ties score alike)."""
    return 1 + sum(1 for b in breakpoints if value > b)


def _months_between(start, end):
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


@dataclass
class RunContext:
    company: object
    as_of: date
    env: object  # environment in the company's language, for the values chatters keep
    breakpoints: dict
    tiers: list  # [(tier id, [(rule id, [(condition, threshold)], has domain)])], best first
    tier_names: dict
    rank: dict  # tier id -> 0 for the best tier
    segment_of: object
    settings: dict
    domain_rules: list = field(default_factory=list)
    rule_user: object = None  # evaluates the rules' customer filters with its rights (simulation)


class CrmValueEngine(models.AbstractModel):
    _name = "crm.value.engine"
    _inherit = ["crm.engine.mixin"]
    _description = "Customer Value Engine"

    # ------------------------------------------------------------------ entry points
    @api.model
    def _cron_recompute_values(self):
        """Nightly: recompute every customer of every company (resumable)."""
        for company in self.env["res.company"].search([], order="id"):
            if not self._recompute_company(company, origin=ORIGIN_CRON, resumable=True):
                return  # out of time: the cron is re-triggered and resumes

    @api.model
    def _cron_refresh_queue(self):
        """Refreshes the customers queued by confirmed/cancelled orders and posted invoices."""
        Queue = self.env["crm.value.queue"]

        def queued():
            # the queue is emptied as it is read: each batch is the head of what is left
            while True:
                self.env.cr.execute(
                    "SELECT id, partner_id, company_id FROM crm_value_queue ORDER BY id LIMIT %s",
                    [BATCH_SIZE],
                )
                rows = self.env.cr.fetchall()
                if not rows:
                    return
                yield rows

        def refresh(rows):
            by_company = {}
            for _id, partner_id, company_id in rows:
                by_company.setdefault(company_id, []).append(partner_id)
            for company_id, partner_ids in by_company.items():
                self._refresh_partners(
                    self.env["res.partner"].browse(partner_ids),
                    self.env["res.company"].browse(company_id),
                    origin=ORIGIN_ORDER,
                )
            Queue.browse([r[0] for r in rows]).unlink()

        self._run_batches(queued(), refresh, lambda: Queue.search_count([]), commit=True)

    @api.model
    def action_recompute_now(self):
        if not self.env.user.has_group("crm_lifecycle_tiering.crm_lifecycle_tiering_group_manager"):
            raise AccessError(self.env._("Only customer value managers can recompute values."))
        self.env.ref("crm_lifecycle_tiering.ir_cron_crm_value_recompute")._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Customer values"),
                "message": self.env._(
                    "The recompute of every customer's values has started; it runs in the "
                    "background and takes a few minutes on large databases."
                ),
                "sticky": False,
            },
        }

    @api.model
    def _refresh_partners(self, partners, company, origin=ORIGIN_MANUAL, as_of=None):
        """Recomputes a few customers now, with the company's stored RFM breakpoints."""
        partners = partners.commercial_partner_id
        if partners:
            self.sudo()._run(company, partners=partners, origin=origin, as_of=as_of)

    @api.model
    def _recompute_company(self, company, origin=ORIGIN_CRON, resumable=False, as_of=None):
        """Recomputes every customer of the company. Returns False when cut short."""
        return self.sudo()._run(company, origin=origin, resumable=resumable, as_of=as_of)["done"]

    @api.model
    def _evaluate_company(self, company, as_of=None, rule_user=None):
        """What a full recompute would set, without writing anything (for the simulation). With
        ``rule_user``, the rules' customer filters are evaluated with that user's rights, not as
        the system: they tell the user no more about customers than the user may read."""
        return self.sudo()._run(company, dry_run=True, as_of=as_of, rule_user=rule_user)["results"]

    # ------------------------------------------------------------------ the run
    def _run(
        self,
        company,
        partners=None,
        origin=ORIGIN_CRON,
        resumable=False,
        dry_run=False,
        as_of=None,
        rule_user=None,
    ):
        as_of = as_of or fields.Date.context_today(self.with_context(tz=company._crm_tz()))
        self.env.flush_all()
        cursor = (CURSOR_PARAM % company.id, as_of.isoformat()) if resumable else None
        start_after = self._get_batch_cursor(*cursor) if cursor else 0
        self._aggregate(company, as_of, partners)
        # a full run (or its simulation) ranks customers afresh; a resumed run keeps the ranks
        # it started with; a refresh of a few customers uses the last full run's
        breakpoints = self._get_breakpoints(
            company,
            as_of,
            recompute=partners is None and not start_after,
            store=not dry_run,
        )
        ctx = self._prepare(company, as_of, breakpoints)
        ctx.rule_user = rule_user
        result = {"done": True, "written": 0, "events": 0, "results": []}

        def run_batch(batch):
            rows = self._compute_batch(ctx, batch)
            if dry_run:
                result["results"].extend(rows)
            else:
                written, events = self._write_batch(ctx, rows, origin)
                result["written"] += written
                result["events"] += events

        remaining, batches = self._get_id_batches(
            "crm_value_agg", "partner_id", BATCH_SIZE, start_after
        )
        # only a resumable run commits: a refresh or a simulation stays in the caller's
        # transaction
        result["done"] = self._run_batches(
            batches, run_batch, remaining, commit=resumable, cursor=cursor
        )
        if not result["done"]:
            return result
        _logger.info(
            "Customer values of %s as of %s: %d rows written, %d events",
            company.name,
            as_of,
            result["written"],
            result["events"],
        )
        return result

    # ------------------------------------------------------------------ 1. aggregation
    def _get_transactions_query(self, company, as_of, partners):
        """Per commercial partner: first and last day, orders, revenue, and those of the value
        window, from the company's transactions (crm.customer.data): refunds reduce the revenue
        of the period they fall in."""
        window_start = as_of - relativedelta(months=company.crm_value_window_months) + timedelta(1)
        return SQL(
            """
            SELECT t.partner_id,
                   MIN(t.day) FILTER (WHERE t.orders > 0) AS first_date,
                   MAX(t.day) FILTER (WHERE t.orders > 0) AS last_date,
                   COUNT(*) FILTER (WHERE t.orders > 0) AS order_count,
                   COALESCE(SUM(t.amount), 0)::float8 AS revenue,
                   COUNT(*) FILTER (WHERE t.orders > 0 AND t.day >= %(window_start)s)
                       AS count_period,
                   COALESCE(SUM(t.amount) FILTER (WHERE t.day >= %(window_start)s), 0)::float8
                       AS revenue_period
              FROM (%(transactions)s) t
             GROUP BY t.partner_id
            """,
            window_start=window_start,
            transactions=self.env["crm.customer.data"]._get_transactions_query(
                company, date_to=as_of, partner_ids=None if partners is None else partners.ids
            ),
        )

    def _get_prospects_query(self, company, partners):
        """Commercial partners who are customers without a confirmed transaction, and those
        valued before in this company (their values may have to be cleared). The customer rank is
        the same in every company: it makes a prospect of the partner's own company only (or of
        the one company there is); elsewhere a quotation or an opportunity does."""
        partner_filter = SQL()
        if partners is not None:
            partner_filter = SQL("AND p.id = ANY(%s)", partners.ids)
        cid = str(company.id)
        return SQL(
            """
            SELECT p.id AS partner_id
              FROM res_partner p
             WHERE p.id = p.commercial_partner_id
               AND p.id NOT IN (SELECT partner_id FROM res_company)
               %(partner_filter)s
               AND p.id IN (
                    SELECT r.id FROM res_partner r
                     WHERE r.customer_rank > 0
                       AND (r.company_id = %(company)s
                            OR (r.company_id IS NULL AND (SELECT count(*) FROM res_company) = 1))
                    UNION
                    SELECT r.id FROM res_partner r
                     WHERE r.crm_lifecycle_stage ? %(cid)s OR r.crm_tier_id ? %(cid)s
                    UNION
                    SELECT c.commercial_partner_id FROM crm_lead l
                      JOIN res_partner c ON c.id = l.partner_id
                     WHERE l.company_id = %(company)s AND l.active
                    UNION
                    SELECT c.commercial_partner_id FROM sale_order q
                      JOIN res_partner c ON c.id = q.partner_id
                     WHERE q.company_id = %(company)s AND q.state IN ('draft', 'sent')
               )
            """,
            partner_filter=partner_filter,
            company=company.id,
            cid=cid,
        )

    def _aggregate(self, company, as_of, partners):
        cr = self.env.cr
        # the grouping sorts a million orders: let it sort in memory, for this transaction only
        cr.execute("SET LOCAL work_mem = '64MB'")
        cr.execute("DROP TABLE IF EXISTS crm_value_agg")
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE crm_value_agg ON COMMIT PRESERVE ROWS AS
                SELECT t.*, TRUE AS is_buyer FROM (%(transactions)s) t
                 WHERE t.order_count > 0
                """,
                transactions=self._get_transactions_query(company, as_of, partners),
            )
        )
        cr.execute("CREATE UNIQUE INDEX ON crm_value_agg (partner_id)")
        cr.execute(
            SQL(
                """
                INSERT INTO crm_value_agg (partner_id, order_count, revenue, count_period,
                                           revenue_period, is_buyer)
                SELECT pr.partner_id, 0, 0, 0, 0, FALSE FROM (%(prospects)s) pr
                 WHERE NOT EXISTS (SELECT 1 FROM crm_value_agg a WHERE a.partner_id = pr.partner_id)
                """,
                prospects=self._get_prospects_query(company, partners),
            )
        )
        cr.execute("ANALYZE crm_value_agg")

    # ------------------------------------------------------------------ 2. RFM breakpoints
    def _get_breakpoints(self, company, as_of, recompute, store=True):
        stored = company.crm_rfm_breakpoints or {}
        if not recompute and stored.get("as_of"):
            return stored
        self.env.cr.execute(
            """
            SELECT percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY last_date),
                   percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY order_count),
                   percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY revenue),
                   count(*)
              FROM crm_value_agg WHERE is_buyer
            """
        )
        r, f, m, count = self.env.cr.fetchone()
        if not count:
            breakpoints = {"as_of": as_of.isoformat(), "r": [], "f": [], "m": [], "count": 0}
        else:
            breakpoints = {
                "as_of": as_of.isoformat(),
                "r": [d.isoformat() for d in r],
                "f": list(f),
                "m": [round(v, 2) for v in m],
                "count": count,
            }
        if recompute and store:
            company.sudo().crm_rfm_breakpoints = breakpoints
        return breakpoints

    # ------------------------------------------------------------------ 3. per batch
    def _prepare(self, company, as_of, breakpoints):
        lang = company.partner_id.lang or "en_US"
        env = self.with_context(lang=lang).with_company(company).env
        tiers = env["crm.customer.tier"].search([("company_id", "in", [company.id, False])])
        rules = env["crm.tier.rule"].search(
            [("company_id", "in", [company.id, False]), ("tier_id", "in", tiers.ids)],
            order="sequence, id",
        )
        # rules are compiled once a run: reading them through the ORM for every customer costs
        # more than everything else together
        tier_rules = [
            (
                tier.id,
                [
                    (rule.id, rule._conditions(), rule._has_domain())
                    for rule in rules
                    if rule.tier_id == tier
                ],
            )
            for tier in tiers
        ]
        settings = {
            "window": company.crm_value_window_months,
            "currency_id": company.currency_id.id,
            "grace": company.crm_tier_grace_days,
            "loyal_orders": company.crm_loyal_min_orders,
            "loyal_tenure": company.crm_loyal_min_tenure_days,
            "churn_days": company.crm_churn_days,
            "weights": [
                company.crm_score_weight_recency,
                company.crm_score_weight_frequency,
                company.crm_score_weight_monetary,
                company.crm_score_weight_tenure,
                company.crm_score_weight_referral,
                company.crm_score_weight_potential,
            ],
        }
        return RunContext(
            company=company,
            as_of=as_of,
            env=env,
            breakpoints={
                "r": [date.fromisoformat(d) for d in breakpoints.get("r", [])],
                "f": breakpoints.get("f", []),
                "m": breakpoints.get("m", []),
            },
            tiers=tier_rules,
            tier_names={tier.id: tier.name for tier in tiers},
            rank={tier.id: i for i, tier in enumerate(tiers)},
            segment_of=env["crm.rfm.segment"]._get_matcher(),
            settings=settings,
            domain_rules=[r for r in rules if r._has_domain()],
        )

    def _fetch_batch(self, ctx, batch):
        cid = str(ctx.company.id)
        # typed in SQL (dates stay ISO text): psycopg2 converts those natively, far faster
        # than decoding jsonb in Python
        old_columns = SQL(", ").join(
            SQL(
                "(p.%s ->> %s)::%s AS %s",
                SQL.identifier(col),
                cid,
                SQL(SQL_TYPES[col_type]),
                SQL.identifier(col),
            )
            for col, col_type in VALUE_COLUMNS
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT a.partner_id, a.is_buyer, a.first_date, a.last_date, a.order_count,
                       a.revenue, a.count_period, a.revenue_period,
                       p.crm_referral_count, p.crm_potential ->> %(cid)s AS potential,
                       %(old_columns)s
                  FROM crm_value_agg a
                  JOIN res_partner p ON p.id = a.partner_id
                 WHERE a.partner_id = ANY(%(batch)s)
                 ORDER BY a.partner_id
                """,
                cid=cid,
                old_columns=old_columns,
                batch=batch,
            )
        )
        names = [column.name for column in self.env.cr.description]
        return [dict(zip(names, row, strict=True)) for row in self.env.cr.fetchall()]

    def _compute_batch(self, ctx, batch):
        """Returns one dict a customer: its old and new values and the changes to log."""
        rows = self._fetch_batch(ctx, batch)
        in_domain = {}
        Partner = ctx.env["res.partner"].with_context(active_test=False)
        if ctx.rule_user:
            Partner = Partner.with_user(ctx.rule_user)
        for rule in ctx.domain_rules:
            in_domain[rule.id] = set(
                Partner.search([("id", "in", batch)] + list(rule._get_partner_domain())).ids
            )
        results = []
        for row in rows:
            old = {col: row[col] for col in VALUE_NAMES}
            new = dict.fromkeys(old)
            # keep the lock unless it expired (an expired lock is left out: released)
            until = old["crm_tier_lock_until"]
            if old["crm_tier_locked"] and not (until and date.fromisoformat(until) < ctx.as_of):
                for col in LOCK_COLUMNS:
                    new[col] = old[col]
            if row["is_buyer"]:
                figures, metrics = self._compute_figures(ctx, row)
                new.update(figures)
                stage = self._compute_stage(ctx, row)
            else:
                # a customer without a confirmed transaction (or whose transactions are gone)
                stage, metrics = STAGE_PROSPECT, {}
            new["crm_lifecycle_stage"] = stage
            new["crm_stage_since"] = (
                old["crm_stage_since"]
                if stage == old["crm_lifecycle_stage"]
                else ctx.as_of.isoformat()
            )
            self._assign_tier(ctx, row["partner_id"], old, new, metrics, in_domain, stage)
            for col, col_type in VALUE_COLUMNS:
                if col_type in NULL_DEFAULTS:
                    if new[col] is None:
                        new[col] = NULL_DEFAULTS[col_type]
                    if old[col] is None:
                        old[col] = NULL_DEFAULTS[col_type]
            changes = []
            if new["crm_tier_id"] != old["crm_tier_id"]:
                changes.append(EVENT_TIER)
            if new["crm_lifecycle_stage"] != old["crm_lifecycle_stage"]:
                changes.append(EVENT_STAGE)
            results.append(
                {
                    "partner_id": row["partner_id"],
                    "old": old,
                    "new": new,
                    "changes": changes,
                }
            )
        return results

    def _compute_stage(self, ctx, row):
        s, as_of = ctx.settings, ctx.as_of
        tests = buyer_stage_tests(
            row["order_count"],
            (as_of - row["first_date"]).days,
            (as_of - row["last_date"]).days,
            s["churn_days"],
            s["loyal_orders"],
            s["loyal_tenure"],
        )
        return next((stage for stage, passed in tests if passed), STAGE_FIRST_PURCHASE)

    def _compute_figures(self, ctx, row):
        """A buyer's stored figures, and the metrics tier rules test."""
        bp, as_of = ctx.breakpoints, ctx.as_of
        first, last, count = row["first_date"], row["last_date"], row["order_count"]
        potential = int(row["potential"] or 0)
        referrals = row["crm_referral_count"] or 0
        tenure_months = _months_between(first, as_of)
        r = _score(last, bp["r"]) if bp["r"] else 3
        f = _score(count, bp["f"]) if bp["f"] else 3
        m = _score(round(row["revenue"], 2), bp["m"]) if bp["m"] else 3
        segment = ctx.segment_of(r, f)
        weights = ctx.settings["weights"]
        components = [
            (r - 1) / (RFM_SCORE_MAX - 1),
            (f - 1) / (RFM_SCORE_MAX - 1),
            (m - 1) / (RFM_SCORE_MAX - 1),
            min(tenure_months / 36.0, 1.0),
            min(referrals / 5.0, 1.0),
            potential / 3.0,
        ]
        score = round(
            100.0
            * sum(w * c for w, c in zip(weights, components, strict=True))
            / (sum(weights) or 1.0),
            1,
        )
        figures = {
            "crm_first_order_date": first.isoformat(),
            "crm_last_order_date": last.isoformat(),
            "crm_order_count": count,
            "crm_revenue_total": round(row["revenue"], 2),
            "crm_order_count_period": row["count_period"],
            "crm_revenue_period": round(row["revenue_period"], 2),
            "crm_avg_order_value": round(row["revenue"] / count, 2),
            # span between first and last purchase over the number of intervals
            "crm_purchase_interval": round((last - first).days / (count - 1), 1)
            if count > 1
            else None,
            "crm_rfm_r": r,
            "crm_rfm_f": f,
            "crm_rfm_m": m,
            "crm_rfm_segment_id": segment,
            "crm_value_score": score,
        }
        metrics = {
            "revenue_period": row["revenue_period"],
            "orders_period": row["count_period"],
            "tenure_months": tenure_months,
            "referrals": referrals,
            "potential": potential,
            "value_score": score,
            "rfm_segment": segment,
        }
        return figures, metrics

    def _assign_tier(self, ctx, partner_id, old, new, metrics, in_domain, stage):
        as_of, rank = ctx.as_of, ctx.rank
        if new["crm_tier_locked"]:
            new["crm_tier_id"] = old["crm_tier_id"]
            new["crm_tier_rule_id"] = None
            new["crm_tier_reason"] = dump_reason(
                self._lock_reason(
                    old["crm_tier_lock_user_id"],
                    old["crm_tier_lock_until"],
                    old["crm_tier_lock_reason"],
                )
            )
            new["crm_tier_grace_since"] = None
        elif stage not in BUYER_STAGES or not ctx.tiers:
            new["crm_tier_id"] = new["crm_tier_rule_id"] = new["crm_tier_reason"] = None
            new["crm_tier_grace_since"] = None
        else:
            tier_id, rule_id, reason = self.env["crm.tier.rule"]._match_tier(
                ctx, partner_id, metrics, in_domain
            )
            old_tier = old["crm_tier_id"]
            grace = ctx.settings["grace"]
            new["crm_tier_grace_since"] = None
            if old_tier in rank and rank[tier_id] > rank[old_tier] and grace:
                since = old["crm_tier_grace_since"] or as_of.isoformat()
                ends = date.fromisoformat(since) + timedelta(days=grace)
                if as_of < ends:
                    new["crm_tier_grace_since"] = since
                    reason = {
                        "code": REASON_GRACE,
                        "tier_id": old_tier,
                        "until": ends.isoformat(),
                        "since": since,
                        "reason": reason,
                    }
                    tier_id, rule_id = old_tier, old["crm_tier_rule_id"]
            new["crm_tier_id"], new["crm_tier_rule_id"], new["crm_tier_reason"] = (
                tier_id,
                rule_id,
                dump_reason(reason),
            )
        new["crm_tier_since"] = (
            old["crm_tier_since"]
            if new["crm_tier_id"] == old["crm_tier_id"]
            else (as_of.isoformat() if new["crm_tier_id"] else None)
        )

    @api.model
    def _lock_reason(self, user_id, until, note):
        """The tier reason of a locked customer (the lock wizard writes the same): who locked it,
        until when (an ISO date, or none) and why."""
        return {
            "code": REASON_LOCKED,
            "user_id": user_id or None,
            "until": until or None,
            "note": note or None,
        }

    # ------------------------------------------------------------------ writing
    def _write_batch(self, ctx, rows, origin):
        # old values come back from the database typed and rounded as they were written
        changed = [row for row in rows if row["old"] != row["new"]]
        if not changed:
            return 0, 0
        self._write_company_values(
            ctx.company,
            [(col, SQL_TYPES[col_type]) for col, col_type in VALUE_COLUMNS],
            [(row["partner_id"], row["new"]) for row in changed],
        )
        # the benefits of the tier changes, applied once for the batch, go into their history
        # events and the customers' notes (a first tier: its history only, as its event)
        tier_rows = [row for row in changed if EVENT_TIER in row["changes"]]
        benefits = self.env["crm.customer.tier"]._apply_benefits(
            ctx.company,
            [
                (row["partner_id"], row["old"]["crm_tier_id"], row["new"]["crm_tier_id"])
                for row in tier_rows
            ],
        )
        for row in tier_rows:
            row["benefits"] = benefits.get(row["partner_id"])
        # the open quotations, invoices and leads of those customers show their new tier
        Partner = self.env["res.partner"]
        Partner._crm_refresh_document_tiers(
            Partner.browse([row["partner_id"] for row in tier_rows]), ctx.company
        )
        events = self.env["crm.lifecycle.event"]._log_changes(
            ctx, [row for row in changed if row["changes"]], origin
        )
        return len(changed), events
