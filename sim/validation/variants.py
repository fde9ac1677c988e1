"""The runs behind the fact, noise, channel and statics tables (sim/validation/facts.py):
each scenario variant (its --set changes, number of seeds and root seed) is run once per
process and kept. :func:`prefetch` runs the variants a table needs on N local processes
(:func:`sim.batch.pool.run_pool`, as the record section), in jobs of at most
:data:`SEEDS_PER_JOB` seeds; the seeds are derived and the jobs cut before any runs, the same
way for any N, and a run depends only on its scenario and seed (lockstep engine), so the
tables are the same for any number of workers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

# seeds of one variant per job (fixed: the same for any workers). Lockstep runs a job's
# seeds together: 1,000 seeds in jobs of 250 took 1.3x the CPU time of one call (2026-12-04)
SEEDS_PER_JOB = 1000
KINDS = ("outcomes", "changes")


@dataclass(frozen=True)
class Variant:
    """``n`` runs of ``scenario`` with the --set changes ``sets``, seeds
    ``replicate_seeds(root, n)``. ``kind``: "outcomes" (the runs' outcome table) or
    "changes" (per run, the number of rounds in which some pact's level changed)."""

    scenario: Path
    sets: tuple[str, ...]
    n: int
    root: int = 2024
    kind: str = "outcomes"


_DONE: dict[Variant, pd.DataFrame | np.ndarray] = {}  # this process's finished variants


def result(variant: Variant) -> pd.DataFrame | np.ndarray:
    """The variant's outcome table (a row per seed) or changes (an array, a run each), in
    seed order; run now (in this process) unless already done."""
    prefetch([variant], workers=1)
    return _DONE[variant]


def jobs(variants: list[Variant]) -> list[tuple[int, Variant, list[int]]]:
    """``(number, variant, seeds)``: each variant's seeds in consecutive slices of at most
    :data:`SEEDS_PER_JOB`, variants in the order given."""
    from sim.seeds import replicate_seeds

    out: list[tuple[int, Variant, list[int]]] = []
    for v in variants:
        seeds = replicate_seeds(v.root, v.n)
        for i in range(0, v.n, SEEDS_PER_JOB):
            out.append((len(out), v, seeds[i : i + SEEDS_PER_JOB]))
    return out


def prefetch(variants: list[Variant], workers: int) -> None:
    """Run every variant not done yet (each once) on ``workers`` local processes (1: here)."""
    todo = [v for v in dict.fromkeys(variants) if v not in _DONE]
    for v in todo:
        if v.kind not in KINDS:
            raise ValueError(f"unknown kind {v.kind!r}; expected one of {KINDS}")
    numbered = jobs(todo)
    if workers == 1 or len(numbered) < 2:
        done = map(run_job, numbered)
    else:
        from sim.batch.pool import run_pool

        done = run_pool(run_job, numbered, workers, [__name__], give_up=_gave_up)
    parts = dict(done)
    for v in todo:
        mine = [parts[k] for k, w, _ in numbered if w == v]
        if v.kind == "changes":
            _DONE[v] = np.concatenate(mine)
        else:
            _DONE[v] = pd.DataFrame([row for part in mine for row in part])


def run_job(item: tuple[int, Variant, list[int]]) -> tuple[int, list[dict] | np.ndarray]:
    """``(number, rows)``: the outcome rows (dicts) or the changes of the job's seeds."""
    from sim.config import load_scenario

    k, v, seeds = item
    scenario = load_scenario(v.scenario, list(v.sets))
    if v.kind == "changes":
        from sim.lockstep import run_lockstep

        levels = run_lockstep(scenario, seeds, scenario.rounds).history.levels
        return k, (np.diff(levels, axis=1) != 0).any(axis=2).sum(axis=1)
    from sim.runner import run_many

    return k, [o.outcome for o in run_many(scenario, seeds, engine="lockstep")]


def _gave_up(item, reason: str):
    raise RuntimeError(f"validation runs, job {item[0]} ({item[1].sets}): {reason}")
