"""Record rows the calibration does not fit, checked out of sample.

A facts file (configs/validation/) may name a record row in ``[record]``: an action kind
between two states (either direction) and windows of rounds in which the record has one or
none. korea_2024's is China-North Korea visits (docs/model.md 4.3): one in the spring of
2024 (Zhao Leji in Pyongyang, 2024-04), none for sixteen months as the "friendship year"
faded, then Kim in Beijing (2025-09) and Li Qiang in Pyongyang (2025-10). No calibration
target reads it, so the share of runs with each part, at the scenario's values and on
fresh runs of the posterior, is an out-of-sample check (``run.py validate``,
``scripts/actions_report.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from sim.stats import clustered_wilson, wilson_interval

ALL_WINDOWS = "all together (the record's pattern)"
SEEDS_PER_JOB = 50  # runs at the scenario's values per job (fixed: the same for any workers)


@dataclass(frozen=True)
class Window:
    """Rounds ``first`` .. ``last`` (inclusive) and whether the record has the action in them."""

    label: str
    first: int
    last: int
    taken: bool


@dataclass(frozen=True)
class RecordRow:
    """A facts file's ``[record]``: action ``kind`` between the two states of ``pair``
    ("A-B", either direction), the ``windows`` the record pins, and the months a run needs."""

    kind: str
    pair: str
    windows: tuple[Window, ...]

    @property
    def rounds(self) -> int:
        return max(w.last for w in self.windows) + 1

    @property
    def columns(self) -> tuple[str, str]:
        """The series columns of the action, both directions."""
        a, b = self.pair.split("-")
        return f"taken.{self.kind}.{a}>{b}", f"taken.{self.kind}.{b}>{a}"

    @staticmethod
    def parse(raw: dict, states: set[str], kinds: set[str]) -> RecordRow:
        """The facts file's ``[record]`` for a scenario with ``states`` and action ``kinds``;
        raises ValueError (load_facts reports it in one line) for an unknown kind or state,
        a pair not "A-B", no window, or a window not ``0 <= first <= last`` with ``taken``
        true or false."""
        windows = tuple(Window(**w) for w in raw["windows"])
        pair = str(raw["pair"]).split("-")
        if raw["kind"] not in kinds:
            raise ValueError(f"record.kind {raw['kind']!r}: not an action of the scenario")
        if len(pair) != 2 or not set(pair) <= states or pair[0] == pair[1]:
            raise ValueError(f"record.pair {raw['pair']!r}: need two of the scenario's states, A-B")
        if not windows:
            raise ValueError("record.windows: need at least one")
        for w in windows:
            whole = all(isinstance(x, int) and not isinstance(x, bool) for x in (w.first, w.last))
            if not (whole and 0 <= w.first <= w.last and isinstance(w.taken, bool)):
                raise ValueError(f"record window {w.label!r}: need 0 <= first <= last (whole "
                                 "rounds) and taken = true or false")  # fmt: skip
        return RecordRow(kind=raw["kind"], pair=raw["pair"], windows=windows)


def either_way(series: pd.DataFrame, row: RecordRow) -> np.ndarray:
    """``(rounds,)`` bool: the row's action taken that month, either direction (the
    scenario's dyads among :attr:`RecordRow.columns`)."""
    cols = [c for c in row.columns if c in series]
    if not cols:  # the scenario allows the action in neither direction
        raise ValueError(f"record: {row.kind} between {row.pair} is not an action of the scenario")
    return series[cols].to_numpy(bool).any(axis=1)


def guest_came(series: list[pd.DataFrame], occasion, guest: str, column: str = "taken"
               ) -> np.ndarray:  # fmt: skip
    """Per run, whether ``guest`` took an invited kind toward the occasion's host in its
    month (``column="taken"``), or had one in force then (``"action"``: a visit in force is
    not taken again, docs/model.md 3.15). Kinds the scenario does not allow are skipped."""
    keys = [f"{column}.{k}.{guest}>{occasion.host}" for k in occasion.kinds]
    return np.array([s[[k for k in keys if k in s]].to_numpy(bool)[occasion.at].any()
                     for s in series])  # fmt: skip


def record_pattern(taken: np.ndarray, row: RecordRow) -> dict[str, np.ndarray]:
    """Per run, whether it reproduces each window of ``row`` and all of them together,
    from ``taken (runs, rounds)``."""
    out = {w.label: taken[:, w.first : w.last + 1].any(axis=1) == w.taken for w in row.windows}
    out[ALL_WINDOWS] = np.logical_and.reduce(list(out.values()))
    return out


def summits_per_year(taken: np.ndarray) -> list[float]:
    """Mean visits per calendar year over runs (``taken (runs, rounds)`` from 2024-01)."""
    mean = taken.mean(axis=0)
    return [float(mean[y * 12 : (y + 1) * 12].sum()) for y in range(len(mean) // 12)]


def scenario_visits(scenario, seeds: list[int], row: RecordRow, rounds: int) -> np.ndarray:
    """``(runs, rounds)``: :func:`either_way` of each seed's run of ``scenario``."""
    from sim.runner import run_many

    runs = run_many(scenario, seeds, rounds, series=True)
    return np.array([either_way(r.series, row) for r in runs])


def posterior_visits(
    cal, folder: Path, row: RecordRow, sets: int, reps: int, workers: int = 1
) -> np.ndarray:
    """:func:`scenario_visits` (the calibration's months, at least ``row.rounds``) at
    ``sets`` parameter sets drawn by weight from ``folder/posterior.parquet`` of the
    calibration ``cal`` (its scenario and overrides), ``reps`` fresh seeds each (spawn key
    ``RECORD_KEY`` of sim/calibration/predictive.py: seeds no generation, predictive check
    or hindcast uses), one set per job on ``workers`` processes (:func:`visits_of`)."""
    from sim.calibration.generation import set_seeds
    from sim.calibration.predictive import RECORD_KEY, draw_sets, fresh_streams

    rng, runs_seed = fresh_streams(cal.spec.root_seed, RECORD_KEY)
    theta = draw_sets(cal, pd.read_parquet(folder / "posterior.parquet"), sets, rng)
    whole = {n for n, p in cal.spec.priors.items() if p.integer}
    jobs = []
    for point, seeds in zip(theta, set_seeds(runs_seed, sets, reps), strict=True):
        values = {
            n: int(v) if n in whole else float(v)
            for n, v in zip(cal.parameters, point, strict=True)
        }
        jobs.append((values, seeds))
    return visits_of(cal, jobs, row, max(row.rounds, cal.spec.rounds), workers)


def visits_of(cal, jobs: list[tuple[dict, list[int]]], row: RecordRow, rounds: int,
              workers: int) -> np.ndarray:  # fmt: skip
    """``(runs, rounds)``: :func:`scenario_visits` of the calibration's scenario with each
    job's ``(values, seeds)``, rows in job order. ``workers`` > 1: the jobs run on that many
    local processes (:func:`sim.batch.pool.run_pool`, as ``run.py batch``); a run depends
    only on its values and seed, so the rows are the same for any ``workers``."""
    job = partial(_visits, cal.scenario_raw, str(cal.scenario_path), row, rounds)
    numbered = [(k, values, seeds) for k, (values, seeds) in enumerate(jobs)]
    if workers == 1:
        done = map(job, numbered)
    else:
        from sim.batch.pool import run_pool

        done = run_pool(job, numbered, workers, [__name__], give_up=_gave_up)
    parts = dict(done)
    return np.concatenate([parts[k] for k in range(len(jobs))])


def _visits(raw, source: str, row: RecordRow, rounds: int, item) -> tuple[int, np.ndarray]:
    from sim.config import build_scenario

    k, values, seeds = item
    return k, scenario_visits(build_scenario(raw, source, values), seeds, row, rounds)


def _gave_up(item, reason: str):
    raise RuntimeError(f"record row, job {item[0]}: {reason}")


def share_text(mask: np.ndarray, cluster: np.ndarray | None = None) -> str:
    """``share [95% Wilson interval]``; ``cluster``: each run's parameter set, for runs
    of a posterior (several seeds per set: the interval at the effective sample size,
    :func:`sim.stats.clustered_wilson`)."""
    k, n = int(mask.sum()), len(mask)
    lo, hi = wilson_interval(k, n) if cluster is None else clustered_wilson(mask, cluster)
    return f"{k / n:.3f} [{lo:.3f}, {hi:.3f}]"


def posterior_sets(sets: int, reps: int) -> np.ndarray:
    """Each run's parameter set in :func:`posterior_visits`'s rows (a set's seeds in turn)."""
    return np.repeat(np.arange(sets), reps)


def pattern_table(columns: dict[str, np.ndarray], row: RecordRow,
                  clusters: dict[str, np.ndarray] | None = None) -> list[str]:  # fmt: skip
    """Markdown rows: each window of ``row`` and all together (rows) in each set of runs
    (columns); ``clusters``: a column's runs' parameter sets (:func:`share_text`)."""
    clusters = clusters or {}
    parts = {name: record_pattern(taken, row) for name, taken in columns.items()}
    lines = ["| part of the record | " + " | ".join(columns) + " |",
             "|" + " --- |" * (len(columns) + 1)]  # fmt: skip
    for label in [w.label for w in row.windows] + [ALL_WINDOWS]:
        cells = " | ".join(share_text(p[label], clusters.get(name)) for name, p in parts.items())
        lines.append(f"| {label} | {cells} |")
    return lines


def record_section(cal, folder: Path, row: RecordRow, seeds: int, sets: int, reps: int = 5,
                   workers: int = 1) -> list[str]:  # fmt: skip
    """``run.py validate``'s section: the record row at the scenario's values (``seeds``
    runs, :data:`SEEDS_PER_JOB` a job) and on fresh runs of the posterior in ``folder``,
    on ``workers`` local processes (the same lines for any number)."""
    from sim.seeds import replicate_seeds

    rounds = max(row.rounds, cal.spec.rounds)  # as the calibration's runs
    flat = replicate_seeds(cal.spec.root_seed, seeds)
    jobs = [({}, flat[i : i + SEEDS_PER_JOB]) for i in range(0, seeds, SEEDS_PER_JOB)]
    post = "posterior (fresh runs)"
    columns = {
        "scenario values": visits_of(cal, jobs, row, rounds, workers),
        post: posterior_visits(cal, folder, row, sets, reps, workers),
    }
    return [
        f"## A record row not fitted: {row.kind} {row.pair}, either way (out of sample)",
        "",
        f"Share of runs with each part ({seeds} runs at the scenario's values, {sets} "
        f"posterior sets x {reps} fresh seeds; docs/model.md 4.3; the posterior's 95% "
        "intervals at the effective sample size of its sets' runs, which are alike):",
        "",
        *pattern_table(columns, row, {post: posterior_sets(sets, reps)}),
    ]
