from . import crm_tier_simulation
from . import crm_tier_lock_wizard
from . import crm_value_report_wizard
from . import base_partner_merge
from . import crm_getting_started
