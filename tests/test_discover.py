"""Scenario discovery: PRIM finds a planted box; feature scores rank its parameters; CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.batch import Batch, BatchError, ScenarioInfo
from sim.analysis.discover import cases, choose_box, feature_scores, run_prim
from sim.batch.session import run_batch
from sim.experiment import load_experiment
from sim.plots.discover import kernel_smooth
from tests.runcli import main

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ["a", "b", "c", "d", "e"]


def synthetic_batch(n: int = 2000) -> Batch:
    """Runs with five uniform parameters; the outcome holds exactly when a < 0.3 and b > 0.6."""
    rng = np.random.default_rng(4)
    x = pd.DataFrame(rng.random((n, 5)), columns=PARAMS)
    runs = x.assign(
        run_id=np.arange(n), point_id=np.arange(n), seed=np.arange(n), status="ok", rounds=12,
        target_formed=(x["a"] < 0.3) & (x["b"] > 0.6), score=x["a"] * 10,
    )  # fmt: skip
    manifest = {"design": {"kind": "lhs", "parameters": {p: {} for p in PARAMS}}}
    info = ScenarioInfo(("A", "B"), ("A-B",), "A-B", ("p",), "2024-01", ())
    return Batch(Path("synthetic"), manifest, runs, None, info)


def test_prim_recovers_the_planted_box():
    c = cases(synthetic_batch(), "target_formed")
    assert c.y.mean() == pytest.approx(0.3 * 0.4, abs=0.02)  # share of the planted box
    res = run_prim(c, min_coverage=0.9)
    row = res.trajectory.iloc[res.chosen]
    assert row["density"] > 0.9 and row["coverage"] >= 0.9
    lim = res.limits.set_index("parameter")
    assert set(lim.index) == {"a", "b"}  # only the two planted parameters restricted
    assert lim.loc["a", "high"] == pytest.approx(0.3, abs=0.03)
    assert lim.loc["b", "low"] == pytest.approx(0.6, abs=0.03)
    # without a < 0.3 the box is b > 0.6 alone, where the outcome needs a < 0.3: P = 0.3
    assert lim.loc["a", "density_without"] == pytest.approx(0.3, abs=0.05)
    assert lim.loc["b", "density_without"] == pytest.approx(0.4, abs=0.05)  # P(b > 0.6)


def test_feature_scores_rank_the_planted_parameters_first():
    scores = feature_scores(cases(synthetic_batch(), "target_formed"))
    assert set(scores["parameter"][:2]) == {"a", "b"}
    assert scores["importance"].sum() == pytest.approx(1.0)


def test_numeric_outcome_needs_threshold_and_uses_it():
    batch = synthetic_batch()
    with pytest.raises(BatchError, match="--threshold"):
        cases(batch, "score")
    c = cases(batch, "score", threshold=5.0, below=True)  # score <= 5 <=> a <= 0.5
    assert c.y.mean() == pytest.approx(0.5, abs=0.03)


def test_choose_box_densest_with_enough_coverage():
    t = pd.DataFrame({"box": [0, 1, 2, 3], "coverage": [1.0, 0.8, 0.6, 0.4],
                      "density": [0.2, 0.5, 0.7, 0.9], "res_dim": [0, 1, 2, 2]})  # fmt: skip
    assert choose_box(t, 0.5) == 2
    assert choose_box(t, 0.3) == 3
    assert choose_box(t, 1.0) == 0


def test_kernel_smoother_reproduces_a_constant_and_a_line_in_the_middle():
    x = np.linspace(0, 1, 201)
    assert kernel_smooth(x, np.full(201, 0.4), np.array([0.2, 0.7])) == pytest.approx([0.4, 0.4])
    assert kernel_smooth(x, 2 * x, np.array([0.5]))[0] == pytest.approx(1.0, abs=1e-6)


EXP = f"""
scenario = "{ROOT / "configs" / "scenarios" / "korea_2024.toml"}"
rounds = 12
replicates = 4
root_seed = 9
[design]
kind = "lhs"
samples = 12
[design.parameters]
"states.CHN.weights.us_ties" = {{ low = 0.0, high = 0.6 }}
"us.reactivity" = {{ low = 0.0, high = 0.6 }}
"""


def test_discover_command_on_a_small_lhs(tmp_path, capsys):
    (tmp_path / "e.toml").write_text(EXP)
    run_batch(load_experiment(tmp_path / "e.toml"), tmp_path / "b", workers=1, progress=False)
    median = pd.read_parquet(tmp_path / "b" / "runs")["utility_end.CHN"].median()
    args = ["discover", str(tmp_path / "b"), "--outcome", "utility_end.CHN"]
    assert main([*args, "--threshold", str(median)]) == 0
    out = capsys.readouterr().out
    assert "PRIM peeling trajectory" in out and "Feature scores" in out
    for name in ("prim_trajectory.png", "prim_box.png", "feature_scores.png", "prim_box.csv"):
        assert (tmp_path / "b" / "discover" / f"utility_end.CHN_{name}").is_file()
    assert main(["discover", str(tmp_path / "b"), "--outcome", "formed.CHN-RUS"]) == 2
    assert "every run has" in capsys.readouterr().err
    assert main(["discover", str(tmp_path / "b"), "--outcome", "nope"]) == 2
    assert main(["discover", str(tmp_path / "b"), "--outcome", "utility_end.CHN"]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "--threshold" in err


def test_one_parameter_gets_feature_scores():
    # EMA's default max_features, round(1 / 3) = 0, made sklearn raise
    batch = synthetic_batch()
    batch.manifest["design"]["parameters"] = {"a": {}}
    scores = feature_scores(cases(batch, "target_formed"))
    assert scores["parameter"].tolist() == ["a"]
    assert scores["importance"].tolist() == pytest.approx([1.0])


def test_a_scenarios_design_is_discovered_by_its_scenario_column():
    # the EMA Workbench drops a column named "scenario": PRIM saw no parameter and the
    # extra trees none at all (sklearn raised)
    batch = synthetic_batch(600)
    runs = batch.runs.assign(scenario=np.repeat(["base", "calm", "hot"], 200))
    runs["target_formed"] = runs["scenario"].eq("hot")
    batch = Batch(batch.path, {"design": {"kind": "scenarios", "scenarios": ["x"]}}, runs,
                  None, batch.info)  # fmt: skip
    c = cases(batch, "target_formed")
    assert list(c.x.columns) == ["scenario"]
    assert feature_scores(c)["parameter"].tolist() == ["scenario"]
    res = run_prim(c, min_coverage=0.9)
    lim = res.limits.set_index("parameter")
    assert lim.loc["scenario", "values"] == "hot"
    assert res.trajectory.iloc[res.chosen]["density"] == pytest.approx(1.0)
