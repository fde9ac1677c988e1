"""The posterior predictive check on FRESH runs: parameter sets drawn from the posterior by
weight, each run with new seeds, never the runs that fitted it.

The fitting runs were selected because they met the targets (a set's weight is its pass
fraction), so the share of them within tolerance overstates what the posterior predicts:
on the 2024 calibration 42.4% of fitting runs against 39.6% of fresh ones for the
treaty-signed target (issue 22). The fresh runs are one batch in ``DIR/predictive``
(resumable like a generation), with seeds from ``SeedSequence(root_seed)`` under a spawn
key no generation uses.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.generation import generation_experiment, run_generation
from sim.calibration.spec import Calibration
from sim.calibration.targets import Scores, score
from sim.design.posterior import systematic_resample
from sim.seeds import INT63

FRESH_KEY = 1_000_000  # spawn key of the fresh runs' seeds (generations use 0, 1, ...)
# Every other stream of fresh runs has its own key, so no two share seeds: a hindcast's
# posterior and prior forecasts (sim/calibration/hindcast_run.py) and the record row checked
# out of sample (sim/validation/record.py).
HINDCAST_MODEL_KEY = FRESH_KEY + 1
HINDCAST_PRIOR_KEY = FRESH_KEY + 2
RECORD_KEY = FRESH_KEY + 3
HINDCAST_BOOT_KEY = FRESH_KEY + 4  # the hindcast's bootstrap over parameter sets (no runs)
SPAWN_KEYS = (FRESH_KEY, HINDCAST_MODEL_KEY, HINDCAST_PRIOR_KEY, RECORD_KEY, HINDCAST_BOOT_KEY)
FRESH_DIR = "predictive"


@dataclass(frozen=True)
class FreshRuns:
    """Parameter sets drawn from the posterior (equal weight) and their fresh runs' scores."""

    theta: np.ndarray  # (sets, parameters)
    scores: Scores  # sets x replicates

    @property
    def sets(self) -> int:
        return len(self.theta)


def fresh_streams(root_seed: int, key: int = FRESH_KEY) -> tuple[np.random.Generator, int]:
    """(resampling generator, root seed of the fresh runs): independent of every generation."""
    draw, runs = np.random.SeedSequence(root_seed, spawn_key=(key,)).spawn(2)
    return np.random.default_rng(draw), int(runs.generate_state(1, dtype=np.uint64)[0]) & INT63


def draw_sets(cal: Calibration, post: pd.DataFrame, sets: int, rng) -> np.ndarray:
    """``sets`` parameter rows of the posterior table drawn by weight (systematic)."""
    idx = systematic_resample(post["weight"].to_numpy(), sets, rng)
    return post[cal.parameters].to_numpy()[idx]


def fresh_runs(
    cal: Calibration,
    theta: np.ndarray,
    out: Path,
    runs_seed: int,
    options: dict[str, Any],
    *,
    rounds: int | None = None,
    columns: list[str] | None = None,
) -> tuple[pd.DataFrame, int]:
    """Run ``theta`` x replicates with seeds from ``runs_seed`` into ``out``; (runs with the
    target statistics and ``columns``, runs run now). ``options``: workers, scheduler,
    progress, runner, or an ``executor`` (tests)."""
    wanted = [t.statistic for t in cal.spec.targets] + list(columns or [])
    exp = generation_experiment(cal, FRESH_KEY, theta, runs_seed)
    if rounds is not None:  # e.g. a hindcast's forecast past the calibration's rounds
        spec = exp.spec.model_copy(update={"rounds": rounds})
        exp = dataclasses.replace(exp, spec=spec, rounds=rounds)
    options = dict(options)
    executor = options.pop("executor", None)
    if executor is not None:
        return executor(exp), exp.runs_total
    return run_generation(exp, out, list(dict.fromkeys(wanted)), **options)


def fresh_predictive(
    cal: Calibration, post: pd.DataFrame, out: Path, sets: int, options: dict[str, Any]
) -> tuple[FreshRuns, int]:
    """Fresh posterior predictive runs of the calibration's targets; (result, runs run now)."""
    rng, runs_seed = fresh_streams(cal.spec.root_seed)
    theta = draw_sets(cal, post, sets, rng)
    runs, ran = fresh_runs(cal, theta, Path(out) / FRESH_DIR, runs_seed, options)
    scores = score(runs, list(cal.spec.targets), cal.spec.rounds, cal.spec.replicates)
    return FreshRuns(theta, scores), ran


def fresh_checks(cal: Calibration, fresh: FreshRuns) -> dict[str, dict[str, float]]:
    """Per target: share of fresh runs within tolerance and, for an ``at_least`` target,
    share of sets meeting it; ``"all run-level targets"``: runs meeting them all at once."""
    out: dict[str, dict[str, float]] = {}
    reps = cal.spec.replicates
    for t in cal.spec.targets:
        within = fresh.scores.per_target[t.name] <= 1.0
        row = {"fresh_within_tolerance": float(within.mean())}
        if t.at_least is not None:
            need = max(1, int(np.ceil(t.at_least * reps - 1e-9)))
            row["fresh_sets_meeting"] = float((within.sum(axis=1) >= need).mean())
        out[t.name] = row
    out["all run-level targets"] = {
        "fresh_within_tolerance": float((fresh.scores.run_distance <= 1.0).mean())
    }
    return out
