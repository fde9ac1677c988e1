"""sim.analysis: reading batch dirs, design detection and figure/summary data prep."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synthetic import P1, PACTS, make_batch, scenario_info, write_batch

from sim.analysis import (
    BatchError,
    Design,
    ScenarioInfo,
    active_from_start,
    add_months,
    config_label,
    config_shares,
    detect_design,
    formation_groups,
    formation_times,
    load_batch,
    pact_probabilities,
    pact_spells,
    summary_table,
    time_to_formation,
)

INFO = ScenarioInfo.from_manifest({"scenario_info": scenario_info()})


def tiny_runs(first_tri: list, point_ids: list | None = None, rounds: int = 7) -> pd.DataFrame:
    """Runs table with given trilateral first rounds (None = never) and simple bilaterals."""
    n = len(first_tri)
    df = pd.DataFrame(
        {
            "run_id": range(n),
            "point_id": point_ids or [0] * n,
            "replicate": range(n),
            "seed": range(n),
            "status": "ok",
            "rounds": rounds,
            "target_round": pd.array(first_tri, dtype="Int64"),
        }
    )
    df["target_formed"] = df["target_round"].notna().to_numpy(dtype=bool)
    for p in PACTS:
        df[f"first_round.{p}"] = (
            df["target_round"]
            if p == "CHN-RUS-PRK"
            else pd.array([0] * n if p == "CHN-PRK" else [None] * n, dtype="Int64")
        )
        df[f"formed.{p}"] = df[f"first_round.{p}"].notna().to_numpy(dtype=bool)
    return df


def batch_of(tmp_path, runs, series=None, design=None):
    manifest = {
        "experiment": {"name": "tiny"},
        "scenario_info": scenario_info(),
        "design": design or {"kind": "grid", "parameters": {}},
    }
    return load_batch(write_batch(tmp_path / "b", runs, series, manifest))


def test_add_months_and_dates():
    assert add_months("2024-01", 0) == "2024-01"
    assert add_months("2024-01", 11) == "2024-12"
    assert add_months("2024-01", 12) == "2025-01"
    assert add_months("2024-11", 3) == "2025-02"
    assert INFO.date(83) == "2030-12"


def test_scenario_info_as_the_runner_writes_it():
    assert INFO.target == "CHN-RUS-PRK"
    assert INFO.other_pacts == ("CHN-RUS", "CHN-PRK", "RUS-PRK")
    assert INFO.levels == ("partnership", "treaty")  # "none" (level 0) is implied
    assert INFO.level_name(2) == "treaty" and INFO.level_name(0) == "none"
    info = ScenarioInfo.from_manifest({"scenario_info": scenario_info(start="2030-06")})
    assert info.date(7) == "2031-01"


def test_scenario_info_missing_is_a_batch_error(tmp_path):
    with pytest.raises(BatchError, match="scenario_info"):
        ScenarioInfo.from_manifest({})
    with pytest.raises(BatchError, match="scenario_info"):
        ScenarioInfo.from_manifest({"scenario_info": {"states": ["A", "B"]}})


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ("single", "single"),
        ("sweep", "sweep"),
        ("grid2", "grid2"),
        ("many", "many"),
        ("sobol", "sobol"),
    ],
)
def test_detect_design(tmp_path, shape, expected):
    batch = load_batch(make_batch(tmp_path / shape, shape, replicates=2, rounds=6, n_sobol=4))
    design = detect_design(batch)
    assert design.shape == expected
    if shape == "sweep":
        assert design.varying == (P1,)
        assert design.n_points == 5


def test_pact_probabilities_by_hand(tmp_path):
    # point 0: trilateral formed in 3 of 10 runs; point 1: 0 of 4 ok runs + 1 failed run
    runs = tiny_runs([1, 2, 3] + [None] * 7 + [None] * 5, [0] * 10 + [1] * 5)
    runs.loc[14, "status"] = "failed"
    batch = batch_of(tmp_path, runs)
    probs = pact_probabilities(batch, detect_design(batch))
    tri = probs[probs["pact"] == "CHN-RUS-PRK"].set_index("point_id")
    assert tri.loc[0, ["k", "n"]].tolist() == [3, 10]
    assert tri.loc[0, "lo"] == pytest.approx(0.1078, abs=1e-4)
    assert tri.loc[0, "hi"] == pytest.approx(0.6032, abs=1e-4)
    assert tri.loc[1, ["k", "n", "failed"]].tolist() == [0, 4, 1]
    assert tri.loc[1, "hi"] == pytest.approx(0.4899, abs=1e-4)
    chn_prk = probs[probs["pact"] == "CHN-PRK"]
    assert (chn_prk["p"] == 1).all()


def test_formation_times_and_time_to_formation_five_runs(tmp_path):
    # The five-run example of test_stats, with censoring at each run's last round.
    runs = tiny_runs([2, None, 4, 4, None])
    runs["rounds"] = [7, 4, 7, 7, 6]  # censored runs observed through rounds 3 and 5
    times, observed = formation_times(runs, INFO, "CHN-RUS-PRK")
    assert times.tolist() == [2, 3, 4, 4, 5]
    assert observed.tolist() == [True, False, True, True, False]
    batch = batch_of(tmp_path, runs)
    groups = formation_groups(batch, detect_design(batch))
    ttf = time_to_formation(batch, "CHN-RUS-PRK", groups)
    np.testing.assert_allclose(
        ttf["cum_inc"], [0, 0, 0.2, 0.2, 1 - 0.8 / 3, 1 - 0.8 / 3, np.nan], atol=1e-12
    )
    assert ttf["date"].tolist()[:3] == ["2024-01", "2024-02", "2024-03"]
    assert ttf["n"].iloc[0] == 5


def test_active_from_start():
    runs = tiny_runs([1, None])
    assert active_from_start(runs, INFO, "CHN-PRK")
    assert not active_from_start(runs, INFO, "RUS-PRK")  # never formed: not "from start"
    assert not active_from_start(runs, INFO, "CHN-RUS-PRK")


def test_formation_groups_sweep_limits_curves(tmp_path):
    batch = load_batch(make_batch(tmp_path / "s", "sweep", replicates=2, rounds=6))
    design = detect_design(batch)
    groups = formation_groups(batch, design, max_groups=3)
    assert list(pd.unique(groups.dropna())) == ["0", "0.5", "1"]


def test_formation_groups_of_named_points_keep_the_first_and_the_likeliest(tmp_path):
    """12 scenarios (names, 2 runs each): no order to spread over. The first point (the
    design's reference) and the 9 with the highest share forming the target are kept;
    the trilateral forms in both runs of s07 and s11, in one of s03's. With 10 or fewer
    names every point is kept."""
    names = [f"s{k:02d}" for k in range(12)]
    first = {7: [3, 4], 11: [5, 6], 3: [2, None]}
    tri = [v for k in range(12) for v in first.get(k, [None, None])]
    runs = tiny_runs(tri, [k for k in range(12) for _ in range(2)])
    runs["scenario"] = [names[k] for k in runs["point_id"]]
    batch = batch_of(tmp_path, runs)
    design = Design("scenarios", ("scenario",), ("scenario",), "sweep", 12)
    shown = list(pd.unique(formation_groups(batch, design).dropna()))
    assert len(shown) == 10 and shown[0] == "s00"
    assert {"s07", "s11", "s03"} <= set(shown) and sum(n in shown for n in names) == 10
    few = batch_of(tmp_path / "few", runs[runs["point_id"] < 9].copy())
    design9 = Design("scenarios", ("scenario",), ("scenario",), "sweep", 9)
    assert list(pd.unique(formation_groups(few, design9).dropna())) == names[:9]


def test_config_label_and_shares():
    assert config_label("", INFO) == "no pact"
    assert config_label("CHN-PRK:treaty;RUS-PRK:partnership", INFO) == (
        "CHN–PRK treaty + RUS–PRK partnership"
    )
    series = pd.DataFrame(
        {
            "round": [0, 0, 0, 0, 1, 1, 1, 1],
            "config": [
                "",
                "",
                "A-B:treaty",
                "C-D:treaty",
                "A-B:treaty",
                "A-B:treaty",
                "",
                "E-F:treaty",
            ],
        }
    )
    shares = config_shares(series, INFO, top=2)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert shares.columns.tolist() == ["A–B treaty", "no pact", "other configurations"]
    assert shares.loc[0, "no pact"] == 0.5 and shares.loc[1, "A–B treaty"] == 0.5


def test_summary_table_by_hand(tmp_path):
    runs = tiny_runs([2, 5, 9, None, None, None, None, None], [0] * 4 + [1] * 4, rounds=12)
    runs.loc[4:7, "status"] = "failed"  # every run of point 1 failed
    batch = batch_of(tmp_path, runs)
    table = summary_table(batch, detect_design(batch)).set_index("point_id")
    assert table.loc[0, "n"] == 4 and table.loc[0, "failed"] == 0
    assert table.loc[0, "p_target"] == 0.75
    assert table.loc[0, "median_round"] == 5 and table.loc[0, "median_date"] == "2024-06"
    assert table.loc[0, "p.CHN-PRK"] == 1.0 and table.loc[0, "p.RUS-PRK"] == 0.0
    assert table.loc[1, "n"] == 0 and table.loc[1, "failed"] == 4


def test_pact_spells_by_hand():
    s = pd.DataFrame(
        {"round": range(6), "level.RUS-PRK": [0, 1, 2, 2, 0, 1], "level.CHN-PRK": [2] * 6}
    )
    spells = pact_spells(s, INFO)
    got = [(sp.pact, sp.start, sp.end, sp.level) for sp in spells]
    assert got == [
        ("CHN-PRK", 0, 6, 2),
        ("RUS-PRK", 1, 2, 1),
        ("RUS-PRK", 2, 4, 2),
        ("RUS-PRK", 5, 6, 1),
    ]


def test_load_batch_errors(tmp_path):
    with pytest.raises(BatchError, match="not found"):
        load_batch(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BatchError, match="no runs table"):
        load_batch(tmp_path / "empty")


def test_series_of_failed_runs_dropped(tmp_path):
    path = make_batch(tmp_path / "f", "single", replicates=6, rounds=5, failed=2)
    batch = load_batch(path)
    ok_ids = set(batch.ok_runs["run_id"])
    assert set(batch.series["run_id"]) == ok_ids and len(ok_ids) == 4


def test_pact_probabilities_active_at_end(tmp_path):
    runs = tiny_runs([1, 2, None, None])
    runs["level_end.RUS-PRK"] = [2, 0, 1, 0]  # active at the end in 2 of 4 runs
    for p in ("CHN-RUS", "CHN-PRK", "CHN-RUS-PRK"):
        runs[f"level_end.{p}"] = 0
    batch = batch_of(tmp_path, runs)
    end = pact_probabilities(batch, detect_design(batch), measure="end").set_index("pact")
    assert end.loc["RUS-PRK", ["k", "n"]].tolist() == [2, 4]
    assert end.loc["CHN-RUS-PRK", "p"] == 0.0


def test_config_shares_fixed_columns():
    series = pd.DataFrame({"round": [0, 0, 1, 1], "config": ["", "A-B:treaty", "", "C-D:treaty"]})
    shares = config_shares(
        series, INFO, columns=["A–B treaty", "Z–Z treaty", "other configurations"]
    )
    assert shares.columns.tolist() == ["A–B treaty", "Z–Z treaty", "other configurations"]
    assert shares.loc[1, "A–B treaty"] == 0.0 and shares.loc[1, "other configurations"] == 1.0
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)


def test_formation_groups_large_grid_pools_finer_parameter(tmp_path):
    batch = load_batch(make_batch(tmp_path / "g", "grid2", replicates=2, rounds=6))
    design = detect_design(batch)  # 3 x 2 grid: 6 points
    groups = formation_groups(batch, design, max_groups=4)
    from sim.analysis.prep import group_order

    assert group_order(groups) == [
        "RUS.weights.us_ties = 0.2 (pooled over CHN.weights.security)",
        "RUS.weights.us_ties = 0.6 (pooled over CHN.weights.security)",
    ]
    assert groups.value_counts().tolist() == [6, 6]
