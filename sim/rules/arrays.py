"""Reductions over short axes (states, pacts, goods, terms) that are fast on batches and
round identically for one run or thousands.

numpy's ``sum`` over an axis of length 3-11 inside a large batch is slow (it iterates the
short axis per outer element), and BLAS products may round differently with the batch
size. On large arrays we add slices in index order; on small arrays (one run) we call
numpy, which adds fewer than 8 items sequentially in index order too, so both paths give
the same bits and the Mesa model and the lockstep engine stay run-for-run identical.
Axes of 8 or more items are always added slice by slice (numpy switches to pairwise
summation there).
"""

from __future__ import annotations

from typing import Any

import numpy as np

SMALL = 4096  # arrays up to this many items use numpy's own reduction


def small_sum(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Sum over a short ``axis`` in index order."""
    x = np.asarray(x)
    if x.shape[axis] < 8 and x.size <= SMALL:
        return x.sum(axis=axis)
    x = np.moveaxis(x, axis, 0)
    acc = np.array(x[0])
    for k in range(1, x.shape[0]):
        acc += x[k]
    return acc


def small_max(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Maximum over a short ``axis`` (exact in any order)."""
    x = np.asarray(x)
    if x.size <= SMALL:
        return x.max(axis=axis)
    x = np.moveaxis(x, axis, 0)
    acc = np.array(x[0])
    for k in range(1, x.shape[0]):
        np.maximum(acc, x[k], out=acc)
    return acc


def weighted_rows(weight: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``sum_k weight[..., k] * rows[..., k, :]``: a product with a short matrix ``(K, X)``,
    or one per run ``(B, K, X)`` (stacked points) for ``weight[B, K]``."""
    k = rows.shape[-2]
    if k == 0:  # no drivers: nothing to add
        return np.zeros((*weight.shape[:-1], rows.shape[-1]))
    if k < 8 and weight.size * rows.shape[-1] <= SMALL:
        return (weight[..., :, None] * rows).sum(axis=-2)
    acc = weight[..., 0, None] * rows[..., 0, :]
    for j in range(1, k):
        acc += weight[..., j, None] * rows[..., j, :]
    return acc


def runwise(x: Any, p: Any, k: int = 0) -> Any:
    """A value of ``p`` aligned with a per-run array that has ``k`` more axes between the
    run axis and the value's own axes (stacked); the value itself when not stacked."""
    if not p.stacked or k == 0:
        return x
    x = np.asarray(x)
    return x.reshape((x.shape[0], *(1,) * k, *x.shape[1:]))


def per_run(constant: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``constant`` repeated to the shape of a per-run array ``like`` (a contiguous copy).

    Multiplying a batch by a short per-state constant makes numpy loop over rows of N
    items; a per-run copy lines up with the batch's trailing axes, so the same products
    (same values) run over long contiguous rows. A small batch (one run) gets ``constant``
    itself: broadcasting gives the same products, without the copy's overhead.
    """
    if like.size <= SMALL:
        return constant
    return np.ascontiguousarray(
        np.broadcast_to(constant, np.broadcast_shapes(constant.shape, like.shape))
    )
