"""The per-design-point summary of a runs table (schema: ``summary`` in sim.results_schema).

``count_runs`` counts per point from per-run arrays (counts add up across parts, so a
batch can be summarised part by part in flat memory; ``point_counts`` applies it to a runs
frame); ``point_summary`` turns the counts into P(trilateral) with its 95% Wilson (1927)
interval. ``sim.batch.summarise.summarize`` (end of a batch) and ``sim.analysis.summary_table``
(``run.py summary``) both use these.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.stats import wilson_interval

COUNTS = ("runs", "failed", "n", "k")


def count_runs(
    point_id: np.ndarray, ok: np.ndarray, formed: np.ndarray, n_points: int
) -> np.ndarray:
    """``(4, n_points)``: runs, failed, n (successful runs) and k (those where the target
    formed) per point, from per-run arrays; point ids outside ``0..n_points-1`` are left
    out. Counts add up across parts of a batch (summarised part by part, flat memory)."""
    inside = (point_id >= 0) & (point_id < n_points)
    masks = (inside, inside & ~ok, inside & ok, inside & ok & formed)
    return np.stack([np.bincount(point_id[m], minlength=n_points) for m in masks])


def point_counts(runs: pd.DataFrame) -> pd.DataFrame:
    """Per point_id (0 to the largest): runs, failed, n and k of a runs frame."""
    pid = runs["point_id"].to_numpy(dtype=np.int64)
    ok = (runs["status"] == "ok").to_numpy()
    formed = runs.get("target_formed", pd.Series(False, index=runs.index))
    formed = formed.astype("boolean").fillna(False).to_numpy(dtype=bool)
    n_points = int(pid.max()) + 1 if len(pid) else 0
    counts = count_runs(pid, ok, formed, n_points)
    index = pd.RangeIndex(n_points, name="point_id")
    return pd.DataFrame(dict(zip(COUNTS, counts, strict=True)), index=index)


def point_summary(counts: pd.DataFrame, index: pd.Index | None = None) -> pd.DataFrame:
    """Counts plus p_target = k / n with its 95% Wilson interval, one row per point.

    ``index``: the points to show (those without runs get zero counts and NaN shares).
    """
    table = counts.reindex(index if index is not None else counts.index)
    table = table.reindex(columns=list(COUNTS)).fillna(0).astype(int)
    table.index.name = "point_id"
    lo, hi = wilson_interval(table["k"].to_numpy(), table["n"].to_numpy())
    table["p_target"] = table["k"] / table["n"].where(table["n"] > 0)
    table["p_target_lo"], table["p_target_hi"] = lo, hi
    return table
