"""Proper scoring rules for forecasts of the record, and the reliability table.

- Brier score (Brier 1950) of a probability ``p`` for a binary event with outcome ``y``:
  ``(p - y)^2``; 0 is perfect, 0.25 is a coin toss's.
- Continuous ranked probability score (CRPS; Gneiting & Raftery 2007, eq. 20) of a
  forecast distribution ``F`` for an observed value ``x``: ``integral (F(t) - 1{t >= x})^2
  dt``, in the statistic's unit (months for a timing, levels for a pact level); for the
  integer-valued statistics here it is the ranked probability score over unit steps. A
  point forecast's CRPS is its absolute error.

Both are strictly proper: the expected score is best when the forecast is the forecaster's
true belief, so a model cannot gain by hedging (Gneiting & Raftery 2007).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def brier(p: float, y: float) -> float:
    return float((p - y) ** 2)


def crps(values: np.ndarray, observed: float, weights: np.ndarray | None = None) -> float:
    """CRPS of the weighted sample ``values`` (NaN dropped) for ``observed``."""
    values = np.asarray(values, float)
    w = np.ones_like(values) if weights is None else np.asarray(weights, float)
    keep = ~np.isnan(values) & (w > 0)
    values, w = values[keep], w[keep]
    if len(values) == 0:
        return float("nan")
    support = np.unique(np.append(values, observed))
    f = (w[None, :] * (values[None, :] <= support[:, None])).sum(axis=1) / w.sum()
    h = (support >= observed).astype(float)
    gaps = np.diff(support)
    return float(((f[:-1] - h[:-1]) ** 2 * gaps).sum())


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 5) -> pd.DataFrame:
    """Mean forecast and observed frequency per probability bin, each event counted with its
    complement (forecast 1 - p, outcome 1 - y), so both ends of the diagram are filled."""
    p = np.concatenate([p, 1 - p])
    y = np.concatenate([y, 1 - y])
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
    rows = []
    for b in range(bins):
        sel = idx == b
        if sel.any():
            rows.append({"bin_low": edges[b], "bin_high": edges[b + 1],
                         "events": int(sel.sum()), "forecast": float(p[sel].mean()),
                         "observed": float(y[sel].mean())})  # fmt: skip
    return pd.DataFrame(rows)
