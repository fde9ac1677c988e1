"""Rules at their boundaries, one named test per rule, every expected value by hand.

Each test names the rule it pins (and its docs/model.md section), uses inputs small enough
to compute by hand (the arithmetic is in the comments), and for a threshold checks the
exact boundary. The toys are the suite's own: handmade.py's three- and two-state
scenarios, test_actions.two_kinds, test_alignment_loss's four-state baseline,
test_decisions._gains_case, and the default scenario (configs/scenarios/korea_2024.toml)
where a rule needs a whole round.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from conftest import DEFAULT_SCENARIO
from handmade import compile_raw, levels_of, three_raw, two_raw
from test_actions import two_kinds
from test_alignment_loss import BASE, RATE, A, B, U
from test_decisions import _gains_case, move

from sim.config import load_scenario
from sim.rules.act import in_force, priced_actions, take_actions
from sim.rules.actions import cooperation, one_action, partner_hostility, with_one
from sim.rules.compile import compile_params
from sim.rules.context import context
from sim.rules.decisions import MoveValues, is_stable, proposable
from sim.rules.draws import draw, draw_many
from sim.rules.drivers import initial_drivers
from sim.rules.pacts import RAISE
from sim.rules.params import initial_actions, initial_levels
from sim.rules.players import player_terms
from sim.rules.relations import alignment_loss
from sim.rules.round import initial_state, play_round, propose
from sim.rules.strength import pair_strength
from sim.rules.utility import attributes, counterbalancing, utility

PA, PB, CL = 0, 1, 2  # handmade.py's three states
PA2, CL2 = 0, 1  # its two states
CHN, RUS, PRK = 0, 1, 2  # korea_2024
MUNITIONS, SUMMIT = 0, 3  # korea_2024's kinds: munitions, technology, troops, summit, ...
APPROX = {"rel": 1e-12, "abs": 1e-12}


@pytest.fixture(scope="module")
def hand3():
    return compile_raw(three_raw())


@pytest.fixture(scope="module")
def korea():
    s = load_scenario(DEFAULT_SCENARIO)
    return s, compile_params(s)


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _all_declined(d):
    """The draws ``d`` with every action uniform at 1: no action is ever taken (u < P is
    false for every P <= 1), so every open action is declined."""
    return dataclasses.replace(d, u_act=np.ones_like(d.u_act))


# -- L4: the adversary's actions toward a state cost that state's tie with the player ------


def test_alignment_loss_counts_the_adversarys_actions_toward_the_state():
    """alignment_loss (docs/model.md 3.14): the link is C_im + V_im + V_mi, so an action
    the adversary A takes toward B (visible[A, B]) costs B's tie with the US player U as
    much as one B takes toward A. No pact (C = 0); A's munitions to B, visibility 0.15:
    loss_BU = loss_UB = rate 0.01 x max(0, -A0_UA) 0.8 x (0 + 0 + 0.15) = 0.0012.
    A itself: its link to B weighs max(0, -A0_UB) = 0, so only the pair (B, U) loses."""
    visible = np.zeros((4, 4))
    visible[A, B] = 0.15
    loss = alignment_loss(BASE, np.zeros((4, 4)), visible, U, RATE)
    assert loss[B, U] == pytest.approx(0.0012, **APPROX)
    assert loss[U, B] == pytest.approx(0.0012, **APPROX)
    assert np.count_nonzero(loss) == 2
    # either direction the same: B's action toward A costs exactly as much
    assert np.array_equal(alignment_loss(BASE, np.zeros((4, 4)), visible.T, U, RATE), loss)


# -- C2: an occasion's bonus is added to the recipient's gain too --------------------------


def _visit_toy():
    """two_raw (PA, CL, no pact) with one action kind, a visit PA -> CL that delivers
    nothing (no good), costs nothing and is seen with visibility 0.2; action temperature
    0.01. Returns what take_actions reads for one run."""
    raw = two_raw()
    raw["actions"] = {
        "visit": {"visibility": 0.2, "dyads": ["PA>CL"], "cameo": "verbal_cooperation"}
    }
    raw["negotiation"]["action_temperature"] = 0.01
    _, p, _ = compile_raw(raw)
    x, _ = initial_drivers(p, (1,))
    attrs = attributes(x, p)
    levels = levels_of(p)[None]
    priced = priced_actions(levels, attrs, p)
    act_left = np.zeros((1, 2, 2, 1), dtype=np.int16)
    ctx = context(p.affinity[None], p, in_force(act_left > 0, priced, attrs, p))
    u0 = utility(levels, attrs, p, ctx)
    return p, attrs, levels, priced, act_left, ctx, u0


def test_an_occasion_bonus_is_added_to_the_recipients_gain_too():
    """take_actions (docs/model.md 3.15): in an occasion's month the bonus is added to both
    sides' gains, taken iff u < P(actor) x P(recipient), P = logistic((gain + bonus) / T).

    The visit PA -> CL (visibility 0.2, no good, no cost), hostilities PA 0.5, CL 1.0,
    reactivity 0.5, every weight 1:
    seen_us_PA = 0.2 x 1.0 = 0.2, seen_us_CL = 0.2 x 0.5 = 0.1;
    seen_cb_PA = seen_cb_CL = 0.2 x (0.5 + 1.0) / 2 = 0.15, so CB rises by 0.5 x 0.15;
    actor PA: us_ties -0.6 x 0.5 x 0.2 = -0.06, influence -0.2 x 0.075 = -0.015: -0.075;
    recipient CL: us_ties 0 (us_stake 0), influence -0.5 x 0.075 = -0.0375.
    Without a bonus P = logistic(-7.5) x logistic(-3.75) ~ 1.3e-5; with a bonus of 0.1 to
    both, P = logistic(2.5) x logistic(6.25) = 0.9224; were the bonus the actor's alone,
    logistic(2.5) x logistic(-3.75) = 0.021: the recipient, which loses by the visit,
    accepts it only because the invitation is worth as much to it."""
    p, attrs, levels, priced, act_left, ctx, u0 = _visit_toy()
    waiting = np.zeros_like(act_left, dtype=bool)
    bonus = np.zeros((2, 2, 1))
    bonus[PA2, CL2, 0] = 0.1
    want = _logistic((-0.075 + 0.1) / 0.01) * _logistic((-0.0375 + 0.1) / 0.01)
    assert want == pytest.approx(0.92236, abs=1e-5)

    def taken(u: float, b=bonus) -> bool:
        t, declined = take_actions(act_left, waiting, levels, attrs, ctx, p,
                                   np.array([[u]]), priced, u0, b)  # fmt: skip
        assert t[0, PA2, CL2, 0] != declined[0, PA2, CL2, 0]  # open: decided one way or the other
        return bool(t[0, PA2, CL2, 0])

    assert taken(want - 1e-9) and not taken(want + 1e-9)  # the boundary: u < P
    assert taken(0.5)  # likely with the bonus
    assert not taken(0.5, None)  # and not without: P = 1.3e-5
    assert not taken(2e-5, None) and taken(1e-5, None)  # logistic(-7.5) x logistic(-3.75)


# -- D4, D5: stability's thresholds are strict ----------------------------------------------


def test_a_gain_of_exactly_the_exit_threshold_keeps_a_pact_stable(hand3):
    """is_stable (docs/model.md 3.4, "Stability"): unstable only if a member gains MORE
    than the exit threshold (0.02) by lowering or leaving. A PA-CL partnership where CL
    gains exactly 0.02 by leaving (every other move 0): stable; 0.0201: not."""
    _, p, _ = hand3
    lv = levels_of(p, PA_CL=1)
    at = _gains_case(p, {"CL leaves PA-CL": [0.0, 0.0, 0.02]}, lv)
    assert bool(is_stable(at, p))
    above = _gains_case(p, {"CL leaves PA-CL": [0.0, 0.0, 0.0201]}, lv)
    assert not bool(is_stable(above, p))


def test_a_gain_of_exactly_the_formation_cost_keeps_no_pact_stable(hand3):
    """is_stable (docs/model.md 3.4, "Stability"): a raise upsets stability only if every
    member whose consent it needs gains MORE than the formation cost (0.05). No pact; a
    PA-CL partnership worth exactly 0.05 to both (PB's gain does not count): stable;
    0.0501 to both: not; 0.0501 to PA and 0.05 to CL: stable (CL must gain too)."""
    _, p, _ = hand3
    form = "form PA-CL partnership"
    assert bool(is_stable(_gains_case(p, {form: [0.05, 0.9, 0.05]}), p))
    assert not bool(is_stable(_gains_case(p, {form: [0.0501, 0.0, 0.0501]}), p))
    assert bool(is_stable(_gains_case(p, {form: [0.0501, 0.0, 0.05]}), p))


# -- A7: with_one books the recipient's payment -------------------------------------------


def test_with_one_adds_what_cooperation_gives_on_all_five_fields():
    """with_one (docs/model.md 3.8, "What an action in force adds"): one action added to
    the actions in force gives what cooperation() gives with both in force. Two states,
    two_kinds(): aid 1 -> 0 already in force (value 0.05, cost 0.01, payment 0); add
    shells 0 -> 1 (value 0.36, cost 0.01, payment 0.3, visibility 0.2, entanglement 0.4).
    economy_0 = 0.3 x 0.36 - 0.01 = 0.098; economy_1 = -0.01 - 0.3 x 0.36 = -0.118 (the
    recipient pays); flow[1, 0] = 0.36, flow[0, 1] = 0.05; seen_us_0 = 0.1 x 1.0 + 0.2 x
    1.0 = 0.3, seen_us_1 = 0.1 x 0.5 + 0.2 x 0.5 = 0.15; seen_cb_0 = seen_cb_1 = (0.1 +
    0.2) x 0.75 = 0.225; exposure_0 = 0.4 x risk_1 0.6 = 0.24."""
    a = two_kinds()
    value = np.zeros((1, 2, 2, 2))
    value[0, 0, 1, 0] = 0.36
    value[0, 1, 0, 1] = 0.05
    cost = np.full((1, 2, 2, 2), 0.01)
    hostility, risk = np.array([0.5, 1.0]), np.array([[0.1, 0.6]])
    before = np.zeros((1, 2, 2, 2), dtype=bool)
    before[0, 1, 0, 1] = True
    after = before.copy()
    after[0, 0, 1, 0] = True
    base = cooperation(before, value, cost, a, hostility, risk)
    added = one_action(np.array([0]), np.array([[0, 1, 0]]), value, cost, a, hostility, risk)
    one = with_one(base, np.array([0]), added)
    full = cooperation(after, value, cost, a, hostility, risk)
    for name in ("flow", "economy", "seen_us", "seen_cb", "exposure"):
        np.testing.assert_allclose(getattr(one, name), getattr(full, name), rtol=1e-12,
                                   atol=1e-15, err_msg=name)  # fmt: skip
    assert one.economy[0].tolist() == pytest.approx([0.098, -0.118], **APPROX)
    np.testing.assert_allclose(one.flow[0], [[0.0, 0.05], [0.36, 0.0]], rtol=1e-12)
    assert one.seen_us[0].tolist() == pytest.approx([0.3, 0.15], **APPROX)
    assert one.seen_cb[0].tolist() == pytest.approx([0.225, 0.225], **APPROX)
    assert one.exposure[0].tolist() == pytest.approx([0.24, 0.0], **APPROX)


# -- O1: an action in force at the start keeps its months ---------------------------------


def test_an_action_with_three_months_left_is_in_force_in_rounds_0_to_2(korea):
    """initial_state (docs/model.md 3.12, initial_actions): an action with m months left is
    in force in rounds 0 .. m - 1 (each round spends one month as it begins). korea_2024
    starts with North Korea's munitions to Russia, 3 months left: in force in rounds 0, 1,
    2 (act_left 3, 2, 1 after each round's month) and gone in round 3 (0). No action is
    taken (every u_act = 1), so nothing renews it; in force shows in the support Russia
    receives from North Korea at the start of the round (flow[RUS, PRK] > 0), which no
    other action gives here."""
    s, p = korea
    actions = initial_actions(s, p)
    assert actions == {(PRK, RUS, MUNITIONS): 3}
    d = _all_declined(draw_many([0], p, 4))
    state = initial_state(initial_levels(s, p.space), {}, p, d.u_start, actions)
    left, flowing = [], []
    for t in range(4):
        state, out = play_round(state, t, d.at(t), p)
        left.append(int(state.act_left[0, PRK, RUS, MUNITIONS]))
        flowing.append(bool(out.decided.coop.flow[0, RUS, PRK] > 0))
        assert not out.taken.any()
    assert left == [3, 2, 1, 0]
    assert flowing == [True, True, True, False]


# -- O2: a declined action waits action_review months -------------------------------------


def test_an_action_declined_at_4_with_review_3_is_open_again_at_7(korea):
    """play_round (docs/model.md 3.8, action_review): an action declined in month t is not
    open again before month t + action_review. korea_2024 (action_review 3), every action
    declined (u_act = 1), China's summit to North Korea open at t = 4 (no pact needed):
    declined at 4, so act_wait = 7; not open at 5 and 6 (not decided: act_wait stays 7);
    open at 7, declined again: act_wait = 10."""
    s, p = korea
    assert p.negotiation.action_review == 3
    d = _all_declined(draw_many([0], p, 8))
    state = initial_state(initial_levels(s, p.space), {}, p, d.u_start)
    assert state.act_wait[0, CHN, PRK, SUMMIT] == 0  # open
    wait = []
    for t in range(4, 8):
        state, out = play_round(state, t, d.at(t), p, value_end=False)
        wait.append(int(state.act_wait[0, CHN, PRK, SUMMIT]))
        assert not out.taken.any()
    assert wait == [7, 7, 7, 10]


# -- U3: counter-balancing counts each visible action once --------------------------------


def test_counterbalancing_counts_an_action_once_not_once_per_party(hand3):
    """counterbalancing (docs/model.md 3.3.3 and 3.8): reactivity x (pacts' commitment x
    visibility x mean hostility + the same for the visible actions in force, each counted
    once). seen_cb books an action for both parties, so the sum over states is halved.
    hand3 (reactivity 0.5, hostilities PA 0.5, PB 1.0, CL 1.0): shells PA -> CL in force,
    visibility 0.2: seen_cb_PA = seen_cb_CL = 0.2 x 0.75 = 0.15; CB = 0.5 x 0.5 x (0.15 +
    0.15) = 0.075 = 0.5 x 0.2 x 0.75, as a pact of weight 0.2 would draw. With a PA-CL
    treaty too: 0.5 x (1 x 1 x 0.75 + 0.15) = 0.45."""
    _, p, _ = hand3
    on = np.zeros((1, 3, 3, 2), dtype=bool)
    on[0, PA, CL, 0] = True  # two_kinds' shells: visibility 0.2 (its per-kind rates only)
    zeros = np.zeros((1, 3, 3, 2))
    coop = cooperation(on, zeros, zeros, two_kinds(), p.hostility, np.zeros((1, 3)))
    assert coop.seen_cb[0].tolist() == pytest.approx([0.15, 0.0, 0.15], **APPROX)
    ctx = context(p.affinity[None], p, coop)
    assert counterbalancing(levels_of(p)[None], p, ctx)[0] == pytest.approx(0.075, **APPROX)
    treaty = levels_of(p, PA_CL=2)[None]
    assert counterbalancing(treaty, p, ctx)[0] == pytest.approx(0.45, **APPROX)
    assert counterbalancing(treaty, p)[0] == pytest.approx(0.375, **APPROX)  # the pact alone


# -- W1: the documented layout of the draws ------------------------------------------------


def test_the_draws_follow_the_documented_layout(korea):
    """draw, draw_many (docs/model.md 3.5): a fresh default_rng(seed) draws, in order,
    u = random((R, D + S + 3 + N + P*N)) with columns u_switch [0, D), u_shock [D, D+S),
    then u_recognize, u_choice, u_duration, u_consent (N), u_talks (P x N); then z =
    standard_normal((R, D)), u_start = random(P), u_act = random((R, slots)). korea_2024:
    D = 4, S = 1, N = 3, P = 4: 23 uniforms a round, u_choice in column 6, u_duration 7."""
    _, p = korea
    d_, s_, n, n_p = 4, 1, 3, 4
    widths = (len(p.drivers.names), len(p.shocks.random), p.n_states, p.space.n_pacts)
    assert widths == (d_, s_, n, n_p)
    rounds, seed = 5, 11
    rng = np.random.default_rng(seed)
    u = rng.random((rounds, d_ + s_ + 3 + n + n_p * n))
    z = rng.standard_normal((rounds, d_))
    u_start = rng.random(n_p)
    u_act = rng.random((rounds, len(p.actions.slots)))
    assert u.shape == (rounds, 23)
    one = draw(np.random.default_rng(seed), p, rounds)  # (R, ...)
    many = draw_many([seed], p, rounds)  # (1, R, ...): the same numbers
    for got in (one, many):
        assert np.array_equal(got.u_switch.reshape(rounds, d_), u[:, 0:4])
        assert np.array_equal(got.u_shock.reshape(rounds), u[:, 4])
        assert np.array_equal(got.u_recognize.reshape(rounds), u[:, 5])
        assert np.array_equal(got.u_choice.reshape(rounds), u[:, 6])
        assert np.array_equal(got.u_duration.reshape(rounds), u[:, 7])
        assert np.array_equal(got.u_consent.reshape(rounds, n), u[:, 8:11])
        assert np.array_equal(got.u_talks.reshape(rounds, n_p * n), u[:, 11:23])
        assert np.array_equal(got.z.reshape(rounds, d_), z)
        assert np.array_equal(got.u_start.reshape(n_p), u_start)
        assert np.array_equal(got.u_act.reshape(u_act.shape), u_act)


# -- A1: an actor offering nothing of the good cannot give it -----------------------------


def test_an_action_is_allowed_iff_the_actor_offers_its_good():
    """compile_actions (docs/model.md 3.8, "Decisions": allowed iff "the actor offers the
    good"): offer > 0, strictly. China's munitions to Russia (a dyad of the kind): at an
    offer of 0 not allowed (the slot stays, the action is closed); at 0.001 allowed."""
    at_zero = compile_params(load_scenario(DEFAULT_SCENARIO, ["states.CHN.offers.munitions=0"]))
    above = compile_params(load_scenario(DEFAULT_SCENARIO, ["states.CHN.offers.munitions=0.001"]))
    slot = [CHN, RUS, MUNITIONS]
    assert slot in at_zero.actions.slots.tolist()
    assert not at_zero.actions.allowed[CHN, RUS, MUNITIONS]
    assert above.actions.allowed[CHN, RUS, MUNITIONS]
    # the offer closes that action only: every other slot is the same
    same = np.ones_like(above.actions.allowed)
    same[CHN, RUS, MUNITIONS] = False
    assert np.array_equal(at_zero.actions.allowed[same], above.actions.allowed[same])


# -- C4: priced_actions reads the partner's allies when association > 0 --------------------


def test_priced_actions_reads_partner_hostility_with_association(korea):
    """priced_actions (docs/model.md 3.8, "Guilt by association"): with us.association a > 0
    the hostility read into i's cooperation with j is partner_hostility(h, C, a); at a = 0
    it is None (the other party's own). korea_2024 at the start: CHN-PRK treaty (C 1.0),
    CHN-RUS partnership (0.5); h = CHN 0.5, RUS 0.9, PRK 1.0; H[i, j] = h_j + a x (sum_k
    C[j, k] h_k - C[j, i] h_i), a = 0.5:
    H[RUS, PRK] = 1.0 + 0.5 x (1.0 x 0.5) = 1.25; H[CHN, PRK] = 1.0 + 0.5 x (0.5 - 0.5) = 1.0;
    H[PRK, CHN] = 0.5 + 0.5 x (0.5 x 0.9) = 0.725; H[PRK, RUS] = 0.9 + 0.5 x 0.5 x 0.5 = 1.025."""
    s, p0 = korea
    p = compile_params(load_scenario(DEFAULT_SCENARIO, ["us.association=0.5"]))
    x, _ = initial_drivers(p, (1,))
    attrs = attributes(x, p)
    levels = initial_levels(s, p.space)[None]
    _, _, partner = priced_actions(levels, attrs, p)
    commit = pair_strength(levels, p.pair_table, p.commitment, p.stacked)
    assert np.array_equal(partner, partner_hostility(p.hostility, commit, 0.5))
    assert partner[0, RUS, PRK] == pytest.approx(1.25, **APPROX)
    assert partner[0, CHN, PRK] == pytest.approx(1.0, **APPROX)
    assert partner[0, PRK, CHN] == pytest.approx(0.725, **APPROX)
    assert partner[0, PRK, RUS] == pytest.approx(1.025, **APPROX)
    assert priced_actions(levels, attrs, p0)[2] is None  # a = 0: the other party's own


# -- O4: the proposer does not consent to its own raise -----------------------------------


def test_the_proposer_never_has_to_consent_to_its_own_raise(hand3):
    """propose (docs/model.md 3.4, step 6): a raise opens talks iff every OTHER member
    agrees. hand3, no pact; PA is recognised (eagerness 0, weights 1, 1, 1: u_recognize 0
    picks PA) and may propose only the PA-CL partnership (every other raise blocked), worth
    0.5 to PA and CL: V = (0.5 - 0.05) x logistic(0.45 / 0.1) = 0.445 against the status
    quo's 0, P(choose it) = logistic(4.45) = 0.988 > u_choice 0.5. CL agrees (u_consent 0 <
    logistic(4.5)); PA's own uniform is 1 (it would refuse if it were asked): accepted."""
    _, p, _ = hand3
    form = move(p, "form PA-CL partnership")
    one = _gains_case(p, {"form PA-CL partnership": [0.5, 0.0, 0.5]})
    mv = MoveValues(configs=None, utility=one.utility[None], valid=one.valid[None])
    blocked = ((p.space.kind == RAISE) & (np.arange(p.space.n_moves) != form))[None]
    d = draw_many([0], p, 1).at(0)
    d = dataclasses.replace(d, u_recognize=np.array([0.0]), u_choice=np.array([0.5]),
                            u_consent=np.array([[1.0, 1.0, 0.0]]))  # fmt: skip
    talks = np.zeros((1, p.space.n_pacts), dtype=np.int8)
    pr = propose(mv, p, talks, blocked, d)
    assert pr.proposer[0] == PA and pr.move[0] == form and pr.is_raise[0]
    assert not pr.refused.any()
    assert pr.accepted[0]
    # CL's uniform at 1 refuses: the boundary is the other member's, not the proposer's
    d_cl = dataclasses.replace(d, u_consent=np.array([[0.0, 0.0, 1.0]]))
    pr_cl = propose(mv, p, talks, blocked, d_cl)
    assert pr_cl.refused[0].tolist() == [False, False, True] and not pr_cl.accepted[0]


# -- Y2: a player's threat is clipped at 1 --------------------------------------------------


def test_the_threat_the_rivals_raise_is_clipped_at_exactly_one():
    """player_terms (docs/model.md 3.14): threat_i + reactivity x R_i, clipped to 1.
    test_players.test_rivalry_by_hand's toy: R = (0, 0, 1.0) at weights (2, 3);
    reactivity 0.25 pushes state 2 by 0.25: from 0.7 to 0.95, from 0.75 to exactly 1.0
    (the boundary), from 0.8 to 1.05 -> 1.0; states 0 and 1 unchanged."""
    a = np.array([[0.0, 0.2, -0.6], [0.2, 0.0, -0.4], [-0.6, -0.4, 0.0]])
    m = np.array([[1, 1, 0], [1, 1, 1]], dtype=bool)
    threat = np.array([[0.3, 0.6, 0.7], [0.3, 0.6, 0.75], [0.3, 0.6, 0.8]])
    out = player_terms(threat, np.array([2.0, 3.0]), np.zeros((3, 3)), a, m, 0.25, 0)
    assert out.cb.tolist() == [0.0, 0.0, 0.25]
    want = [[0.3, 0.6, 0.95], [0.3, 0.6, 1.0], [0.3, 0.6, 1.0]]
    np.testing.assert_allclose(out.threat, want, rtol=1e-12)
    assert out.threat[1, 2] == 1.0 and out.threat[2, 2] == 1.0


# -- D7: a blocked raise is not proposable ------------------------------------------------


def test_a_blocked_raise_is_not_proposable_and_nothing_else_changes(hand3):
    """proposable (docs/model.md 3.12, refusal_memory): a raise refused within the memory
    (``blocked``) is not proposable by anyone; every other move's proposability is
    unchanged. hand3, no pact: forming the PA-CL partnership is proposable by PA and CL;
    blocked, by nobody."""
    _, p, _ = hand3
    mv = _gains_case(p, {})
    talks = np.zeros(p.space.n_pacts, dtype=np.int8)
    form = move(p, "form PA-CL partnership")
    free = proposable(mv, p, talks)
    assert free[form].tolist() == [True, False, True]
    blocked = np.zeros(p.space.n_moves, dtype=bool)
    blocked[form] = True
    got = proposable(mv, p, talks, blocked)
    assert not got[form].any()
    others = np.arange(p.space.n_moves) != form
    assert np.array_equal(got[others], free[others])
    assert got[others].any()
