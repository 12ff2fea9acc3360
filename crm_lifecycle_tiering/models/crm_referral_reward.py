"""Referral rewards: when a referred customer's first order is confirmed, the customer who
referred them gets the company's reward, once.

The reward is a number of points in a programme of the loyalty app, chosen in the settings:
added to the referrer's card of a loyalty or eWallet programme (the card is made when they
have none), or a new coupon of a coupons programme. The salesperson of the referrer gets an
activity to thank them, and the referrer's chatter records what was given.

Once per referred customer and company, whoever confirms and however often: the reward's row
is claimed first (INSERT ... ON CONFLICT DO NOTHING on this model's own table), so that two
confirmations at the same moment, in two transactions, give one reward. A customer who had
bought before (a confirmed order, or a first purchase already known to the value engine, which
also counts posted invoices) is not a new customer: no reward.
"""

from odoo import api, fields, models
from odoo.tools import SQL

from .lifecycle_data import REFERRAL_POINTS_TYPES


class CrmReferralReward(models.Model):
    _name = "crm.referral.reward"
    _description = "Referral Reward"
    _order = "create_date desc, id desc"
    _check_company_auto = True
    _rec_name = "partner_id"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        ondelete="cascade",
        help="The referred customer, whose first order was confirmed.",
    )
    referrer_id = fields.Many2one(
        "res.partner", string="Referred By", required=True, readonly=True, index=True
    )
    order_id = fields.Many2one("sale.order", string="First Order", readonly=True)
    program_id = fields.Many2one("loyalty.program", readonly=True)
    card_id = fields.Many2one("loyalty.card", readonly=True)
    points = fields.Float(readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        readonly=True,
        help="Who was asked to thank the referrer.",
    )

    _partner_company_unique = models.Constraint(
        "UNIQUE(partner_id, company_id)",
        "A referred customer brings one referral reward per company.",
    )

    @api.model
    def _reward_first_orders(self, orders):
        """Rewards the referrers of the customers whose first order is among `orders` (just
        confirmed). Runs as the system: the salesperson who confirms needs no right on the
        loyalty programme."""
        Reward = self.sudo()
        for order in orders.sudo():
            company = order.company_id
            program = company.crm_referral_program_id
            customer = order.partner_id.commercial_partner_id
            referrer = customer.crm_referred_by_id
            if not program or not referrer or referrer == customer:
                continue
            if not Reward._is_first_order(order, customer, orders):
                continue
            reward = Reward._claim(company, customer, referrer, order)
            if reward:
                reward._give(program, company.crm_referral_points)

    @api.model
    def _is_first_order(self, order, customer, orders):
        """Whether `order` is the customer's first purchase in its company: no other order of
        theirs confirmed but those confirmed with it (`orders`), and no earlier purchase known
        to the value engine."""
        company = order.company_id
        first_known = customer.with_company(company).crm_first_order_date
        day = fields.Date.context_today(order.with_context(tz=company._crm_tz()), order.date_order)
        if first_known and first_known < day:
            return False
        return not self.env["sale.order"].search_count(
            [
                ("partner_id", "child_of", customer.id),
                ("company_id", "=", company.id),
                ("state", "=", "sale"),
                ("id", "not in", orders.ids),
            ],
            limit=1,
        )

    @api.model
    def _claim(self, company, customer, referrer, order):
        """The reward's row, or an empty recordset when this customer's referral was rewarded
        already (by another confirmation, maybe at the same moment)."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO %(table)s (company_id, partner_id, referrer_id, order_id, points,
                                       create_uid, write_uid, create_date, write_date)
                VALUES (%(company)s, %(customer)s, %(referrer)s, %(order)s, 0,
                        %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC')
                ON CONFLICT (partner_id, company_id) DO NOTHING
                RETURNING id
                """,
                table=SQL.identifier(self._table),
                company=company.id,
                customer=customer.id,
                referrer=referrer.id,
                order=order.id,
                uid=self.env.uid,
            )
        )
        row = self.env.cr.fetchone()
        return self.browse(row[0]) if row else self.browse()

    def _give(self, program, points):
        """The points on the referrer's card (or a new coupon), the thank-you activity and the
        note in the referrer's chatter."""
        self.ensure_one()
        referrer, customer = self.referrer_id, self.partner_id
        Card = self.env["loyalty.card"].with_company(self.company_id)
        if program.program_type in REFERRAL_POINTS_TYPES:
            card = Card.with_context(active_test=False).search(
                [("program_id", "=", program.id), ("partner_id", "=", referrer.id)],
                order="active desc, id",
                limit=1,
            )
            if not card:
                card = Card.create({"program_id": program.id, "partner_id": referrer.id})
            elif not card.active:
                card.active = True
        else:
            card = Card.create({"program_id": program.id, "partner_id": referrer.id})
        user = referrer.user_id or self.order_id.user_id
        reader = self.with_context(
            lang=(user.lang if user else None) or self.company_id.partner_id.lang or "en_US"
        )
        description = reader.env._(
            "Referral reward: %(customer)s's first order %(order)s",
            customer=customer.display_name,
            order=self.order_id.name,
        )
        self.env["loyalty.history"].create(
            {
                "card_id": card.id,
                "description": description,
                "issued": points,
                "order_model": "sale.order",
                "order_id": self.order_id.id,
            }
        )
        card.points += points
        self.write(
            {
                "program_id": program.id,
                "card_id": card.id,
                "points": points,
                "user_id": user.id if user else False,
            }
        )
        referrer.message_post(
            body=reader.env._(
                "Referral reward: %(points)s in %(program)s for referring %(customer)s "
                "(first order %(order)s).",
                points=card._format_points(points),
                program=program.name,
                customer=customer.display_name,
                order=self.order_id.name,
            ),
            subtype_xmlid="mail.mt_note",
        )
        if user:
            referrer.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=reader.env._(
                    "Thank %(referrer)s for referring %(customer)s",
                    referrer=referrer.display_name,
                    customer=customer.display_name,
                ),
                user_id=user.id,
            )
