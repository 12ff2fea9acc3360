from odoo.http import request

from odoo.addons.survey.controllers.main import Survey


class SatisfactionSurvey(Survey):
    def _check_validity(
        self, survey_sudo, answer_sudo, answer_token, ensure_token=True, check_partner=True
    ):
        """A satisfaction invitation is addressed to the customer company: a logged-in contact
        of that company who opens it with its token answers it, as an anonymous visitor
        would (the survey app only lets the invited partner itself answer when logged in)."""
        if (
            check_partner
            and answer_token
            and answer_sudo.crm_campaign_id
            and answer_sudo.partner_id
            and not request.env.user._is_public()
            and answer_sudo.partner_id == request.env.user.partner_id.commercial_partner_id
        ):
            check_partner = False
        return super()._check_validity(
            survey_sudo,
            answer_sudo,
            answer_token,
            ensure_token=ensure_token,
            check_partner=check_partner,
        )
