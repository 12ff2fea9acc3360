from . import crm_satisfaction_export_wizard
from . import crm_getting_started
