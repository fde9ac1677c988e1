"""The compiled proposal (sim/rules/compiled_proposal.py) values every move as
decisions.move_values does, bit for bit, and draws the same proposer and move as the
numpy definition (move_values, recognize, choose), for one scenario, stacked points and
the six-state world."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import load_scenario
from sim.rules import compiled_proposal
from sim.rules.arrays import runwise, small_max
from sim.rules.compile import compile_params
from sim.rules.decisions import (
    MoveValues,
    choice_probabilities,
    choose,
    move_costs,
    move_values,
    recognize,
)
from sim.rules.kernel_args import pairwise_sum, per_run
from sim.rules.logit import accept_probability
from sim.rules.stack import stack_params
from tests.conftest import DEFAULT_SCENARIO

RUNS = 3000


def _numpy(mv, p, talk_level, blocked, u_recognize, u_choice):
    values = move_values(mv, p, talk_level, blocked)
    proposer = recognize(small_max(values, axis=-2), p, u_recognize)
    own = values[np.arange(len(proposer)), :, proposer]
    return proposer, choose(own, runwise(p.temperature, p, 1), u_choice)


def _rows(p, seed: int, scale: float):
    """Random moves' utilities (``scale``: their spread against the temperature), valid
    moves, talks under way, blocked raises and uniforms for ``RUNS`` runs."""
    rng = np.random.default_rng(seed)
    m, n = p.space.n_moves, p.n_states
    utility = rng.normal(0.0, scale, (RUNS, m, n))
    valid = rng.random((RUNS, m)) < 0.7
    valid[:, 0] = True
    talk_level = (rng.random((RUNS, p.space.n_pacts)) < 0.2).astype(np.int8)
    blocked = rng.random((RUNS, m)) < 0.1
    mv = MoveValues(configs=None, utility=utility, valid=valid)
    return mv, talk_level, blocked, rng.random(RUNS), rng.random(RUNS)


@pytest.mark.parametrize("scale", [0.001, 0.02, 1.0])
def test_the_compiled_proposal_is_the_numpy_one(scale):
    p = compile_params(load_scenario(DEFAULT_SCENARIO))
    mv, talk_level, blocked, u_r, u_c = _rows(p, 1, scale)
    fast = compiled_proposal.proposal(mv, p, talk_level, blocked, u_r, u_c)
    want = _numpy(mv, p, talk_level, blocked, u_r, u_c)
    np.testing.assert_array_equal(fast[0], want[0])
    np.testing.assert_array_equal(fast[1], want[1])
    assert len(np.unique(fast[1])) > 3  # the draws do choose among moves


def test_stacked_points_and_the_six_state_world():
    a = compile_params(load_scenario(DEFAULT_SCENARIO))
    b = compile_params(load_scenario(DEFAULT_SCENARIO, ["negotiation.temperature=0.2",
                                                        "negotiation.eagerness=0",
                                                        "states.PRK.recognition=3"]))  # fmt: skip
    six = compile_params(load_scenario(DEFAULT_SCENARIO.parent / "northeast_asia_2024.toml"))
    for p in (stack_params([a, b], [RUNS // 2, RUNS - RUNS // 2]), six):
        mv, talk_level, blocked, u_r, u_c = _rows(p, 2, 0.02)
        fast = compiled_proposal.proposal(mv, p, talk_level, blocked, u_r, u_c)
        want = _numpy(mv, p, talk_level, blocked, u_r, u_c)
        np.testing.assert_array_equal(fast[0], want[0])
        np.testing.assert_array_equal(fast[1], want[1])


def _world(name: str):
    """The default scenario, it stacked with a point at another temperature, or the
    six-state world."""
    a = compile_params(load_scenario(DEFAULT_SCENARIO))
    if name == "default":
        return a
    if name == "stacked":
        b = compile_params(load_scenario(DEFAULT_SCENARIO, ["negotiation.temperature=0.2"]))
        return stack_params([a, b], [RUNS // 2, RUNS - RUNS // 2])
    return compile_params(load_scenario(DEFAULT_SCENARIO.parent / "northeast_asia_2024.toml"))


@pytest.mark.parametrize("world", ["default", "stacked", "six"])
def test_each_moves_value_is_move_values_bit_for_bit(world):
    """The values the draws read (decisions.move_values: P(the others agree) x (gain -
    cost), -inf where not proposable): equal draws alone would hide a last-bit change."""
    p = _world(world)
    mv, talk_level, blocked, _, _ = _rows(p, 3, 0.02)
    want = move_values(mv, p, talk_level, blocked)
    asked = p.space.raises
    agree = accept_probability(mv.gains[..., asked, :], move_costs(p)[..., asked, None],
                               runwise(p.temperature, p, 2))  # fmt: skip
    args = compiled_proposal._inputs(mv, p, talk_level, blocked, agree)
    got = np.empty(want.shape)
    for b in range(RUNS):
        compiled_proposal._values(*args, b, got[b])
    np.testing.assert_array_equal(got, want)
    assert np.isfinite(got[:, 1:]).any() and np.isinf(got).any()


def test_pairwise_sum_is_numpys_row_sum_for_every_length_to_1000():
    """decisions.choose divides by ``w.sum(axis=-1)``: numpy adds a row of 8 or more items
    in interleaved partial sums, not in order; the kernel must add as it does."""
    rng = np.random.default_rng(4)
    in_order_differs = 0
    for n in range(1001):
        x = rng.random((2, n)) * rng.choice([1e-3, 1.0, 1e6], (2, n))
        want = x.sum(axis=-1)
        assert [pairwise_sum(x[0]), pairwise_sum(x[1])] == want.tolist(), n
        in_order_differs += sum(x[0].tolist()) != want[0]
    assert in_order_differs > 100  # so the order matters: a sum in index order fails


@pytest.mark.parametrize("n_moves", [22, 200])
def test_the_compiled_choice_is_choose_even_at_the_cumulative_boundaries(n_moves):
    """Uniforms placed exactly on numpy's cumulative probabilities pick what choose picks
    only if every probability has the same bits."""
    rng = np.random.default_rng(5)
    values = rng.normal(0.0, 0.05, (400, n_moves))
    values[rng.random(values.shape) < 0.3] = -np.inf
    values[:, 0] = 0.0
    cum = np.cumsum(choice_probabilities(values, 0.05), axis=-1)
    u = cum[np.arange(400), rng.integers(0, n_moves, 400)]
    for temperature in (np.array([0.05]), np.full(400, 0.05)):
        got = compiled_proposal.choose(values, temperature, u)
        np.testing.assert_array_equal(got, choose(values, 0.05, u))
    assert np.isfinite(values[np.arange(400), got]).all()


@pytest.mark.parametrize("world", ["default", "six"])
def test_the_consent_probabilities_are_accept_probability_bit_for_bit(world):
    p = _world(world)
    mv, *_ = _rows(p, 6, 0.02)
    asked = p.space.raises
    want = accept_probability(mv.gains[..., asked, :], move_costs(p)[..., asked, None],
                              runwise(p.temperature, p, 2))  # fmt: skip
    x = np.empty(want.shape)
    cost, temperature = per_run(move_costs(p), 1), per_run(p.temperature, 0)
    compiled_proposal._consent_x(mv.utility, asked.astype(np.int64), cost, temperature, x)
    np.testing.assert_array_equal(1.0 / (1.0 + np.exp(-x)), want)


@pytest.mark.parametrize("world", ["default", "stacked", "six"])
def test_the_answers_to_a_proposal_are_round_answers(world):
    """compiled_proposal.answers gives round.answers' gains (bits), refusals and
    acceptance, also where a state's utility was not computed (NaN: a month not observed
    values a move only for the states that read it)."""
    from sim.rules.round import answers

    p = _world(world)
    mv, *_ = _rows(p, 14, 0.02)
    rng = np.random.default_rng(15)
    mv.utility[rng.random(mv.utility.shape) < 0.1] = np.nan
    mv.utility[:, 0] = rng.normal(0.0, 0.02, (RUNS, p.n_states))
    proposer = rng.integers(0, p.n_states, RUNS)
    move = rng.integers(0, p.space.n_moves, RUNS)
    u_consent = rng.random((RUNS, p.n_states))
    got = compiled_proposal.answers(mv, p, proposer, move, u_consent)
    want = answers(mv, p, proposer, move, u_consent)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    assert want[1].any() and want[2].any() and not want[2].all()


def test_a_member_exactly_at_even_odds_refuses():
    """Hand-computed: a member whose gain equals the formation cost agrees with
    probability 1/2; a uniform of exactly 1/2 refuses (u < P is required to agree), one
    just below agrees; the proposer is never asked."""
    p = compile_params(load_scenario(DEFAULT_SCENARIO))
    m = p.space.labels.index("form CHN-RUS partnership")
    utility = np.zeros((2, p.space.n_moves, p.n_states))
    utility[:, m, :] = move_costs(p)[m]  # gain = cost: x = 0
    mv = MoveValues(None, utility, np.ones((2, p.space.n_moves), dtype=bool))
    u = np.array([[0.9, 0.5, 0.9], [0.9, np.nextafter(0.5, 0.0), 0.9]])  # RUS: 1/2, below
    gains, refused, accepted = compiled_proposal.answers(mv, p, np.array([0, 0]),
                                                         np.array([m, m]), u)  # fmt: skip
    assert refused.tolist() == [[False, True, False], [False, False, False]]
    assert accepted.tolist() == [False, True] and (gains[:, :2] == move_costs(p)[m]).all()


def test_the_in_place_logistic_is_accept_probability_bit_for_bit():
    """kernel_args.logistic (every compiled decision's probability) gives
    logit.accept_probability's bits, at the clip bounds too, and refuses an array it
    could not write in place."""
    from sim.rules.kernel_args import logistic

    rng = np.random.default_rng(16)
    gain = np.concatenate([rng.normal(0.0, 0.2, 100_000), [1e9, -1e9, 0.0, -0.0]])
    want = accept_probability(gain, 0.01, 0.05)
    x = np.clip((gain - 0.01) / 0.05, -700.0, 700.0)
    np.testing.assert_array_equal(logistic(x), want)
    assert want[-4] == 1.0 and 0.0 < want[-3] < 1e-300
    with pytest.raises(ValueError, match="C-contiguous"):
        logistic(np.zeros((4, 4))[:, ::2])
