from . import crm_churn_backtest_xlsx
from . import crm_churn_lost_report
