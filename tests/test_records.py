"""Run outcomes from a history, by hand: pacts active at the start count as formed in
round 0 even when left in round 0 (issue 11), and the per-level and checkpoint columns."""

from __future__ import annotations

import numpy as np
from handmade import compile_raw, three_raw

from sim.records import History, outcomes


def _history(p, levels_by_round: list[list[int]], initial: list[int]) -> History:
    n_p, n = p.space.n_pacts, p.n_states
    shares = np.zeros((1, n, n))
    return History(
        initial=np.array(initial, dtype=np.int8),
        levels=np.array(levels_by_round, dtype=np.int8)[None],
        talks_opened=np.zeros((1, n_p), dtype=np.int64),
        talks_failed=np.zeros((1, n_p), dtype=np.int64),
        switch_round=np.full((1, 0), -1, dtype=np.int64),
        share_checkpoints={1: shares},
        share_end=shares,
        utility_end=np.zeros((1, n)),
        stable_end=np.array([True]),
        action_count=np.zeros((1, n, n, p.actions.n_kinds), dtype=np.int64),
        action_first=np.full((1, n, n, p.actions.n_kinds), -1, dtype=np.int64),
        action_months=np.zeros((1, n, n, p.actions.n_kinds), dtype=np.int64),
        affinity_end=np.zeros((1, n, n)),
    )


def test_a_pact_active_at_the_start_and_left_in_round_0_counts_as_formed_in_round_0():
    _, p, _ = compile_raw(three_raw())
    pa_pb = p.space.index(["PA", "PB"])
    pa_cl = p.space.index(["PA", "CL"])
    initial = [0] * p.space.n_pacts
    initial[pa_pb] = 2  # a treaty at the start ...
    rounds = [[0] * p.space.n_pacts for _ in range(3)]  # ... left in round 0
    rounds[1][pa_cl] = 1  # PA-CL partnership from round 1, treaty in round 2
    rounds[2][pa_cl] = 2
    (row,) = outcomes(_history(p, rounds, initial), p)
    key_ab, key_ac = p.space.keys[pa_pb], p.space.keys[pa_cl]
    assert row[f"formed.{key_ab}"] is True and row[f"first_round.{key_ab}"] == 0
    assert row[f"first_round.{key_ab}.treaty"] == 0
    assert row[f"rounds_active.{key_ab}"] == 0 and row[f"level_end.{key_ab}"] == 0
    # checkpoint 1: the start's treaty counts in the highest level through round 1
    assert row[f"max_level_r1.{key_ab}"] == 2 and row[f"min_level_r1.{key_ab}"] == 0
    assert row[f"first_round.{key_ac}"] == 1 and row[f"first_round.{key_ac}.treaty"] == 2
    assert row[f"level_r1.{key_ac}"] == 1 and row[f"active_r1.{key_ac}"] is True
    assert row["target_formed"] is False and row["target_round"] is None


def test_a_rounds_tally_counts_a_failed_talk_once_and_keeps_an_actions_first_month():
    """Recorder's per-round tally (sim.recorder._tally), hand-computed: two members
    walking out of one talk fail it once; an action taken counts once; an action in force
    adds a month, and its first month in force is kept when it is in force again."""
    from sim.recorder import _tally

    walked = np.zeros((1, 2, 3), dtype=bool)
    walked[0, 0, [0, 2]] = True  # talk 0: two walk out; talk 1: nobody
    taken = np.zeros((1, 2, 2, 1), dtype=bool)
    taken[0, 0, 1, 0] = True
    act_left = np.zeros((1, 2, 2, 1), dtype=np.int16)
    act_left[0, 0, 1, 0] = 3
    act_left[0, 1, 0, 0] = 1  # in force for its last month
    failed = np.zeros((1, 2), dtype=np.int64)
    count, months = np.zeros((1, 2, 2, 1), np.int64), np.zeros((1, 2, 2, 1), np.int64)
    first = np.full((1, 2, 2, 1), -1, dtype=np.int64)
    first[0, 1, 0, 0] = 2  # in force since round 2
    _tally(walked, taken, act_left, 7, failed, count, months, first)
    assert failed.tolist() == [[1, 0]]
    assert count[0, :, :, 0].tolist() == [[0, 1], [0, 0]]
    assert months[0, :, :, 0].tolist() == [[0, 1], [1, 0]]
    assert first[0, :, :, 0].tolist() == [[-1, 7], [2, -1]]
    act_left[0, 0, 1, 0] = 0  # no longer in force: nothing added, the first month stays
    _tally(walked, taken, act_left, 8, failed, count, months, first)
    assert failed.tolist() == [[2, 0]] and months[0, 0, 1, 0] == 1 and first[0, 0, 1, 0] == 7
