"""Run a hindcast (sim/calibration/hindcast.py): calibrate to the cutoff, forecast with fresh
runs from the posterior and from the prior, score every event; write ``DIR/scores.csv``,
``DIR/reliability.png`` and ``DIR/manifest.json``.

``DIR/calibration`` holds the calibration to the cutoff (as ``run.py calibrate`` writes it),
``DIR/forecast`` the fresh posterior runs, ``DIR/prior`` the prior predictive runs (each a
resumable batch).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.hindcast import (
    HindcastSetup,
    event_forecast,
    holds,
    horizon,
    observed,
    per_set_weights,
    persisted_statistic,
    persisted_values,
    reproduces,
    set_bootstrap,
    unit,
)
from sim.calibration.predictive import (
    HINDCAST_BOOT_KEY,
    HINDCAST_MODEL_KEY,
    HINDCAST_PRIOR_KEY,
    draw_sets,
    fresh_runs,
    fresh_streams,
)
from sim.calibration.priors import PriorSet
from sim.calibration.scoring import brier, crps
from sim.calibration.targets import target_values

FORECASTERS = ("model", "persistence", "base_rate")
SCORES = "scores.csv"


def _runs(hc: HindcastSetup, theta, out: Path, key: int, options: dict) -> pd.DataFrame:
    _rng, seed = fresh_streams(hc.forecast.spec.root_seed, key)
    extra = [persisted_statistic(t.statistic, hc.cutoff_round) for t in hc.events]
    # rounds: the runs' length, for the fit's cumulative targets (hindcast.reproduces)
    runs, _ran = fresh_runs(hc.forecast, theta, out, seed, options,
                            columns=[c for c in extra if c] + ["rounds"])  # fmt: skip
    return runs


def forecast_runs(
    hc: HindcastSetup, post: pd.DataFrame, out: Path, sets: int, options: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(fresh runs of ``sets`` posterior sets, fresh runs of ``sets`` prior sets)."""
    rng, _seed = fresh_streams(hc.forecast.spec.root_seed, HINDCAST_MODEL_KEY)
    theta = draw_sets(hc.fit, post, sets, rng)
    model = _runs(hc, theta, Path(out) / "forecast", HINDCAST_MODEL_KEY, options)
    priors = PriorSet.of(hc.fit.spec.priors)
    rng, _seed = fresh_streams(hc.forecast.spec.root_seed, HINDCAST_PRIOR_KEY)
    prior_theta = priors.from_z(priors.sample_z(sets, rng))
    prior = _runs(hc, prior_theta, Path(out) / "prior", HINDCAST_PRIOR_KEY, options)
    return model, prior


def score_events(hc: HindcastSetup, model: pd.DataFrame, prior: pd.DataFrame) -> pd.DataFrame:
    """One row per event: each forecaster's probability, Brier score and CRPS; for the
    model and the base rate a 95% interval of the probability and of the Brier score
    difference model - base rate (:func:`_intervals`)."""
    start = str(hc.forecast.scenario_raw["start"])
    kept = model[reproduces(model, hc.fit.spec.targets, hc.cutoff_round + 1)]
    # the model's and persistence's runs: each posterior set counts once (per_set_weights)
    weights = per_set_weights(kept["point_id"].to_numpy())
    rng, _seed = fresh_streams(hc.forecast.spec.root_seed, HINDCAST_BOOT_KEY)
    rows = []
    for t in hc.events:
        rounds = horizon(t, start, hc.forecast.spec.rounds)
        values = {
            "model": (target_values(kept, t, rounds), weights),
            "persistence": (persisted_values(kept, t, hc.cutoff_round, rounds), weights),
            "base_rate": (target_values(prior, t, rounds), None),
        }
        x = observed(t, rounds)
        row: dict[str, Any] = {"event": t.name, "date": t.date, "statistic": t.statistic,
                               "observed": t.observed, "tolerance": t.tolerance}  # fmt: skip
        for name in FORECASTERS:
            v, w = values[name]
            p, v, w = event_forecast(v, t, rounds, w)
            row[f"p_{name}"] = p
            row[f"brier_{name}"] = brier(p, 1.0)  # the record: the statement held
            row[f"crps_{name}"] = crps(v, x, w)
        row.update(_intervals(values, kept, prior, t, rounds, rng))
        row["unit"] = unit(t.statistic)  # of the CRPS: months, count or levels
        row["runs_model"] = len(kept)
        row["sets_model"] = kept["point_id"].nunique()
        row["runs_base_rate"] = len(prior)
        rows.append(row)
    return pd.DataFrame(rows)


def _intervals(values: dict, kept: pd.DataFrame, prior: pd.DataFrame, t, rounds: int,
               rng) -> dict[str, float]:  # fmt: skip
    """Percentile 95% intervals (:func:`set_bootstrap`, the sets resampled) of the model's
    and the base rate's probability and of the Brier difference model - base rate (the
    two resampled independently: fresh posterior and prior sets share nothing)."""
    boot = {}
    for name, runs, per_set in (("model", kept, True), ("base_rate", prior, False)):
        v = values[name][0]
        hit, valid = holds(v, t, rounds), ~np.isnan(v)
        boot[name] = set_bootstrap(hit, valid, runs["point_id"].to_numpy(), per_set, rng)
    out = {}
    for name, b in boot.items():
        out[f"p_{name}_lo"], out[f"p_{name}_hi"] = _percentiles(b)
    diff = (1 - boot["model"]) ** 2 - (1 - boot["base_rate"]) ** 2  # Brier, the event held
    out["brier_diff_lo"], out["brier_diff_hi"] = _percentiles(diff)
    return out


def _percentiles(b: np.ndarray) -> tuple[float, float]:
    b = b[~np.isnan(b)]
    if not len(b):
        return float("nan"), float("nan")
    lo, hi = np.quantile(b, [0.025, 0.975])
    return float(lo), float(hi)


def mean_scores(scores: pd.DataFrame) -> dict[str, float]:
    """Mean Brier scores over events, and mean CRPS per unit (``crps_model.months``, ...):
    a CRPS in months and one in pact levels are not summed."""
    out = {c: float(scores[c].mean()) for c in scores
           if c.startswith("brier_") and not c.endswith(("_lo", "_hi"))}  # fmt: skip
    units = scores["unit"] if "unit" in scores else pd.Series("all", index=scores.index)
    for u, rows in scores.groupby(units, sort=True):
        for c in (c for c in scores if c.startswith("crps_")):
            out[f"{c}.{u}"] = float(rows[c].mean())
    return out


def run_hindcast(
    hc: HindcastSetup,
    out: Path,
    *,
    sets: int,
    options: dict[str, Any],
    budget: int | None = None,
    report: Callable[[str], None] | None = None,
    unconverged_ok: bool = False,
) -> tuple[int, list[str], pd.DataFrame | None]:
    """Calibrate to the cutoff, forecast, score; (exit code, lines, scores).
    ``unconverged_ok``: score from the last generation's posterior even when the stated
    tolerances were not reached (the validation's quick mode: a smoke test of the
    pipeline, its figures are not for quoting); the lines say so."""
    import time

    from sim.calibration.output import posterior_frame
    from sim.calibration.report import finish, start_manifest
    from sim.calibration.smc import run_smc

    started = time.monotonic()
    cal_dir = Path(out) / "calibration"
    budget = budget or hc.fit.spec.smc.budget
    manifest = start_manifest(hc.fit, cal_dir, budget)
    result = run_smc(hc.fit, cal_dir, budget=budget, report=report, **options)
    code, lines = finish(hc.fit, cal_dir, result, manifest, time.monotonic() - started,
                         figures=None)  # fmt: skip
    if code != 0 and not (unconverged_ok and result.status != "empty"):
        return code, lines, None
    if code != 0:
        lines = [*lines, "(scored from an unconverged posterior: quick mode, not for quoting)"]
    post = posterior_frame(hc.fit, result)
    model, prior = forecast_runs(hc, post, out, sets, options)
    return 0, lines, score_events(hc, model, prior)
