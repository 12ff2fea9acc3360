"""The greetings sent (one per contact, occasion, company and year) and the daily cron that
sends them.

The cron works per company on the company's own 'today' (its time zone): it finds the day's
recipients of each due occasion in one query per occasion, then, batch after batch, claims
them in the log (INSERT … ON CONFLICT DO NOTHING RETURNING on its unique key: a second worker
claims nothing) and queues their e-mails through mail.template in the same transaction. A
batch is committed whole or not at all, so a run cut short and the run after it send exactly
one e-mail per contact, occasion and year. Only the occasions of the day are sent: nothing is
caught up for days before (the first night on a database with years of history sends today's
greetings alone)."""

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    ACTIVE_STAGES,
    STAGE_LOYAL,
    company_value_sql,
)

from .greeting_data import (
    GREETING_BATCH_SIZE,
    KIND_ANNIVERSARY,
    KIND_BIRTHDAY,
    greeted_month_days,
)


class CrmGreetingLog(models.Model):
    _name = "crm.greeting.log"
    _description = "Greeting Sent"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Contact", required=True, index=True, ondelete="cascade"
    )
    occasion_id = fields.Many2one("crm.greeting.occasion", required=True, ondelete="cascade")
    kind = fields.Selection(related="occasion_id.kind")
    company_id = fields.Many2one("res.company", required=True, index=True)
    year = fields.Integer(required=True)
    date = fields.Date(string="Sent On", required=True)
    template_id = fields.Many2one("mail.template", ondelete="set null")
    mail_id = fields.Many2one(
        "mail.mail", string="E-mail", ondelete="set null", groups="base.group_system"
    )

    _greeting_unique = models.Constraint(
        "UNIQUE(partner_id, occasion_id, company_id, year)",
        "A contact is greeted once per occasion and year.",
    )

    # ------------------------------------------------------------------ recipients
    @api.model
    def _get_recipients_query(self, occasion, company, day):
        """(contact id, tier id of its customer in the company or NULL) of the occasion's
        recipients on ``day`` in ``company`` not greeted for it this year: active contacts with
        an e-mail address that is not blacklisted, neither they nor their customer opted out,
        whose customer (commercial partner) is an active customer of the company, of one of the
        occasion's tiers when it names some. Birthdays greet persons on their day; holidays and
        anniversaries greet the customer itself, anniversaries loyal customers only on the day
        they first bought, a year or more ago."""
        tier = company_value_sql("c", "crm_tier_id", company, "int")
        stage = company_value_sql("c", "crm_lifecycle_stage", company)
        month_days = greeted_month_days(day)
        if occasion.kind == KIND_BIRTHDAY:
            kind_filter = SQL(
                "NOT p.is_company AND to_char(p.crm_birthday, 'MM-DD') = ANY(%s)", month_days
            )
        elif occasion.kind == KIND_ANNIVERSARY:
            first_order = company_value_sql("c", "crm_first_order_date", company, "date")
            kind_filter = SQL(
                "p.id = c.id AND %(stage)s = %(loyal)s AND %(first)s < %(day)s"
                " AND to_char(%(first)s, 'MM-DD') = ANY(%(month_days)s)",
                stage=stage,
                loyal=STAGE_LOYAL,
                first=first_order,
                day=day,
                month_days=month_days,
            )
        else:
            kind_filter = SQL("p.id = c.id")
        tier_filter = SQL("TRUE")
        if occasion.tier_ids:
            tier_filter = SQL("%s = ANY(%s)", tier, occasion.tier_ids.ids)
        return SQL(
            """
            SELECT p.id, %(tier)s
              FROM res_partner p
              JOIN res_partner c ON c.id = p.commercial_partner_id
             WHERE p.active
               AND COALESCE(p.email_normalized, '') != ''
               AND NOT COALESCE(p.crm_greeting_opt_out, FALSE)
               AND NOT COALESCE(c.crm_greeting_opt_out, FALSE)
               AND (p.company_id IS NULL OR p.company_id = %(company)s)
               AND c.crm_lifecycle_stage ? %(cid)s
               AND %(stage)s = ANY(%(stages)s)
               AND %(tier_filter)s
               AND %(kind_filter)s
               AND NOT EXISTS (
                    SELECT 1 FROM mail_blacklist b
                     WHERE b.active AND b.email = p.email_normalized
               )
               AND NOT EXISTS (
                    SELECT 1 FROM crm_greeting_log l
                     WHERE l.partner_id = p.id AND l.occasion_id = %(occasion)s
                       AND l.company_id = %(company)s AND l.year = %(year)s
               )
             ORDER BY p.id
            """,
            tier=tier,
            company=company.id,
            cid=str(company.id),
            stage=stage,
            stages=list(ACTIVE_STAGES),
            tier_filter=tier_filter,
            kind_filter=kind_filter,
            occasion=occasion.id,
            year=day.year,
        )

    # ------------------------------------------------------------------ sending
    @api.model
    def _cron_send_greetings(self):
        """Daily: every company's greetings of its day."""
        for company in self.env["res.company"].search([], order="id"):
            if not self.sudo()._send_greetings(company, commit=True)["done"]:
                return  # out of time: the cron is re-triggered and resumes

    @api.model
    def _send_greetings(self, company, day=None, commit=False):
        """Greets the recipients of the company's occasions falling on ``day`` (the company's
        today), in batches. Returns the number of e-mails queued and whether the run completed."""
        day = day or company._crm_today()
        result = {"done": True, "sent": 0}
        occasions = self.env["crm.greeting.occasion"]._get_due_occasions(company, day)
        if not occasions:
            return result
        self.env["res.partner"].flush_model()
        self.flush_model()
        rows = []
        for occasion in occasions:
            self.env.cr.execute(self._get_recipients_query(occasion, company, day))
            rows += [
                (occasion.id, partner_id, tier_id) for partner_id, tier_id in self.env.cr.fetchall()
            ]
        Engine = self.env["crm.engine.mixin"]

        def greet(batch):
            result["sent"] += self._greet(company, day, batch)

        result["done"] = Engine._run_batches(
            Engine._slice_batches(rows, GREETING_BATCH_SIZE), greet, len(rows), commit=commit
        )
        return result

    @api.model
    def _claim(self, company, day, batch):
        """Inserts the log rows of ``batch`` [(occasion id, contact id, tier id)] not logged
        yet (another worker may have logged them meanwhile); returns those inserted as
        {(occasion id, contact id): log id}."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_greeting_log
                       (partner_id, occasion_id, company_id, year, date,
                        create_uid, create_date, write_uid, write_date)
                SELECT r.partner_id, r.occasion_id, %(company)s, %(year)s, %(day)s,
                       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                  FROM unnest(%(occasions)s::int[], %(partners)s::int[])
                       AS r(occasion_id, partner_id)
                    ON CONFLICT (partner_id, occasion_id, company_id, year) DO NOTHING
                RETURNING id, occasion_id, partner_id
                """,
                company=company.id,
                year=day.year,
                day=day,
                uid=self.env.uid,
                occasions=[occasion_id for occasion_id, _partner, _tier in batch],
                partners=[partner_id for _occasion, partner_id, _tier in batch],
            )
        )
        return {
            (occasion_id, partner_id): log_id
            for log_id, occasion_id, partner_id in self.env.cr.fetchall()
        }

    @api.model
    def _greet(self, company, day, batch):
        """Logs and queues the e-mails of one batch; returns the number queued."""
        claimed = self._claim(company, day, batch)
        # the e-mails of each occasion and template in one call (a contact gets one e-mail per
        # occasion, even when two occasions of its day share a template), rendered in each
        # contact's language
        per_template = {}
        occasions = self.env["crm.greeting.occasion"].browse({row[0] for row in batch})
        for occasion_id, partner_id, tier_id in batch:
            if (occasion_id, partner_id) in claimed:
                template = occasions.browse(occasion_id)._get_template(tier_id)
                key = (occasion_id, partner_id)
                per_template.setdefault((occasion_id, template), []).append(key)
        email_values = {"email_from": company.email_formatted} if company.email else None
        logs_by_mail = []
        for (_occasion_id, template), keys in per_template.items():
            mails = (
                template.sudo()
                .with_company(company)
                .with_context(crm_greeting_company=company.name)
                .send_mail_batch(
                    [partner_id for _occasion, partner_id in keys], email_values=email_values
                )
            )
            mail_by_partner = {mail.res_id: mail for mail in mails}
            logs_by_mail += [(claimed[key], template, mail_by_partner.get(key[1])) for key in keys]
        # our own log rows, just inserted: the template and e-mail of each, in one UPDATE
        self.env.cr.execute(
            SQL(
                "UPDATE crm_greeting_log l SET template_id = v.template_id, mail_id = v.mail_id"
                "  FROM unnest(%s::int[], %s::int[], %s::int[]) AS v(id, template_id, mail_id)"
                " WHERE l.id = v.id",
                [log_id for log_id, _template, _mail in logs_by_mail],
                [template.id for _log, template, _mail in logs_by_mail],
                [mail.id if mail else None for _log, _template, mail in logs_by_mail],
            )
        )
        self.invalidate_model(["template_id", "mail_id"])
        return len(claimed)
