"""sim.sensitivity: seed-averaged outcomes joined to the SALib sample in its row order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from synthetic import scenario_info, write_batch

from sim.analysis import BatchError, load_batch
from sim.sensitivity import (
    Outcome,
    design_points,
    morris_indices,
    point_means,
    sobol_indices,
    sobol_setup,
)

NAMES = ["states.CHN.weights.security", "states.RUS.weights.us_ties", "negotiation.temperature"]
PROBLEM = {"num_vars": 3, "names": NAMES, "bounds": [[-np.pi, np.pi]] * 3}
Y = [Outcome("y", "Ishigami")]


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """Ishigami & Homma (1990): S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244)."""
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def fake_runs(x: np.ndarray, y: np.ndarray, replicates: int = 3, seed: int = 0) -> pd.DataFrame:
    """Runs whose per-point mean of `y` equals the given value, rows shuffled.

    Replicate noise is +d, -d, 0 (mean exactly y), so only the join can go wrong.
    """
    rows = []
    noise = [0.5, -0.5, 0.0][:replicates]
    for pid, (xi, yi) in enumerate(zip(x, y, strict=True)):
        for rep, d in enumerate(noise):
            rows.append(
                {
                    "run_id": pid * replicates + rep,
                    "point_id": pid,
                    "replicate": rep,
                    "seed": rep,
                    **dict(zip(NAMES, xi, strict=True)),
                    "status": "ok",
                    "rounds": 10,
                    "y": yi + d,
                }
            )
    df = pd.DataFrame(rows)
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def sobol_batch(tmp_path, n=1024, second_order=False, with_flag=True, runs=None):
    x = sobol_sample.sample(PROBLEM, n, calc_second_order=second_order, seed=7)
    design = {"kind": "sobol", "parameters": NAMES, "problem": PROBLEM, "samples": n}
    if with_flag:
        design["calc_second_order"] = second_order
    manifest = {
        "experiment": {"name": "ishigami"},
        "scenario_info": scenario_info(),
        "design": design,
    }
    runs = fake_runs(x, ishigami(x)) if runs is None else runs
    return load_batch(write_batch(tmp_path / "sobol", runs, None, manifest), with_series=False)


def test_ishigami_indices_recovered(tmp_path):
    batch = sobol_batch(tmp_path)
    table = sobol_indices(batch, outcomes=Y, num_resamples=50).set_index("parameter")
    np.testing.assert_allclose(table.loc[NAMES, "S1"], [0.314, 0.442, 0.0], atol=0.05)
    np.testing.assert_allclose(table.loc[NAMES, "ST"], [0.558, 0.442, 0.244], atol=0.05)
    assert (table["S1_conf"] > 0).all() and (table["ST_conf"] > 0).all()
    assert table["outcome"].eq("Ishigami").all()


def test_ishigami_second_order_inferred_from_size(tmp_path):
    batch = sobol_batch(tmp_path, n=512, second_order=True, with_flag=False)
    problem, second = sobol_setup(batch)
    assert second and problem["names"] == NAMES
    table = sobol_indices(batch, outcomes=Y, num_resamples=20).set_index("parameter")
    np.testing.assert_allclose(table.loc[NAMES, "ST"], [0.558, 0.442, 0.244], atol=0.07)


def test_point_means_follow_point_id_not_row_order():
    x = sobol_sample.sample(PROBLEM, 8, calc_second_order=False, seed=1)
    y = ishigami(x)
    runs = fake_runs(x, y, seed=3)
    assert not runs["point_id"].is_monotonic_increasing  # rows really are shuffled
    means = point_means(runs, ["y"], len(x))
    np.testing.assert_allclose(means["y"].to_numpy(), y, atol=1e-12)
    assert means.index.tolist() == list(range(len(x)))


def test_misaligned_outcomes_would_give_wrong_indices():
    # Guard that the Ishigami check is sensitive to the join: feeding Y in the shuffled
    # row order (as a naive groupby(sort=False) might) destroys the indices.
    from SALib.analyze import sobol

    x = sobol_sample.sample(PROBLEM, 512, calc_second_order=False, seed=7)
    y = ishigami(x)
    perm = np.random.default_rng(0).permutation(len(y))
    res = sobol.analyze(PROBLEM, y[perm], calc_second_order=False, seed=1)
    assert abs(res["S1"][1] - 0.442) > 0.1


def test_missing_point_and_failed_runs(tmp_path):
    x = sobol_sample.sample(PROBLEM, 8, calc_second_order=False, seed=1)
    runs = fake_runs(x, ishigami(x))
    runs.loc[runs["point_id"] == 5, "status"] = "failed"
    with pytest.raises(BatchError, match="point_id 5"):
        point_means(runs, ["y"], len(x))


def test_a_batch_stopped_early_is_refused_not_analysed_as_a_smaller_design(tmp_path):
    """The manifest's design gives the number of points: the last blocks of a Saltelli
    sample not run yet are missing points (an incomplete batch), not a smaller design."""
    n = 16
    x = sobol_sample.sample(PROBLEM, n, calc_second_order=False, seed=7)
    whole = fake_runs(x, ishigami(x))
    done = whole[whole["point_id"] < 10 * (len(NAMES) + 2)]  # 10 of 16 blocks run
    design = {"kind": "sobol", "problem": PROBLEM, "calc_second_order": False,
              "points": [dict(zip(NAMES, xi, strict=True)) for xi in x.tolist()]}  # fmt: skip
    manifest = {"scenario_info": scenario_info(), "design": design}
    batch = load_batch(write_batch(tmp_path / "s", done, None, manifest), with_series=False)
    assert design_points(batch) == len(x) == 80
    with pytest.raises(BatchError, match=r"30 design point.*incomplete batch"):
        sobol_indices(batch, outcomes=Y, num_resamples=10)


def test_not_a_sobol_design(tmp_path):
    runs = fake_runs(np.zeros((2, 3)), np.zeros(2))
    manifest = {"scenario_info": scenario_info(), "design": {"kind": "grid"}}
    batch = load_batch(write_batch(tmp_path / "g", runs, None, manifest))
    with pytest.raises(BatchError, match="not a Sobol design"):
        sobol_indices(batch, outcomes=Y)


def test_constant_outcome_gives_nan(tmp_path):
    x = sobol_sample.sample(PROBLEM, 16, calc_second_order=False, seed=1)
    batch = sobol_batch(tmp_path, runs=fake_runs(x, np.ones(len(x))), n=16)
    table = sobol_indices(batch, outcomes=Y, num_resamples=10)
    assert table["S1"].isna().all()


def test_morris_screening_ranks_influential_parameter(tmp_path):
    x = morris_sample.sample(PROBLEM, 20, num_levels=4, seed=2)
    y = 3.0 * x[:, 0] + 0.1 * x[:, 2]  # the second parameter has no effect at all
    manifest = {
        "scenario_info": scenario_info(),
        "design": {"kind": "morris", "problem": PROBLEM, "num_levels": 4},
    }
    batch = load_batch(write_batch(tmp_path / "m", fake_runs(x, y), None, manifest))
    table = morris_indices(batch, outcomes=Y, num_resamples=20).set_index("parameter")
    # SALib's elementary effects are per unit of the range scaled to [0, 1]: slope * 2 pi.
    width = 2 * np.pi
    assert table.loc[NAMES[0], "mu_star"] == pytest.approx(3.0 * width, rel=1e-6)
    assert table.loc[NAMES[1], "mu_star"] == pytest.approx(0.0, abs=1e-9)
    assert table.loc[NAMES[2], "mu_star"] == pytest.approx(0.1 * width, rel=1e-6)
