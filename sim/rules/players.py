"""Outside powers that choose: the United States as a player (docs/model.md 3.14).

A scenario names a US player with ``[us] player = "USA"`` (one of its states). Without one,
the United States is the reaction function of :mod:`sim.rules.utility` (counter-balancing
``reactivity`` x the visible alignment with US adversaries) and nothing here is called.
With one, the player and its partners negotiate and act like every state, and three
things the reaction function computed become what the players actually do:

* **Ties with the US player.** State i's ``us_ties`` term reads its actual relation with
  the player u, its affinity this month (run state: it moves with cooperation, refusals
  and defections, :mod:`sim.rules.relations`) and the commitment of the strongest pact
  they share, beside the reaction its visible alignment with US adversaries is expected
  to draw (as without a player), weighed by what the relation has to lose::

      us_ties_i = us_stake_i x (A_iu + C_iu - reactivity x seen_i x (1 + A_iu)),
      0 for u itself

  Alliance ties as a relation of the two states, not a property of one: the value of an
  alliance to its members is in the partner's commitment (Snyder 1984) and in the
  relation it builds (Axelrod & Bennett 1993's propensities); a state on good terms with
  the United States (A_iu -> 1) risks twice the reaction a neutral one does, a state at
  enmity (A_iu = -1) has nothing left to lose (the cost of defying a partner grows with
  the value of the relationship: exit costs of interdependence, Keohane & Nye 1977;
  Crescenzi 2005). So the relation's memory changes choices: summits and
  cooperation with the US make alignment with its adversaries costlier, refusals cheaper.
* **Balancing by the rivals' own pacts.** The counter-balancing aimed at state i is the
  reaction its own visible alignment is expected to draw (as without a player) plus the
  alignment its rivals have actually formed, each pact not containing i weighted by its
  commitment x visibility and by how hostile its members are to i (the mean of
  max(0, -A_mi) over its members m)::

      R_i = sum_{q not containing i} weight_q x mean_{m in q} max(0, -A_mi)
      counter-balancing on i = expected reaction + reactivity x R_i   (presence x cb)

* **Threat that the rivals' alignment raises.** States balance against threat, and an
  aggregation of hostile capability is threat (Walt 1987): the same R_i adds to the
  threat i faces, ``threat_i + reactivity x R_i`` (clipped to 1), which the security term
  multiplies with the deterrence i's own pacts give. A bloc of US adversaries therefore
  makes the US, Japan and South Korea value their own pacts more: counter-balancing is
  their choice (forming or upgrading the Camp David framework, taking actions), no
  longer a reaction.

All functions are pure, over arrays with any leading batch axes (runs x candidate moves).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NO_PLAYER = -1
"""``Params.player`` of a scenario without a US player (the reaction function only)."""


@dataclass(frozen=True)
class PlayerTerms:
    """What the US player changes in the utility, ``(..., N)`` each."""

    threat: np.ndarray  # threat faced, raised by the rivals' alignment
    tie: np.ndarray  # affinity + commitment with the US player (0 for the player)
    cb: np.ndarray  # counter-balancing aimed at each state: reactivity x R


def rivalry(affinity: np.ndarray, membership: np.ndarray) -> np.ndarray:
    """``(..., P, N)`` [q, i]: mean over the members m of pact q of max(0, -A[m, i]), 0
    where i is a member of q. ``affinity (..., N, N)``, ``membership (P, N)`` bool. The
    members are summed in index order (as :mod:`sim.rules.compiled` does)."""
    hostile = np.maximum(-affinity, 0.0)
    per = np.empty((*hostile.shape[:-2], *membership.shape))
    for q, row in enumerate(membership):
        members = np.flatnonzero(row)
        acc = hostile[..., members[0], :]
        for m in members[1:]:
            acc = acc + hostile[..., m, :]
        per[..., q, :] = acc / len(members)
    return np.where(membership, 0.0, per)


def rival_alignment(weight: np.ndarray, affinity: np.ndarray, membership: np.ndarray
                    ) -> np.ndarray:  # fmt: skip
    """``(..., N)``: R_i = sum_q weight[q] x rivalry[q, i] (the module docstring);
    ``weight (..., P)`` commitment x visibility of each pact (0 where inactive). Pacts are
    summed in index order, not by a matrix product: BLAS sums in an order of its own
    (which differs between CPUs), and a compiled loop could not give its bits."""
    riv = rivalry(affinity, membership)  # (..., P, N)
    acc = weight[..., 0, None] * riv[..., 0, :]
    for q in range(1, weight.shape[-1]):
        acc = acc + weight[..., q, None] * riv[..., q, :]
    return acc


def tie_with_player(commit: np.ndarray, affinity: np.ndarray, player: int) -> np.ndarray:
    """``(..., N)``: A[i, u] + C[i, u] with the player u (0 for u itself): ``commit`` is the
    commitment of each pair's strongest shared pact, ``affinity`` this month's."""
    tie = affinity[..., :, player] + commit[..., :, player]
    shape = np.broadcast_shapes(affinity.shape[:-1], commit.shape[:-1])
    tie = np.array(np.broadcast_to(tie, shape))
    tie[..., player] = 0.0
    return tie


def player_terms(threat: np.ndarray, weight: np.ndarray, commit: np.ndarray,
                 affinity: np.ndarray, membership: np.ndarray, reactivity,
                 player: int) -> PlayerTerms:  # fmt: skip
    """The :class:`PlayerTerms` of a configuration (``weight (..., P)``, ``commit (..., N,
    N)``) in a month (``threat (..., N)``, ``affinity (..., N, N)``); ``reactivity`` a
    scalar or per run, aligned with ``(..., N)``."""
    pushed = reactivity * rival_alignment(weight, affinity, membership)
    return PlayerTerms(
        threat=np.minimum(threat + pushed, 1.0),
        tie=tie_with_player(commit, affinity, player),
        cb=pushed,
    )


def us_ties(us_stake: np.ndarray, tie: np.ndarray, seen: np.ndarray, reactivity,
            affinity: np.ndarray, player: int) -> np.ndarray:  # fmt: skip
    """``(..., N)``: us_stake x (tie - reactivity x seen x (1 + A_iu)), 0 for the player
    itself (``seen``: the visible alignment with US adversaries, as without a player;
    ``affinity (..., N, N)`` this month's, A_iu its column of the player)."""
    at_stake = 1.0 + affinity[..., :, player]
    out = us_stake * (tie - reactivity * seen * at_stake)
    out = np.array(out)
    out[..., player] = 0.0
    return out
