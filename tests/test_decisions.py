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
from sim.rules.decisions import (
    MoveValues,
    accept_probability,
    best_moves,
    evaluate_moves,
    exits,
    is_stable,
    propose,
    recognize,
)
from sim.rules.draws import Draws
from sim.rules.pacts import INVITE, LEAVE, RAISE, apply_moves, valid_moves
from sim.rules.params import compile_params
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


# -- consent: unanimity --------------------------------------------------------------------


def _trilateral_wanted(p):
    """MoveValues from no pacts where only the trilateral partnership gains (0.5 each)."""
    levels = levels_of(p)
    u = np.zeros((p.space.n_moves, p.n_states))
    u[move(p, "form PA-PB-CL partnership")] = 0.5
    return MoveValues(
        configs=apply_moves(levels, p.space), utility=u, valid=valid_moves(levels, p.space)
    )


def test_pact_forms_only_if_every_member_accepts(hand3):
    _, p, _ = hand3
    mv = _trilateral_wanted(p)
    tri = move(p, "form PA-PB-CL partnership")
    best, value = best_moves(mv, p)
    np.testing.assert_array_equal(best, [tri, tri, tri])
    # acceptance probability of each other member: logistic((0.5 - 0.05) / 0.1)
    prob = 1 / (1 + math.exp(-4.5))
    assert value[PA] == pytest.approx((0.5 - 0.05) * prob**2, rel=1e-12)

    # rows: all accept; CL refuses; PB refuses; only the proposer "refuses" (not asked);
    # CL's draw exactly at its acceptance probability (refuses: u < prob is required)
    u_consent = np.array(
        [[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.999, 0.0], [1.0, 0.0, 0.0], [0, 0, prob]]
    )
    batch = MoveValues(
        configs=np.broadcast_to(mv.configs, (5, *mv.configs.shape)),
        utility=np.broadcast_to(mv.utility, (5, *mv.utility.shape)),
        valid=np.broadcast_to(mv.valid, (5, *mv.valid.shape)),
    )
    res = propose(batch, p, np.zeros(5), u_consent)  # u_recognize 0 -> PA proposes
    np.testing.assert_array_equal(res.proposer, [PA] * 5)
    np.testing.assert_array_equal(res.move, [tri] * 5)
    np.testing.assert_array_equal(res.accepted, [True, False, False, True, False])
    np.testing.assert_array_equal(
        res.refuses,
        [[0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 0], [0, 0, 1]],
    )
    np.testing.assert_array_equal(
        res.accepts,
        [[0, 1, 1], [0, 1, 0], [0, 0, 1], [0, 1, 1], [0, 1, 0]],
    )


def _model_with_draws(scenario, u_consent_by_state: list[float], rounds: int = 6):
    """A Mesa model in which PA always proposes (u_recognize 0) and consent draws are fixed
    per state (0 = accepts, 1 = refuses)."""
    model = DiplomacyModel(scenario, rng=1, rounds=rounds)
    d = model.draws
    model.draws = Draws(
        u_switch=d.u_switch,
        u_shock=d.u_shock,
        u_recognize=np.zeros_like(d.u_recognize),
        u_consent=np.broadcast_to(np.array(u_consent_by_state), d.u_consent.shape).copy(),
        z=d.z,
    )
    return model.run()


def test_model_never_forms_a_pact_a_member_refuses(hand3):
    s, p, _ = hand3
    # CL always refuses: no pact containing CL can form on PA's proposals.
    model = _model_with_draws(s, [0.0, 0.0, 1.0])
    with_cl = p.space.membership[:, CL]
    assert all((r.levels[with_cl] == 0).all() for r in model.records)
    refusals = [e for e in model.events if e.kind == "refused"]
    assert refusals and all("PA proposes" in e.text for e in refusals)
    assert all("refused by CL" in e.text for e in refusals)
    assert all(r.proposer == PA for r in model.records)
    # Everybody accepts: the first round's proposal takes effect.
    model = _model_with_draws(s, [0.0, 0.0, 0.0])
    first = model.records[0]
    assert first.move > 0 and first.accepted and first.levels.any()


# -- proposals are always valid ------------------------------------------------------------

_DEFAULT_P = compile_params(build_scenario(default_raw(), "<default>"))
_FOUR_P = compile_params(build_scenario(four_states_raw(), "<four>"))


@settings(max_examples=60, deadline=None)
@given(p=st.sampled_from([_DEFAULT_P, _FOUR_P]), data=st.data())
def test_best_moves_never_proposes_an_invalid_move(p, data):
    levels = data.draw(level_vectors(p))
    attrs = attributes(data.draw(driver_values(p)), p)
    mv = evaluate_moves(levels, attrs, p)
    best, value = best_moves(mv, p)
    assert np.all(value >= 0) and np.all(np.isfinite(value))
    for i, m in enumerate(best):
        if m == 0:
            assert value[i] == 0
            continue
        assert mv.valid[m] and p.space.mover[m, i], p.space.labels[m]
        if p.space.kind[m] == RAISE:
            assert levels[p.space.pact[m]] < p.space.value[m]
        else:
            assert levels[p.space.pact[m]] > 0
        assert value[i] > 0


# -- exits ---------------------------------------------------------------------------------


def _exit_case(threshold: float):
    raw = two_raw()
    # PA values only US ties, CL nothing at all.
    raw["states"]["PA"]["weights"] = {"security": 0.0, "us_ties": 1.0, "regional_influence": 0.0}
    raw["states"]["CL"]["weights"] = {"security": 0.0, "us_ties": 0.0, "regional_influence": 0.0}
    raw["negotiation"]["exit_threshold"] = threshold
    return compile_raw(raw)


def test_exit_when_gain_from_leaving_exceeds_threshold():
    # PA in a PA-CL treaty: us_ties = -us_stake 0.6 x reactivity 0.5 x (1 x 1 x hostility 1.0)
    # = -0.3, so leaving gains 0.3; CL gains nothing (all weights 0).
    for threshold, leaves in ((0.29, True), (0.31, False)):
        _, p, attrs = _exit_case(threshold)
        treaty = levels_of(p, PA_CL=2)
        out, taken = exits(treaty, attrs, p)
        assert (out == 0).all() == leaves
        np.testing.assert_array_equal(np.flatnonzero(taken), [move(p, "PA leaves PA-CL")] * leaves)
    # partnership: -0.6 x 0.5 x 0.5 = -0.15 -> leaves at threshold 0.14, stays at 0.16
    for threshold, leaves in ((0.14, True), (0.16, False)):
        _, p, attrs = _exit_case(threshold)
        out, _ = exits(levels_of(p, PA_CL=1), attrs, p)
        assert (out == 0).all() == leaves


def test_leaving_a_trilateral_leaves_the_other_two_in_a_pact():
    raw = three_raw()
    for code in ("PA", "PB"):  # the patrons are indifferent
        raw["states"][code]["weights"] = {"security": 0, "us_ties": 0, "regional_influence": 0}
    # CL values only US ties: us_stake 1 -> in the trilateral partnership it loses
    # 1 x 0.5 x (0.5 x 3 x (0.5 + 1.0) / 2) = 0.5625
    raw["states"]["CL"]["us_stake"] = 1.0
    raw["states"]["CL"]["weights"] = {"security": 0, "us_ties": 1.0, "regional_influence": 0}
    _, p, attrs = compile_raw(raw)
    tri = levels_of(p, PA_PB_CL=1)
    gains = evaluate_moves(tri, attrs, p).gains
    assert gains[move(p, "CL leaves PA-PB-CL"), CL] == pytest.approx(0.5625, rel=1e-12)
    out, taken = exits(tri, attrs, p)
    np.testing.assert_array_equal(out, levels_of(p, PA_PB=1))
    np.testing.assert_array_equal(np.flatnonzero(taken), [move(p, "CL leaves PA-PB-CL")])


# -- applying moves ------------------------------------------------------------------------


def test_apply_moves_invite_and_leave(hand3):
    _, p, _ = hand3
    invite = move(p, "invite CL to PA-PB")
    assert p.space.kind[invite] == INVITE
    # invite merges the bilateral into the trilateral at the bilateral's level
    got = apply_moves(levels_of(p, PA_PB=2), p.space, np.array(invite))
    np.testing.assert_array_equal(got, levels_of(p, PA_PB_CL=2))
    # ... keeping the higher level if the trilateral already exists
    got = apply_moves(levels_of(p, PA_PB=1, PA_PB_CL=2), p.space, np.array(invite))
    np.testing.assert_array_equal(got, levels_of(p, PA_PB_CL=2))
    got = apply_moves(levels_of(p, PA_PB=2, PA_PB_CL=1, PA_CL=1), p.space, np.array(invite))
    np.testing.assert_array_equal(got, levels_of(p, PA_PB_CL=2, PA_CL=1))

    leave = move(p, "PA leaves PA-PB-CL")
    assert p.space.kind[leave] == LEAVE
    got = apply_moves(levels_of(p, PA_PB_CL=2), p.space, np.array(leave))
    np.testing.assert_array_equal(got, levels_of(p, PB_CL=2))
    got = apply_moves(levels_of(p, PA_PB_CL=1, PB_CL=2), p.space, np.array(leave))
    np.testing.assert_array_equal(got, levels_of(p, PB_CL=2))
    # leaving a bilateral dissolves it
    got = apply_moves(levels_of(p, PA_CL=2, PA_PB=1), p.space, np.array(move(p, "CL leaves PA-CL")))
    np.testing.assert_array_equal(got, levels_of(p, PA_PB=1))
    # raising sets the level; the status quo changes nothing
    start = levels_of(p, PA_CL=1)
    got = apply_moves(start, p.space, np.array(move(p, "form PA-CL treaty")))
    np.testing.assert_array_equal(got, levels_of(p, PA_CL=2))
    np.testing.assert_array_equal(apply_moves(start, p.space, np.array(0)), start)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_apply_moves_all_at_once_matches_one_at_a_time(data):
    _, p, _ = compile_raw(three_raw())
    levels = data.draw(level_vectors(p))
    every = apply_moves(levels, p.space)
    valid = valid_moves(levels, p.space)
    for m in np.flatnonzero(valid):
        np.testing.assert_array_equal(every[m], apply_moves(levels, p.space, np.array(m)))


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
    # treaty: leaving gives both 0 < their utility, no upgrade exists -> stable.
    got = [bool(is_stable(evaluate_moves(levels_of(p, PA_CL=lv), attrs, p), p)) for lv in range(3)]
    assert got == [False, True, True]
    # With a formation cost above both gains from forming, no pact is stable too.
    raw["negotiation"]["formation_cost"] = 0.11
    _, p, attrs = compile_raw(raw)
    assert bool(is_stable(evaluate_moves(levels_of(p), attrs, p), p))


def test_a_proposed_exit_is_told_as_an_exit():
    """A state recognised as proposer may propose to leave; the timeline must say so."""
    raw = three_raw()
    for code in ("PA", "PB"):  # the patrons are indifferent
        raw["states"][code]["weights"] = {"security": 0, "us_ties": 0, "regional_influence": 0}
    raw["states"]["CL"]["us_stake"] = 1.0  # CL values only US ties: any pact costs it
    raw["states"]["CL"]["weights"] = {"security": 0, "us_ties": 1.0, "regional_influence": 0}
    raw["initial_pacts"] = {"PA-CL": "treaty"}
    raw["negotiation"]["exit_threshold"] = 0.0
    raw["states"]["CL"]["recognition"] = 1e6  # CL is (practically) always the proposer
    s = build_scenario(raw, "<exit>")
    model = DiplomacyModel(s, rng=0, rounds=1).run()
    (rec,) = model.records
    assert rec.proposer == CL and s.pair_key(["PA", "CL"]) == "PA-CL"
    assert model.params.space.labels[rec.move] == "CL leaves PA-CL" and rec.accepted
    (event,) = model.events
    assert event.kind == "dissolved"
    assert event.text.startswith("CL leaves PA-CL")
    assert "enlarged" not in event.text


def test_preferred_configuration_by_hand():
    """Each state's most preferred configuration (recorded by the Mesa model each round)."""
    raw = two_raw()
    raw["states"]["PA"]["weights"] = {"security": 1.0, "us_ties": 0.0, "regional_influence": 0.0}
    raw["states"]["CL"]["weights"] = {"security": 1.0, "us_ties": 0.0, "regional_influence": 0.0}
    s = build_scenario(raw, "<pref>")
    # From test_is_stable_hand_case: PA's security is 0 / 0.1005 / 0.0556 with no pact /
    # partnership / treaty -> partnership; CL's 0 / 0.486 / 0.778 -> treaty.
    model = DiplomacyModel(s, rng=0, rounds=2).run()
    for rec in model.records:
        assert rec.preferred == ("PA-CL:partnership", "PA-CL:treaty")
