from . import test_signal
