from . import test_category
from . import test_complaint
from . import test_survey
from . import test_followup
from . import test_portal
from . import test_complaint_demo
