"""Talks: a proposal to form or upgrade a pact opens negotiations that last months.

Treaties are not signed the month they are proposed: the Russia–North Korea treaty of
June 2024 followed the Vostochny summit of September 2023 by nine months, the
Sino-Russian treaty of July 2001 was signed a year after the two sides agreed to draft it
(July 2000). So a raise that every member agrees to open starts talks towards its level,
with a length drawn uniformly from the level's ``talks_min .. talks_max`` months. Each
month, every member of the talks stays with the logit probability of its net gain from
the result (:func:`sim.rules.decisions.accept_probability`): a member whose valuation
turns negative walks out and the talks fail. At the due round the pact is signed.

Because every month of talks is a fresh decision, a pact that a member loses from needs
that member's mistake month after month to be signed: noise can delay and break
agreements, but it cannot manufacture one from a single unlucky draw.

State: ``talk_level[..., P]`` (0 = no talks on that pact) and ``talk_due[..., P]`` (round
of signature).
"""

from __future__ import annotations

import numpy as np

from sim.rules.arrays import runwise
from sim.rules.decisions import MoveValues
from sim.rules.logit import accept_probability
from sim.rules.params import Params


def talk_months(level: np.ndarray, u: np.ndarray, p: Params) -> np.ndarray:
    """Months of talks towards ``level``: uniform on ``talks_min .. talks_max`` via ``u``."""
    lo, hi = p.negotiation.talks_min, p.negotiation.talks_max
    if p.stacked:  # (B, L + 1): each run's row at its level
        rows = np.arange(len(lo))
        level = np.broadcast_to(level, rows.shape)
        lo, hi = lo[rows, level], hi[rows, level]
    else:
        lo, hi = lo[level], hi[level]
    return lo + np.minimum(np.floor(u * (hi - lo + 1)), hi - lo).astype(np.int64)


def start_talks(
    pacts: list[int], levels: list[int], opened: list[int], p: Params, u_start: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Talks under way at round 0: ``(talk_level, talk_due)`` with the batch axes of
    ``u_start[..., P]``. Talks on pact ``pacts[k]`` towards ``levels[k]`` opened in round
    ``opened[k]`` (<= 0) are due ``months`` later (drawn with ``u_start[..., pacts[k]]``)."""
    talk_level = np.zeros(u_start.shape, dtype=np.int8)
    talk_due = np.zeros(u_start.shape, dtype=np.int16)
    for q, lv, t0 in zip(pacts, levels, opened, strict=True):
        talk_level[..., q] = lv
        talk_due[..., q] = t0 + talk_months(np.int64(lv), u_start[..., q], p)
    return talk_level, talk_due


def progress_talks(
    levels: np.ndarray,
    talk_level: np.ndarray,
    talk_due: np.ndarray,
    t: int,
    mv: MoveValues,
    p: Params,
    u_talks: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One month of every open talk.

    Each member of pact q's talks stays iff ``u_talks[..., q, i] < P(stay)``, the logit of
    its gain from the pact at the talks' level minus the formation cost. Talks with a
    walk-out fail; the others are signed when ``talk_due <= t``.

    Returns ``(levels, talk_level, talk_due, signed[..., P], walked[..., P, N])``.
    """
    sp = p.space
    open_ = talk_level > 0  # (..., P)
    moves = sp.raise_move[np.arange(sp.n_pacts), talk_level]  # (..., P): 0 where none
    u = mv.utility  # gain: mv.gains of those moves, without the whole gains array
    gain = np.take_along_axis(u, moves[..., None], axis=-2) - u[..., :1, :]  # (..., P, N)
    # Talks whose pact a leave has lifted to their level or past it: their raise is
    # invalid and worth nothing (the status quo) to every member.
    valid = np.take_along_axis(mv.valid, moves, axis=-1)  # (..., P)
    gain = np.where(valid[..., None], gain, 0.0)
    cost, temperature = (runwise(v, p, 2) for v in (p.negotiation.formation_cost, p.temperature))
    stay = u_talks < accept_probability(gain, cost, temperature)
    walked = open_[..., None] & sp.membership & ~stay
    failed = walked.any(axis=-1)
    signed = open_ & ~failed & (talk_due <= t)
    new_levels = np.where(signed, np.maximum(levels, talk_level), levels).astype(levels.dtype)
    closed = failed | signed
    return (
        new_levels,
        np.where(closed, 0, talk_level).astype(talk_level.dtype),
        np.where(closed, 0, talk_due).astype(talk_due.dtype),
        signed,
        walked,
    )
