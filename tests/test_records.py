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
