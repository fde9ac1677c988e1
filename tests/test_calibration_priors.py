"""Priors cover every region where the answer changes: each prior's parameter swept past
its bounds (sim/calibration/sweep.py) must not flip an outcome there.

Cheap: 40 seeds (common to every value), 48 rounds (to 2027-12), the lockstep engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.calibration.spec import Prior, load_calibration
from sim.calibration.sweep import TRILATERAL, flips, outside_values, seeds_for, sweep

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION = ROOT / "configs" / "calibration" / "korea_2024.toml"
SCENARIO = ROOT / "configs" / "scenarios" / "korea_2024.toml"
SEEDS, ROUNDS = 40, 48


def test_values_past_the_bounds_by_hand():
    uniform = Prior(dist="uniform", low=0.1, high=0.8)  # width 0.7: 0.07, 0.175, 0.35 past
    v = outside_values(uniform)
    assert v["high"] == pytest.approx([0.8, 0.87, 0.975, 1.15])
    assert v["low"] == pytest.approx([0.1, 0.03, 0.0])  # clipped at zero, once
    log = outside_values(Prior(dist="loguniform", low=0.002, high=0.1))
    assert log["high"] == pytest.approx([0.1, 0.15, 0.3, 1.0])
    assert log["low"] == pytest.approx([0.002, 0.002 / 1.5, 0.002 / 3, 0.0002])
    months = outside_values(Prior(dist="uniform", low=6.5, high=15.5, integer=True))
    assert months == {"low": [7, 6, 5, 4], "high": [15, 16, 17, 18]}


@pytest.mark.slow
def test_shipped_priors_cover_every_region_where_the_answer_changes():
    cal = load_calibration(CALIBRATION)
    points = sweep(cal, seeds_for(SEEDS), rounds=ROUNDS)
    assert {p.parameter for p in points} == set(cal.parameters)
    assert flips(points) == []


def test_sweep_flags_the_old_us_ties_prior_that_excluded_zero(tmp_path):
    """China's US-ties weight on 0.1-0.8 (the prior before issue 22): P(trilateral ever by
    2027-12) is 0 at the bound 0.1 and 0.37 at 0 (200 seeds: +-0.07 at 95%, clear of the
    0.25 flip; 40 seeds gave exactly 0.25): flagged, low side."""
    path = tmp_path / "old.toml"
    path.write_text(f"""
scenario = "{SCENARIO}"
rounds = 24
replicates = 4
root_seed = 1
[priors]
"states.CHN.weights.us_ties" = {{ dist = "uniform", low = 0.1, high = 0.8 }}
[[targets]]
name = "no_trilateral"
statistic = "max_level_r23.CHN-RUS-PRK"
observed = 0
tolerance = 0
[scenario_overrides]
checkpoints = [23]
""")
    cal = load_calibration(path)
    points = sweep(cal, seeds_for(200), rounds=ROUNDS)
    lines = flips(points)
    assert len(lines) == 1 and lines[0].startswith("states.CHN.weights.us_ties (low)")
    assert TRILATERAL in lines[0] or "no_trilateral" in lines[0]


def test_multivariate_kernel_density_and_box():
    """Three centres in 2-d: the density is the weighted mixture of normals with twice the
    weighted covariance (scipy's), and every draw lies inside the prior's box."""
    import numpy as np
    from scipy import stats

    from sim.calibration.priors import MvnKernel, PriorSet

    priors = PriorSet.of({"a.x": Prior(dist="uniform", low=0.0, high=1.0),
                          "a.y": Prior(dist="uniform", low=0.0, high=1.0)})  # fmt: skip
    z = np.array([[0.2, 0.3], [0.6, 0.5], [0.4, 0.8]])
    w = np.array([0.25, 0.5, 0.25])
    k = MvnKernel.around(z, w, priors)
    mean = w @ z
    cov = 2 * ((z - mean).T * w) @ (z - mean) + np.diag([1e-6, 1e-6])
    at = np.array([[0.4, 0.4], [0.1, 0.9]])
    mix = [wi * stats.multivariate_normal(c, cov).pdf(at) for c, wi in zip(z, w, strict=True)]
    want = np.log(sum(mix))
    assert np.allclose(k.logpdf(at), want)
    draws = k.sample(500, np.random.default_rng(0))
    assert draws.shape == (500, 2) and ((draws >= 0) & (draws <= 1)).all()
