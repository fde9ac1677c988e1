"""The refusal memory compiled (numba): :func:`sim.rules.round.remember_refusals` for the
talks that failed this month and for the raise refused, one loop per run.

A raise refused, or whose talks failed, is not proposed again for the scenario's
``refusal_memory`` months (docs/model.md 3.12). The numpy definition copies the ``(B, M)``
memory and writes it column by column with fancy indexing, for each pact's talks and for
the proposal; here one pass writes the same rounds. ``tests/test_compiled_memory.py``
checks it against the definition.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def after_failed_talks(refused_until: np.ndarray, talk_level: np.ndarray, walked: np.ndarray,
                       raise_move: np.ndarray, t: int, until: int
                       ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """``(refused_until, blocked)``, ``(B, M)`` each: the memory with the raise of every
    talk a member walked out of this month remembered until round ``until`` (the talks'
    level was ``talk_level (B, P)`` at the month's start), and the raises blocked in round
    ``t`` (remembered past it)."""
    out = refused_until.copy()
    blocked = np.empty(out.shape, dtype=bool)
    _failed(out, talk_level, walked, raise_move.astype(np.int64), t, until, blocked)
    return out, blocked


@njit(cache=True)
def _failed(out, talk_level, walked, raise_move, t, until, blocked):
    """_failed_talks' remember_refusals (failed_move) and ``refused_until > t``."""
    for b in range(out.shape[0]):
        for q in range(walked.shape[1]):
            failed = False
            for i in range(walked.shape[2]):
                failed = failed or walked[b, q, i]
            move = raise_move[q, talk_level[b, q]]
            if failed and move > 0:
                out[b, move] = until
        for m in range(out.shape[1]):
            blocked[b, m] = out[b, m] > t


def after_refusal(refused_until: np.ndarray, refused: np.ndarray, move: np.ndarray,
                  until: int) -> np.ndarray:  # fmt: skip
    """``(B, M)``: the memory with each run's ``move`` remembered until round ``until``
    where a member refused it (``refused (B, N)``)."""
    out = refused_until.copy()
    _refused(out, refused, move, until)
    return out


@njit(cache=True)
def _refused(out, refused, move, until):
    """_memory's remember_refusals (refused_move)."""
    for b in range(out.shape[0]):
        any_ = False
        for i in range(refused.shape[1]):
            any_ = any_ or refused[b, i]
        if any_ and move[b] > 0:
            out[b, move[b]] = until
