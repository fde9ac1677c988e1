"""Distances, pass fractions, the tolerance rule, priors and the kernel, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import trapezoid

from sim.calibration.priors import Kernel, PriorSet
from sim.calibration.spec import Prior, Target
from sim.calibration.targets import choose_tolerance, distance, score, target_values


def t(**kw) -> Target:
    return Target(**{"name": "x", "statistic": "level_r3.A-B", "observed": 2.0,
                     "tolerance": 0.0} | kw)  # fmt: skip


def test_distance_rules():
    v = np.array([2.0, 3.0, 0.0, np.nan])
    # tolerance 0: 0 when equal, else 1 + |diff|; a failed run (NaN) is infinitely far
    assert distance(v, t(), 24).tolist() == [0.0, 2.0, 3.0, np.inf]
    # tolerance 2: |diff| / 2, so within tolerance <=> distance <= 1
    assert distance(v, t(tolerance=2.0), 24).tolist() == [0.0, 0.5, 1.0, np.inf]


def test_never_is_the_horizon_for_first_round_statistics():
    runs = pd.DataFrame({"first_round.A-B.treaty": pd.array([5, None, 30], dtype="Int64"),
                         "status": ["ok", "ok", "ok"]})  # fmt: skip
    never = t(statistic="first_round.A-B.treaty", observed="never")
    values = target_values(runs, never, 24)
    assert values.tolist() == [5.0, 24.0, 24.0]  # never, and after the horizon, count as 24
    assert distance(values, never, 24).tolist() == [20.0, 0.0, 0.0]


def test_runs_combine_by_max_and_probability_targets_by_share():
    runs = pd.DataFrame({
        "run_id": range(4), "point_id": [0, 0, 1, 1], "status": "ok",
        "a": [2, 2, 2, 0], "b": [1, 0, 1, 1],
    })  # fmt: skip
    s = score(runs, [t(name="a", statistic="a"),
                     t(name="b", statistic="b", observed=1.0, at_least=0.5)], 24, 2)  # fmt: skip
    # set 0: both runs match a; b matches in 1 of 2 runs (share 0.5 >= 0.5) -> fraction 1
    # set 1: run 1 misses a (distance 3); b matches in both -> fraction 0.5
    assert s.pass_fraction(1.0).tolist() == [1.0, 0.5]
    assert s.pass_fraction(3.0).tolist() == [1.0, 1.0]
    s2 = score(runs, [t(name="b", statistic="b", observed=1.0, at_least=1.0)], 24, 2)
    assert s2.pass_fraction(1.0).tolist() == [0.0, 1.0]  # set 0 has b = 0 in one run
    assert s2.pass_fraction(2.0).tolist() == [1.0, 1.0]  # distance of 0 vs 1 is 2


def test_tolerance_keeps_the_ess_and_never_goes_below_one():
    runs = pd.DataFrame({"run_id": range(4), "point_id": [0, 1, 2, 3], "status": "ok",
                         "a": [2, 2, 3, 5]})  # fmt: skip
    s = score(runs, [t(name="a", statistic="a")], 24, 1)  # distances 0, 0, 2, 4
    w = np.ones(4)
    assert choose_tolerance(s, w, np.inf, min_ess=2.0) == 1.0  # 2 sets at eps 1: ESS 2
    assert choose_tolerance(s, w, np.inf, min_ess=3.0) == 2.0  # 3 sets need eps 2
    assert choose_tolerance(s, w, 2.0, min_ess=3.0) == 1.0  # no progress: a step down (ESS 2)


def test_prior_densities_integrate_to_one():
    for prior in (Prior(dist="uniform", low=-1.0, high=3.0),
                  Prior(dist="loguniform", low=0.01, high=1.0),
                  Prior(dist="normal", low=0.0, high=1.0, mean=0.6, sd=0.2)):  # fmt: skip
        ps = PriorSet(("p",), (prior,))
        z = np.linspace(ps.zlow[0], ps.zhigh[0], 20001)[:, None]
        assert trapezoid(np.exp(ps.logpdf_z(z)), z[:, 0]) == pytest.approx(1.0, abs=1e-3)
        draws = ps.from_z(ps.sample_z(1000, np.random.default_rng(0)))
        assert ((draws >= prior.low) & (draws <= prior.high)).all()


def test_kernel_density_integrates_to_one_within_the_bounds():
    ps = PriorSet(("p",), (Prior(dist="uniform", low=0.0, high=1.0),))
    k = Kernel.around(np.array([[0.05], [0.5], [0.9]]), np.array([0.2, 0.5, 0.3]), ps)
    z = np.linspace(0, 1, 20001)[:, None]
    assert trapezoid(np.exp(k.logpdf(z)), z[:, 0]) == pytest.approx(1.0, abs=1e-3)
    draws = k.sample(2000, np.random.default_rng(1))
    assert ((draws >= 0) & (draws <= 1)).all()


def test_integer_prior_rounds_the_value_given_to_the_model():
    ps = PriorSet(("m",), (Prior(dist="uniform", low=5.5, high=12.5, integer=True),))
    assert ps.from_z(np.array([[5.6], [6.49], [6.51], [12.4]]))[:, 0].tolist() == [6, 6, 7, 12]
    draws = ps.from_z(ps.sample_z(7000, np.random.default_rng(2)))[:, 0]
    counts = np.bincount(draws.astype(int))[6:13]
    assert counts.min() > 850 and counts.max() < 1150  # 1000 each, equal weights on 6..12
