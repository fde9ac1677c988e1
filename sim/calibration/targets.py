"""Distances between runs and the record, one number per run and target.

A target's distance is ``|value - observed| / tolerance`` (with ``tolerance = 0``: 0 when
equal, else ``1 + |value - observed|``), so a distance <= 1 means "within tolerance" for
every target and the SMC's tolerance ``eps`` scales all targets together (eps = 1 is the
stated tolerances). For first-round statistics a run where it never happened counts as
happening at the horizon (round ``rounds``), and ``observed = "never"`` means the same.

Run-level targets combine by their maximum (one run must reproduce all of them); a
probability target (``at_least = p``) holds for a parameter set at ``eps`` when a share
``p`` of its runs are within ``eps`` of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.spec import NEVER, Target

_CENSORED = ("first_round.", "switch_round.", "target_round", "action_first.")


def target_values(runs: pd.DataFrame, target: Target, rounds: int) -> np.ndarray:
    """The statistic per run as floats; never-happened -> ``rounds``; failed runs NaN."""
    col = runs[target.statistic] if target.statistic in runs else pd.Series(np.nan, runs.index)
    values = pd.to_numeric(col, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    ok = (runs["status"] == "ok").to_numpy() if "status" in runs else np.ones(len(runs), bool)
    if target.statistic.startswith(_CENSORED):  # after the horizon = never within it
        values = np.where(np.isnan(values) & ok, float(rounds), np.minimum(values, rounds))
    return np.where(ok, values, np.nan)


def observed_value(target: Target, rounds: int) -> float:
    return float(rounds) if target.observed == NEVER else float(target.observed)


def distance(values: np.ndarray, target: Target, rounds: int) -> np.ndarray:
    """Scaled distance of each value to the observed one (inf for a failed run)."""
    diff = np.abs(values - observed_value(target, rounds))
    tol = target.tolerance
    d = diff / tol if tol > 0 else np.where(diff == 0, 0.0, 1.0 + diff)
    return np.where(np.isnan(values), np.inf, d)


@dataclass(frozen=True)
class Scores:
    """One generation's distances: ``sets`` parameter sets x ``reps`` runs each."""

    run_distance: np.ndarray  # (sets, reps): max over run-level targets (0 if none)
    set_threshold: np.ndarray  # (sets,): smallest eps at which every probability target holds
    per_target: dict[str, np.ndarray]  # name -> (sets, reps) distances
    values: dict[str, np.ndarray]  # name -> (sets, reps) statistic values

    def pass_fraction(self, eps: float) -> np.ndarray:
        """Per set: share of runs within ``eps`` of every run-level target (an unbiased
        estimate of their ABC likelihood at ``eps``; Del Moral, Doucet & Jasra 2012), times
        whether its probability targets hold at ``eps`` (a constraint read from the same
        runs, not an unbiased estimate: near a threshold it depends on the replicates)."""
        within = (self.run_distance <= eps).mean(axis=1)
        return np.where(self.set_threshold <= eps, within, 0.0)

    def candidates(self) -> np.ndarray:
        """Every tolerance at which some pass fraction changes, ascending."""
        finite = np.concatenate([self.run_distance.ravel(), self.set_threshold])
        return np.unique(finite[np.isfinite(finite)])


def score(runs: pd.DataFrame, targets: list[Target], rounds: int, reps: int) -> Scores:
    """Distances of a generation's runs (sorted by run_id: ``point_id * reps + replicate``)."""
    runs = runs.sort_values("run_id")
    sets = len(runs) // reps
    run_d = np.zeros((sets, reps))
    threshold = np.zeros(sets)
    per_target, values = {}, {}
    for t in targets:
        v = target_values(runs, t, rounds).reshape(sets, reps)
        d = distance(v, t, rounds)
        per_target[t.name], values[t.name] = d, v
        if t.at_least is None:
            run_d = np.maximum(run_d, d)
        else:
            k = max(1, math.ceil(t.at_least * reps - 1e-9))  # k-th smallest distance
            threshold = np.maximum(threshold, np.sort(d, axis=1)[:, k - 1])
    return Scores(run_d, threshold, per_target, values)


def ess(weights: np.ndarray) -> float:
    """Effective sample size of importance weights (Kish)."""
    total = weights.sum()
    return 0.0 if total <= 0 else float(total**2 / (weights**2).sum())


def choose_tolerance(
    scores: Scores, base_weights: np.ndarray, previous: float, min_ess: float
) -> float:
    """The tolerance of a generation, in ``[1, previous]``.

    The smallest candidate whose weights keep an ESS of ``min_ess`` (at least 1: the
    stated tolerances). Distances of discrete statistics move in steps, so if that is no
    lower than ``previous``, the next step down is taken as long as it keeps a tenth of
    ``min_ess`` (the next generation's proposals recover the ESS); failing both, the
    tolerance stays at ``previous`` (the search stalls)."""
    below = [max(float(c), 1.0) for c in scores.candidates() if c < previous]
    below = sorted(set(below), reverse=True)
    sizes = [ess(base_weights * scores.pass_fraction(eps)) for eps in below]
    best = previous
    for eps, size in zip(below, sizes, strict=True):
        if size < min_ess:
            break
        best = eps
    if best < previous or not below:
        return float(best)
    if sizes[0] >= max(min_ess / 10, 2.0):
        return below[0]
    return float(previous)
