"""The refusal memory compiled (sim/rules/compiled_memory.py) remembers what
round.remember_refusals remembers: the raises of talks a member walked out of, and the
raise a member refused, until the round given; hand-computed boundaries included."""

from __future__ import annotations

import numpy as np

from sim.config import load_scenario
from sim.rules.compile import compile_params
from sim.rules.compiled_memory import after_failed_talks, after_refusal
from sim.rules.round import remember_refusals
from tests.conftest import DEFAULT_SCENARIO


def test_failed_talks_and_refusals_are_remember_refusals_on_random_months():
    p = compile_params(load_scenario(DEFAULT_SCENARIO))
    sp, rng, runs, t = p.space, np.random.default_rng(13), 2000, 10
    refused_until = rng.integers(-1, 20, (runs, sp.n_moves)).astype(np.int16)
    talk_level = np.where(rng.random((runs, sp.n_pacts)) < 0.5,
                          rng.integers(1, 3, (runs, sp.n_pacts)), 0).astype(np.int8)  # fmt: skip
    walked = (rng.random((runs, sp.n_pacts, p.n_states)) < 0.2) & (talk_level[..., None] > 0)
    until = t + p.negotiation.refusal_memory
    got, blocked = after_failed_talks(refused_until, talk_level, walked, sp.raise_move, t, until)
    failed = np.where(walked.any(axis=-1), sp.raise_move[np.arange(sp.n_pacts), talk_level], 0)
    want = remember_refusals(refused_until, t, p, failed_move=failed)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(blocked, want > t)
    assert got.dtype == np.int16 and (got != refused_until).any()
    refused = rng.random((runs, p.n_states)) < 0.1
    move = rng.integers(0, sp.n_moves, runs)
    got = after_refusal(want, refused, move, until)
    expected = remember_refusals(want, t, p, refused_move=np.where(refused.any(-1), move, 0))
    np.testing.assert_array_equal(got, expected)
    assert (got != want).any()


def test_a_refusal_is_remembered_for_the_move_refused_only_and_blocks_until_its_round():
    """Hand-computed: memory 3 from round 5 gives round 8; the status quo (move 0) is
    never remembered; a raise remembered until round 5 is blocked in round 4, not 5."""
    refused_until = np.array([[-1, 5, -1], [-1, -1, -1]], dtype=np.int16)
    out = after_refusal(refused_until, np.array([[True, False], [True, True]]),
                        np.array([2, 0]), 8)  # fmt: skip
    assert out.tolist() == [[-1, 5, 8], [-1, -1, -1]]
    walked = np.zeros((2, 1, 2), dtype=bool)
    raise_move = np.array([[0, 1, 2]])  # pact 0: level 1 -> move 1, level 2 -> move 2
    talk_level = np.array([[1], [2]], dtype=np.int8)
    for t, blocked_move_1 in ((4, True), (5, False)):
        _, blocked = after_failed_talks(refused_until, talk_level, walked, raise_move, t, t + 3)
        assert blocked[0, 1] == blocked_move_1
    walked[1, 0, 1] = True  # run 1's treaty talks fail in round 5: move 2 until round 8
    out, blocked = after_failed_talks(refused_until, talk_level, walked, raise_move, 5, 8)
    assert out.tolist() == [[-1, 5, -1], [-1, -1, 8]] and blocked[1, 2] and not blocked[0, 1]
