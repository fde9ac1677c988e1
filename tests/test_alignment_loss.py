"""A US player's affinity answers alignment with its adversaries (sim.rules.relations.
alignment_loss, docs/model.md 3.14), hand-computed on a 4-state toy.

States: 0 = U (the player), 1 = A (U's adversary, A0_UA = -0.8), 2 = B (neutral to U,
A0_UB = 0), 3 = C (U's ally, A0_UC = 0.7); A0_AB = 0.5. Rule:
loss_iu = rate x sum_m max(0, -A0_um) x (C_im + V_im + V_mi), 0 for u itself, so only A
counts as an adversary (weight 0.8). Boundaries: no player, rate 0, a pact with a
non-adversary, the clip at -1; and with update_affinity: one month of loss, the drift back
once the alignment ends, the steady state A0 - rate x alignment / drift.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.rules.relations import RelationEvents, RelationParams, alignment_loss, update_affinity

U, A, B, C = 0, 1, 2, 3
BASE = np.array(
    [
        [0.0, -0.8, 0.0, 0.7],
        [-0.8, 0.0, 0.5, 0.0],
        [0.0, 0.5, 0.0, 0.0],
        [0.7, 0.0, 0.0, 0.0],
    ]
)
RATE = 0.01
PARAMS = RelationParams(drift=0.1, refusal=0.0, walkout=0.0, defection=0.0, signing=0.0)


def pair(n: int, i: int, j: int, value: float) -> np.ndarray:
    x = np.zeros((n, n))
    x[i, j] = x[j, i] = value
    return x


def quiet(n: int = 4) -> RelationEvents:
    z = np.zeros((1, n, n))
    return RelationEvents(z, z, z, z, z)


def test_a_treaty_and_an_action_with_the_adversary_cost_the_tie_with_the_player():
    commit = pair(4, B, A, 1.0)  # B-A treaty
    visible = np.zeros((4, 4))
    visible[B, A] = 0.15  # B's munitions to A (visibility 0.15)
    loss = alignment_loss(BASE, commit, visible, U, RATE)
    # B: 0.01 x 0.8 x (1.0 + 0.15 + 0) = 0.0092, both ways
    assert loss[B, U] == pytest.approx(0.0092) and loss[U, B] == pytest.approx(0.0092)
    # A: its link to B weighs 0 (B is no adversary of U); C has no link; U itself 0
    assert np.count_nonzero(loss) == 2


def test_alignment_with_a_non_adversary_or_an_ally_costs_nothing():
    commit = pair(4, B, C, 1.0)  # B-C treaty: C is U's ally (A0_UC = +0.7, weight 0)
    assert not alignment_loss(BASE, commit, np.zeros((4, 4)), U, RATE).any()


def test_no_player_or_rate_zero_changes_nothing():
    commit, visible = pair(4, B, A, 1.0), np.full((4, 4), 0.2)
    assert not alignment_loss(BASE, commit, visible, -1, RATE).any()
    assert not alignment_loss(BASE, commit, visible, U, 0.0).any()


def test_batched_runs_each_read_their_own_pacts():
    commit = np.stack([pair(4, B, A, 0.5), pair(4, C, A, 1.0)])  # (2, 4, 4)
    loss = alignment_loss(BASE, commit, np.zeros((2, 4, 4)), U, RATE)
    assert loss[0, B, U] == pytest.approx(0.01 * 0.8 * 0.5)  # 0.004
    assert loss[1, C, U] == pytest.approx(0.01 * 0.8 * 1.0)  # 0.008: an ally can lose too
    assert loss[0, C, U] == 0.0 and loss[1, B, U] == 0.0


def test_one_month_of_loss_then_the_drift_back():
    loss = alignment_loss(BASE, pair(4, B, A, 1.0), np.zeros((4, 4)), U, RATE)[None]
    a0 = BASE[None]
    month1 = update_affinity(a0, BASE, quiet(), PARAMS, loss=loss)
    assert month1[0, B, U] == pytest.approx(-0.008)  # 0 + 0.1 x 0 - 0.01 x 0.8 x 1.0
    assert month1[0, U, B] == pytest.approx(-0.008)
    month2 = update_affinity(month1, BASE, quiet(), PARAMS)  # the treaty is gone
    assert month2[0, B, U] == pytest.approx(-0.008 + 0.1 * 0.008)  # -0.0072
    # without loss, update_affinity is unchanged: from the baseline, nothing moves
    assert np.array_equal(update_affinity(a0, BASE, quiet(), PARAMS), a0)


def test_steady_state_and_the_clip_at_minus_one():
    loss = alignment_loss(BASE, pair(4, B, A, 1.0), np.zeros((4, 4)), U, RATE)[None]
    aff = BASE[None]
    for _ in range(400):
        aff = update_affinity(aff, BASE, quiet(), PARAMS, loss=loss)
    assert aff[0, B, U] == pytest.approx(0.0 - 0.008 / 0.1)  # A0 - rate x 0.8 / drift
    big = alignment_loss(BASE, pair(4, B, A, 1.0), np.zeros((4, 4)), U, 5.0)[None]
    assert update_affinity(BASE[None], BASE, quiet(), PARAMS, loss=big)[0, B, U] == -1.0
