"""One SMC generation = one batch of the ordinary engine over an explicit list of points.

Each generation's parameter sets become the design points of an :class:`Experiment` run
by :func:`sim.batch.session.run_batch` into ``DIR/gen-XX``: same engine, seeds, crash-safe
storage and resume as any batch. Seeds come from ``SeedSequence(root_seed)`` with the
generation number as spawn key, derived in the parent before any work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from sim.batch.plan import DEFAULT_RUNNER
from sim.calibration.spec import Calibration
from sim.design.kind import DesignPoints
from sim.design.spec import ExperimentSpec
from sim.experiment import Experiment
from sim.seeds import INT63, replicate_seeds


class PointsDesign(BaseModel):
    """``kind = "points"``: explicit design points (column per parameter, row per point)."""

    model_config = ConfigDict(frozen=True)
    kind: Literal["points"] = "points"
    parameters: dict[str, list[float]]


def generation_streams(root_seed: int, generation: int) -> tuple[np.random.Generator, int]:
    """(proposal generator, root seed of the generation's runs), independent per generation."""
    proposal, runs = np.random.SeedSequence(root_seed, spawn_key=(generation,)).spawn(2)
    seed = int(runs.generate_state(1, dtype=np.uint64)[0]) & INT63
    return np.random.default_rng(proposal), seed


def generation_experiment(
    cal: Calibration, generation: int, theta: np.ndarray, runs_seed: int
) -> Experiment:
    """The batch of one generation: ``theta`` (sets x parameters) x ``replicates`` seeds."""
    names = cal.parameters
    whole = {n for n, p in cal.spec.priors.items() if p.integer}
    points = [{n: int(v) if n in whole else float(v) for n, v in zip(names, row, strict=True)}
              for row in theta]  # fmt: skip
    design = PointsDesign(parameters={n: [p[n] for p in points] for n in names})
    spec = ExperimentSpec.model_construct(
        scenario=str(cal.scenario_path),
        rounds=cal.spec.rounds,
        replicates=cal.spec.replicates,
        root_seed=runs_seed,
        engine=cal.spec.engine,
        design=design,
    )
    return Experiment(
        file=cal.file.with_name(f"{cal.file.stem}.gen-{generation:02d}"),
        spec=spec,
        scenario_path=cal.scenario_path,
        scenario_raw=cal.scenario_raw,
        rounds=cal.spec.rounds,
        design=DesignPoints(points),
        seeds=set_seeds(runs_seed, len(points), cal.spec.replicates),
    )


def set_seeds(root: int, sets: int, replicates: int) -> list[list[int]]:
    """Independent seeds for every run: one list per parameter set (no common random
    numbers across sets, so their pass fractions are independent likelihood estimates)."""
    flat = replicate_seeds(root, sets * replicates)
    return [flat[i * replicates : (i + 1) * replicates] for i in range(sets)]


def gen_dir(out: Path, generation: int) -> Path:
    return Path(out) / f"gen-{generation:02d}"


def run_generation(
    exp: Experiment,
    out: Path,
    columns: list[str],
    workers: int | None,
    scheduler: str | None,
    progress: bool,
    runner: str = DEFAULT_RUNNER,
) -> tuple[pd.DataFrame, int]:
    """Run (or resume) the generation's batch; return (runs table sorted by run_id with the
    id columns and ``columns``, runs simulated in this call)."""
    from sim.batch.session import run_batch
    from sim.batch.store import BatchStore

    # force: DIR belongs to this calibration (checked by its hash), so a generation left by
    # other code or settings is replaced, never mixed in
    result = run_batch(
        exp,
        out,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        force=True,
        runner=runner,
    )
    if result.runs_done < result.runs_total:
        raise RuntimeError(f"{out}: {result.runs_done}/{result.runs_total} runs written")
    wanted = ["run_id", "point_id", "replicate", "status", *columns]
    runs = BatchStore(out).read_columns(list(dict.fromkeys(wanted)))
    return runs.sort_values("run_id").reset_index(drop=True), result.ran_now
