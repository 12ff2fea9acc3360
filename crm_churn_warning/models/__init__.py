from . import crm_churn_signal
