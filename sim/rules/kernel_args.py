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


@njit(cache=True, inline="always")
def at(a, b):
    """Row of run ``b`` in ``a`` (row 0 when ``a`` is the same for every run)."""
    return b if a.shape[0] > 1 else 0
