from . import churn_stats
