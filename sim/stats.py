"""Pure statistical helpers for batch outcomes (numpy/scipy only, no model code).

- Wilson score interval for a binomial proportion (Wilson 1927).
- Kaplan–Meier estimate of the cumulative probability of an event by each round with
  right-censoring (Kaplan & Meier 1958), Greenwood variance with a log-log interval
  (Kalbfleisch & Prentice 2002, sec. 1.3), computed by SciPy.
- Quantile envelopes of per-round samples (as Covasim's multi-run bands).
- Log-rank test comparing two time-to-event samples (Mantel 1966; Peto & Peto 1972),
  computed by SciPy.

Time convention: rounds are integers 0, 1, 2, ...; an event "at round t" happened during
round t (the state after round t shows it). A censored run with time c was observed
without the event through round c (its last round), so it is at risk at rounds 0..c.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

Z95 = 1.959964


def wilson_interval(k, n, z: float = Z95):
    """Wilson (1927) score interval for k successes out of n trials.

    Works on scalars (returns two floats) and arrays (returns two arrays). Unlike the
    normal ("Wald") interval it stays inside [0, 1] and is sensible for k = 0 or k = n,
    which is common for rare pacts. n = 0 gives (nan, nan).
    """
    k_arr = np.asarray(k, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k_arr / n_arr
        z2 = z * z
        denom = 1.0 + z2 / n_arr
        centre = (p + z2 / (2.0 * n_arr)) / denom
        half = z * np.sqrt(p * (1.0 - p) / n_arr + z2 / (4.0 * n_arr * n_arr)) / denom
        # lo <= p <= hi holds exactly; min/max only remove rounding error at k = 0 or n.
        lo = np.clip(np.minimum(centre - half, p), 0.0, 1.0)
        hi = np.clip(np.maximum(centre + half, p), 0.0, 1.0)
    bad = n_arr <= 0
    lo = np.where(bad, np.nan, lo)
    hi = np.where(bad, np.nan, hi)
    if lo.ndim == 0:
        return float(lo), float(hi)
    return lo, hi


def clustered_wilson(hit: np.ndarray, cluster: np.ndarray, z: float = Z95) -> tuple[float, float]:
    """Wilson interval for the share of ``hit`` over runs grouped in ``cluster`` (e.g. a
    posterior's parameter sets, several seeds each), at Kish's (1965) effective sample
    size n / deff, with the design effect deff = (the share's variance from the cluster
    totals, the ratio estimator's) / (its variance for independent runs). Runs of one set
    are alike, so counting them as independent narrows the interval; deff is at least 1
    here (never narrower than the independent-runs interval)."""
    y = np.asarray(hit, float)
    ids, inverse = np.unique(np.asarray(cluster), return_inverse=True)
    n, s = len(y), len(ids)
    p = y.mean()
    if s < 2 or p in (0.0, 1.0):
        lo, hi = wilson_interval(y.sum(), n, z)
        return float(lo), float(hi)
    totals = np.bincount(inverse, weights=y)
    sizes = np.bincount(inverse).astype(float)
    var_clustered = s / (s - 1) * ((totals - p * sizes) ** 2).sum() / n**2
    deff = max(1.0, var_clustered / (p * (1 - p) / n))
    n_eff = n / deff
    lo, hi = wilson_interval(p * n_eff, n_eff, z)
    return float(lo), float(hi)


@dataclass(frozen=True)
class KMResult:
    """Kaplan–Meier estimate per round 0..horizon-1.

    cum_inc[t] = P(event by the end of round t) = 1 - S(t); nan after the last round
    at which any run was still observed (the estimate is undefined there).
    lo/hi: pointwise 95% interval (Greenwood variance, log-log transform).
    at_risk[t], events[t], censored[t]: counts used at round t.
    """

    cum_inc: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    censored: np.ndarray


def _check_times(times, observed) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(times, dtype=float)
    o = np.asarray(observed, dtype=bool)
    if t.shape != o.shape or t.ndim != 1:
        raise ValueError("times and observed must be 1-D arrays of the same length")
    if np.any(np.isnan(t)):
        raise ValueError("times contain NaN: give censored runs their last observed round")
    if np.any(t < 0):
        raise ValueError("times must be >= 0")
    return t.astype(int), o


def kaplan_meier(times, observed, horizon: int, z: float = Z95) -> KMResult:
    """Kaplan & Meier (1958) product-limit estimate of P(event by round t), t < horizon.

    times: event round for observed runs, last observed round for censored runs.
    observed: True if the event happened at `times`, False if censored there.
    Ties: events at round t count before censorings at t (standard convention).
    The estimate and its Greenwood log-log interval are SciPy's (``scipy.stats.ecdf``).
    """
    t, o = _check_times(times, observed)
    rounds = np.arange(horizon)
    size = max(horizon, int(t.max()) + 1 if t.size else 0)
    events = np.bincount(t[o], minlength=size)[:horizon]
    censored = np.bincount(t[~o], minlength=size)[:horizon]
    ended_before = np.concatenate([[0], np.cumsum(np.bincount(t, minlength=size))])
    at_risk = t.size - ended_before[:horizon]
    if not t.size:
        nan = np.full(horizon, np.nan)
        return KMResult(nan, nan.copy(), nan.copy(), at_risk, events, censored)
    from scipy import stats as _sps  # here: importing SciPy costs ~0.4 s per process

    sf = _sps.ecdf(_sps.CensoredData(uncensored=t[o], right=t[~o])).sf
    level = 2.0 * _sps.norm.cdf(z) - 1.0
    with warnings.catch_warnings():  # undefined where S is 0 or 1: handled below
        warnings.simplefilter("ignore", RuntimeWarning)
        band = sf.confidence_interval(level, method="log-log")
        surv, s_lo, s_hi = (f.evaluate(rounds) for f in (sf, band.low, band.high))
    edge = (surv >= 1.0) | (surv <= 0.0)
    cum, lo, hi = 1.0 - surv, 1.0 - np.where(edge, surv, s_hi), 1.0 - np.where(edge, surv, s_lo)
    # Undefined after the last observed round unless everybody had the event.
    undefined = (rounds > int(t.max())) & (surv > 0.0)
    for arr in (cum, lo, hi):
        arr[undefined] = np.nan
    return KMResult(cum, lo, hi, at_risk, events, censored)


def cumulative_incidence(times, observed, horizon: int) -> np.ndarray:
    """P(event by the end of round t) for t = 0..horizon-1, right-censoring handled.

    Kaplan–Meier (1958) complement 1 - S(t); without censoring before the horizon it
    equals the empirical share of runs with the event by round t.
    """
    return kaplan_meier(times, observed, horizon).cum_inc


def median_event_time(times, observed) -> float:
    """Median round among runs where the event was observed (nan if none)."""
    t = np.asarray(times, dtype=float)
    o = np.asarray(observed, dtype=bool)
    return float(np.median(t[o])) if o.any() else float("nan")


DEFAULT_QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)


def quantile_envelope(
    df: pd.DataFrame,
    value: str,
    by: str = "round",
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES,
) -> pd.DataFrame:
    """Per-`by` quantiles of column `value` (NaNs ignored): one row per `by` value.

    Columns: `by`, `n`, then `q05`, `q25`, `q50`, ... named by percent. Used for the
    median / 50% / 90% bands over runs.
    """
    g = df.groupby(by)[value]
    out = g.quantile(list(quantiles)).unstack()
    out.columns = [f"q{round(q * 100):02d}" for q in quantiles]
    out.insert(0, "n", g.count())
    return out.reset_index()


@dataclass(frozen=True)
class LogRankResult:
    """Log-rank test: chi-square statistic (1 df) and its p-value."""

    statistic: float
    p_value: float


def logrank_test(times_1, observed_1, times_2, observed_2) -> LogRankResult:
    """Two-sample log-rank test (Mantel 1966) of equal event-time distributions.

    SciPy's ``scipy.stats.logrank`` (two-sided; hypergeometric variance); the statistic is
    the square of its z score. Returns p = nan when no event was observed in either sample.
    """
    t1, o1 = _check_times(times_1, observed_1)
    t2, o2 = _check_times(times_2, observed_2)
    if not (o1.any() or o2.any()):
        return LogRankResult(float("nan"), float("nan"))
    with warnings.catch_warnings():  # zero variance (every one at risk had the event): nan
        warnings.simplefilter("ignore", RuntimeWarning)
        from scipy import stats as _sps

        res = _sps.logrank(
            _sps.CensoredData(uncensored=t1[o1], right=t1[~o1]),
            _sps.CensoredData(uncensored=t2[o2], right=t2[~o2]),
        )
    return LogRankResult(float(res.statistic) ** 2, float(res.pvalue))
