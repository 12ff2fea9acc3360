"""Demo data: the churn history of the demo company, replayed through the nightly code path.

Called once, at install with demo data, from demo/crm_churn_demo.xml, after the customer
histories of crm_lifecycle_tiering and the complaints and survey answers of crm_satisfaction.
Five months ago, three months ago and one month ago the purchase model is fitted and every
customer scored as of that day, warnings raised and outcomes closed, as the nightly cron would
have done; then the same as of today. Customers who faded away get warnings whose reasons read
from their own history (no order for months against their usual interval, spend and frequency
drops, complaints, detractor answers); some of those warned months ago ordered again and are
retained, others are lost. A manager then works a few warnings (one in progress with a logged
call, one dismissed for a month) and runs a backtest as of three months ago.
"""

from datetime import timedelta

from markupsafe import Markup

from odoo import api, models

from .churn_data import LEVEL_RANK, OPEN_STATES

REPLAY_DAYS = (150, 90, 30)


class CrmChurnDemo(models.AbstractModel):
    _name = "crm.churn.demo"
    _description = "Churn Warning Demo Data"

    @api.model
    def _load_demo_history(self):
        company = self.env.ref("base.main_company")
        today = company._crm_today()
        Model = self.env["crm.churn.model"]
        Engine = self.env["crm.churn.engine"]
        Warning = self.env["crm.churn.warning"]
        for as_of in [today - timedelta(days=days) for days in REPLAY_DAYS] + [today]:
            Model._fit_company(company, as_of)
            Engine._score_company(company, as_of=as_of)
            Warning._close_outcomes(company, as_of)
        self._demo_work_warnings(company)
        horizon = company.crm_churn_backtest_horizon
        self.env["crm.churn.backtest.wizard"].with_company(company).create(
            {
                "company_id": company.id,
                "horizon_days": horizon,
                "min_level": company.crm_churn_warning_level,
                "as_of": today - timedelta(days=horizon + 1),
            }
        ).action_run()

    @api.model
    def _demo_work_warnings(self, company):
        warnings = self.env["crm.churn.warning"].search(
            [("company_id", "=", company.id), ("state", "in", list(OPEN_STATES))]
        )
        warnings = warnings.sorted(lambda w: (-LEVEL_RANK[w.level], -w.score, w.id))
        if not warnings:
            return
        worked = warnings[0]
        worked.action_start()
        worked.message_post(
            body=Markup("<p>%s</p>")
            % self.env._(
                "Called the purchasing manager: they are testing a cheaper supplier. Offered a "
                "10% volume discount on the next order; they will answer within two weeks."
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        if len(warnings) > 2:
            dismissed = warnings[-1]
            dismissed.action_dismiss()
            dismissed.message_post(
                body=Markup("<p>%s</p>")
                % self.env._("Seasonal business: they order again after the holidays."),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
