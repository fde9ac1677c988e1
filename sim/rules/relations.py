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

Sustained cooperation builds trust, costly signals (visits, troops) move it faster
(Fearon 1997), and broken commitments cost reputation with the partners who saw them
(Crescenzi et al. 2012; Gibler 2008). The rates are the scenario's ``relation_dynamics``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RelationParams:
    """Rates of :func:`update_affinity` (scalars, ``(B,)`` when stacked)."""

    drift: float | np.ndarray
    refusal: float | np.ndarray
    walkout: float | np.ndarray
    defection: float | np.ndarray
    signing: float | np.ndarray


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
    affinity: np.ndarray, baseline: np.ndarray, ev: RelationEvents, r: RelationParams
) -> np.ndarray:
    """Next month's affinity ``(B, N, N)`` (see the module docstring)."""
    moved = affinity + _scalar(r.drift) * (baseline - affinity)
    moved = moved + symmetric(ev.cooperation)
    moved = moved + _scalar(r.signing) * ev.signed
    moved = moved - _scalar(r.refusal) * symmetric(ev.refused)
    moved = moved - _scalar(r.walkout) * symmetric(ev.walked)
    moved = moved - _scalar(r.defection) * symmetric(ev.defected)
    n = affinity.shape[-1]
    return np.where(np.eye(n, dtype=bool), 0.0, np.clip(moved, -1.0, 1.0))
