"""Churn warnings from the nightly scores.

The nightly scoring hands each batch of scored customers to ``_sync_scores``, which keeps at
most one open warning per customer and company: it raises a warning for a customer at or above
the company's warning level, escalates an open one whose level rises above the highest level it
reached (the matching playbook runs again), quietly refreshes the score and reasons otherwise,
and leaves dismissed customers alone until their snooze date. New warnings respect the
company's capacity: at most so many a day per salesperson (customers without one share one
allowance for the company), the highest risks first, counted from the warnings already raised
that day so that it holds across batches and re-runs; the customers left over keep their score
and are considered again the next night (escalations are never held back). A batch holds
thousands of customers, so it works set-wise: everything it needs is read in one query; new
warnings with their reasons are created in one ``create`` (references from the sequence's API),
their notes logged in one more, escalated and refreshed warnings are updated with one
statement; the playbooks (``crm.churn.playbook._apply_playbooks``) create their activities in
one ``mail.activity`` create (their users following the warnings), and the churn managers get
one message per batch listing the warnings their playbooks flag. The offer e-mail is sent once
per warning and marked sent in the same transaction, so a run cut short and run again repeats
nothing; it never goes to a win-back customer who churned before the company's start date
(customers found lost in the history at installation are contacted by their salesperson, not by
an e-mail).

With a control group (the company's ``crm_churn_control_share``), a share of the new warnings of
each night is drawn at random (``_draw_control``) and marked ``is_control``: the playbooks skip
them, the salespeople do not see them, and their outcomes are measured as any other's. They take
no place in a salesperson's capacity, which counts the warnings someone works.
"""

import hashlib
import logging
import math
import random
from collections import defaultdict

from odoo import Command, api, models
from odoo.tools import SQL, float_compare

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    STAGE_CHURNED,
)

from .churn_data import (
    KIND_RISK,
    KIND_WIN_BACK,
    LEVEL_RANK,
    OPEN_STATES,
    PREVIEW_KEY,
    STATE_DISMISSED,
    STATE_LOST,
    ChurnPreview,
    reason_json,
)

_logger = logging.getLogger(__name__)


class CrmChurnWarningSync(models.AbstractModel):
    """Mixed into crm.churn.warning: its methods run on warnings."""

    _name = "crm.churn.warning.sync"
    _description = "Churn Warnings from Scores"

    # ------------------------------------------------------------------ sync with scores
    @api.model
    def _sync_scores(self, company, as_of, rows):
        """Raises, escalates and refreshes the warnings of a batch of scored customers (rows
        of ``crm.churn.engine._score_company``). Returns the counts of created, escalated
        and quietly updated warnings; running it again with the same rows changes nothing."""
        result = {"created": 0, "escalated": 0, "updated": 0}
        if not rows:
            return result
        Warning = self.sudo().with_company(company)
        rows_by_partner = {row["partner_id"]: row for row in rows}
        states = Warning._fetch_partner_states(company, list(rows_by_partner))
        open_by_partner = {
            partner_id: state["open"] for partner_id, state in states.items() if state["open"]
        }

        # a risk customer who churned since: the risk warning is lost, a win-back may follow
        churned = [
            partner_id
            for partner_id, warning in open_by_partner.items()
            if warning["kind"] == KIND_RISK
            and rows_by_partner[partner_id].get("stage") == STAGE_CHURNED
        ]
        if churned:
            Warning.browse([open_by_partner.pop(pid)["id"] for pid in churned])._close_lost_churned(
                as_of
            )
            self.env.flush_all()

        threshold = LEVEL_RANK[company.crm_churn_warning_level]
        to_create, to_escalate, to_refresh = [], [], []
        for partner_id, row in rows_by_partner.items():
            rank = LEVEL_RANK.get(row["level"], 0)
            warning = open_by_partner.get(partner_id)
            if warning:
                if rank > LEVEL_RANK.get(warning["max_level"], 0):
                    to_escalate.append((warning, row))
                elif self._differs_from(warning, row):
                    to_refresh.append((warning, row))
                continue
            if rank < threshold:
                continue
            state = states.get(partner_id, {})
            if state.get("snooze_until") and state["snooze_until"] > as_of:
                continue
            kind = KIND_WIN_BACK if row.get("stage") == STAGE_CHURNED else KIND_RISK
            lost_win_back = state.get("win_back_lost")
            last_order = row.get("last_order_date")
            # one win-back attempt per churn: a lost one is not retried until the customer
            # orders again (and churns again)
            if (
                kind == KIND_WIN_BACK
                and lost_win_back
                and (not last_order or lost_win_back >= last_order)
            ):
                continue
            to_create.append((row, kind))

        control = Warning._draw_control(company, as_of, to_create)
        to_create = Warning._limit_to_capacity(company, as_of, to_create, control)
        created = Warning._create_from_rows(company, as_of, to_create, control)
        escalated = Warning._escalate_from_rows(as_of, to_escalate)
        Warning._refresh_from_rows(to_refresh)
        last_orders = {
            warning.id: row.get("last_order_date")
            for warning, (row, _kind) in zip(created, to_create, strict=True)
        }
        last_orders.update(
            {warning["id"]: row.get("last_order_date") for warning, row in to_escalate}
        )
        Warning.env["crm.churn.playbook"]._apply_playbooks(
            created | escalated, as_of, last_orders=last_orders
        )
        result.update(created=len(created), escalated=len(escalated), updated=len(to_refresh))
        return result

    @api.model
    def _draw_control(self, company, as_of, rows_kinds):
        """The customers of ``rows_kinds`` ((row, kind) pairs of the new warnings of a batch)
        whose warnings go to the control group: within each kind and risk level, the company's
        control share of them, drawn at random. The count of a stratum is its share rounded up
        or down at random in proportion to the fraction (3.4 gives 3 six times in ten, 4 four
        times in ten), so that every customer has exactly the share's chance, in small strata
        too; a plain rounding would hold none back of a stratum of two at 20% and make the
        control group poorer in the rare levels than the treated one. The draw is seeded with
        the company, the night, the stratum and its customers: a run of the same night again
        (after a rollback) draws the same customers, and another batch or night draws anew."""
        share = company.crm_churn_control_share / 100.0
        if share <= 0 or not rows_kinds:
            return frozenset()
        strata = defaultdict(list)
        for row, kind in rows_kinds:
            strata[kind, row["level"]].append(row["partner_id"])
        control = set()
        for (kind, level), partner_ids in sorted(strata.items()):
            partner_ids.sort()
            seed = f"{company.id}/{as_of.isoformat()}/{kind}/{level}/{partner_ids}"
            rng = random.Random(hashlib.sha256(seed.encode()).hexdigest())
            expected = share * len(partner_ids)
            count = math.floor(expected)
            count += rng.random() < expected - count
            control.update(rng.sample(partner_ids, count))
        return frozenset(control)

    @api.model
    def _limit_to_capacity(self, company, as_of, rows_kinds, control=frozenset()):
        """The (row, kind) pairs of ``rows_kinds`` that become warnings today, highest risk
        first (score, then level, then customer id): at most the company's capacity of new
        warnings per salesperson and day, counting the warnings already raised that day (read
        from the database, so that the capacity holds across the batches of a run and when it
        runs again the same day). Customers without a salesperson share one allowance for the
        company (their activities go to the churn manager who stands in for the salesperson).
        The others are left out: they keep their score and are considered again the next
        night. A capacity of 0 leaves every pair in. The order holds within a batch; batches
        follow customer ids, so a salesperson's day filled by an earlier batch leaves a higher
        risk of a later batch for the next night.

        The capacity is the work of the salespeople: the warnings of the control group
        (customers of ``control``, see ``_draw_control``) take no place in it, neither today's
        nor the batch's. They come in with the salesperson's customers of the same ranks, while
        the salesperson still has room, so that the control and the treated warnings are drawn
        from the same customers; once the day is full, neither group takes more (a run of the
        same day again adds nothing)."""
        rows_kinds = sorted(
            rows_kinds,
            key=lambda row_kind: (
                -row_kind[0]["score"],
                -LEVEL_RANK.get(row_kind[0]["level"], 0),
                row_kind[0]["partner_id"],
            ),
        )
        capacity = company.crm_churn_warning_capacity
        if not capacity or not rows_kinds:
            return rows_kinds
        raised = self._read_group(
            [("company_id", "=", company.id), ("date", "=", as_of), ("is_control", "=", False)],
            ["user_id"],
            ["__count"],
        )
        left = defaultdict(lambda: capacity)
        for user, count in raised:
            left[user.id or None] = capacity - count
        admitted = []
        for row, kind in rows_kinds:
            user_id = row.get("user_id") or None
            if left[user_id] > 0:
                if row["partner_id"] not in control:
                    left[user_id] -= 1
                admitted.append((row, kind))
        if len(admitted) < len(rows_kinds):
            preview = self.env.context.get(PREVIEW_KEY)
            if isinstance(preview, ChurnPreview):
                kept = {id(row) for row, _kind in admitted}
                for row, _kind in rows_kinds:
                    if id(row) not in kept:
                        user_id = row.get("user_id") or None
                        preview.held_back[user_id] = preview.held_back.get(user_id, 0) + 1
            _logger.info(
                "Churn warnings of %s on %s: %d customers over their salesperson's daily "
                "capacity of %d, considered again the next night",
                company.name,
                as_of,
                len(rows_kinds) - len(admitted),
                capacity,
            )
        return admitted

    @api.model
    def _fetch_partner_states(self, company, partner_ids):
        """Per customer: the open warning (a dict of the values the sync compares), the snooze
        date of the last dismissed warning and the date of the last lost win-back warning, in
        one query."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT s.partner_id, s.snooze_until, s.win_back_lost,
                       w.id, w.kind, w.level, w.max_level, w.score::float8, w.reason_data,
                       w.tier_id
                  FROM (SELECT partner_id,
                               (array_agg(id ORDER BY id DESC)
                                    FILTER (WHERE state IN %(open)s))[1] AS open_id,
                               (array_agg(snooze_until ORDER BY id DESC)
                                    FILTER (WHERE state = %(dismissed)s))[1] AS snooze_until,
                               MAX(date) FILTER (WHERE kind = %(win_back)s
                                                   AND state = %(lost)s) AS win_back_lost
                          FROM crm_churn_warning
                         WHERE company_id = %(company)s AND partner_id = ANY(%(partners)s)
                         GROUP BY partner_id) s
                  LEFT JOIN crm_churn_warning w ON w.id = s.open_id
                """,
                open=OPEN_STATES,
                dismissed=STATE_DISMISSED,
                win_back=KIND_WIN_BACK,
                lost=STATE_LOST,
                company=company.id,
                partners=partner_ids,
            )
        )
        keys = ("id", "kind", "level", "max_level", "score", "reason_data", "tier_id")
        return {
            partner_id: {
                "open": dict(zip(keys, values, strict=True)) if values[0] else None,
                "snooze_until": snooze,
                "win_back_lost": lost,
            }
            for partner_id, snooze, lost, *values in self.env.cr.fetchall()
        }

    @api.model
    def _differs_from(self, warning, row):
        """Whether the open ``warning`` (a dict of _fetch_partner_states) shows other figures
        than the scoring ``row``."""
        return (
            warning["level"] != row["level"]
            or float_compare(warning["score"] or 0.0, row["score"], precision_digits=1) != 0
            or (warning["reason_data"] or []) != (row.get("reason_data") or [])
            or (warning["tier_id"] or False) != (row.get("tier_id") or False)
        )

    @api.model
    def _get_team(self, user, company):
        """The user's sales team, or another team of theirs in ``company``."""
        teams = user.crm_team_ids.filtered(
            lambda team: not team.company_id or team.company_id == company
        )
        return user.sale_team_id if user.sale_team_id in teams else teams[:1]

    @api.model
    def _create_from_rows(self, company, as_of, rows_kinds, control=frozenset()):
        """New warnings, one per (row, kind), with their reasons and a note, in one create:
        the scoring rows hold the values; ``create`` takes the customer's commercial partner,
        the highest level and a reference from the sequence, the ORM computes the salesperson,
        the team and the outcome figures. No tracking, no follower: the note of the "raised"
        subtype tells what happened. The warnings of the customers of ``control`` are marked
        as the control group (their note says so too)."""
        if not rows_kinds:
            return self.browse()
        warnings = (
            self.with_context(tracking_disable=True)
            .create(
                [
                    {
                        "partner_id": row["partner_id"],
                        "company_id": company.id,
                        "kind": kind,
                        "tier_id": row.get("tier_id") or False,
                        "level": row["level"],
                        "score": row["score"],
                        "reason_data": row.get("reason_data") or None,
                        "date": as_of,
                        "is_control": row["partner_id"] in control,
                        "line_ids": [Command.create(vals) for vals in self._get_line_values(row)],
                    }
                    for row, kind in rows_kinds
                ]
            )
            .with_env(self.env)
        )
        warnings._log_events(
            "crm_churn_warning.mt_crm_churn_warning_raised",
            {
                warning.id: [
                    ("kind", False, kind),
                    ("level", False, row["level"]),
                    ("score", 0.0, round(row["score"], 1)),
                    *([("is_control", False, True)] if warning.is_control else []),
                ]
                for warning, (row, kind) in zip(warnings, rows_kinds, strict=True)
            },
        )
        return warnings

    @api.model
    def _get_line_values(self, row):
        """The values of the reason lines of a scoring row (without their warning)."""
        return [
            {
                "signal_id": reason.get("signal_id") or False,
                "code": reason["code"],
                "value": reason.get("value") or 0.0,
                "weight": reason.get("weight") or 0.0,
                "details": reason.get("details") or None,
            }
            for reason in row.get("reasons") or []
        ]

    @api.model
    def _update_from_rows(self, pairs, escalated_on=None):
        """Writes the figures of the rows of ``pairs`` ((warning dict, row)) on their
        warnings and their reasons (see ``_replace_lines``): one update for the warnings.
        ``escalated_on`` (a date) also raises the highest level and counts an escalation."""
        ids = [warning["id"] for warning, _row in pairs]
        escalation = SQL()
        if escalated_on:
            escalation = SQL(
                """, max_level = v.level,
                     escalation_count = COALESCE(w.escalation_count, 0) + 1,
                     last_escalation_date = %s""",
                escalated_on,
            )
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_churn_warning w
                   SET level = v.level, score = round(v.score::numeric, 1),
                       reason_data = v.reason, tier_id = v.tier,
                       write_uid = %(uid)s, write_date = %(now)s %(escalation)s
                  FROM unnest(%(ids)s::int[], %(level)s::varchar[], %(score)s::float8[],
                              %(reason)s::jsonb[], %(tier)s::int[])
                       AS v(id, level, score, reason, tier)
                 WHERE w.id = v.id
                """,
                uid=self.env.uid,
                now=self.env.cr.now(),
                escalation=escalation,
                ids=ids,
                level=[row["level"] for _warning, row in pairs],
                score=[row["score"] for _warning, row in pairs],
                reason=[reason_json(row.get("reason_data")) for _warning, row in pairs],
                tier=[row.get("tier_id") or None for _warning, row in pairs],
            )
        )
        warnings = self.browse(ids)
        warnings.invalidate_recordset()
        self._replace_lines({warning["id"]: row for warning, row in pairs})
        return warnings

    @api.model
    def _replace_lines(self, rows_by_warning):
        """Gives the warnings of ``rows_by_warning`` ({warning id: scoring row}) the reason
        lines of their rows: a line whose signal is still found gets the new figures (written
        only when they changed, in one update per set of fields at the flush), the lines of
        signals no longer found are deleted and those of new signals created in one call."""
        Line = self.env["crm.churn.warning.line"]
        old_lines = defaultdict(dict)
        for line in Line.search_fetch(
            [("warning_id", "in", list(rows_by_warning))],
            ["warning_id", "signal_id", "code", "value", "weight", "details"],
        ):
            old_lines[line.warning_id.id][line.code] = line
        to_create, to_delete = [], Line
        for warning_id, row in rows_by_warning.items():
            current = old_lines[warning_id]
            for vals in self._get_line_values(row):
                line = current.pop(vals["code"], None)
                if not line:
                    to_create.append(dict(vals, warning_id=warning_id))
                    continue
                changed = {
                    fname: value
                    for fname, value in vals.items()
                    if line._fields[fname].convert_to_cache(value, line)
                    != line._fields[fname].convert_to_cache(line[fname], line)
                }
                if changed:
                    line.write(changed)
            for line in current.values():
                to_delete |= line
        to_delete.unlink()
        Line.create(to_create)

    @api.model
    def _escalate_from_rows(self, as_of, pairs):
        if not pairs:
            return self.browse()
        warnings = self._update_from_rows(pairs, escalated_on=as_of)
        warnings._log_events(
            "crm_churn_warning.mt_crm_churn_warning_escalated",
            {
                warning["id"]: [
                    ("level", warning["level"], row["level"]),
                    ("score", round(warning["score"] or 0.0, 1), round(row["score"], 1)),
                ]
                for warning, row in pairs
            },
        )
        return warnings

    @api.model
    def _refresh_from_rows(self, pairs):
        if pairs:
            self._update_from_rows(pairs)
