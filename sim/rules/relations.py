"""Relations that remember: affinity moves with what happens between two states.

Affinity A_ij (symmetric, [-1, 1]; Axelrod & Bennett 1993's propensity) starts at the
scenario's value (its baseline A0) and, each month, after the round's events:

    A <- A + drift * (A0 - A)                        (memory fades toward the baseline)
          + sum_k trust_k * (actions of kind k in force between i and j, either way)
          + signing      * [i and j signed a pact together this month]
          - refusal      * [one refused to open talks the other proposed]
          - walkout      * [one walked out of talks the other was in]
          - defection    * [one left or lowered a pact the other is in]
    A <- clip(A, -1, 1), diagonal 0

The brackets count: each action in force, each pact signed together, and each state that
refused, walked out or defected (both walking out of the same talks costs 2 x walkout).

Sustained cooperation builds trust, costly signals (visits, troops) move it faster
(Fearon 1997), and broken commitments cost reputation with the partners who saw them
(Crescenzi et al. 2012; Gibler 2008). The rates are the scenario's ``relation_dynamics``.

A US player's affinity can also answer alignment with its adversaries
(:func:`alignment_loss`, docs/model.md 3.14): ``update_affinity(..., loss=...)`` subtracts
it in the same sum, right after the drift and before the events' terms, with one clip at
the end (the round passes it when the scenario names a player and sets
``relation_dynamics.alignment``), and drift brings the affinity back once the alignment
ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.rules.arrays import small_sum


@dataclass(frozen=True)
class RelationParams:
    """Rates of :func:`update_affinity` (scalars, ``(B,)`` when stacked)."""

    drift: float | np.ndarray
    refusal: float | np.ndarray
    walkout: float | np.ndarray
    defection: float | np.ndarray
    signing: float | np.ndarray
    alignment: float | np.ndarray = 0.0  # a US player's loss per unit of alignment (3.14)


@dataclass(frozen=True)
class RelationEvents:
    """What happened between pairs this month, ``(B, N, N)`` counts (symmetric or not)."""

    cooperation: np.ndarray  # sum of trust_k over actions in force, [actor, recipient]
    signed: np.ndarray  # pairs that signed a pact together
    refused: np.ndarray  # [proposer, refuser]
    walked: np.ndarray  # [walker, other member]
    defected: np.ndarray  # [leaver or lowerer, other member]


def _scalar(x: float | np.ndarray) -> float | np.ndarray:
    """A rate aligned with ``(B, N, N)`` (stacked ``(B,)`` -> ``(B, 1, 1)``)."""
    return x if np.ndim(x) == 0 else np.asarray(x)[:, None, None]


def symmetric(x: np.ndarray) -> np.ndarray:
    """``x + x^T`` over the last two axes: an event touches the pair whoever did it."""
    return x + np.swapaxes(x, -1, -2)


def update_affinity(
    affinity: np.ndarray,
    baseline: np.ndarray,
    ev: RelationEvents,
    r: RelationParams,
    loss: np.ndarray | None = None,
) -> np.ndarray:
    """Next month's affinity ``(B, N, N)`` (see the module docstring), less ``loss``
    ``(B, N, N)`` when given (:func:`alignment_loss`)."""
    moved = affinity + _scalar(r.drift) * (baseline - affinity)
    if loss is not None:
        moved = moved - loss
    moved = moved + symmetric(ev.cooperation)
    moved = moved + _scalar(r.signing) * ev.signed
    moved = moved - _scalar(r.refusal) * symmetric(ev.refused)
    moved = moved - _scalar(r.walkout) * symmetric(ev.walked)
    moved = moved - _scalar(r.defection) * symmetric(ev.defected)
    n = affinity.shape[-1]
    return np.where(np.eye(n, dtype=bool), 0.0, np.clip(moved, -1.0, 1.0))


def alignment_loss(
    baseline: np.ndarray, commit: np.ndarray, visible: np.ndarray, player: int, rate
) -> np.ndarray:
    """``(..., N, N)``, symmetric: what the affinity between the player u and each state i
    loses in a month for i's alignment with u's adversaries::

        loss_iu = loss_ui = rate x sum_m max(0, -A0_um) x (C_im + V_im + V_mi),  i != u

    ``baseline (N, N)``: the scenario's affinities A0, which say who u's adversaries are
    (fixed, so a state punished for its alignment does not become an adversary whose own
    partners are punished in turn); ``commit (..., N, N)``: the commitment of the
    strongest pact i and m share (symmetric, 0 on the diagonal); ``visible (..., N, N)``
    [actor, recipient]: the visibility of the actions in force between them; ``rate``
    [affinity per month per unit of alignment], a scalar or per run aligned with
    ``(..., N)``. Zero everywhere without a player (``player`` -1) or at rate 0.
    """
    shape = np.broadcast_shapes(commit.shape, visible.shape)
    out = np.zeros(shape)
    if player < 0:
        return out
    adversary = np.maximum(-np.asarray(baseline)[..., player, :], 0.0)  # (..., N) w_m; w_u = 0
    link = commit + visible + np.swapaxes(visible, -1, -2)  # (..., N, N)
    # sum over m in index order (no BLAS product: one run and a batch round alike)
    aligned = rate * small_sum(link * adversary[..., None, :], axis=-1)  # (..., N)
    aligned = np.array(np.broadcast_to(aligned, shape[:-1]))
    aligned[..., player] = 0.0
    out[..., :, player] = aligned
    out[..., player, :] = aligned
    return out
