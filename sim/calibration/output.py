"""What a calibration writes: the posterior sample, per-target checks and the manifest.

``DIR/posterior.parquet``: one row per parameter set with a positive weight, from the
generations at the final tolerance (pooled): ``generation`` and ``point_id`` (its design
point in ``DIR/gen-XX``), the parameter columns, ``weight`` (sums to 1) and
``pass_fraction`` (share of its runs within the final tolerance).
``DIR/manifest.json``: provenance and results.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.smc import SmcResult
from sim.calibration.spec import Calibration
from sim.calibration.targets import observed_value

POSTERIOR = "posterior.parquet"
MANIFEST = "manifest.json"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def posterior_frame(cal: Calibration, result: SmcResult) -> pd.DataFrame:
    """The posterior sets (generations at the final tolerance) with positive weight."""
    pool = result.posterior
    frame = pd.DataFrame(pool.theta, columns=cal.parameters)
    frame.insert(0, "generation", pool.generation.astype(np.int64))
    frame.insert(1, "point_id", pool.point_id.astype(np.int64))
    frame["weight"] = pool.weights
    frame["pass_fraction"] = pool.scores.pass_fraction(pool.tolerance)
    return frame[frame["weight"] > 0].reset_index(drop=True)


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: list[float]) -> list[float]:
    """Quantiles of a weighted sample (inverse of the weighted empirical CDF, midpoints)."""
    order = np.argsort(x)
    x, w = x[order], w[order] / w.sum()
    cdf = np.cumsum(w) - 0.5 * w
    return [float(np.interp(q, cdf, x)) for q in qs]


def parameter_summary(cal: Calibration, post: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per parameter: prior bounds, posterior mean, sd and 5/50/95% quantiles."""
    out = {}
    w = post["weight"].to_numpy()
    for name, prior in cal.spec.priors.items():
        x = post[name].to_numpy()
        mean = float(w @ x)
        q05, q50, q95 = weighted_quantiles(x, w, [0.05, 0.5, 0.95])
        out[name] = {
            "prior": prior.model_dump(exclude_none=True),
            "mean": mean,
            "sd": float(np.sqrt(w @ (x - mean) ** 2)),
            "q05": q05,
            "median": q50,
            "q95": q95,
        }
    return out


def target_checks(cal: Calibration, result: SmcResult) -> list[dict[str, Any]]:
    """Per target: runs within tolerance over all generations, the closest value seen, and
    the weighted share of the FITTING runs of the posterior sets within tolerance (biased up:
    those runs were selected for meeting the targets; the predictive check proper is on
    fresh runs, sim.calibration.predictive)."""
    rounds = cal.spec.rounds
    final = result.posterior
    out = []
    for t in cal.spec.targets:
        hits = sum(int((g.scores.per_target[t.name] <= 1.0).sum()) for g in result.generations)
        values = np.concatenate([g.scores.values[t.name].ravel() for g in result.generations])
        d = np.concatenate([g.scores.per_target[t.name].ravel() for g in result.generations])
        closest = float(values[np.nanargmin(np.where(np.isfinite(d), d, np.nan))]) if np.isfinite(
            d
        ).any() else None  # fmt: skip
        within = (final.scores.per_target[t.name] <= 1.0).mean(axis=1)
        predictive = float(final.weights @ within) if final.weights.sum() > 0 else None
        out.append(
            {
                "name": t.name,
                "statistic": t.statistic,
                "observed": t.observed,
                "observed_value": observed_value(t, rounds),
                "tolerance": t.tolerance,
                "at_least": t.at_least,
                "runs_within_tolerance": hits,
                "closest_value": closest,
                "fitting_runs_within_tolerance": predictive,
            }
        )
    return out


def unreachable_message(checks: list[dict[str, Any]], runs: int) -> str | None:
    """A clear message naming each target no run ever reproduced (None if all were)."""
    missed = [c for c in checks if c["runs_within_tolerance"] == 0]
    if not missed:
        return None
    lines = [f"the model did not reproduce {len(missed)} target(s) in any of {runs:,} runs:"]
    for c in missed:
        closest = "none (every run failed)" if c["closest_value"] is None else (
            f"{c['closest_value']:g}"
        )  # fmt: skip
        lines.append(
            f"  {c['name']}: {c['statistic']} = {c['observed']} ± {c['tolerance']:g} "
            f"never reached (closest value seen: {closest})"
        )
    lines.append("the record cannot be reproduced with these priors; no posterior written")
    return "\n".join(lines)


def write_posterior(out: Path, post: pd.DataFrame) -> Path:
    """Write the posterior sample atomically."""
    from sim.files import write_atomic

    return write_atomic(Path(out) / POSTERIOR, lambda tmp: post.to_parquet(tmp, index=False))
