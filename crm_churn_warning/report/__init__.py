from . import crm_churn_backtest_xlsx
