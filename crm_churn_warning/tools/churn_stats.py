"""BG/NBD purchase-count and Gamma-Gamma spend models (pure numpy/scipy, no Odoo).

References:
- P. S. Fader, B. G. S. Hardie, K. L. Lee (2005), "Counting your customers the easy way: an
  alternative to the Pareto/NBD model", Marketing Science 24(2) (BG/NBD);
- P. S. Fader, B. G. S. Hardie, K. L. Lee (2005), "RFM and CLV: using iso-value curves for
  customer base analysis", Journal of Marketing Research 42(4) (Gamma-Gamma);
- B. G. S. Hardie's notes "Computing P(alive) using the BG/NBD model" and "The Gamma-Gamma model
  of monetary value".

Data of one customer, in a time unit of the caller's choice (weeks in this addon):
x = repeat purchases (purchase days after the first), t_x = time from the first to the last
purchase, T = time from the first purchase to the end of the observation, m = mean value of the
repeat purchases (only used when x > 0).

Both log-likelihoods are maximised with scipy.optimize.minimize (L-BFGS-B) over the logarithms of
the parameters, which keeps them positive, with analytic gradients. Terms that depend on x, t_x or
T only are evaluated once per distinct value, so one evaluation over a hundred thousand customers
costs a few array operations.
"""

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

# bounds of the log-parameters: e^-20..e^20 covers any sensible time unit and currency
LOG_BOUNDS = (-20.0, 20.0)
WEEKS_PER_MONTH = 365.25 / 12 / 7


class FitError(ValueError):
    """The optimiser found no finite maximum of the likelihood."""


def finite(values):
    """`values` with NaN and infinities replaced by 0: the figure of a customer the formulas
    cannot evaluate (partner fields and sums take no NaN)."""
    return np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)


def _as_arrays(*arrays):
    return [np.asarray(a, dtype=float) for a in arrays]


def _distinct(values):
    """(distinct values, index of each value into them)."""
    uniq, inverse = np.unique(values, return_inverse=True)
    return uniq, inverse.reshape(-1)


# ---------------------------------------------------------------------------- BG/NBD
class _BgNbdData:
    """Customer data reduced to the distinct values the likelihood terms depend on."""

    def __init__(self, x, t_x, T):
        x, t_x, T = _as_arrays(x, t_x, T)
        self.n = len(x)
        self.ux, self.ix = _distinct(x)
        self.ut, self.it = _distinct(t_x)
        self.uT, self.iT = _distinct(T)
        self.x = x
        self.repeat = x > 0

    def neg_ll(self, log_params):
        """Negative log-likelihood and its gradient with respect to the log-parameters."""
        r, alpha, a, b = np.exp(log_params)
        ux = self.ux
        rx = r + ux
        # per distinct x
        a1 = gammaln(rx) - gammaln(r) + r * np.log(alpha)
        beta_ab = betaln(a, b)
        b2_x = betaln(a, b + ux) - beta_ab
        with np.errstate(divide="ignore", invalid="ignore"):
            # defined for x > 0 only; log(a / (b + x - 1)) + betaln(a, b + x) = betaln(a+1, b+x-1)
            b3_x = np.where(
                ux > 0, betaln(a + 1, np.maximum(b + ux - 1, 1e-300)) - beta_ab, -np.inf
            )
        log_aT = np.log(alpha + self.uT)
        log_at = np.log(alpha + self.ut)
        x = self.x
        rx_i = r + x
        b2 = b2_x[self.ix] - rx_i * log_aT[self.iT]
        b3 = b3_x[self.ix] - rx_i * log_at[self.it]
        mix = np.logaddexp(b2, b3)
        ll = a1[self.ix] + mix
        total = ll.sum()
        if not np.isfinite(total):
            return np.inf, np.zeros(4)
        # responsibility of the "dropped out after the last purchase" term
        w = np.exp(b3 - mix)
        inv_aT = 1.0 / (alpha + self.uT)
        inv_at = 1.0 / (alpha + self.ut)
        # d/dr
        g_r = (
            (digamma(rx) - digamma(r) + np.log(alpha))[self.ix]
            - (1 - w) * log_aT[self.iT]
            - w * log_at[self.it]
        ).sum()
        # d/dalpha
        g_alpha = (r / alpha - rx_i * ((1 - w) * inv_aT[self.iT] + w * inv_at[self.it])).sum()
        # d/da, d/db: beta-function terms per distinct x
        psi_ab = digamma(a + b)
        psi_abx = digamma(a + b + ux)
        db2_da = (psi_ab - psi_abx)[self.ix]
        db2_db = (digamma(b + ux) - psi_abx - digamma(b) + psi_ab)[self.ix]
        db3_da = (digamma(a + 1) - digamma(a) + psi_ab - psi_abx)[self.ix]
        with np.errstate(divide="ignore", invalid="ignore"):
            db3_db_x = np.where(
                ux > 0, digamma(np.maximum(b + ux - 1, 1e-300)) - psi_abx - digamma(b) + psi_ab, 0
            )
        db3_db = db3_db_x[self.ix]
        g_a = ((1 - w) * db2_da + w * db3_da).sum()
        g_b = ((1 - w) * db2_db + w * db3_db).sum()
        grad = np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])
        return -total, -grad


def bgnbd_log_likelihood(params, x, t_x, T):
    """Total BG/NBD log-likelihood of the customers for params (r, alpha, a, b)."""
    return -_BgNbdData(x, t_x, T).neg_ll(np.log(np.asarray(params, dtype=float)))[0]


def _minimize(fun, start, tol=1e-10):
    bounds = [LOG_BOUNDS] * len(start)
    result = minimize(
        fun,
        np.asarray(start, dtype=float),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 2000, "ftol": tol, "gtol": 1e-8},
    )
    if not np.isfinite(result.fun):
        raise FitError(result.message)
    return result


def fit_bgnbd(x, t_x, T):
    """Maximum-likelihood BG/NBD parameters.

    Returns {"r", "alpha", "a", "b", "ll"}; raises FitError when no finite optimum is found.
    """
    data = _BgNbdData(x, t_x, T)
    if not data.n:
        raise FitError("no customers")
    mean_x = float(np.mean(data.x))
    mean_T = float(np.mean(_as_arrays(T)[0]))
    # start: one purchase per observed period on average, a moderate drop-out rate
    alpha0 = max(mean_T, 1e-3) / max(mean_x, 0.1)
    start = np.log([1.0, alpha0, 1.0, 2.0])
    result = _minimize(data.neg_ll, start)
    r, alpha, a, b = np.exp(result.x)
    return {
        "r": float(r),
        "alpha": float(alpha),
        "a": float(a),
        "b": float(b),
        "ll": float(-result.fun),
    }


def p_alive(params, x, t_x, T):
    """Probability that each customer is still active at T (1 for customers without repeat).

    P = 1 / (1 + [x > 0] * a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x)), computed as
    the logistic function of the log-odds so that large x or long silences cannot overflow.
    """
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T = _as_arrays(x, t_x, T)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_odds = (
            np.log(a)
            - np.log(np.maximum(b + x - 1, 1e-300))
            + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        )
    return np.where(x > 0, expit(-log_odds), 1.0)


def conditional_expected_purchases(params, t, x, t_x, T):
    """Expected purchases of each customer in (T, T + t] given the history (x, t_x, T).

    E = (a + b + x - 1) / (a - 1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
        * 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))] * P(alive).
    With z = t/(alpha+T+t), Euler's transformation 2F1(A,B;C;z) = (1-z)^(C-A-B) 2F1(C-A,C-B;C;z)
    turns the product into (1-z)^(a-1) * 2F1(a+b-1-r, a-1; a+b+x-1; z), which stays finite for
    any number of purchases (the plain form multiplies a vanishing power by a diverging series).
    """
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    if abs(a - 1.0) < 1e-9:
        a = 1.0 + 1e-9  # the closed form has a removable singularity at a = 1
    x, t_x, T = _as_arrays(x, t_x, T)
    t = float(t)
    if t <= 0:
        return np.zeros_like(x)
    z = t / (alpha + T + t)
    c = a + b + x - 1.0
    # 2F1 has poles at c = 0, -1, ... (only possible for x = 0 with a + b <= 1), where the
    # prefactor vanishes too: step beside them to the finite limit
    c = np.where((c <= 0) & (np.abs(c - np.round(c)) < 1e-9), c + 1e-7, c)
    # with a very large a the power underflows to 0 where the series overflows to inf: their
    # product is NaN (no finite figure), which the callers turn into 0 without a warning
    with np.errstate(invalid="ignore"):
        series = (1.0 - z) ** (a - 1.0) * hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
    expected = c / (a - 1.0) * (1.0 - series)
    return np.maximum(expected, 0.0) * p_alive(params, x, t_x, T)


# ---------------------------------------------------------------------------- Gamma-Gamma
class _GammaGammaData:
    def __init__(self, x, m):
        x, m = _as_arrays(x, m)
        keep = (x > 0) & (m > 0)
        self.x = x[keep]
        self.m = m[keep]
        self.n = len(self.x)
        self.log_x = np.log(self.x)
        self.log_m = np.log(self.m)

    def neg_ll(self, log_params):
        p, q, gamma = np.exp(log_params)
        x, m = self.x, self.m
        px = p * x
        log_gm = np.log(gamma + m * x)
        ll = (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(gamma)
            + px * self.log_x
            + (px - 1) * self.log_m
            - (px + q) * log_gm
        )
        total = ll.sum()
        if not np.isfinite(total):
            return np.inf, np.zeros(3)
        psi_pxq = digamma(px + q)
        g_p = (x * (psi_pxq - digamma(px) + self.log_x + self.log_m - log_gm)).sum()
        g_q = (psi_pxq - digamma(q) + np.log(gamma) - log_gm).sum()
        g_gamma = (q / gamma - (px + q) / (gamma + m * x)).sum()
        return -total, -np.array([g_p * p, g_q * q, g_gamma * gamma])


def gamma_gamma_log_likelihood(params, x, m):
    """Total Gamma-Gamma log-likelihood of the repeat buyers (x > 0, m > 0) for (p, q, gamma)."""
    return -_GammaGammaData(x, m).neg_ll(np.log(np.asarray(params, dtype=float)))[0]


def fit_gamma_gamma(x, m):
    """Maximum-likelihood Gamma-Gamma parameters from the customers with x > 0 and m > 0.

    Returns {"p", "q", "gamma", "ll"}; raises FitError when no finite optimum is found.
    """
    data = _GammaGammaData(x, m)
    if not data.n:
        raise FitError("no repeat buyers")
    # start: a moderate shape, with the scale matching the mean spend (E[M] = p gamma / (q - 1))
    mean_m = float(np.mean(data.m))
    start = np.log([2.0, 3.0, max(mean_m, 1e-6)])
    result = _minimize(data.neg_ll, start)
    p, q, gamma = np.exp(result.x)
    return {"p": float(p), "q": float(q), "gamma": float(gamma), "ll": float(-result.fun)}


def conditional_expected_spend(params, x, m):
    """Expected value of a future purchase of each customer given x repeat purchases of mean m.

    E(M | p, q, gamma, m, x) = p (gamma + x m) / (p x + q - 1); without repeat purchases this is
    the population mean p gamma / (q - 1). The mean exists only for q > 1: with a heavier tail
    (q <= 1) the customer's own mean is used, and the repeat buyers' average for the others.
    """
    p, q, gamma = (params[k] for k in ("p", "q", "gamma"))
    x, m = _as_arrays(x, m)
    m = np.where(x > 0, np.maximum(m, 0.0), 0.0)
    if q > 1:
        return p * (gamma + x * m) / (p * x + q - 1)
    repeaters = x > 0
    fallback = float(np.mean(m[repeaters])) if repeaters.any() else 0.0
    return np.where(repeaters, m, fallback)


# ---------------------------------------------------------------------------- CLV
def clv(bgnbd_params, gg_params, x, t_x, T, m, months=12, discount=0.01, month=WEEKS_PER_MONTH):
    """Discounted value of each customer's purchases over the next `months` months.

    Sum over months i of expected spend * (E[purchases up to month i] - E[... up to i - 1]) /
    (1 + discount)^i, as in Fader, Hardie & Lee's CLV with the Gamma-Gamma spend; `month` is the
    length of a month in the time unit of t_x and T (weeks by default).
    """
    x, t_x, T, m = _as_arrays(x, t_x, T, m)
    spend = conditional_expected_spend(gg_params, x, m)
    value = np.zeros_like(x)
    previous = np.zeros_like(x)
    for i in range(1, months + 1):
        cumulative = conditional_expected_purchases(bgnbd_params, i * month, x, t_x, T)
        value += spend * (cumulative - previous) / (1.0 + discount) ** i
        previous = cumulative
    return value
