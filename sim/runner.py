"""Run the model for given seeds and return outcomes (and series): the one entry point.

``engine="mesa"`` runs the Mesa model one run at a time (the reference);
``engine="lockstep"`` advances all seeds together with array operations. Both give the
same run for the same seed (see tests/test_engines.py and tests/test_model.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.config import TERMS, Scenario, unit_of
from sim.records import optional_columns, outcome_columns, outcomes, series_frame
from sim.rules.compile import compile_params

if TYPE_CHECKING:
    from sim.model import DiplomacyModel

ENGINES = ("mesa", "lockstep")
DEFAULT_ENGINE = "lockstep"  # same rows as "mesa" for the same seed (tests/test_engines.py)


@dataclass(frozen=True)
class RunOutput:
    """One run: its seed, outcome columns, and optionally its per-round series."""

    seed: int
    outcome: dict[str, object]
    series: pd.DataFrame | None = None


def run_model(
    scenario: Scenario, seed: int, rounds: int | None = None, detail: bool = True
) -> DiplomacyModel:
    """Play one run with the Mesa model and return it (records, events, agents)."""
    from sim.model import DiplomacyModel  # Mesa is imported only where a model runs

    return DiplomacyModel(scenario, rng=seed, rounds=rounds, detail=detail).run()


def model_series(model: DiplomacyModel) -> pd.DataFrame:
    """The per-round series of a finished Mesa run.

    With ``detail`` (the default for single runs) it adds ``preferred.<STATE>``: the
    configuration each state would most prefer that round, found by enumeration. Its
    columns are laid out by every stretch's actions (``Schedule.recorded``), as the
    outcome row and the lockstep engine's series are: an action a dated change closes
    keeps its columns (``model.params`` is only the last stretch's).
    """
    frame = series_frame(model.schedule.recorded, model.config.start, model.series())
    if model.preferred:
        for i, code in enumerate(model.params.codes):
            frame[f"preferred.{code}"] = [r[i] for r in model.preferred]
    return frame


def run_many(
    scenario: Scenario,
    seeds: list[int],
    rounds: int | None = None,
    *,
    series: bool = False,
    engine: str = DEFAULT_ENGINE,
) -> list[RunOutput]:
    """Run one scenario for each seed; results in the order of ``seeds``."""
    rounds = scenario.rounds if rounds is None else rounds
    if engine == "mesa":
        out = []
        for seed in seeds:
            model = run_model(scenario, int(seed), rounds, detail=False)
            (row,) = outcomes(model.history(), model.schedule.recorded)
            out.append(RunOutput(int(seed), row, model_series(model) if series else None))
        return out
    if engine == "lockstep":
        from sim.lockstep import run_lockstep, series_frames

        result = run_lockstep(scenario, [int(s) for s in seeds], rounds, series=series)
        rows = outcomes(result.history, result.params)
        frames = series_frames(result, scenario) if series else [None] * len(rows)
        return [RunOutput(int(s), r, f) for s, r, f in zip(seeds, rows, frames, strict=True)]
    raise ValueError(f"unknown engine {engine!r}; expected one of {ENGINES}")


def run_table(
    scenario: Scenario, seeds: list[int], rounds: int | None = None, engine: str = DEFAULT_ENGINE
) -> pd.DataFrame:
    """Outcome columns of one run per seed, as a table (no series): the rows of
    :func:`run_many`, built column by column with the lockstep engine (optional round
    numbers as nullable ``Int64``)."""
    rounds = scenario.rounds if rounds is None else rounds
    if engine != "lockstep":
        return pd.DataFrame([r.outcome for r in run_many(scenario, seeds, rounds, engine=engine)])
    from sim.lockstep import run_lockstep

    return _table(run_lockstep(scenario, [int(s) for s in seeds], rounds))


def run_table_points(
    scenarios: list[Scenario], seeds: list[list[int]], rounds: int
) -> pd.DataFrame:
    """:func:`run_table` of several design points (``seeds[k]`` of ``scenarios[k]``), rows
    in that order, with the lockstep engine: consecutive points that share their
    structure advance together (:func:`sim.lockstep.run_points`, the same rows); a point
    of other states or drivers starts a new stretch."""
    from sim.lockstep import run_points
    from sim.results_schema import merged_columns

    seeds = [[int(s) for s in x] for x in seeds]
    tables = [_table(result) for result in run_points(scenarios, seeds, rounds)]
    if len(tables) == 1:
        return tables[0]
    order = merged_columns([list(t.columns) for t in tables])
    return pd.concat(tables, ignore_index=True)[order]


def _table(result: Any) -> pd.DataFrame:
    cols = outcome_columns(result.history, result.params)
    for name in optional_columns(result.params):
        cols[name] = pd.arrays.IntegerArray(cols[name], mask=cols[name] < 0)
    return pd.DataFrame(cols)


def scenario_info(scenario: Scenario, parameters: Sequence[str] = ()) -> dict[str, object]:
    """What plots and summaries need to label a run's or a batch's results (the
    manifest's ``scenario_info``), with the units of the design ``parameters``."""
    p = compile_params(scenario)
    return {
        "name": scenario.name,
        "states": list(p.codes),
        "state_names": {c: scenario.states[c].name for c in p.codes},
        "pacts": list(p.space.keys),
        "target": p.space.keys[p.target],
        "levels": list(p.level_names),
        "start": scenario.start,
        "rounds": scenario.rounds,
        "checkpoints": list(scenario.checkpoints),
        "drivers": list(p.drivers.names),
        "terms": list(TERMS),
        "cameo": dict(zip(p.actions.names, p.actions.cameo, strict=True)),
        "units": {name: unit for name in parameters if (unit := unit_of(name))},  # schema
    }


__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "RunOutput",
    "model_series",
    "run_many",
    "run_model",
    "run_table",
    "run_table_points",
    "scenario_info",
]
