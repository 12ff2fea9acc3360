from odoo import api, fields, models

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import MAX_PERIOD_DAYS

from .churn_data import (
    CHURN_LEVELS,
    KIND_RISK,
    KIND_WIN_BACK,
    LEVEL_MEDIUM,
    LEVEL_NONE,
    LEVEL_RANK,
    PLAYBOOK_RESPONSIBLES,
    RESPONSIBLE_SALESPERSON,
    RESPONSIBLE_TEAM_LEADER,
)

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
        [(key, label) for key, label in CHURN_LEVELS if key != LEVEL_NONE],
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
        help="Who gets the activity. When that person is missing, the other one (salesperson "
        "or leader of the salesperson's sales team) gets it, else the first churn manager of "
        "the company.",
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
        """The user who gets the activity: salesperson or team leader as configured, the
        other one when missing, else ``fallback_user`` (may be empty)."""
        self.ensure_one()
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
