from . import crm_churn_backtest_wizard
from . import crm_churn_export_wizard
from . import base_partner_merge
from . import crm_getting_started
from . import crm_churn_warning_lose
