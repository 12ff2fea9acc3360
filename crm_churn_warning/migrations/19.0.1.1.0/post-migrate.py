"""19.0.1.1.0: the salespeople no longer see the warnings of the control group.

The record rules of the churn users are data loaded once (noupdate): an update of the module
keeps them as they were. After the update, the rules' file is loaded again as at installation,
which writes their new domains (the file's other rules, the companies', are unchanged by it).
"""

from odoo import SUPERUSER_ID, api
from odoo.tools.convert import convert_file


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    convert_file(
        env,
        "crm_churn_warning",
        "security/crm_churn_warning_security.xml",
        {},
        mode="init",
        noupdate=True,
    )
