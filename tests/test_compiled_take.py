"""The month's action choices compiled (sim/rules/compiled_take.py) give what the numpy
definition gives: the open (run, slot) pairs of open_actions and open_pairs in their
order, each side's gain, and decide's outcome scattered into taken and declined; with
hand-computed boundaries (an action open exactly at its kind's lowest level, in force
for its last month, a declined one invited back by an occasion's bonus)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import load_scenario
from sim.rules.actions import decide, open_actions, open_pairs
from sim.rules.compile import compile_params
from sim.rules.compiled_take import gains, open_slots, record, settle
from sim.rules.logit import accept_probability
from sim.rules.stack import stack_params
from tests.conftest import DEFAULT_SCENARIO

RUNS = 300


@pytest.fixture(scope="module")
def p():
    return compile_params(load_scenario(DEFAULT_SCENARIO))


def _month(p, seed: int):
    """Random months left, strongest pact levels, waiting flags and an occasion's bonus."""
    rng = np.random.default_rng(seed)
    n, k = p.n_states, p.actions.n_kinds
    act_left = rng.integers(-1, 3, (RUNS, n, n, k)).astype(np.int16)
    top = rng.integers(0, len(p.level_names), (RUNS, n, n))
    waiting = rng.random((RUNS, n, n, k)) < 0.3
    bonus = np.where(rng.random((n, n, k)) < 0.5, rng.choice([0.0, 0.2], (n, n, k)), -0.1)
    return act_left, top, waiting, bonus


def _numpy_open(p, act_left, top, waiting, bonus):
    """take_actions' numpy definition of the open pairs."""
    if bonus is not None:
        waiting = waiting & ~(bonus > 0)
    return open_pairs(open_actions(p.actions, act_left, top) & ~waiting, p.actions.slots)


@pytest.mark.parametrize("with_bonus", [False, True])
def test_open_slots_are_open_pairs_in_their_order(p, with_bonus):
    act_left, top, waiting, bonus = _month(p, 1)
    bonus = bonus if with_bonus else None
    rows, slot, ijk = open_slots(p.actions, act_left, top, waiting, bonus)
    want_rows, want_slot = _numpy_open(p, act_left, top, waiting, bonus)
    assert len(rows) > 100
    np.testing.assert_array_equal(rows, want_rows)
    np.testing.assert_array_equal(slot, want_slot)
    np.testing.assert_array_equal(ijk, p.actions.slots[want_slot])


def test_an_action_opens_exactly_at_its_kinds_lowest_level_and_after_its_last_month(p):
    a = p.actions
    floors = a.min_level[a.slots[:, 2]] * a.allowed[tuple(a.slots.T)]
    s = int(np.argmax(floors))  # an allowed slot whose kind needs a pact
    i, j, k = a.slots[s]
    floor = int(a.min_level[k])
    assert floor > 0 and a.allowed[i, j, k]
    n, kinds = p.n_states, a.n_kinds
    act_left = np.zeros((4, n, n, kinds), dtype=np.int16)
    act_left[2, i, j, k] = 1  # still in force this month: not open
    top = np.full((4, n, n), floor)
    top[1, i, j] = floor - 1  # one level short: not open
    waiting = np.zeros((4, n, n, kinds), dtype=bool)
    waiting[3, i, j, k] = True  # declined lately: not open
    rows, slot, _ = open_slots(a, act_left, top, waiting, None)
    assert 0 in rows[slot == s] and not {1, 2, 3} & set(rows[slot == s].tolist())
    bonus = np.zeros((n, n, kinds))
    rows, slot, _ = open_slots(a, act_left, top, waiting, bonus)  # a bonus of 0 invites no one
    assert 3 not in rows[slot == s]
    bonus[i, j, k] = 0.1  # an occasion invites it back
    rows, slot, _ = open_slots(a, act_left, top, waiting, bonus)
    assert 3 in rows[slot == s]


def test_stacked_points_read_their_own_allowed_actions(p):
    """The second point's China offers no munitions: its runs never open China's munitions
    actions, the first point's do (``allowed`` is per point; ``min_level`` is shared)."""
    other = compile_params(load_scenario(DEFAULT_SCENARIO, ["states.CHN.offers.munitions=0"]))
    q = stack_params([p, other], [RUNS // 2, RUNS - RUNS // 2])
    assert not np.array_equal(q.actions.allowed[0], q.actions.allowed[-1])
    act_left, top, waiting, _ = _month(p, 2)
    rows, slot, _ = open_slots(q.actions, act_left, top, waiting, None)
    want_rows, want_slot = _numpy_open(q, act_left, top, waiting, None)
    np.testing.assert_array_equal(rows, want_rows)
    np.testing.assert_array_equal(slot, want_slot)
    closed = ~q.actions.allowed[-1][tuple(q.actions.slots.T)]  # slots closed to point 2
    first = rows < RUNS // 2
    assert np.isin(slot[first], np.flatnonzero(closed)).any()
    assert not np.isin(slot[~first], np.flatnonzero(closed)).any()


def test_gains_are_each_sides_change_plus_the_bonus_hand_computed():
    u = np.array([[1.0, 2.0, 3.0], [0.5, 0.25, 4.0]])  # (C, N) with the action
    u0 = np.array([[0.5, 1.0, 1.0], [1.0, 1.0, 1.0]])  # (B, N) without
    rows = np.array([0, 1])
    ijk = np.array([[0, 2, 1], [2, 1, 0]])
    np.testing.assert_array_equal(gains(u, u0, rows, ijk, None), [[0.5, 3.0], [2.0, -0.75]])
    bonus = np.zeros((3, 3, 2))
    bonus[2, 1, 0] = 0.25
    np.testing.assert_array_equal(gains(u, u0, rows, ijk, bonus), [[0.5, 3.25], [2.0, -0.5]])


def test_record_is_decide_scattered(p):
    rng = np.random.default_rng(3)
    act_left, top, waiting, _ = _month(p, 3)
    rows, slot, ijk = open_slots(p.actions, act_left, top, waiting, None)
    g = rng.normal(0, 0.2, (2, len(rows)))
    u_act = rng.random((RUNS, len(p.actions.slots)))
    t = p.negotiation.action_temperature
    taken, declined = np.zeros(act_left.shape, bool), np.zeros(act_left.shape, bool)
    record(accept_probability(g, 0.0, t), rows, slot, ijk, u_act, taken, declined)
    yes = decide(g[0], g[1], t, u_act[rows, slot])
    assert 0 < yes.sum() < len(yes)
    want_taken, want_declined = np.zeros_like(taken), np.zeros_like(declined)
    i, j, k = ijk.T
    want_taken[rows[yes], i[yes], j[yes], k[yes]] = True
    want_declined[rows[~yes], i[~yes], j[~yes], k[~yes]] = True
    np.testing.assert_array_equal(taken, want_taken)
    np.testing.assert_array_equal(declined, want_declined)


def test_exactly_at_the_probability_an_action_is_declined():
    """decide takes an action iff u < P(actor) x P(recipient): u equal to it declines."""
    agree = np.array([[0.5], [0.5]])
    taken, declined = np.zeros((1, 2, 2, 1), bool), np.zeros((1, 2, 2, 1), bool)
    rows, slot, ijk = np.array([0]), np.array([0]), np.array([[0, 1, 0]])
    record(agree, rows, slot, ijk, np.array([[0.25]]), taken, declined)
    assert declined[0, 0, 1, 0] and not taken.any()
    declined[:] = False
    record(agree, rows, slot, ijk, np.array([[np.nextafter(0.25, 0)]]), taken, declined)
    assert taken[0, 0, 1, 0] and not declined.any()


def test_gains_as_logit_arguments_give_accept_probability_bit_for_bit():
    rng = np.random.default_rng(8)
    c = 5000
    u, u0 = rng.normal(0, 0.1, (c, 3)), rng.normal(0, 0.1, (c, 3))
    u[:3, 0] = [1e6, -1e6, 0.0]  # clipped at +-700 / T, and exactly no change
    u0[:3, 0] = 0.0
    rows = np.arange(c)
    ijk = np.column_stack([np.zeros(c, int), np.ones(c, int), np.zeros(c, int)])
    raw = np.stack([u[:, 0] - u0[:, 0], u[:, 1] - u0[:, 1]])  # actor 0, recipient 1
    for temperature in (0.05, np.full(c, 0.05)):
        x = gains(u, u0, rows, ijk, None, temperature)
        want = accept_probability(raw, 0.0, temperature)
        np.testing.assert_array_equal(1.0 / (1.0 + np.exp(-x)), want)
    assert x[0, :3].tolist() == [700.0, -700.0, 0.0]


def test_settle_puts_taken_actions_in_force_and_declined_ones_on_review():
    """Hand-computed: kinds last 3 and 5 months; the action taken gets its kind's
    duration, the one declined waits until the round given, the others keep theirs."""
    taken, declined = np.zeros((1, 2, 2, 2), bool), np.zeros((1, 2, 2, 2), bool)
    taken[0, 0, 1, 1] = True
    declined[0, 1, 0, 0] = True
    act_left = np.full((1, 2, 2, 2), 2, dtype=np.int16)
    act_wait = np.full((1, 2, 2, 2), 4, dtype=np.int16)
    left, wait = settle(taken, declined, act_left, act_wait, np.array([3, 5]), 9)
    assert left.dtype == wait.dtype == np.int16
    assert left[0, 0, 1].tolist() == [2, 5] and (left[0, 1] == 2).all()
    assert wait[0, 1, 0].tolist() == [9, 4] and wait.sum() == 4 * 7 + 9
