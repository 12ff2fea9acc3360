from . import test_tier
from . import test_tour
