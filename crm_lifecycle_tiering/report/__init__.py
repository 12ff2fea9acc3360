from . import crm_lifecycle_pattern_report
