from . import crm_satisfaction_export_wizard
