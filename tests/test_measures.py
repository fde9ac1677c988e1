"""Measures that read right: tied at the end, still active, counts, warnings, own point."""

from __future__ import annotations

import pandas as pd

from sim.analysis.batch import ScenarioInfo
from sim.analysis.checks import incomplete, scenario_points, sobol_uncertain
from sim.analysis.display import display_table
from sim.analysis.ties import initial_pacts, tied_at_end, ties_table

INFO = ScenarioInfo(
    ("CHN", "RUS", "PRK"),
    ("CHN-RUS", "CHN-PRK", "RUS-PRK", "CHN-RUS-PRK"),
    "CHN-RUS-PRK",
    ("partnership", "treaty"),
    "2024-01",
    (),
)


def runs() -> pd.DataFrame:
    """Four runs: CHN-PRK bilateral; trilateral only; neither; RUS-PRK only."""
    return pd.DataFrame(
        {
            "point_id": [0, 0, 1, 1],
            "status": ["ok"] * 4,
            "level_end.CHN-RUS": [0, 0, 0, 0],
            "level_end.CHN-PRK": [2, 0, 0, 0],
            "level_end.RUS-PRK": [0, 0, 0, 1],
            "level_end.CHN-RUS-PRK": [0, 1, 0, 0],
        }
    )


def test_tied_at_end_counts_any_pact_holding_both():
    r = runs()
    assert tied_at_end(r, INFO, ("CHN", "PRK")).tolist() == [True, True, False, False]
    assert tied_at_end(r, INFO, ("RUS", "PRK")).tolist() == [False, True, False, True]
    assert tied_at_end(r, INFO, ("CHN", "RUS")).tolist() == [False, True, False, False]


def test_ties_table_per_point_hand_computed():
    t = ties_table(runs(), INFO).set_index(["point_id", "pair"])
    assert t.loc[(0, "CHN–PRK"), "p"] == 1.0  # bilateral in run 0, trilateral in run 1
    assert t.loc[(1, "CHN–PRK"), "p"] == 0.0
    assert t.loc[(1, "RUS–PRK"), "p"] == 0.5 and t.loc[(1, "RUS–PRK"), "n"] == 2


def test_initial_pacts_from_scenario_variants_and_design():
    manifest = {
        "scenario": {"initial_pacts": {"CHN-PRK": "treaty"}},
        "scenarios": {"x": {"initial_pacts": {"RUS-CHN": "partnership"}}},
        "design": {"parameters": {"initial_pacts.RUS-PRK": ["treaty"]}},
    }
    assert initial_pacts(manifest, INFO) == {"CHN-PRK", "CHN-RUS", "RUS-PRK"}


def test_incomplete_batch_warns_only_when_runs_are_missing():
    assert "3,000 of 4,000" in incomplete({"runs_total": 4000, "runs_done": 3000})
    assert incomplete({"runs_total": 4000, "runs_done": 4000}) is None


def test_sobol_warning_for_st_above_one_and_wide_intervals():
    table = pd.DataFrame(
        {
            "outcome": ["y", "y", "z"],
            "parameter": ["a", "b", "a"],
            "S1": [0.5, 0.1, 0.3],
            "S1_conf": [0.05, 0.05, 0.05],
            "ST": [1.2, 0.2, 0.4],
            "ST_conf": [0.1, 0.25, 0.2],
        }
    )
    warnings = sobol_uncertain(table)
    assert len(warnings) == 1  # z: half-width 0.2 is not wider than 0.2
    assert "ST > 1 for a" in warnings[0] and "±0.2 for b" in warnings[0]


def test_scenario_point_is_marked():
    manifest = {"scenario": {"name": "base", "us": {"reactivity": 0.3}}}
    points = pd.DataFrame({"us.reactivity": [0.1, 0.3, 0.30000000000000004]})
    assert scenario_points(manifest, points, ["us.reactivity"]).tolist() == [False, True, True]
    names = pd.DataFrame({"scenario": ["base", "other"]})
    assert scenario_points(manifest, names, ["scenario"]).tolist() == [True, False]


def test_summary_display_states_counts_and_still_active():
    table = pd.DataFrame(
        {
            "point_id": [0, 1],
            "x": [0.1, 0.2],
            "n": [10, 10],
            "failed": [0, 0],
            "p_target": [0.3, 0.0],
            "p_target_lo": [0.1, 0.0],
            "p_target_hi": [0.6, 0.3],
            "median_round": [4.0, float("nan")],
            "median_date": ["2024-05", ""],
            "median_n": [3, 0],
            "p.CHN-PRK": [1.0, 1.0],
            "p_end.CHN-PRK": [0.4, 0.9],
            "tied.CHN-PRK": [1.0, 0.9],
            "scenario_value": [False, True],
        }
    )
    shown = display_table(table, ["x"], ["CHN-PRK"], frozenset({"CHN-PRK"}))
    assert shown["median formation"].tolist() == ["2024-05 (round 4; of 3 runs)", "never"]
    assert shown["P(CHN-PRK still active)"].tolist() == ["40.0%", "90.0%"]
    assert shown["tied CHN-PRK"].tolist() == ["100.0%", "90.0%"]
    assert shown["point"].tolist() == ["0", "1 *"]


def test_pact_probabilities_carry_started_and_tied():
    from pathlib import Path

    from sim.analysis import pact_probabilities
    from sim.analysis.batch import Batch, Design

    r = runs().assign(
        run_id=range(4),
        rounds=12,
        target_formed=[False, True, False, False],
        **{f"formed.{p}": [True] * 4 for p in ("CHN-RUS", "CHN-PRK", "RUS-PRK")},
    )
    manifest = {"scenario": {"initial_pacts": {"CHN-PRK": "treaty"}}}
    batch = Batch(Path("x"), manifest, r, None, INFO)
    design = Design("grid", (), (), "single", 2)
    end = pact_probabilities(batch, design, measure="end").set_index(["point_id", "pact"])
    assert end.loc[(0, "CHN-PRK"), "p"] == 0.5  # bilateral in run 0 only
    assert end.loc[(0, "CHN-PRK"), "tied_p"] == 1.0  # run 1: tied through the trilateral
    assert end.loc[(1, "RUS-PRK"), "tied_k"] == 1
    assert bool(end.loc[(0, "CHN-PRK"), "started"]) and not end.loc[(0, "RUS-PRK"), "started"]
    assert "tied_p" not in end.columns or pd.isna(end.loc[(0, "CHN-RUS-PRK"), "tied_p"])
