from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.tools import format_date

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import MAX_PERIOD_DAYS

from .churn_data import (
    KIND_RISK,
    KIND_WIN_BACK,
    LEVEL_MEDIUM,
    LEVEL_RANK,
    PLAYBOOK_RESPONSIBLES,
    RESPONSIBLE_SALESPERSON,
    RESPONSIBLE_TEAM_LEADER,
    WARNING_LEVELS,
)

MANAGER_GROUP_XMLID = "crm_churn_warning.crm_churn_warning_group_manager"
PLAYBOOK_KIND_BOTH = "both"
PLAYBOOK_KINDS = [
    (KIND_RISK, "Churn risk"),
    (KIND_WIN_BACK, "Win-back"),
    (PLAYBOOK_KIND_BOTH, "Both"),
]


class CrmChurnPlaybook(models.Model):
    """What to do about a churn warning: the first active playbook, by sequence, whose tiers,
    minimum level and kind match the warning schedules an activity, may e-mail an offer to the
    customer and may notify the churn managers. It runs when the warning is raised and again
    each time its level rises above the highest level reached before."""

    _name = "crm.churn.playbook"
    _description = "Churn Retention Playbook"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty to use the playbook in every company.",
    )
    tier_ids = fields.Many2many(
        "crm.customer.tier",
        string="Tiers",
        check_company=True,
        help="Customer tiers the playbook applies to; leave empty for every tier (and for "
        "customers without a tier).",
    )
    min_level = fields.Selection(
        WARNING_LEVELS,
        string="From Level",
        required=True,
        default=LEVEL_MEDIUM,
        help="The playbook applies to warnings at this risk level or above.",
    )
    kind = fields.Selection(
        PLAYBOOK_KINDS,
        string="Applies to",
        required=True,
        default=KIND_RISK,
        help="Churn risk: customers who still buy but show signs of leaving. Win-back: "
        "customers who have churned.",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Activity",
        required=True,
        ondelete="restrict",
        domain="['|', ('res_model', '=', False), ('res_model', '=', 'crm.churn.warning')]",
    )
    deadline_days = fields.Integer(
        string="Deadline (days)",
        default=3,
        help="The activity is due this many days after the warning is raised or escalated.",
    )
    responsible = fields.Selection(
        PLAYBOOK_RESPONSIBLES,
        required=True,
        default=RESPONSIBLE_SALESPERSON,
        help="Who gets the activity, unless the customer's tier has an account manager or a "
        "key-account team (its leader then gets it). When that person is missing, the other "
        "one (salesperson or leader of the salesperson's sales team) gets it, else the first "
        "churn manager of the company.",
    )
    note = fields.Html(
        translate=True,
        help="Instructions for the activity, given in the language of the person who gets it. "
        "The activity has no summary of its own: the name of its type tells what to do.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Offer E-mail",
        domain="[('model', '=', 'crm.churn.warning')]",
        help="Sent to the customer once per warning, when the playbook first applies to it; "
        "never to a win-back customer who churned before the company started using churn "
        "warnings (its start date): their salesperson contacts them instead.",
    )
    notify_manager = fields.Boolean(
        string="Notify Managers",
        help="The churn managers of the company are notified each time the playbook applies.",
    )

    _deadline_days_positive = models.Constraint(
        "CHECK(deadline_days >= 0)", "A playbook's deadline cannot be negative."
    )
    _deadline_days_max = models.Constraint(
        f"CHECK(deadline_days <= {MAX_PERIOD_DAYS})",
        "A playbook's deadline cannot exceed 3650 days (ten years).",
    )

    @api.model
    def _get_matcher(self, company):
        """Returns a function (tier id, level, kind) -> first matching playbook, with the
        company's playbooks read once."""
        playbooks = self.search([("company_id", "in", [company.id, False])], order="sequence, id")
        # archived tiers included: the playbook of an archived tier stays restricted to it
        compiled = [
            (
                playbook,
                set(playbook.with_context(active_test=False).tier_ids.ids),
                LEVEL_RANK[playbook.min_level],
                playbook.kind,
            )
            for playbook in playbooks
        ]

        def match(tier_id, level, kind):
            rank = LEVEL_RANK.get(level, 0)
            for playbook, tiers, min_rank, pb_kind in compiled:
                if (
                    (not tiers or tier_id in tiers)
                    and min_rank <= rank
                    and pb_kind in (kind, PLAYBOOK_KIND_BOTH)
                ):
                    return playbook
            return self.browse()

        return match

    def _get_responsible(self, warning, fallback_user):
        """The user who gets the activity: the dedicated person of the customer's tier
        (account manager, else key-account team leader), else salesperson or team leader as
        configured, the other one when missing, else ``fallback_user`` (may be empty)."""
        self.ensure_one()
        dedicated = warning.tier_id._get_tier_user(warning.company_id)
        if dedicated:
            return dedicated
        salesperson = warning.user_id
        leader = warning.team_id.user_id
        order = (
            (leader, salesperson)
            if self.responsible == RESPONSIBLE_TEAM_LEADER
            else (salesperson, leader)
        )
        for user in order:
            if user and user.active:
                return user
        return fallback_user

    # ------------------------------------------------------------------ applying to warnings
    @api.model
    def _get_churn_managers(self, company):
        """Internal users of the company in the churn manager group (OdooBot aside)."""
        group = self.env.ref(MANAGER_GROUP_XMLID)
        return (
            group.sudo()
            .all_user_ids.filtered(
                lambda u: u.active
                and not u.share
                and u.id != SUPERUSER_ID
                and company in u.company_ids
            )
            .sorted("id")
        )

    @api.model
    def _is_offer_withheld(self, company, kind, last_order_date):
        """Whether the offer e-mail of a playbook must not go to the customer of a warning of
        ``kind`` whose last order was on ``last_order_date``. A win-back warning of a customer
        who churned (last order plus the company's churn days) before the company's start date
        (``crm_start_date``: the day these addons started serving it) sends none: that
        customer was found lost in the history at installation, and an e-mail would be about
        the installation, not about the customer leaving."""
        if kind != KIND_WIN_BACK or not company.crm_start_date:
            return False
        churned_on = last_order_date and last_order_date + timedelta(days=company.crm_churn_days)
        return not (churned_on and churned_on >= company.crm_start_date)

    @api.model
    def _apply_playbooks(self, warnings, as_of, last_orders):
        """Runs the matching playbook of each of ``warnings``: one activity (for the
        salesperson or team leader, else the company's first churn manager), the managers
        notified when the playbook says so, and the offer e-mail when it has one, none was sent
        yet and ``_is_offer_withheld`` finds no reason against it (the customer's last order
        date from ``last_orders``, {warning id: date} of every warning). The
        playbook is written with one update per playbook, the activities with one create; the
        managers get one message listing the warnings their playbooks flag. The activities
        carry no summary (the name of their type, translated for each reader, says what to do)
        and the playbook's instructions in the language of the person who gets them. The
        warnings of the control group get nothing, when raised or escalated: no playbook, no
        activity, no offer, no note and no line in the managers' message."""
        warnings = warnings.filtered(lambda warning: not warning.is_control)
        activity_vals, offers = [], defaultdict(list)
        by_playbook = defaultdict(list)
        withheld = []  # warnings whose offer e-mail was not sent
        notes = {}  # (playbook, language) -> the playbook's instructions in that language
        for company, company_warnings in warnings.grouped("company_id").items():
            match = self.sudo()._get_matcher(company)
            managers = self._get_churn_managers(company)
            flagged = []
            for warning in company_warnings:
                playbook = match(warning.tier_id.id, warning.level, warning.kind)
                if not playbook:
                    continue
                by_playbook[playbook].append(warning.id)
                user = playbook._get_responsible(warning, managers[:1])
                deadline = as_of + timedelta(days=playbook.deadline_days)
                lang = user.lang or company.partner_id.lang or "en_US"
                if (playbook, lang) not in notes:
                    notes[playbook, lang] = playbook.with_context(lang=lang).note or False
                activity_vals.append(
                    {
                        "res_id": warning.id,
                        "activity_type_id": playbook.activity_type_id.id,
                        "note": notes[playbook, lang],
                        "date_deadline": deadline,
                        "user_id": user.id or False,
                    }
                )
                if playbook.notify_manager and managers:
                    flagged.append((warning, playbook, user, deadline))
                if (
                    playbook.mail_template_id
                    and not warning.offer_sent_date
                    and warning.partner_id.email
                ):
                    if self._is_offer_withheld(company, warning.kind, last_orders[warning.id]):
                        withheld.append(warning.id)
                    else:
                        offers[playbook.mail_template_id].append(warning.id)
            if flagged:
                self._notify_managers(company, managers, flagged)
        for playbook, warning_ids in by_playbook.items():
            warnings.browse(warning_ids).with_context(tracking_disable=True).write(
                {"playbook_id": playbook.id}
            )
        self._schedule_activities(warnings, activity_vals)
        warnings.browse(withheld)._log_events(
            "crm_churn_warning.mt_crm_churn_warning_offer_withheld"
        )
        for template, warning_ids in offers.items():
            offered = warnings.browse(warning_ids)
            offered.message_post_with_source(
                template, message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            offered.offer_sent_date = as_of

    @api.model
    def _schedule_activities(self, warnings, vals_list):
        """Schedules the playbooks' activities on ``warnings`` (dicts of res_id,
        activity_type_id, note, date_deadline, user_id) as automated activities, in one
        create: ``mail.activity`` names the document, keeps the user's time zone, sanitizes the
        note, makes each user follow the warnings of their activities and tells them at once
        of activities already due. No "assigned to you" e-mail per activity
        (``mail_activity_quick_update``): a night can give a salesperson many; they show in
        their activity menu."""
        if not vals_list:
            return
        model_id = self.env["ir.model"]._get_id(warnings._name)
        warnings.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
            [dict(vals, res_model_id=model_id, automated=True) for vals in vals_list]
        )

    @api.model
    def _notify_managers(self, company, managers, flagged):
        """Tells the churn managers of ``company`` about the warnings of ``flagged``
        ((warning, playbook, responsible user, deadline)): a note on each warning, and one
        message in the inbox (or by e-mail, as each prefers) of the managers of each language,
        in their language, listing them all with links."""
        self.env["crm.churn.warning"].browse(
            [warning.id for warning, *_rest in flagged]
        )._log_events("crm_churn_warning.mt_crm_churn_warning_managers_notified")
        default_lang = company.partner_id.lang or "en_US"
        for lang, readers in managers.grouped(lambda u: u.lang or default_lang).items():
            subject, body = self.with_context(lang=lang)._get_managers_digest(company, flagged)
            self.env["mail.thread"].message_notify(
                partner_ids=readers.partner_id.ids, subject=subject, body=body
            )

    @api.model
    def _get_managers_digest(self, company, flagged):
        """The subject and body of the managers' message about ``flagged`` (see
        _notify_managers), in the language of the environment."""
        Warning = self.env["crm.churn.warning"]
        levels = dict(Warning._fields["level"]._description_selection(self.env))
        items = []
        for warning, playbook, user, deadline in flagged:
            text = self.env._(
                "%(level)s churn risk for %(customer)s%(tier)s: %(activity)s for %(user)s, due "
                "%(deadline)s.",
                level=levels[warning.level],
                customer=warning.partner_id.display_name,
                tier=f" ({warning.tier_id.with_env(self.env).name})" if warning.tier_id else "",
                activity=playbook.activity_type_id.with_env(self.env).name,
                user=user.name or self.env._("nobody"),
                deadline=format_date(self.env, deadline),
            )
            items.append(
                Markup(
                    '<li><a href="/odoo/%s/%s" data-oe-model="%s" data-oe-id="%s">%s</a>: %s</li>'
                )
                % (Warning._name, warning.id, Warning._name, warning.id, warning.name, text)
            )
        subject = self.env._("Churn warnings for the managers (%(count)s)", count=len(items))
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            self.env._(
                "The churn playbooks of %(company)s flagged these warnings for the churn managers:",
                company=company.name,
            ),
            Markup("").join(items),
        )
        return subject, body
