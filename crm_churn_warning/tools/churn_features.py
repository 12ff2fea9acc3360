"""Purchase features of a company's customers at given dates, from their transaction days.

The learned churn risk (crm.churn.risk.model) describes each customer at a date with continuous
figures of the purchase history known on that date: days since the last order and that gap
over the customer's usual interval, order days and revenue in the last WINDOW_DAYS and the
WINDOW_DAYS before, tenure, mean order value, and the purchase model's probability of being
still active and expected purchases (BG/NBD fitted on that date's history); and the lifecycle
stage the customer was at on that date (STAGE_FEATURES), by the lifecycle engine's own tests
and the company's thresholds. Several dates are described from one read of the days: for
each date only the days up to it count, so a snapshot never sees what happened after it.

Everything here is numpy on whole arrays: one pass over the days per date. What the customer's
complaints, satisfaction answers and contacts said on the date (CONTEXT_FEATURES) is read from
the satisfaction addon's facts as of that date by crm.churn.risk.model, and so is the tier the
customer held on the date (TIER_FEATURES), from the history of the tier changes.
"""

import io

import numpy as np

from odoo.tools import SQL

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    STAGE_FIRST_PURCHASE,
    STAGE_LOYAL,
    STAGE_REPEAT,
    buyer_stage_tests,
)

from . import churn_stats

# the "recent" window of the order and revenue figures, and the one before it
WINDOW_DAYS = 90
# a BG/NBD fit per date reads at most this many customers (a random sample, always the same
# for the same data): the population's parameters do not need every customer
FIT_SAMPLE = 20000

PURCHASE_FEATURES = (
    "recency",  # log(1 + days since the last order day)
    "overdue",  # log(1 + days since the last order / usual interval)
    "repeat",  # 1 for a customer who ordered on several days, else 0
    "tenure",  # log(1 + days since the first order day)
    "order_days",  # log(1 + order days so far)
    "recent_orders",  # log(1 + orders in the last WINDOW_DAYS)
    "previous_orders",  # log(1 + orders in the WINDOW_DAYS before)
    "recent_revenue",  # log(1 + revenue in the last WINDOW_DAYS)
    "previous_revenue",  # log(1 + revenue in the WINDOW_DAYS before)
    "mean_value",  # log(1 + revenue per order day)
    "p_alive",  # BG/NBD probability of still being an active customer
    "expected_purchases",  # log(1 + BG/NBD expected purchases in the horizon)
)

# the customer's lifecycle stage on the date, first purchase the base (churned customers are
# left out of the snapshots): see stage_features
STAGE_FEATURES = (
    "stage_repeat",  # 1 at the repeat purchase stage
    "stage_loyal",  # 1 at the loyal stage
    "reactivated",  # 1 for a customer who came back after more than the churn days
)

# what the customer's complaints, answers and contacts said on the date (see
# crm.churn.risk.model._get_context_features)
CONTEXT_FEATURES = (
    "open_complaints",  # log(1 + complaints open and urgent or past their SLA)
    "recent_complaints",  # log(1 + complaints reported in the last WINDOW_DAYS)
    "csat_gap",  # 5 - the last CSAT answer (1-5), 0 without one
    "has_csat",  # 1 with a CSAT answer
    "nps_gap",  # 10 - the last recommendation score (0-10), 0 without one
    "has_nps",  # 1 with a recommendation answer
    "satisfaction_drop",  # fall of the average satisfaction (0-1) against the period before
    "contact_days",  # log(1 + days since the last contact, or since the first order)
)
# the customer's tier on the date, as the history of the tier changes tells it (see
# crm.churn.risk.model._get_tier_features): before the first recorded change it is unknown
TIER_FEATURES = (
    "tier_known",  # 1 when the tier on the date is known
    "tier_level",  # the tier's rank, 1 for the best tier down to 0 for the lowest; 0 unknown
)
FEATURES = PURCHASE_FEATURES + STAGE_FEATURES + CONTEXT_FEATURES + TIER_FEATURES


# a row of the days in PostgreSQL's binary COPY format: its field count, then each field's
# length and value, big-endian (see read_days)
COPY_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("partner_length", ">i4"),
        ("partner_id", ">i4"),
        ("day_length", ">i4"),
        ("day", ">i4"),
        ("orders_length", ">i4"),
        ("orders", ">f8"),
        ("amount_length", ">i4"),
        ("amount", ">f8"),
    ]
)
COPY_LENGTHS = {"partner_length": 4, "day_length": 4, "orders_length": 8, "amount_length": 8}
COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def read_days(cr, query):
    """The TransactionDays of ``query`` (an SQL of partner_id, day, orders, amount rows), read
    in PostgreSQL's binary COPY format straight into arrays: a million days take a third of a
    second where fetching them as Python tuples and converting those takes seconds."""
    select = cr.mogrify(
        SQL(
            """
            SELECT d.partner_id::int4, (d.day - DATE '0001-01-01' + 1)::int4,
                   COALESCE(d.orders, 0)::float8, COALESCE(d.amount, 0)::float8
              FROM (%s) d
             WHERE d.partner_id IS NOT NULL AND d.day IS NOT NULL
            """,
            query,
        )
    ).decode()
    buffer = io.BytesIO()
    cr.copy_expert(f"COPY ({select}) TO STDOUT WITH (FORMAT binary)", buffer)
    data = buffer.getbuffer()
    # header: the signature, 4 bytes of flags, the length of an extension area and that area;
    # trailer: a field count of -1
    if bytes(data[:11]) != COPY_SIGNATURE:
        raise ValueError("not PostgreSQL's binary COPY format")
    start = 19 + int(np.frombuffer(data[15:19], dtype=">i4")[0])
    rows = np.frombuffer(data[start : len(data) - 2], dtype=COPY_ROW)
    if np.any(rows["fields"] != 4) or any(
        np.any(rows[name] != length) for name, length in COPY_LENGTHS.items()
    ):
        raise ValueError("unexpected row layout in the transaction days")
    return TransactionDays(rows["partner_id"], rows["day"], rows["orders"], rows["amount"])


# COPY's binary format: the SQL types written (see copy_rows), as (numpy type, length)
COPY_TYPES = {"int4": (">i4", 4), "date": (">i4", 4), "float8": (">f8", 8)}
# the ordinal of PostgreSQL's day 0 of its binary dates
PG_EPOCH = 730120  # date(2000, 1, 1).toordinal()


def copy_rows(cr, table, columns):
    """Writes rows into ``table`` with COPY's binary format, straight from arrays:
    ``columns`` [(name, SQL type of COPY_TYPES, array)], dates as ordinals; no NULL."""
    count = len(columns[0][2]) if columns else 0
    fields = [("fields", ">i2")]
    for index, (_name, sql_type, _values) in enumerate(columns):
        fields += [(f"length{index}", ">i4"), (f"value{index}", COPY_TYPES[sql_type][0])]
    rows = np.empty(count, dtype=np.dtype(fields))
    rows["fields"] = len(columns)
    for index, (_name, sql_type, values) in enumerate(columns):
        rows[f"length{index}"] = COPY_TYPES[sql_type][1]
        values = np.asarray(values)
        rows[f"value{index}"] = values - PG_EPOCH if sql_type == "date" else values
    data = COPY_SIGNATURE + b"\x00" * 8 + rows.tobytes() + b"\xff\xff"
    names = ", ".join(f'"{name}"' for name, _type, _values in columns)
    cr.copy_expert(f'COPY "{table}" ({names}) FROM STDIN WITH (FORMAT binary)', io.BytesIO(data))


class TransactionDays:
    """The (partner, day, orders, amount) rows of a company, as arrays: partners as indexes
    into ``partner_ids``, days as ordinals (``date.toordinal()``), the rows in the order of
    the partners and of their days."""

    def __init__(self, partner_ids, days, orders, amount):
        partner_ids = np.asarray(partner_ids, dtype=np.int64)
        change = partner_ids[1:] != partner_ids[:-1]
        if np.all(partner_ids[1:] >= partner_ids[:-1]):
            # in the order of the partners already (as the days are read): no sort needed
            self.partner_ids = partner_ids[np.concatenate(([True], change))[: len(partner_ids)]]
            self.index = np.concatenate(([0], np.cumsum(change)))[: len(partner_ids)]
        else:
            self.partner_ids, self.index = np.unique(partner_ids, return_inverse=True)
            self.index = self.index.reshape(-1)
        self.day = np.asarray(days, dtype=np.int64)
        self.orders = np.asarray(orders, dtype=float)
        self.amount = np.asarray(amount, dtype=float)
        self.size = len(self.partner_ids)
        step, gap = np.diff(self.index), np.diff(self.day)
        if np.any((step < 0) | ((step == 0) & (gap < 0))):
            order = np.lexsort((self.day, self.index))
            self.index, self.day = self.index[order], self.day[order]
            self.orders, self.amount = self.orders[order], self.amount[order]

    def summary(self, day):
        """Per customer (index into partner_ids), on ``day`` (an ordinal): order days, first
        and last order day (-1 without any), and the sums the features need."""
        size = self.size
        known = self.day <= day
        ordered = known & (self.orders > 0)
        index = self.index[ordered]
        days = self.day[ordered]
        order_days = np.bincount(index, minlength=size).astype(float)
        first = np.full(size, np.iinfo(np.int64).max)
        np.minimum.at(first, index, days)
        last = np.full(size, -1)
        np.maximum.at(last, index, days)
        first[order_days == 0] = -1

        def window(values, mask, start, end):
            # sum of values of the known days in (day - end, day - start]
            age = day - self.day
            inside = mask & (age >= start) & (age < end)
            return np.bincount(self.index[inside], weights=values[inside], minlength=size)

        return {
            "order_days": order_days,
            "orders": np.bincount(index, weights=self.orders[ordered], minlength=size),
            "first": first,
            "last": last,
            "revenue": np.bincount(self.index[known], weights=self.amount[known], minlength=size),
            "first_amount": self._first_amounts(ordered, first),
            "recent_orders": window(self.orders, known, 0, WINDOW_DAYS),
            "previous_orders": window(self.orders, known, WINDOW_DAYS, 2 * WINDOW_DAYS),
            "recent_revenue": window(self.amount, known, 0, WINDOW_DAYS),
            "previous_revenue": window(self.amount, known, WINDOW_DAYS, 2 * WINDOW_DAYS),
        }

    def order_figures(self, day, spend_days, frequency_days):
        """The figures of the churn engine's orders signals on ``day`` (an ordinal), of the
        customers with orders by then (crm.churn.engine's crm_churn_orders): their partner ids,
        first and last order days (ordinals), order days, orders, revenue, first order day's
        amount, and the spend and orders of the last ``spend_days`` / ``frequency_days`` and of
        as many days before."""
        summary = self.summary(day)
        known = self.day <= day
        age = day - self.day

        def window(values, start, end):
            inside = known & (age >= start) & (age < end)
            return np.bincount(self.index[inside], weights=values[inside], minlength=self.size)

        customers = summary["orders"] > 0
        figures = {
            "partner_id": self.partner_ids,
            "first_day": summary["first"],
            "last_day": summary["last"],
            "day_count": summary["order_days"],
            "order_count": summary["orders"],
            "amount_total": summary["revenue"],
            "first_amount": summary["first_amount"],
            "spend_recent": window(self.amount, 0, spend_days),
            "spend_before": window(self.amount, spend_days, 2 * spend_days),
            "count_recent": window(self.orders, 0, frequency_days),
            "count_before": window(self.orders, frequency_days, 2 * frequency_days),
        }
        return {name: values[customers] for name, values in figures.items()}

    def _first_amounts(self, ordered, first):
        """The amount of each customer's first order day (0 without any)."""
        on_first = ordered & (self.day == first[self.index])
        return np.bincount(self.index[on_first], weights=self.amount[on_first], minlength=self.size)

    def came_back(self, day, gap_days):
        """Whether each customer, by ``day`` (an ordinal), ordered again after more than
        ``gap_days`` days without an order."""
        ordered = (self.day <= day) & (self.orders > 0)
        index, days = self.index[ordered], self.day[ordered]
        back = (index[1:] == index[:-1]) & (days[1:] - days[:-1] > gap_days)
        return np.bincount(index[1:][back], minlength=self.size) > 0

    def ordered_between(self, start, end):
        """Whether each customer ordered on a day in (start, end] (ordinals)."""
        inside = (self.day > start) & (self.day <= end) & (self.orders > 0)
        return np.bincount(self.index[inside], minlength=self.size) > 0


def fit_purchase_model(summary, day, seed=0):
    """BG/NBD parameters fitted on the customers known on ``day`` (a sample of FIT_SAMPLE at
    most), or None when the history gives no finite fit."""
    known = summary["order_days"] > 0
    x = summary["order_days"][known] - 1
    t_x = (summary["last"][known] - summary["first"][known]) / 7.0
    T = (day - summary["first"][known]) / 7.0
    if len(x) > FIT_SAMPLE:
        pick = np.random.default_rng(seed).choice(len(x), FIT_SAMPLE, replace=False)
        x, t_x, T = x[pick], t_x[pick], T[pick]
    if not len(x) or not np.count_nonzero(x):
        return None
    try:
        return churn_stats.fit_bgnbd(x, t_x, T)
    except churn_stats.FitError:
        return None


def purchase_features(summary, day, horizon_days, median_interval, params):
    """The PURCHASE_FEATURES matrix (one row per customer of ``summary``) on ``day``.

    ``median_interval`` stands in for the usual interval of customers of a single order day;
    without ``params`` (no purchase model) P(alive) is 1 and the expected purchases 0."""
    order_days = summary["order_days"]
    first, last = summary["first"], summary["last"]
    recency = np.where(order_days > 0, day - last, 0).astype(float)
    tenure = np.where(order_days > 0, day - first, 0).astype(float)
    repeat = order_days > 1
    interval = np.divide(
        last - first, order_days - 1, out=np.zeros_like(order_days), where=repeat
    ).astype(float)
    usual = np.where(repeat & (interval > 0), interval, median_interval or 30.0)
    mean_value = np.divide(
        np.maximum(summary["revenue"], 0.0),
        order_days,
        out=np.zeros_like(order_days),
        where=order_days > 0,
    )
    if params:
        x = np.maximum(order_days - 1, 0)
        t_x = np.maximum(last - first, 0) / 7.0
        T = tenure / 7.0
        p_alive = np.clip(np.nan_to_num(churn_stats.p_alive(params, x, t_x, T), nan=1.0), 0, 1)
        expected = churn_stats.finite(
            churn_stats.conditional_expected_purchases(params, horizon_days / 7.0, x, t_x, T)
        )
    else:
        p_alive = np.ones_like(order_days)
        expected = np.zeros_like(order_days)
    columns = {
        "recency": np.log1p(recency),
        "overdue": np.log1p(recency / usual),
        "repeat": repeat.astype(float),
        "tenure": np.log1p(tenure),
        "order_days": np.log1p(order_days),
        "recent_orders": np.log1p(np.maximum(summary["recent_orders"], 0.0)),
        "previous_orders": np.log1p(np.maximum(summary["previous_orders"], 0.0)),
        "recent_revenue": np.log1p(np.maximum(summary["recent_revenue"], 0.0)),
        "previous_revenue": np.log1p(np.maximum(summary["previous_revenue"], 0.0)),
        "mean_value": np.log1p(mean_value),
        "p_alive": p_alive,
        "expected_purchases": np.log1p(np.maximum(expected, 0.0)),
    }
    return np.column_stack([columns[name] for name in PURCHASE_FEATURES])


def stage_features(days, summary, day, churn_days, loyal_orders, loyal_tenure_days):
    """The STAGE_FEATURES matrix (one row per customer of ``summary``) on ``day``: the
    lifecycle stage by the lifecycle engine's tests (lifecycle_data.buyer_stage_tests) with
    the company's thresholds (churn days, loyal customers' minimum orders and tenure), and
    whether the customer was reactivated: came back after more than the churn days without an
    order, as the lifecycle engine tells a churned customer who bought again."""
    tests = buyer_stage_tests(
        summary["orders"],
        day - summary["first"],
        day - summary["last"],
        churn_days,
        loyal_orders,
        loyal_tenure_days,
    )
    stage = np.select(
        [passed for _stage, passed in tests],
        [stage for stage, _passed in tests],
        default=STAGE_FIRST_PURCHASE,
    )
    columns = {
        "stage_repeat": stage == STAGE_REPEAT,
        "stage_loyal": stage == STAGE_LOYAL,
        "reactivated": days.came_back(day, churn_days),
    }
    return np.column_stack([columns[name] for name in STAGE_FEATURES]).astype(float)


def median_interval(summary):
    """Median of the mean intervals (days) between order days of the customers who ordered
    on several days; None without any."""
    repeat = summary["order_days"] > 1
    if not np.any(repeat):
        return None
    intervals = (summary["last"][repeat] - summary["first"][repeat]) / (
        summary["order_days"][repeat] - 1
    )
    return float(np.median(intervals))
