"""Customer value reasons in words, in the reader's language.

The value engine stores the reasons of tiers and of history events as codes and figures (see
lifecycle_data.REASON_*); the customer's tier reason, a history event and a simulated move
write them in words only when they are read, in the language of the environment that reads
them, with numbers, money and dates formatted as that language writes them.

The figure formatter (_get_figure_formatter) is the generic part: the reasons of the other
addons (crm_churn_warning's crm.churn.reason) format their figures with it too.
"""

from collections import defaultdict

from odoo import api, models
from odoo.tools import format_amount, format_date, formatLang

from .lifecycle_data import (
    COND_DOMAIN,
    COND_ORDERS,
    COND_POTENTIAL,
    COND_REFERRALS,
    COND_REVENUE,
    COND_SCORE,
    COND_SEGMENT,
    COND_TENURE,
    REASON_DEFAULT,
    REASON_GRACE,
    REASON_LOCKED,
    REASON_NOTE,
    REASON_REACTIVATED,
    REASON_RULE,
    load_reason,
)


class CrmValueReason(models.AbstractModel):
    _name = "crm.value.reason"
    _description = "Customer Value Reasons in Words"

    # ------------------------------------------------------------------ figures
    @api.model
    def _get_figure_formatter(self):
        """A function writing figures as the language of the environment writes them:
        figure(value, digits=0, currency_id=None) is an amount in that currency when one is
        given (and still exists), else a number with ``digits`` decimals; None counts as 0.
        Each distinct figure is formatted, and each currency read, once per function: one
        function writes the reasons of thousands of records."""
        known = {}
        currencies = {}

        def figure(value, digits=0, currency_id=None):
            key = (value, digits, currency_id)
            text = known.get(key)
            if text is None:
                currency = None
                if currency_id:
                    if currency_id not in currencies:
                        # a currency's format only: read as the system
                        currencies[currency_id] = (
                            self.env["res.currency"].sudo().browse(currency_id).exists()
                        )
                    currency = currencies[currency_id]
                if currency:
                    text = format_amount(self.env, value or 0.0, currency)
                else:
                    text = formatLang(self.env, value or 0.0, digits=digits)
                known[key] = text
            return text

        return figure

    # ------------------------------------------------------------------ reasons in words
    @api.model
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
        figure = self._get_figure_formatter()
        return [
            self._render_reason(reason, texts, records, potentials, figure) if reason else ""
            for reason in reasons
        ]

    @api.model
    def _render_reason(self, reason, texts, records, potentials, figure):
        env = self.env
        code = reason.get("code")

        def name(model, record_id):
            record = records.get(model, {}).get(record_id)
            return record.display_name if record else ""

        def day(value):
            return format_date(env, value) if value else ""

        if code == REASON_RULE:
            parts = [
                self._render_condition(condition, texts, records, potentials, figure)
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
                "reason": (
                    self._render_reason(inner, texts, records, potentials, figure) if inner else ""
                ),
            }
        if code == REASON_REACTIVATED:
            return texts[REASON_REACTIVATED]
        if code == REASON_NOTE:
            return reason.get("text") or ""
        return ""

    @api.model
    def _render_condition(self, condition, texts, records, potentials, figure):
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
            # in the company's currency (with two decimals when it is gone)
            currency_id = condition.get("currency_id")
            value = figure(value, digits=2, currency_id=currency_id)
            threshold = figure(threshold, digits=2, currency_id=currency_id)
        elif code == COND_POTENTIAL:
            value = potentials.get(str(value), str(value))
            threshold = potentials.get(str(threshold), str(threshold))
        else:
            digits = 1 if code == COND_SCORE else 0
            value = figure(value, digits=digits)
            threshold = figure(threshold, digits=digits)
        return texts[code] % {
            "value": value,
            "threshold": threshold,
            "months": figure(condition.get("months") or 0),
        }
