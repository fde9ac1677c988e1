"""How the compiled kernels (``sim/rules/compiled*.py``) take per-run values: a parameter
is one row for every run or, for stacked design points, one row per run."""

from __future__ import annotations

import numpy as np
from numba import njit


def per_run(x, own: int) -> np.ndarray:
    """A value ``(own axes)``, or stacked ``(B, own axes)``, as a contiguous float array
    whose first axis is 1 (the same for every run) or the runs."""
    x = np.asarray(x, dtype=float)
    if x.ndim <= own:
        x = x.reshape((1,) * (own + 1 - x.ndim) + x.shape)
    return np.ascontiguousarray(x)


def kept(p, name: str, build):
    """``build()``, computed once per ``p`` (a frozen object: :class:`~sim.rules.params.Params`,
    a pact space) and kept with it under ``name``, as its cached properties are: what
    depends on the scenario alone, laid out once instead of every month."""
    value = vars(p).get(name)
    if value is None:
        value = vars(p)[name] = build()
    return value


@njit(cache=True, inline="always")
def at(a, b):
    """Row of run ``b`` in ``a`` (row 0 when ``a`` is the same for every run)."""
    return b if a.shape[0] > 1 else 0


@njit(cache=True)
def pairwise_sum(a) -> float:
    """The sum of a contiguous 1-D ``a`` as numpy adds a row (``x.sum(axis=-1)``):
    fewer than 8 items in order; up to 128 in eight interleaved partial sums combined
    pairwise, the rest in order; more, the two halves (at a multiple of 8) recursively
    (numpy's ``pairwise_sum``, ``loops_utils.h``). ``tests/test_compiled_proposal.py``
    checks it against numpy for every length to 1,000."""
    n = a.shape[0]
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return res
    if n <= 128:
        r0, r1, r2, r3 = a[0], a[1], a[2], a[3]
        r4, r5, r6, r7 = a[4], a[5], a[6], a[7]
        i = 8
        while i < n - (n % 8):
            r0, r1, r2, r3 = r0 + a[i], r1 + a[i + 1], r2 + a[i + 2], r3 + a[i + 3]
            r4, r5, r6, r7 = r4 + a[i + 4], r5 + a[i + 5], r6 + a[i + 6], r7 + a[i + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[i]
            i += 1
        return res
    half = n // 2
    half -= half % 8
    return pairwise_sum(a[:half]) + pairwise_sum(a[half:])


def logistic(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-x))`` of an array of logit arguments, in place (returned): the
    negation and numpy's ``exp`` (see :mod:`sim.rules.compiled_proposal` for why numpy's)
    written over ``x``, then one compiled pass; the same bits as
    :func:`sim.rules.logit.accept_probability` computes from the clipped argument, without
    its temporaries."""
    if not x.flags.c_contiguous:  # reshape would copy, and the pass write the copy
        raise ValueError("logistic: x must be C-contiguous")
    np.negative(x, out=x)
    np.exp(x, out=x)
    _one_over_one_plus(x.reshape(-1))
    return x


@njit(cache=True)
def _one_over_one_plus(x):
    for k in range(x.shape[0]):
        x[k] = 1.0 / (1.0 + x[k])
