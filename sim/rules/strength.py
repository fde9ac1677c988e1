"""Pair strengths: the strongest tie between two states over the pacts they share."""

from __future__ import annotations

import numpy as np
from numba import njit


def pair_strength(
    levels: np.ndarray, table: np.ndarray, by_level: np.ndarray, per_run: bool = False
) -> np.ndarray:
    """Strongest tie between each pair of states over the pacts they share.

    ``by_level[levels]`` gives each pact's strength (commitment or entanglement); the result
    ``[..., i, j]`` is the maximum over pacts containing both i and j, 0 on the diagonal.
    ``table`` is :func:`sim.rules.params.pair_table` of the pact space (``Params.pair_table``).
    ``per_run``: ``by_level`` is ``(B, L + 1)``, one row per run of ``levels[B, P]``.
    A batch ``levels (B, P)`` is read by a compiled loop (:func:`_pair_max`: the same
    maximum of the same values); :func:`pair_strengths` is the definition.
    """
    if levels.ndim != 2:
        return pair_strengths(levels, table, by_level, per_run=per_run)[0]
    by_level = np.asarray(by_level)
    rows = by_level if per_run else by_level[None]
    n = round(table.shape[1] ** 0.5)
    out = np.empty((len(levels), n, n), dtype=by_level.dtype)
    _pair_max(np.ascontiguousarray(levels), np.ascontiguousarray(table, dtype=np.int64),
              np.ascontiguousarray(rows), out.reshape(len(levels), n * n))  # fmt: skip
    return out


def pair_strengths(
    levels: np.ndarray, table: np.ndarray, *by_level: np.ndarray, per_run: bool = False
) -> list:
    """:func:`pair_strength` for several strength tables at once (one gather of levels)."""
    n = round(table.shape[1] ** 0.5)
    padded = np.concatenate([levels, np.zeros((*levels.shape[:-1], 1), levels.dtype)], axis=-1)
    shared = [padded[..., row] for row in table]  # K arrays (..., N*N)
    shape = (*levels.shape[:-1], n, n)
    out = []
    top = None
    for b in by_level:
        if np.all(np.diff(b) >= 0):  # strength grows with level: take the highest level
            if top is None:
                top = shared[0].copy()
                for lv in shared[1:]:
                    np.maximum(top, lv, out=top)
            out.append(_strength(b, top, per_run).reshape(shape))
        else:
            acc = _strength(b, shared[0], per_run)
            for lv in shared[1:]:
                np.maximum(acc, _strength(b, lv, per_run), out=acc)
            out.append(acc.reshape(shape))
    return out


def _strength(by_level: np.ndarray, levels: np.ndarray, per_run: bool) -> np.ndarray:
    """``by_level`` at ``levels``: one table for all, or each run's row ``(B, L + 1)``."""
    if per_run:
        return np.take_along_axis(by_level, levels.astype(np.intp), axis=-1)
    return np.take(by_level, levels)


@njit(cache=True)
def _pair_max(levels, table, by_level, out):
    """``out[b, ij]``: the largest ``by_level[b or 0, levels[b, q]]`` over the pacts q of
    column ij of ``table`` (P, the padding, reads level 0)."""
    n_pacts = levels.shape[1]
    for b in range(levels.shape[0]):
        row = b if by_level.shape[0] > 1 else 0
        for ij in range(table.shape[1]):
            best = by_level[row, 0]
            for k in range(table.shape[0]):
                q = table[k, ij]
                lv = levels[b, q] if q < n_pacts else 0
                v = by_level[row, lv]
                best = v if k == 0 else max(best, v)
            out[b, ij] = best
