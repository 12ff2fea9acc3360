from . import crm_complaint_rate_report
