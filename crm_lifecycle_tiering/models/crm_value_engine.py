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
   that the first run does not flood every chatter.
Reasons (of tiers, of history events) are stored as codes and figures (lifecycle_data.REASON_*)
and put into words when they are read, in the reader's language (_render_reasons).
A full run records its cursor after each committed batch, so a run cut short resumes where it
stopped and never counts a customer twice; values are absolute, so re-running changes nothing.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, format_amount, format_date, formatLang
from odoo.tools.mail import generate_tracking_message_id

from .lifecycle_data import (
    BUYER_STAGES,
    COND_DOMAIN,
    COND_ORDERS,
    COND_POTENTIAL,
    COND_REFERRALS,
    COND_REVENUE,
    COND_SCORE,
    COND_SEGMENT,
    COND_TENURE,
    EVENT_STAGE,
    EVENT_TIER,
    ORIGIN_CRON,
    PARTNER_TRACKED_FIELDS,
    REASON_DEFAULT,
    REASON_GRACE,
    REASON_LOCKED,
    REASON_NOTE,
    REASON_REACTIVATED,
    REASON_RULE,
    RFM_SCORE_MAX,
    STAGE_CHURNED,
    STAGE_FIRST_PURCHASE,
    STAGE_LOYAL,
    STAGE_PROSPECT,
    STAGE_REPEAT,
    dump_reason,
    load_reason,
    local_date_sql,
)

_logger = logging.getLogger(__name__)

BATCH_SIZE = 10000
CURSOR_PARAM = "crm_lifecycle_tiering.recompute_cursor.%s"

# company-dependent columns the engine owns: (column, SQL array type). Odoo reads stored
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
# the message_id of the engine's chatter messages ends with it (the demo dates them by it)
MESSAGE_ID_TAG = "crm-lifecycle"


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
        while True:
            self.env.cr.execute(
                "SELECT id, partner_id, company_id FROM crm_value_queue ORDER BY id LIMIT %s",
                [BATCH_SIZE],
            )
            rows = self.env.cr.fetchall()
            if not rows:
                return
            by_company = {}
            for _id, partner_id, company_id in rows:
                by_company.setdefault(company_id, []).append(partner_id)
            for company_id, partner_ids in by_company.items():
                self._refresh_partners(
                    self.env["res.partner"].browse(partner_ids),
                    self.env["res.company"].browse(company_id),
                    origin="order",
                )
            Queue.browse([r[0] for r in rows]).unlink()
            remaining = Queue.search_count([])
            if not self.env["ir.cron"]._commit_progress(len(rows), remaining=remaining):
                return

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
    def _refresh_partners(self, partners, company, origin="manual", as_of=None):
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
        cursor_key = CURSOR_PARAM % company.id
        params = self.env["ir.config_parameter"].sudo()
        start_after = 0
        if resumable:
            saved = (params.get_param(cursor_key) or "").split(":")
            if len(saved) == 2 and saved[0] == as_of.isoformat():
                start_after = int(saved[1])
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
        self.env.cr.execute(
            "SELECT count(*) FROM crm_value_agg WHERE partner_id > %s", [start_after]
        )
        remaining = self.env.cr.fetchone()[0]
        last_id = start_after
        while True:
            self.env.cr.execute(
                "SELECT partner_id FROM crm_value_agg WHERE partner_id > %s"
                " ORDER BY partner_id LIMIT %s",
                [last_id, BATCH_SIZE],
            )
            batch = [r[0] for r in self.env.cr.fetchall()]
            if not batch:
                break
            rows = self._compute_batch(ctx, batch)
            if dry_run:
                result["results"].extend(rows)
            else:
                written, events = self._write_batch(ctx, rows, origin)
                result["written"] += written
                result["events"] += events
            last_id = batch[-1]
            remaining -= len(batch)
            if resumable:
                params.set_param(cursor_key, f"{as_of.isoformat()}:{last_id}")
                if not self.env["ir.cron"]._commit_progress(len(batch), remaining=remaining):
                    result["done"] = remaining == 0
                    if not result["done"]:
                        return result
        if resumable:
            params.search([("key", "=", cursor_key)]).unlink()
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
        window_start = as_of - relativedelta(months=company.crm_value_window_months) + timedelta(1)
        end = as_of + timedelta(1)
        partner_filter = SQL()
        if partners is not None:
            partner_filter = SQL("AND p.commercial_partner_id = ANY(%s)", partners.ids)
        if company.crm_value_source == "invoice":
            # invoices count as orders; refunds reduce the revenue of the period they fall in
            return SQL(
                """
                SELECT p.commercial_partner_id AS partner_id,
                       MIN(m.invoice_date) FILTER (WHERE m.move_type = 'out_invoice') AS first_date,
                       MAX(m.invoice_date) FILTER (WHERE m.move_type = 'out_invoice') AS last_date,
                       COUNT(*) FILTER (WHERE m.move_type = 'out_invoice') AS order_count,
                       COALESCE(SUM(m.amount_untaxed_signed), 0)::float8 AS revenue,
                       COUNT(*) FILTER (WHERE m.move_type = 'out_invoice'
                                          AND m.invoice_date >= %(window_start)s) AS count_period,
                       COALESCE(SUM(m.amount_untaxed_signed)
                                FILTER (WHERE m.invoice_date >= %(window_start)s), 0)::float8
                           AS revenue_period
                  FROM account_move m
                  JOIN res_partner p ON p.id = m.partner_id
                 WHERE m.company_id = %(company)s
                   AND m.state = 'posted'
                   AND m.move_type IN ('out_invoice', 'out_refund')
                   AND m.invoice_date < %(end)s
                   AND p.commercial_partner_id NOT IN (SELECT partner_id FROM res_company)
                   %(partner_filter)s
                 GROUP BY p.commercial_partner_id
                """,
                window_start=window_start,
                end=end,
                company=company.id,
                partner_filter=partner_filter,
            )
        # an order belongs to its day in the company's time zone
        day = local_date_sql(SQL("so.date_order"), company._crm_tz())
        return SQL(
            """
            SELECT p.commercial_partner_id AS partner_id,
                   MIN(%(day)s) AS first_date,
                   MAX(%(day)s) AS last_date,
                   COUNT(*) AS order_count,
                   SUM(so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1))::float8
                       AS revenue,
                   COUNT(*) FILTER (WHERE %(day)s >= %(window_start)s) AS count_period,
                   COALESCE(SUM(so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1))
                            FILTER (WHERE %(day)s >= %(window_start)s), 0)::float8
                       AS revenue_period
              FROM sale_order so
              JOIN res_partner p ON p.id = so.partner_id
             WHERE so.company_id = %(company)s
               AND so.state = 'sale'
               AND %(day)s <= %(as_of)s
               AND p.commercial_partner_id NOT IN (SELECT partner_id FROM res_company)
               %(partner_filter)s
             GROUP BY p.commercial_partner_id
            """,
            day=day,
            window_start=window_start,
            as_of=as_of,
            company=company.id,
            partner_filter=partner_filter,
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
        count = row["order_count"]
        if (as_of - row["last_date"]).days > s["churn_days"]:
            return STAGE_CHURNED
        if count >= s["loyal_orders"] and (as_of - row["first_date"]).days >= s["loyal_tenure"]:
            return STAGE_LOYAL
        return STAGE_REPEAT if count >= 2 else STAGE_FIRST_PURCHASE

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
            tier_id, rule_id, reason = self._match_tier(ctx, partner_id, metrics, in_domain)
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

    def _match_tier(self, ctx, partner_id, metrics, in_domain):
        """Highest-ranked tier with a matching rule, else the lowest tier: (tier, rule, reason)."""
        for tier_id, rules in ctx.tiers:
            for rule_id, conditions, has_domain in rules:
                for key, threshold in conditions:
                    value = metrics[key]
                    if value not in threshold if key == COND_SEGMENT else value < threshold:
                        break
                else:
                    if has_domain and partner_id not in in_domain[rule_id]:
                        continue
                    met = [
                        self._condition_reason(ctx, key, metrics[key], t) for key, t in conditions
                    ]
                    if has_domain:
                        met.append({"code": COND_DOMAIN})
                    return (
                        tier_id,
                        rule_id,
                        {"code": REASON_RULE, "rule_id": rule_id, "conditions": met},
                    )
        lowest = ctx.tiers[-1][0]
        return lowest, None, {"code": REASON_DEFAULT, "tier_id": lowest}

    def _condition_reason(self, ctx, key, value, threshold):
        """A met condition of a rule, with the customer's figure and the rule's threshold."""
        if key == COND_SEGMENT:
            return {"code": key, "segment_id": value}
        if key == COND_REVENUE:
            return {
                "code": key,
                "value": round(value, 2),
                "threshold": threshold,
                "months": ctx.settings["window"],
                "currency_id": ctx.settings["currency_id"],
            }
        if key == COND_ORDERS:
            return {
                "code": key,
                "value": value,
                "threshold": threshold,
                "months": ctx.settings["window"],
            }
        return {"code": key, "value": value, "threshold": threshold}

    # ------------------------------------------------------------------ reasons in words
    def _get_texts(self):
        """The templates of reasons in the language of the environment, translated once."""
        return {
            COND_REVENUE: self.env._("revenue %(months)s months %(value)s ≥ %(threshold)s"),
            COND_ORDERS: self.env._("%(value)s orders in %(months)s months ≥ %(threshold)s"),
            COND_TENURE: self.env._("customer for %(value)s months ≥ %(threshold)s"),
            COND_REFERRALS: self.env._("%(value)s referrals ≥ %(threshold)s"),
            COND_POTENTIAL: self.env._("potential %(value)s ≥ %(threshold)s"),
            COND_SCORE: self.env._("value score %(value)s ≥ %(threshold)s"),
            COND_SEGMENT: self.env._("RFM segment %(segment)s"),
            COND_DOMAIN: self.env._("matches the customer filter"),
            "and": self.env._(" and "),
            REASON_DEFAULT: self.env._("No rule of a higher tier matches: %(tier)s by default"),
            REASON_LOCKED: self.env._("Tier locked by %(user)s"),
            "locked_until": self.env._("Tier locked by %(user)s until %(date)s"),
            "a_manager": self.env._("a manager"),
            REASON_GRACE: self.env._(
                "Keeps %(tier)s until %(date)s (grace period; no longer meets its "
                "rules since %(since)s): %(reason)s"
            ),
            REASON_REACTIVATED: self.env._("Reactivated: bought again after churning"),
        }

    @api.model
    def _render_reasons(self, reasons):
        """Reasons (see lifecycle_data.REASON_*, as dicts or their stored JSON) in words, in the
        language of the environment (the reader's), numbers, money and dates formatted as that
        language writes them; an empty text for no reason. The records they name are read once
        for all of them."""
        reasons = [load_reason(reason) for reason in reasons]
        named = defaultdict(set)
        stack = [reason for reason in reasons if reason]
        while stack:
            reason = stack.pop()
            code = reason.get("code")
            if code in (REASON_DEFAULT, REASON_GRACE) and reason.get("tier_id"):
                named["crm.customer.tier"].add(reason["tier_id"])
            if code == REASON_LOCKED and reason.get("user_id"):
                named["res.users"].add(reason["user_id"])
            if code == REASON_GRACE and reason.get("reason"):
                stack.append(reason["reason"])
            for condition in reason.get("conditions") or ():
                if condition.get("segment_id"):
                    named["crm.rfm.segment"].add(condition["segment_id"])
                if condition.get("currency_id"):
                    named["res.currency"].add(condition["currency_id"])
        # names only: read as the system (a lock by a user of another company, an archived
        # segment), in the reader's language
        records = {
            model: {
                record.id: record
                for record in self.env[model]
                .sudo()
                .with_context(active_test=False)
                .browse(sorted(ids))
                .exists()
            }
            for model, ids in named.items()
        }
        texts = self._get_texts()
        potentials = dict(
            self.env["crm.tier.rule"]._fields["min_potential"]._description_selection(self.env)
        )
        return [
            self._render_reason(reason, texts, records, potentials) if reason else ""
            for reason in reasons
        ]

    def _render_reason(self, reason, texts, records, potentials):
        env = self.env
        code = reason.get("code")

        def name(model, record_id):
            record = records.get(model, {}).get(record_id)
            return record.display_name if record else ""

        def day(value):
            return format_date(env, value) if value else ""

        if code == REASON_RULE:
            parts = [
                self._render_condition(condition, texts, records, potentials)
                for condition in reason.get("conditions") or ()
            ]
            text = texts["and"].join(part for part in parts if part)
            return text[:1].upper() + text[1:]
        if code == REASON_DEFAULT:
            return texts[REASON_DEFAULT] % {
                "tier": name("crm.customer.tier", reason.get("tier_id"))
            }
        if code == REASON_LOCKED:
            values = {
                "user": name("res.users", reason.get("user_id")) or texts["a_manager"],
                "date": day(reason.get("until")),
            }
            text = (texts["locked_until"] if reason.get("until") else texts[REASON_LOCKED]) % values
            return f"{text}: {reason['note']}" if reason.get("note") else text
        if code == REASON_GRACE:
            inner = load_reason(reason.get("reason"))
            return texts[REASON_GRACE] % {
                "tier": name("crm.customer.tier", reason.get("tier_id")),
                "date": day(reason.get("until")),
                "since": day(reason.get("since")),
                "reason": self._render_reason(inner, texts, records, potentials) if inner else "",
            }
        if code == REASON_REACTIVATED:
            return texts[REASON_REACTIVATED]
        if code == REASON_NOTE:
            return reason.get("text") or ""
        return ""

    def _render_condition(self, condition, texts, records, potentials):
        env = self.env
        code = condition.get("code")
        if code == COND_DOMAIN:
            return texts[COND_DOMAIN]
        if code == COND_SEGMENT:
            segment = records.get("crm.rfm.segment", {}).get(condition.get("segment_id"))
            return texts[COND_SEGMENT] % {"segment": segment.name if segment else ""}
        if code not in texts:
            return ""
        value, threshold = condition.get("value") or 0, condition.get("threshold") or 0
        if code == COND_REVENUE:
            currency = records.get("res.currency", {}).get(condition.get("currency_id"))
            if currency:
                value = format_amount(env, value, currency)
                threshold = format_amount(env, threshold, currency)
            else:
                value, threshold = formatLang(env, value), formatLang(env, threshold)
        elif code == COND_POTENTIAL:
            value = potentials.get(str(value), str(value))
            threshold = potentials.get(str(threshold), str(threshold))
        else:
            digits = 1 if code == COND_SCORE else 0
            value = formatLang(env, value, digits=digits)
            threshold = formatLang(env, threshold, digits=digits)
        return texts[code] % {
            "value": value,
            "threshold": threshold,
            "months": formatLang(env, condition.get("months") or 0, digits=0),
        }

    # ------------------------------------------------------------------ writing
    def _write_batch(self, ctx, rows, origin):
        # old values come back from the database typed and rounded as they were written
        changed = [row for row in rows if row["old"] != row["new"]]
        if not changed:
            return 0, 0
        cid = str(ctx.company.id)
        cr = self.env.cr
        arrays = [[row["partner_id"] for row in changed]]
        arrays += [[row["new"][col] for row in changed] for col, _t in VALUE_COLUMNS]
        casts = SQL(", ").join(
            SQL("%s::%s[]", values, SQL(SQL_TYPES[col_type]))
            for values, (_col, col_type) in zip(
                arrays, [("id", "int"), *VALUE_COLUMNS], strict=True
            )
        )
        names = SQL(", ").join(SQL.identifier(c) for c in ["id"] + [c for c, _t in VALUE_COLUMNS])
        sets = SQL(", ").join(
            SQL(
                "%(col)s = COALESCE(p.%(col)s, '{}'::jsonb)"
                " || jsonb_build_object(%(cid)s, v.%(col)s)",
                col=SQL.identifier(col),
                cid=cid,
            )
            for col, _t in VALUE_COLUMNS
        )
        cr.execute(
            SQL(
                "UPDATE res_partner p SET %(sets)s FROM unnest(%(casts)s) AS v(%(names)s)"
                " WHERE p.id = v.id",
                sets=sets,
                casts=casts,
                names=names,
            )
        )
        # the values and what is computed from them (the tier's reason in words, its colour…)
        self.env["res.partner"].invalidate_model()
        events = self._log_changes(ctx, [row for row in changed if row["changes"]], origin)
        return len(changed), events

    def _log_changes(self, ctx, rows, origin):
        if not rows:
            return 0
        ev = {
            k: []
            for k in (
                "partner",
                "kind",
                "old_tier",
                "new_tier",
                "old_stage",
                "new_stage",
                "reactivation",
                "rule",
                "reason",
            )
        }
        reactivated = dump_reason({"code": REASON_REACTIVATED})
        noted = []  # (row, is a reactivation): the customers whose chatter tells the changes
        for row in rows:
            old, new = row["old"], row["new"]
            reactivation = False
            if EVENT_TIER in row["changes"]:
                ev["partner"].append(row["partner_id"])
                ev["kind"].append(EVENT_TIER)
                ev["old_tier"].append(old["crm_tier_id"])
                ev["new_tier"].append(new["crm_tier_id"])
                ev["old_stage"].append(old["crm_lifecycle_stage"])
                ev["new_stage"].append(new["crm_lifecycle_stage"])
                ev["reactivation"].append(False)
                ev["rule"].append(new["crm_tier_rule_id"])
                ev["reason"].append(new["crm_tier_reason"])
            if EVENT_STAGE in row["changes"]:
                reactivation = old["crm_lifecycle_stage"] == STAGE_CHURNED and new[
                    "crm_lifecycle_stage"
                ] in (STAGE_FIRST_PURCHASE, STAGE_REPEAT, STAGE_LOYAL)
                ev["partner"].append(row["partner_id"])
                ev["kind"].append(EVENT_STAGE)
                ev["old_tier"].append(old["crm_tier_id"])
                ev["new_tier"].append(new["crm_tier_id"])
                ev["old_stage"].append(old["crm_lifecycle_stage"])
                ev["new_stage"].append(new["crm_lifecycle_stage"])
                ev["reactivation"].append(reactivation)
                ev["rule"].append(None)
                ev["reason"].append(reactivated if reactivation else None)
            if old["crm_tier_id"] or old["crm_lifecycle_stage"]:
                noted.append((row, reactivation))
        uid = self.env.uid
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_lifecycle_event
                    (partner_id, company_id, date, kind, old_tier_id, new_tier_id, old_stage,
                     new_stage, is_reactivation, rule_id, reason, origin, user_id,
                     create_uid, write_uid, create_date, write_date)
                SELECT e.partner, %(company)s, %(date)s, e.kind, e.old_tier, e.new_tier,
                       e.old_stage, e.new_stage, e.reactivation, e.rule, e.reason,
                       %(origin)s, %(uid)s, %(uid)s, %(uid)s, now() at time zone 'utc',
                       now() at time zone 'utc'
                  FROM unnest(%(partner)s::int[], %(kind)s::text[], %(old_tier)s::int[],
                              %(new_tier)s::int[], %(old_stage)s::text[], %(new_stage)s::text[],
                              %(reactivation)s::bool[], %(rule)s::int[], %(reason)s::text[])
                       AS e(partner, kind, old_tier, new_tier, old_stage, new_stage,
                            reactivation, rule, reason)
                """,
                company=ctx.company.id,
                date=ctx.as_of,
                origin=origin,
                uid=uid,
                **ev,
            )
        )
        self.env["crm.lifecycle.event"].invalidate_model()
        if noted:
            self._post_changes(ctx, noted)
        return len(ev["partner"])

    def _post_changes(self, ctx, noted):
        """One chatter message a customer for the changes of its tier and stage in this run:
        tracking values, as Odoo logs the changes of tracked fields (each reader sees the field
        names in the reader's language), under a subtype whose description says what happened
        (in the reader's language too). Created set-wise: one create of the messages, one of
        their tracking values."""
        env = ctx.env
        tier_names = dict(ctx.tier_names)
        missing = {
            row["old"]["crm_tier_id"]
            for row, _r in noted
            if row["old"]["crm_tier_id"] and row["old"]["crm_tier_id"] not in tier_names
        }
        if missing:
            tier_names.update(
                {
                    tier.id: tier.name
                    for tier in env["crm.customer.tier"]
                    .with_context(active_test=False)
                    .browse(sorted(missing))
                    .exists()
                }
            )
        Partner = env["res.partner"]
        stage_names = dict(Partner._fields["crm_lifecycle_stage"]._description_selection(env))
        field_ids = {
            fname: env["ir.model.fields"]._get("res.partner", fname).id
            for fname in PARTNER_TRACKED_FIELDS
        }
        subtype_changed = env.ref("crm_lifecycle_tiering.mt_partner_customer_value")
        subtype_reactivated = env.ref("crm_lifecycle_tiering.mt_partner_reactivated")
        author = env.ref("base.partner_root")
        email_from = author.email_formatted or False
        reply_to = env["mail.thread"]._notify_get_reply_to(default=email_from, author_id=author.id)[
            False
        ]
        # a replay of a past date (history, backtests) dates its messages on that day
        moment = min(fields.Datetime.now(), datetime.combine(ctx.as_of, time(23, 59)))
        messages = (
            env["mail.message"]
            .sudo()
            .create(
                [
                    {
                        "model": "res.partner",
                        "res_id": row["partner_id"],
                        "body": "",
                        "message_type": "notification",
                        "subtype_id": (subtype_reactivated if reactivation else subtype_changed).id,
                        "author_id": author.id,
                        "email_from": email_from,
                        "reply_to": reply_to,
                        "is_internal": True,
                        "email_add_signature": False,
                        "message_id": generate_tracking_message_id(MESSAGE_ID_TAG),
                        "record_alias_domain_id": False,
                        "record_company_id": False,
                        "date": moment,
                    }
                    for row, reactivation in noted
                ]
            )
        )
        tracking = []
        for message, (row, _reactivation) in zip(messages, noted, strict=True):
            old, new = row["old"], row["new"]
            if old["crm_tier_id"] != new["crm_tier_id"]:
                tracking.append(
                    {
                        "mail_message_id": message.id,
                        "field_id": field_ids["crm_tier_id"],
                        "old_value_integer": old["crm_tier_id"] or 0,
                        "new_value_integer": new["crm_tier_id"] or 0,
                        "old_value_char": tier_names.get(old["crm_tier_id"], ""),
                        "new_value_char": tier_names.get(new["crm_tier_id"], ""),
                    }
                )
            if old["crm_lifecycle_stage"] != new["crm_lifecycle_stage"]:
                tracking.append(
                    {
                        "mail_message_id": message.id,
                        "field_id": field_ids["crm_lifecycle_stage"],
                        "old_value_char": stage_names.get(old["crm_lifecycle_stage"], ""),
                        "new_value_char": stage_names.get(new["crm_lifecycle_stage"], ""),
                    }
                )
        env["mail.tracking.value"].sudo().create(tracking)
