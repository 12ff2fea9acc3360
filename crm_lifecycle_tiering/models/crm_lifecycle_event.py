from datetime import datetime, time

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from .crm_customer_tier_benefit import BENEFIT_SHOWN_FIELDS, BENEFITS
from .lifecycle_data import (
    ACTIVE_STAGES,
    EVENT_KINDS,
    EVENT_ORIGINS,
    EVENT_STAGE,
    EVENT_TIER,
    LIFECYCLE_STAGES,
    ORIGIN_CRON,
    PARTNER_TRACKED_FIELDS,
    REASON_REACTIVATED,
    STAGE_CHURNED,
    dump_reason,
)

# the event's fields of the benefits a tier change applied, in the order of BENEFITS
BENEFIT_EVENT_FIELDS = tuple(fname for benefit in BENEFITS for fname in benefit.event_fields)

# the message_id of the engine's chatter messages ends with it (the demo dates them by it)
MESSAGE_ID_TAG = "crm-lifecycle"


class CrmLifecycleEvent(models.Model):
    """Immutable history of tier and stage changes, one row per change (written by the engine)."""

    _name = "crm.lifecycle.event"
    _description = "Customer Lifecycle Event"
    _order = "date desc, id desc"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    date = fields.Date(required=True, index=True, default=fields.Date.context_today)
    kind = fields.Selection(EVENT_KINDS, required=True)
    old_tier_id = fields.Many2one("crm.customer.tier", string="Previous Tier", ondelete="set null")
    new_tier_id = fields.Many2one("crm.customer.tier", ondelete="set null")
    old_stage = fields.Selection(LIFECYCLE_STAGES, string="Previous Stage")
    new_stage = fields.Selection(LIFECYCLE_STAGES)
    is_reactivation = fields.Boolean(string="Reactivation", help="A churned customer bought again.")
    rule_id = fields.Many2one("crm.tier.rule", ondelete="set null")
    # the reason as a code and its figures (JSON, see REASON_* in lifecycle_data), put into words
    # in the reader's language by reason_text; a text written by hand is shown as written
    reason = fields.Text(string="Reason Code")
    reason_text = fields.Text(string="Reason", compute="_compute_reason_text")
    # the tier benefits the change applied (crm_customer_tier_benefit): the customer's pricelist,
    # payment terms and tier loyalty programme before and after, set only when they changed
    old_pricelist_id = fields.Many2one(
        "product.pricelist", string="Previous Pricelist", ondelete="set null"
    )
    new_pricelist_id = fields.Many2one("product.pricelist", string="Pricelist", ondelete="set null")
    old_payment_term_id = fields.Many2one(
        "account.payment.term", string="Previous Payment Terms", ondelete="set null"
    )
    new_payment_term_id = fields.Many2one(
        "account.payment.term", string="Payment Terms", ondelete="set null"
    )
    old_loyalty_program_id = fields.Many2one(
        "loyalty.program", string="Previous Loyalty Program", ondelete="set null"
    )
    new_loyalty_program_id = fields.Many2one(
        "loyalty.program", string="Loyalty Program", ondelete="set null"
    )
    origin = fields.Selection(EVENT_ORIGINS, required=True, default=ORIGIN_CRON)
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user)

    _partner_company_date_idx = models.Index("(partner_id, company_id, date)")

    @api.depends_context("lang")
    @api.depends("reason")
    def _compute_reason_text(self):
        texts = self.env["crm.value.reason"]._render_reasons([event.reason for event in self])
        for event, text in zip(self, texts, strict=True):
            event.reason_text = text

    # ------------------------------------------------------------------ written by the engine
    @api.model
    def _log_changes(self, ctx, rows, origin):
        """The history of a batch of the value engine (crm.value.engine._write_batch): one
        event for each change of tier or stage of ``rows`` (the engine's rows whose tier or
        stage changed), inserted set-wise, and the message on the chatter of each customer who
        had a tier or stage before. Returns the number of events."""
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
                *BENEFIT_EVENT_FIELDS,
            )
        }
        reactivated = dump_reason({"code": REASON_REACTIVATED})
        noted = []  # (row, is a reactivation): the customers whose chatter tells the changes

        def add(row, kind, reactivation, rule, reason, benefits=None):
            """One event of the customer of ``row`` (values in the order of ``ev``)."""
            old, new = row["old"], row["new"]
            benefits = benefits or {}
            values = (
                row["partner_id"],
                kind,
                old["crm_tier_id"],
                new["crm_tier_id"],
                old["crm_lifecycle_stage"],
                new["crm_lifecycle_stage"],
                reactivation,
                rule,
                reason,
                *(benefits.get(fname) for fname in BENEFIT_EVENT_FIELDS),
            )
            for column, value in zip(ev.values(), values, strict=True):
                column.append(value)

        for row in rows:
            old, new = row["old"], row["new"]
            reactivation = False
            if EVENT_TIER in row["changes"]:
                add(
                    row,
                    EVENT_TIER,
                    False,
                    new["crm_tier_rule_id"],
                    new["crm_tier_reason"],
                    row.get("benefits"),
                )
            if EVENT_STAGE in row["changes"]:
                reactivation = (
                    old["crm_lifecycle_stage"] == STAGE_CHURNED
                    and new["crm_lifecycle_stage"] in ACTIVE_STAGES
                )
                add(row, EVENT_STAGE, reactivation, None, reactivated if reactivation else None)
            if old["crm_tier_id"] or old["crm_lifecycle_stage"]:
                noted.append((row, reactivation))
        uid = self.env.uid
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_lifecycle_event
                    (partner_id, company_id, date, kind, old_tier_id, new_tier_id, old_stage,
                     new_stage, is_reactivation, rule_id, reason, old_pricelist_id,
                     new_pricelist_id, old_payment_term_id, new_payment_term_id,
                     old_loyalty_program_id, new_loyalty_program_id, origin,
                     user_id, create_uid, write_uid, create_date, write_date)
                SELECT e.partner, %(company)s, %(date)s, e.kind, e.old_tier, e.new_tier,
                       e.old_stage, e.new_stage, e.reactivation, e.rule, e.reason,
                       e.old_pricelist, e.new_pricelist, e.old_term, e.new_term,
                       e.old_loyalty, e.new_loyalty,
                       %(origin)s, %(uid)s, %(uid)s, %(uid)s, now() at time zone 'utc',
                       now() at time zone 'utc'
                  FROM unnest(%(partner)s::int[], %(kind)s::text[], %(old_tier)s::int[],
                              %(new_tier)s::int[], %(old_stage)s::text[], %(new_stage)s::text[],
                              %(reactivation)s::bool[], %(rule)s::int[], %(reason)s::text[],
                              %(old_pricelist_id)s::int[], %(new_pricelist_id)s::int[],
                              %(old_payment_term_id)s::int[], %(new_payment_term_id)s::int[],
                              %(old_loyalty_program_id)s::int[],
                              %(new_loyalty_program_id)s::int[])
                       AS e(partner, kind, old_tier, new_tier, old_stage, new_stage,
                            reactivation, rule, reason, old_pricelist, new_pricelist,
                            old_term, new_term, old_loyalty, new_loyalty)
                """,
                company=ctx.company.id,
                date=ctx.as_of,
                origin=origin,
                uid=uid,
                **ev,
            )
        )
        self.invalidate_model()
        if noted:
            self._post_changes(ctx, noted)
        return len(ev["partner"])

    @api.model
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
        # sudo: the fields' descriptions whoever runs the engine (their groups may hide them)
        col_info = Partner.sudo().fields_get(
            PARTNER_TRACKED_FIELDS + BENEFIT_SHOWN_FIELDS, attributes=["type", "selection"]
        )

        def tier(tier_id):
            """A tier as tracking reads a many2one: (id, name), or nothing."""
            return tier_id and (tier_id, tier_names.get(tier_id, ""))

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
        Tracking = env["mail.tracking.value"]
        tracking = []
        for message, (row, _reactivation) in zip(messages, noted, strict=True):
            old, new = row["old"], row["new"]
            partner = Partner.browse(row["partner_id"])
            changes = []
            if old["crm_tier_id"] != new["crm_tier_id"]:
                changes.append(("crm_tier_id", tier(old["crm_tier_id"]), tier(new["crm_tier_id"])))
            if old["crm_lifecycle_stage"] != new["crm_lifecycle_stage"]:
                changes.append(
                    ("crm_lifecycle_stage", old["crm_lifecycle_stage"], new["crm_lifecycle_stage"])
                )
            changes += self._benefit_changes(env, row.get("benefits"))
            tracking += [
                {
                    **Tracking._create_tracking_values(
                        old_value, new_value, fname, col_info[fname], partner
                    ),
                    "mail_message_id": message.id,
                }
                for fname, old_value, new_value in changes
            ]
        Tracking.sudo().create(tracking)

    @api.model
    def _benefit_changes(self, env, benefits):
        """The changes of the customer's fields that show the tier benefits applied (``benefits``,
        {event field: id} as crm.customer.tier._apply_benefits returns them), as the chatter
        tracks them: [(field, previous record, new record)]."""
        if not benefits:
            return []
        changes = []
        for benefit in BENEFITS:
            old_field, new_field = benefit.event_fields
            if old_field in benefits or new_field in benefits:
                comodel = env[self._fields[new_field].comodel_name].with_context(active_test=False)
                changes.append(
                    (
                        benefit.shown_field,
                        comodel.browse(benefits.get(old_field) or []),
                        comodel.browse(benefits.get(new_field) or []),
                    )
                )
        return changes

    @api.model
    def _log_benefits(self, partners, benefits):
        """The chatter note of each of ``partners`` whose tier benefits changed (a tier changed by
        hand): the changed values tracked, which each reader reads in the reader's language."""
        col_info = partners.fields_get(BENEFIT_SHOWN_FIELDS, attributes=["type", "selection"])
        Tracking = self.env["mail.tracking.value"]
        for partner in partners.filtered(lambda partner: benefits.get(partner.id)):
            tracking = [
                Tracking._create_tracking_values(old, new, fname, col_info[fname], partner)
                for fname, old, new in self._benefit_changes(partner.env, benefits[partner.id])
            ]
            partner._message_log(
                tracking_value_ids=[fields.Command.create(values) for values in tracking]
            )
