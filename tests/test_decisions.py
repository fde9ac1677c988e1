"""Negotiation decisions: consent, logit acceptance, recognition, proposals, exits, moves,
stability. Hand-made scenarios from handmade.py; expected numbers computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from handmade import compile_raw, levels_of, three_raw, two_raw
from hypothesis import given, settings
from hypothesis import strategies as st
from property import default_raw, driver_values, four_states_raw, level_vectors

from sim.config import build_scenario
from sim.model import DiplomacyModel
from sim.rules.compile import compile_params
from sim.rules.decisions import (
    MoveValues,
    accept_probability,
    choice_probabilities,
    choose,
    evaluate_moves,
    is_stable,
    move_values,
    recognize,
)
from sim.rules.pacts import LEAVE, LOWER, RAISE, apply_moves, valid_moves
from sim.rules.utility import attributes

PA, PB, CL = 0, 1, 2


def move(p, label: str) -> int:
    return p.space.labels.index(label)


@pytest.fixture(scope="module")
def hand3():
    return compile_raw(three_raw())


# -- logit acceptance ----------------------------------------------------------------------


def test_accept_probability_is_the_logistic_function():
    # gain = cost -> 1 / (1 + e^0) = 0.5
    assert accept_probability(np.float64(0.3), 0.3, 0.1) == pytest.approx(0.5, abs=1e-15)
    # (gain - cost) / T = ln 3 -> 1 / (1 + 1/3) = 0.75; -ln 3 -> 1 / (1 + 3) = 0.25
    t = 0.02
    got = accept_probability(np.array([0.01 + t * math.log(3), 0.01 - t * math.log(3)]), 0.01, t)
    np.testing.assert_allclose(got, [0.75, 0.25], rtol=1e-12)
    # temperature scales: gain - cost = 0.1 at T = 0.1 -> 1 / (1 + e^-1)
    assert accept_probability(np.float64(0.15), 0.05, 0.1) == pytest.approx(
        1 / (1 + math.exp(-1)), rel=1e-12
    )
    # far from indifference: (practically) certain, never NaN, never exactly 0
    far = accept_probability(np.array([1e6, -1e6]), 0.0, 1e-3)
    assert far[0] == 1.0 and 0.0 < far[1] < 1e-300


# -- recognition ---------------------------------------------------------------------------


def test_recognition_is_proportional_to_weights_at_cumulative_boundaries():
    raw = three_raw()
    raw["states"]["CL"]["recognition"] = 2.0  # weights 1, 1, 2: cumulative 1, 2, 4 of 4
    _, p, _ = compile_raw(raw)
    zero = np.zeros(3)
    u = np.array([0.0, 0.2499, 0.25, 0.4999, 0.5, 0.9999])
    got = recognize(np.broadcast_to(zero, (6, 3)), p, u)
    np.testing.assert_array_equal(got, [PA, PA, PB, PB, CL, CL])
    # a fine grid of u picks each state in proportion 1 : 1 : 2
    grid = (np.arange(4000) + 0.5) / 4000
    counts = np.bincount(recognize(np.broadcast_to(zero, (4000, 3)), p, grid), minlength=3)
    np.testing.assert_array_equal(counts, [1000, 1000, 2000])


def test_recognition_eagerness_raises_the_weight_of_states_with_gains():
    raw = three_raw()
    raw["negotiation"]["eagerness"] = 2.0
    _, p, _ = compile_raw(raw)
    # weights 1 x (1 + 2 x 0.5) = 2, 1, 1 x (1 + 2 x 0.5) = 2 -> cumulative 2, 3, 5 of 5
    best = np.array([0.5, 0.0, 0.5])
    u = np.array([0.0, 0.3999, 0.4, 0.5999, 0.6, 0.9999])
    got = recognize(np.broadcast_to(best, (6, 3)), p, u)
    np.testing.assert_array_equal(got, [PA, PA, PB, PB, CL, CL])


# -- the proposer's choice: multinomial logit --------------------------------------------


def test_choice_probabilities_by_hand():
    t = 0.1
    # values 0 (status quo), T ln 2, unavailable: weights 1, 2, 0 -> 1/3, 2/3, 0
    got = choice_probabilities(np.array([0.0, t * math.log(2), -np.inf]), t)
    np.testing.assert_allclose(got, [1 / 3, 2 / 3, 0.0], rtol=1e-12)
    # inverse CDF boundaries: u < 1/3 -> 0; u >= 1/3 -> 1; never the unavailable option
    v = np.broadcast_to(np.array([0.0, t * math.log(2), -np.inf]), (4, 3))
    np.testing.assert_array_equal(
        choose(v, t, np.array([0.0, 0.3333, 1 / 3 + 1e-9, 1.0])), [0, 0, 1, 1]
    )
    # an unavailable option in the middle is skipped, whatever u
    v = np.array([0.0, -np.inf, 0.0])
    assert set(choose(np.broadcast_to(v, (5, 3)), t, np.linspace(0, 1, 5))) == {0, 2}


def test_choice_tends_to_uniform_and_to_argmax():
    v = np.array([0.0, 0.05, -0.05, -np.inf])
    np.testing.assert_allclose(choice_probabilities(v, 1e9), [1 / 3, 1 / 3, 1 / 3, 0], rtol=1e-6)
    low = choice_probabilities(v, 1e-4)
    assert low[1] == pytest.approx(1.0) and low[3] == 0.0


# -- proposal values -----------------------------------------------------------------------


def _gains_case(p, gains_by_move: dict[str, list[float]], levels=None):
    """MoveValues whose utility under each listed move is the given per-state gain."""
    levels = levels_of(p) if levels is None else levels
    u = np.zeros((p.space.n_moves, p.n_states))
    for label, g in gains_by_move.items():
        u[move(p, label)] = g
    return MoveValues(
        configs=apply_moves(levels, p.space), utility=u, valid=valid_moves(levels, p.space)
    )


def test_move_values_anticipate_consent_and_exclude_what_a_state_cannot_propose(hand3):
    _, p, _ = hand3
    mv = _gains_case(p, {"form PA-PB-CL partnership": [0.5, 0.5, 0.5]})
    tri = move(p, "form PA-PB-CL partnership")
    v = move_values(mv, p, np.zeros(p.space.n_pacts, dtype=np.int8))
    # P(other accepts) = logistic((0.5 - 0.05) / 0.1); two others must agree
    prob = 1 / (1 + math.exp(-4.5))
    assert v[tri, PA] == pytest.approx((0.5 - 0.05) * prob**2, rel=1e-12)
    assert np.all(v[0] == 0.0)  # the status quo
    # no pact is active: no lowering or leaving is proposable
    assert np.all(v[p.space.kind >= LOWER] == -np.inf)
    # PA is not a member of PB-CL: cannot propose it
    assert v[move(p, "form PB-CL partnership"), PA] == -np.inf
    # talks already open on the trilateral: no second proposal on it
    busy = np.zeros(p.space.n_pacts, dtype=np.int8)
    busy[p.space.index(["PA", "PB", "CL"])] = 2
    assert np.all(move_values(mv, p, busy)[tri] == -np.inf)


def test_leaving_is_valued_at_gain_minus_the_exit_threshold(hand3):
    _, p, _ = hand3
    lv = levels_of(p, PA_CL=2)
    mv = _gains_case(p, {"CL leaves PA-CL": [-0.1, 0.0, 0.3], "lower PA-CL": [0.0, 0.0, 0.1]}, lv)
    v = move_values(mv, p, np.zeros(p.space.n_pacts, dtype=np.int8))
    leave = move(p, "CL leaves PA-CL")
    assert v[leave, CL] == pytest.approx(0.3 - 0.02, rel=1e-12)  # no consent needed
    assert v[leave, PA] == -np.inf  # only CL moves CL's exit
    lower = move(p, "lower PA-CL")
    np.testing.assert_allclose(v[lower, [PA, CL]], [-0.02, 0.1 - 0.02], rtol=1e-12)
    assert v[lower, PB] == -np.inf


# -- moves ---------------------------------------------------------------------------------


def test_valid_moves_boundaries(hand3):
    _, p, _ = hand3
    ok = valid_moves(levels_of(p, PA_CL=1), p.space)
    assert ok[move(p, "form PA-CL treaty")] and not ok[move(p, "form PA-CL partnership")]
    assert not ok[move(p, "lower PA-CL")]  # lowering a partnership is leaving it
    assert ok[move(p, "PA leaves PA-CL")] and not ok[move(p, "PA leaves PA-PB")]
    ok = valid_moves(levels_of(p, PA_CL=2), p.space)
    assert ok[move(p, "lower PA-CL")] and not ok[move(p, "form PA-CL treaty")]


def test_apply_moves_raise_lower_and_leave(hand3):
    _, p, _ = hand3
    # forming the trilateral keeps the bilaterals beneath it (pacts coexist)
    tri = move(p, "form PA-PB-CL partnership")
    got = apply_moves(levels_of(p, PA_PB=2, PA_CL=2), p.space, np.array(tri))
    np.testing.assert_array_equal(got, levels_of(p, PA_PB=2, PA_CL=2, PA_PB_CL=1))
    # lowering steps down one level
    got = apply_moves(levels_of(p, PA_CL=2), p.space, np.array(move(p, "lower PA-CL")))
    np.testing.assert_array_equal(got, levels_of(p, PA_CL=1))
    # leaving a trilateral: the other two keep a pact at the higher of the two levels,
    # and a bilateral of the leaver is untouched
    leave = move(p, "PA leaves PA-PB-CL")
    assert p.space.kind[leave] == LEAVE
    got = apply_moves(levels_of(p, PA_PB_CL=2, PA_CL=1), p.space, np.array(leave))
    np.testing.assert_array_equal(got, levels_of(p, PB_CL=2, PA_CL=1))
    got = apply_moves(levels_of(p, PA_PB_CL=1, PB_CL=2), p.space, np.array(leave))
    np.testing.assert_array_equal(got, levels_of(p, PB_CL=2))
    # leaving a bilateral dissolves it; the status quo changes nothing
    got = apply_moves(levels_of(p, PA_CL=2, PA_PB=1), p.space, np.array(move(p, "CL leaves PA-CL")))
    np.testing.assert_array_equal(got, levels_of(p, PA_PB=1))
    start = levels_of(p, PA_CL=1)
    np.testing.assert_array_equal(apply_moves(start, p.space, np.array(0)), start)
    assert p.space.kind[move(p, "form PA-CL treaty")] == RAISE


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_apply_moves_all_at_once_matches_one_at_a_time(data):
    _, p, _ = compile_raw(three_raw())
    levels = data.draw(level_vectors(p))
    every = apply_moves(levels, p.space)
    valid = valid_moves(levels, p.space)
    for m in np.flatnonzero(valid):
        np.testing.assert_array_equal(every[m], apply_moves(levels, p.space, np.array(m)))


_DEFAULT_P = compile_params(build_scenario(default_raw(), "<default>"))
_FOUR_P = compile_params(build_scenario(four_states_raw(), "<four>"))


@settings(max_examples=60, deadline=None)
@given(p=st.sampled_from([_DEFAULT_P, _FOUR_P]), data=st.data())
def test_a_state_never_chooses_a_move_it_may_not_make(p, data):
    levels = data.draw(level_vectors(p))
    attrs = attributes(data.draw(driver_values(p)), p)
    mv = evaluate_moves(levels, attrs, p)
    talks = np.zeros(p.space.n_pacts, dtype=np.int8)
    v = move_values(mv, p, talks)
    us = np.array(data.draw(st.lists(st.floats(0, 1), min_size=p.n_states, max_size=p.n_states)))
    for i in range(p.n_states):
        m = int(choose(v[:, i], p.temperature, np.float64(us[i])))
        if m == 0:
            continue
        assert mv.valid[m] and p.space.mover[m, i], p.space.labels[m]
        if p.space.kind[m] == RAISE:
            assert levels[p.space.pact[m]] < p.space.value[m]
        elif p.space.kind[m] == LOWER:
            assert levels[p.space.pact[m]] >= 2
        else:
            assert levels[p.space.pact[m]] > 0


# -- stability -----------------------------------------------------------------------------


def test_is_stable_hand_case():
    raw = two_raw()
    # Both value only security; formation cost 0.05, exit threshold 0.02.
    raw["states"]["PA"]["weights"] = {"security": 1.0, "us_ties": 0.0, "regional_influence": 0.0}
    raw["states"]["CL"]["weights"] = {"security": 1.0, "us_ties": 0.0, "regional_influence": 0.0}
    raw["states"]["PA"]["trade_share"] = {}
    raw["states"]["CL"]["trade_share"] = {}
    _, p, attrs = compile_raw(raw)
    # PA's security: partnership 0.5 x sat(0.5 x 0.125) + sat(0.5 x 0.25) - 0.2 x 0.2;
    # treaty 0.5 x sat(0.125) + sat(0.25) - 0.2. CL's: partnership sat(0.25) + sat(0.4);
    # treaty sat(0.5) + sat(0.8).
    pa = [0.0, 0.5 * 0.0625 / 1.0625 + 0.125 / 1.125 - 0.04, 0.5 * 0.125 / 1.125 + 0.2 - 0.2]
    cl = [0.0, 0.25 / 1.25 + 0.4 / 1.4, 0.5 / 1.5 + 0.8 / 1.8]
    for lv in range(3):
        gains = evaluate_moves(levels_of(p, PA_CL=lv), attrs, p).utility[0]
        np.testing.assert_allclose(gains, [pa[lv], cl[lv]], rtol=1e-12, atol=1e-15)
    # no pact: both gain more than 0.05 from a partnership (0.1005, 0.486) -> not stable;
    # partnership: PA loses by upgrading (0.0556 < 0.1005), both lose by leaving -> stable;
    # treaty: PA gains 0.1005 - 0.0556 = 0.045 > 0.02 by lowering it -> not stable.
    got = [bool(is_stable(evaluate_moves(levels_of(p, PA_CL=lv), attrs, p), p)) for lv in range(3)]
    assert got == [False, True, False]
    # With a formation cost above both gains from forming, no pact is stable too.
    raw["negotiation"]["formation_cost"] = 0.11
    _, p, attrs = compile_raw(raw)
    assert bool(is_stable(evaluate_moves(levels_of(p), attrs, p), p))
    # ... and with an exit threshold above PA's gain from lowering, the treaty is stable.
    raw["negotiation"]["exit_threshold"] = 0.05
    _, p, attrs = compile_raw(raw)
    assert bool(is_stable(evaluate_moves(levels_of(p, PA_CL=2), attrs, p), p))


def test_preferred_configuration_by_hand():
    """Each state's most preferred configuration (recorded by the Mesa model each round)."""
    raw = two_raw()
    raw["states"]["PA"]["weights"] = {"security": 1.0, "us_ties": 0.0, "regional_influence": 0.0}
    raw["states"]["CL"]["weights"] = {"security": 1.0, "us_ties": 0.0, "regional_influence": 0.0}
    s = build_scenario(raw, "<pref>")
    # From test_is_stable_hand_case: PA's security is 0 / 0.1005 / 0.0556 with no pact /
    # partnership / treaty -> partnership; CL's 0 / 0.486 / 0.778 -> treaty.
    model = DiplomacyModel(s, rng=0, rounds=2).run()
    assert model.preferred == [("PA-CL:partnership", "PA-CL:treaty")] * 2
