from . import test_tier
from . import test_tour
from . import test_rules
from . import test_lifecycle
from . import test_refresh
from . import test_value_report
from . import test_demo
