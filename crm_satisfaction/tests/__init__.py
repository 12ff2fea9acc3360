from . import test_category
