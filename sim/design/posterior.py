"""``design.kind = "posterior"``: forecast design points drawn from a calibration's posterior.

An experiment file may say::

    [design]
    kind = "posterior"
    posterior = "../../results/calibration"   # a `run.py calibrate` output directory
    samples = 200                              # parameter sets drawn by weight

The points are ``samples`` parameter sets drawn from ``DIR/posterior.parquet`` by weight
(systematic resampling, seeded from the experiment's root seed); each runs ``replicates``
seeds. The calibration's scenario overrides (e.g. checkpoints) are applied to the
experiment's scenario, so the forecast runs carry the columns of the record's targets, and
the targets are kept in the design record so the forecast can be conditioned on them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from sim.design.kind import DesignContext, DesignKind, DesignPoints, Resolved
from sim.design.spec import DesignTable
from sim.errors import ConfigError


class PosteriorDesign(DesignTable):
    """The design table of an experiment file; ``parameters``, ``digest``, ``record`` and
    ``scenario_overrides`` are filled in when the file is loaded (not written by hand)."""

    kind: Literal["posterior"]
    posterior: str
    samples: Annotated[int, Field(ge=1)]
    parameters: list[str] = Field(default_factory=list)
    digest: str | None = None
    record: list[dict[str, Any]] = Field(default_factory=list)
    record_rounds: int | None = None
    scenario_overrides: dict[str, Any] = Field(default_factory=dict)


def systematic_resample(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``n`` draws proportional to ``weights`` (Kitagawa 1996), ascending."""
    cdf = np.cumsum(weights / weights.sum())
    cdf[-1] = 1.0
    u = (rng.uniform() + np.arange(n)) / n
    return np.searchsorted(cdf, u, side="right")


def resolve_posterior(
    design: PosteriorDesign, exp_file: Path, root_seed: int
) -> tuple[PosteriorDesign, list[dict[str, float]]]:
    """The design with its resolved fields, and the drawn points; raises ConfigError."""
    folder = Path(design.posterior)
    if not folder.is_absolute():
        folder = exp_file.resolve().parent / folder
    table, manifest = folder / "posterior.parquet", folder / "manifest.json"
    if not (table.is_file() and manifest.is_file()):
        raise ConfigError(
            str(exp_file), "design.posterior",
            f"a calibration output directory with posterior.parquet and manifest.json "
            f"(run.py calibrate; looked in {folder})", design.posterior,
        )  # fmt: skip
    try:
        post = pd.read_parquet(table)
        info = json.loads(manifest.read_text())
    except (OSError, ValueError) as exc:
        what = f"a readable posterior ({exc})"
        raise ConfigError(str(exp_file), "design.posterior", what) from None
    params = [p for p in info.get("parameters", []) if p in post]
    if not params or "weight" not in post or post["weight"].sum() <= 0:
        raise ConfigError(str(exp_file), "design.posterior", "a posterior with parameters and "
                          "positive weights", design.posterior)  # fmt: skip
    idx = systematic_resample(post["weight"].to_numpy(), design.samples,
                              np.random.default_rng(root_seed))  # fmt: skip
    cal = info.get("calibration", {})
    whole = {n for n, p in (cal.get("priors") or {}).items() if p.get("integer")}
    points = [{p: int(post[p].iloc[i]) if p in whole else float(post[p].iloc[i])
               for p in params} for i in idx]  # fmt: skip
    resolved = design.model_copy(
        update={
            "parameters": params,
            "digest": hashlib.sha256(table.read_bytes()).hexdigest(),
            "record": list(cal.get("targets", [])),
            "record_rounds": cal.get("rounds"),
            "scenario_overrides": dict(cal.get("scenario_overrides", {})),
        }
    )
    return resolved, points


class Posterior(DesignKind):
    """Parameter sets drawn from a calibration's posterior, each with its own seeds
    (repeated sets add information); the forecast is conditioned on the stored record."""

    name = "posterior"
    model = PosteriorDesign
    forecast = True

    def resolve(self, design: PosteriorDesign, ctx: DesignContext) -> Resolved:
        resolved, drawn = resolve_posterior(design, ctx.file, ctx.root_seed)
        return Resolved(
            resolved,
            DesignPoints(drawn),
            scenario_overrides=resolved.scenario_overrides,
            own_seeds=True,
        )


POSTERIOR = Posterior()
