from . import crm_complaint_category
