"""Invariants over random valid scenarios, configurations and driver values (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from property import default_raw, driver_values, four_states_raw, level_vectors, scenarios, seeds

from sim.config import build_scenario
from sim.model import DiplomacyModel
from sim.rules.compile import compile_params
from sim.rules.decisions import evaluate_moves
from sim.rules.drivers import initial_drivers, step_drivers
from sim.rules.utility import (
    attributes,
    pair_strength,
    support,
    support_share,
    terms,
    utility,
)

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROUNDS = 8


def _check_shares(shares: np.ndarray) -> None:
    """Shares in [0, 1]; each client's row sums to 1 (has support) or 0 (has none)."""
    assert np.all(np.isfinite(shares))
    assert np.all(shares >= 0.0) and np.all(shares <= 1.0 + 1e-12)
    rows = shares.sum(axis=-1)
    assert np.all(np.isclose(rows, 1.0, rtol=0, atol=1e-12) | (rows == 0.0))
    n = shares.shape[-1]
    assert np.all(shares[..., np.arange(n), np.arange(n)] == 0.0)  # no support from oneself


@FAST
@given(scenario=scenarios(), data=st.data())
def test_utilities_finite_for_any_levels_and_drivers(scenario, data):
    p = compile_params(scenario)
    levels = data.draw(level_vectors(p))
    x = data.draw(driver_values(p))
    attrs = attributes(x, p)
    t = terms(levels, attrs, p)
    assert t.shape == (p.n_states, 4)
    assert np.all(np.isfinite(t))
    assert np.all(np.isfinite(utility(levels, attrs, p)))
    mv = evaluate_moves(levels, attrs, p)
    assert np.all(np.isfinite(mv.utility))
    commit = pair_strength(levels, p.pair_table, p.commitment)
    _check_shares(support_share(support(commit, attrs, p)))


@FAST
@given(
    scenario=st.one_of(scenarios(), scenarios(four_states_raw())),
    seed=seeds,
)
def test_runs_keep_valid_configurations_drivers_and_shares(scenario, seed):
    model = DiplomacyModel(scenario, rng=seed, rounds=ROUNDS).run()
    p = model.params
    top = len(p.level_names) - 1
    # round counting
    assert model.round == ROUNDS
    assert len(model.rows) == ROUNDS
    assert not model.running
    model.step()  # a step past the horizon does nothing
    assert model.round == ROUNDS and len(model.rows) == ROUNDS
    n = p.n_states
    assert p.space.n_pacts == 2**n - n - 1  # every subset of two or more states
    assert np.all(p.space.membership.sum(axis=1) >= 2)
    s = model.series()
    assert s.levels.shape == (ROUNDS, p.space.n_pacts)
    assert s.levels.dtype.kind == "i"
    assert np.all((s.levels >= 0) & (s.levels <= top))
    assert np.all((s.talk_level >= 0) & (s.talk_level <= top))
    # open talks always aim above the pact's current level (or the pact was left meanwhile)
    assert np.all((s.talk_level == 0) | (s.talk_level > s.levels) | (s.levels == 0))
    assert np.all((s.drivers >= p.drivers.low) & (s.drivers <= p.drivers.high))
    assert np.all(np.isfinite(s.weighted))
    assert np.all((s.move >= 0) & (s.move < p.space.n_moves)) and np.all(s.proposer < n)
    for shares in s.shares:
        _check_shares(shares)
    hist = model.history()
    assert hist.levels.shape == (1, ROUNDS, p.space.n_pacts)


_DEFAULT = build_scenario(default_raw(), "<default>")
_DEFAULT_P = compile_params(_DEFAULT)


@settings(max_examples=15, deadline=None)
@given(seed=seeds, rounds=st.integers(min_value=1, max_value=30))
def test_default_scenario_round_counting_and_driver_bounds(seed, rounds):
    model = DiplomacyModel(_DEFAULT, rng=seed, rounds=rounds).run()
    assert model.round == rounds and len(model.rows) == rounds
    x = model.series().drivers
    assert np.all(x >= _DEFAULT_P.drivers.low) and np.all(x <= _DEFAULT_P.drivers.high)


@FAST
@given(data=st.data())
def test_default_utilities_finite_for_extreme_drivers(data):
    p = _DEFAULT_P
    levels = data.draw(level_vectors(p))
    x = data.draw(driver_values(p, spread=1e6))
    attrs = attributes(x, p)
    for a in (attrs.threat, attrs.conflict_risk, attrs.us_stake, attrs.trade_need, attrs.needs):
        assert np.all((a >= 0.0) & (a <= 1.0))
    assert np.all(np.isfinite(terms(levels, attrs, p)))


def test_step_drivers_by_hand():
    raw = default_raw()
    raw["feedback"] = []  # the default's feedback names its drivers; these are others
    raw["drivers"] = {
        "war": {
            "initial": 0.8,
            "mean": 0.8,
            "mean_after": 0.1,
            "theta": 0.5,
            "sigma": 0.1,
            "switch_hazard": 0.3,
            "switch_from": 2,
        },
        "tension": {"initial": 0.5, "mean": 0.5, "low": 0.0, "high": 1.0},
    }
    for key in ("rus_war", "us_china_tension", "peninsula_tension", "sanctions"):
        raw["drivers"].pop(key, None)
    raw["shocks"] = [
        {"driver": "tension", "add": 0.3, "round": 1},
        {"driver": "tension", "add": 0.4, "probability": 0.5},
    ]
    p = compile_params(build_scenario(raw, "<hand>"))
    x, switched = initial_drivers(p)
    z = np.array([1.0, 0.0])
    # round 0: not yet eligible to switch (u 0 < hazard ignored): 0.8 + 0.5 x 0 + 0.1 x 1
    x, switched = step_drivers(x, switched, 0, p, np.array([0.0, 1.0]), z, np.array([0.9]))
    np.testing.assert_allclose(x, [0.9, 0.5])
    assert not switched.any()
    # round 1: scheduled shock +0.3, random shock fires (u 0.2 < 0.5) +0.4 -> 1.2 clipped
    # to 1; war: 0.9 + 0.5 x (0.8 - 0.9) + 0.1 x 1 = 0.95
    x, switched = step_drivers(x, switched, 1, p, np.array([0.0, 1.0]), z, np.array([0.2]))
    np.testing.assert_allclose(x, [0.95, 1.0])
    # round 2: switch fires (u 0.29 < 0.3): mean 0.1 -> 0.95 + 0.5 x (0.1 - 0.95) - 0.1
    x, switched = step_drivers(x, switched, 2, p, np.array([0.29, 1.0]), -z, np.array([0.9]))
    np.testing.assert_allclose(x, [0.95 - 0.425 - 0.1, 1.0])
    assert switched.tolist() == [True, False]
    # the switch is one-way: a later u above the hazard keeps the new mean
    x, switched = step_drivers(x, switched, 3, p, np.array([0.99, 1.0]), 0 * z, np.array([0.9]))
    np.testing.assert_allclose(x, [0.425 + 0.5 * (0.1 - 0.425), 1.0])
    assert switched.tolist() == [True, False]
