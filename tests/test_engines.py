"""The lockstep engine and the Mesa model give the same runs and the same distributions.

Two layers:
1. Same seeds -> identical outcome rows (both engines call the same pure rules on the
   same pre-drawn numbers; sums avoid BLAS so batch shape cannot change rounding).
2. Independent seeds -> the same distributions, on design points where the trilateral is
   rare, even, and near certain: P(trilateral) and P(each bilateral pact ever) agree
   within a 99.9% two-proportion margin, and the time-to-formation distributions pass a
   log-rank test at the 0.001 level.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.config import load_scenario
from sim.runner import run_many
from sim.seeds import replicate_seeds
from sim.stats import logrank_test

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "configs" / "scenarios" / "korea_2024.toml"
Z = 3.29  # two-sided 99.9%

# Design points: the default (trilateral rare), China's US-ties weight lowered to where the
# trilateral forms in about half the runs, and with a weaker US reaction besides, where it
# almost always forms.
POINTS = {
    "default": [],
    "chn_us_ties_0.01": ["states.CHN.weights.us_ties=0.01"],
    "chn_us_ties_0_us_reactivity_0.2": ["states.CHN.weights.us_ties=0", "us.reactivity=0.2"],
}


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


@pytest.mark.parametrize("point", list(POINTS))
def test_same_seed_same_run(point):
    scenario = load_scenario(SCENARIO, POINTS[point])
    seeds = replicate_seeds(7, 20)
    mesa = run_many(scenario, seeds, engine="mesa")
    lock = run_many(scenario, seeds, engine="lockstep")
    for a, b in zip(mesa, lock, strict=True):
        assert a.seed == b.seed
        diff = [k for k in a.outcome if not _same(a.outcome[k], b.outcome[k])]
        assert not diff, f"seed {a.seed}: {diff[:5]}"


def test_same_seed_same_run_with_association():
    """Guilt by association (``us.association``, 0 by default) is read the same way by
    both engines: the actions' valuation and the actions in force."""
    scenario = load_scenario(SCENARIO, ["us.association=0.5"])
    seeds = replicate_seeds(7, 10)
    mesa = run_many(scenario, seeds, series=True, engine="mesa")
    lock = run_many(scenario, seeds, series=True, engine="lockstep")
    for a, b in zip(mesa, lock, strict=True):
        diff = [k for k in a.outcome if not _same(a.outcome[k], b.outcome[k])]
        assert not diff, f"seed {a.seed}: {diff[:5]}"
        pd.testing.assert_frame_equal(a.series, b.series)


def test_same_seed_same_series():
    scenario = load_scenario(SCENARIO, POINTS["chn_us_ties_0.01"])
    seeds = replicate_seeds(11, 5)
    mesa = run_many(scenario, seeds, series=True, engine="mesa")
    lock = run_many(scenario, seeds, series=True, engine="lockstep")
    for a, b in zip(mesa, lock, strict=True):
        pd.testing.assert_frame_equal(a.series, b.series)


@pytest.fixture(scope="module")
def samples() -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    out = {}
    for name, sets in POINTS.items():
        scenario = load_scenario(SCENARIO, sets)
        mesa_seeds = replicate_seeds(101, 150)  # independent of the lockstep seeds
        lock_seeds = replicate_seeds(202, 2000)
        mesa = pd.DataFrame([r.outcome for r in run_many(scenario, mesa_seeds, engine="mesa")])
        lock = pd.DataFrame([r.outcome for r in run_many(scenario, lock_seeds, engine="lockstep")])
        out[name] = (mesa, lock)
    return out


def _proportions_agree(a: pd.Series, b: pd.Series) -> tuple[bool, str]:
    p1, p2, n1, n2 = a.mean(), b.mean(), len(a), len(b)
    se = math.sqrt(max(p1 * (1 - p1), 1 / n1) / n1 + max(p2 * (1 - p2), 1 / n2) / n2)
    return abs(p1 - p2) <= Z * se, f"{p1:.3f} (n={n1}) vs {p2:.3f} (n={n2}), margin {Z * se:.3f}"


@pytest.mark.parametrize("point", list(POINTS))
def test_probabilities_agree(samples, point):
    mesa, lock = samples[point]
    cols = ["target_formed"] + [c for c in mesa.columns if c.startswith("formed.")]
    for col in cols:
        ok, msg = _proportions_agree(mesa[col], lock[col])
        assert ok, f"{point} {col}: {msg}"


def test_design_points_span_rare_to_likely(samples):
    """The comparison is informative: the trilateral is rare, even and likely."""
    p = {name: lock["target_formed"].mean() for name, (_, lock) in samples.items()}
    assert p["default"] < 0.1
    assert 0.2 < p["chn_us_ties_0.01"] < 0.8
    assert p["chn_us_ties_0_us_reactivity_0.2"] > 0.8


# The trilateral (almost) never forms at the default: its times are compared elsewhere.
TIMES = [(pt, "RUS-PRK") for pt in POINTS] + [(pt, "trilateral") for pt in list(POINTS)[1:]]


@pytest.mark.parametrize(("point", "pact"), TIMES)
def test_time_to_formation_agrees(samples, point, pact):
    mesa, lock = samples[point]
    col = "target_round" if pact == "trilateral" else f"first_round.{pact}"
    horizon = int(mesa["rounds"].iloc[0])

    def times(df):
        t = df[col].astype("float64")
        observed = t.notna().to_numpy()
        return np.where(observed, t.fillna(horizon), horizon).astype(int), observed

    t1, o1 = times(mesa)
    t2, o2 = times(lock)
    # With these fixed seeds every design point has formations in at least one sample;
    # if a model change removes them all, the comparison would be empty: fail, not skip.
    assert o1.any() or o2.any(), f"{point} {pact}: no formation in either sample"
    res = logrank_test(t1, o1, t2, o2)
    if math.isnan(res.p_value):  # every formation in round 0 of both: identical
        assert (t1[o1] == 0).all() and (t2[o2] == 0).all()
        return
    assert res.p_value > 0.001, f"{point} {pact}: log-rank p = {res.p_value:.2g}"
