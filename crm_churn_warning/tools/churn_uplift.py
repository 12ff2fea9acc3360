"""The uplift of the playbooks: treated warnings against the control group (pure Python and
scipy, no Odoo).

Two figures, each with its 95% confidence interval:

- the uplift of the retention rate, p1 - p2 (p1 = retained / closed treated warnings, p2 the
  same of the control group), with Newcombe's hybrid score interval (R. G. Newcombe (1998),
  "Interval estimation for the difference between independent proportions: comparison of
  eleven methods", Statistics in Medicine 17, method 10): the Wilson score intervals (l1, u1)
  and (l2, u2) of the two rates give

      L = d - sqrt((p1 - l1)^2 + (u2 - p2)^2),   U = d + sqrt((u1 - p1)^2 + (p2 - l2)^2),

  which stays within [-1, 1] and keeps its coverage with rates near 0 or 1 and groups of a few
  dozen, where the Wald interval d +/- z sqrt(p1 q1 / n1 + p2 q2 / n2) does not;
- the revenue retained attributable to the playbooks, (m1 - m2) x n1 (m1, m2 the mean revenue
  after a closed warning of each group, n1 the closed treated warnings), with the normal
  approximation of Welch's interval of m1 - m2: (m1 - m2) +/- z sqrt(s1^2 / n1 + s2^2 / n2),
  s1, s2 the sample standard deviations, the bounds multiplied by n1 as the figure is.
"""

import math

from scipy.stats import norm

CONFIDENCE = 0.95
Z = float(norm.ppf(0.5 + CONFIDENCE / 2))  # 1.959963984540054


def wilson_interval(successes, total, z=Z):
    """The Wilson score interval (low, high) of the proportion successes / total."""
    if not total:
        return 0.0, 1.0
    p = successes / total
    denominator = total + z * z
    center = (successes + z * z / 2) / denominator
    half = z * math.sqrt(total) / denominator * math.sqrt(p * (1 - p) + z * z / (4 * total))
    return max(0.0, center - half), min(1.0, center + half)


def rate_difference(successes_1, total_1, successes_2, total_2, z=Z):
    """(p1 - p2, low, high): the difference of the two proportions with Newcombe's hybrid
    score interval."""
    p1, p2 = successes_1 / total_1, successes_2 / total_2
    low_1, high_1 = wilson_interval(successes_1, total_1, z)
    low_2, high_2 = wilson_interval(successes_2, total_2, z)
    difference = p1 - p2
    return (
        difference,
        difference - math.sqrt((p1 - low_1) ** 2 + (high_2 - p2) ** 2),
        difference + math.sqrt((high_1 - p1) ** 2 + (p2 - low_2) ** 2),
    )


def mean_and_variance(values):
    """(mean, sample variance) of ``values`` (at least two)."""
    count = len(values)
    mean = math.fsum(values) / count
    return mean, math.fsum((value - mean) ** 2 for value in values) / (count - 1)


def attributable_revenue(values_1, values_2, z=Z):
    """((m1 - m2) x n1, low, high): the revenue of the n1 warnings of ``values_1`` (treated)
    beyond what they would have brought at the mean m2 of ``values_2`` (control), with the
    normal approximation of Welch's interval."""
    n1, n2 = len(values_1), len(values_2)
    mean_1, variance_1 = mean_and_variance(values_1)
    mean_2, variance_2 = mean_and_variance(values_2)
    difference = mean_1 - mean_2
    half = z * math.sqrt(variance_1 / n1 + variance_2 / n2)
    return difference * n1, (difference - half) * n1, (difference + half) * n1
