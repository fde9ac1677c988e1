"""The record's China-North Korea visit pattern (scripts/actions_report.py,
docs/model.md 4.3): each part read from the months a visit was taken, rounds inclusive."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _report():
    spec = importlib.util.spec_from_file_location(
        "actions_report", ROOT / "scripts" / "actions_report.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _runs(*visit_rounds: tuple[int, ...]) -> np.ndarray:
    taken = np.zeros((len(visit_rounds), 24), dtype=bool)
    for k, rounds in enumerate(visit_rounds):
        taken[k, list(rounds)] = True
    return taken


def test_the_record_itself_reproduces_every_part():
    """Zhao Leji 2024-04 (round 3), Kim 2025-09 (20), Li Qiang 2025-10 (21)."""
    parts = _report().record_pattern(_runs((3, 20, 21)))
    assert all(bool(v[0]) for v in parts.values())


def test_each_part_at_its_boundaries():
    r = _report()
    names = [name for name, *_ in r.RECORD_VISITS] + ["all three (the record's pattern)"]
    cases = {
        (5, 20): (True, True, True, True),  # round 5 is the last of the first window
        (6, 20): (False, False, True, False),  # round 6 opens the quiet window
        (3, 19, 20): (True, False, True, False),  # round 19 closes it
        (3, 21): (True, True, True, True),  # round 21 is in the last window
        (3, 22): (True, True, False, False),  # round 22 is after it
        (): (False, True, False, False),  # no visit at all: only the quiet window holds
    }
    for rounds, expected in cases.items():
        parts = r.record_pattern(_runs(rounds))
        got = tuple(bool(parts[name][0]) for name in names)
        assert got == expected, (rounds, got)


def test_summits_per_year_sums_each_calendar_year_of_the_mean():
    taken = _runs((0, 11, 12), (12, 13, 23))  # run means: 2024 = (2 + 0) / 2, 2025 = (1 + 3) / 2
    assert _report().summits_per_year(taken) == [1.0, 2.0]


def test_posterior_visits_runs_each_drawn_set_with_fresh_seeds(tmp_path):
    """``--posterior DIR``: sets drawn by weight from DIR/posterior.parquet, each run with
    its own fresh seeds for 24 months; the same folder gives the same runs."""
    import pandas as pd

    from sim.calibration.spec import load_calibration

    r = _report()
    cal = load_calibration(r.CALIBRATION)
    row = {"negotiation.temperature": 0.01, "negotiation.formation_cost": 0.01,
           "negotiation.exit_threshold": 0.05, "us.reactivity": 0.2, "us.bloc_visibility": 4.0,
           "states.CHN.weights.us_ties": 0.5, "relations.RUS-PRK.affinity": 0.6,
           "drivers.rus_war.switch_hazard": 0.03, "levels.1.talks_max": 12.0}  # fmt: skip
    assert set(row) == set(cal.parameters)
    other = {**row, "states.CHN.weights.us_ties": 0.0}  # weight 0: never drawn
    pd.DataFrame([{**row, "weight": 1.0}, {**other, "weight": 0.0}]).to_parquet(
        tmp_path / "posterior.parquet"
    )
    first = r.posterior_visits(tmp_path, sets=2, reps=2)
    assert first.shape == (4, 24) and first.dtype == bool
    assert np.array_equal(first, r.posterior_visits(tmp_path, sets=2, reps=2))
