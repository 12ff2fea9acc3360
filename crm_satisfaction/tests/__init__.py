from . import test_category
from . import test_complaint
from . import test_survey
from . import test_followup
