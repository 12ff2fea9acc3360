from . import crm_churn_backtest_wizard
from . import crm_churn_export_wizard
