"""The per-design-point summary of a runs table (schema: ``summary`` in sim.results_schema).

``point_counts`` counts one runs frame (or one part of it: counts add up across parts, so
a batch can be summarised part by part in flat memory); ``point_summary`` turns the counts
into P(trilateral) with its 95% Wilson (1927) interval. ``sim.batch.summarize`` (end of a
batch) and ``sim.analysis.summary_table`` (``run.py summary``) both use these two.
"""

from __future__ import annotations

import pandas as pd

from sim.stats import wilson_interval

COUNTS = ("runs", "failed", "n", "k")


def point_counts(runs: pd.DataFrame) -> pd.DataFrame:
    """Per point_id: runs, failed, n (successful runs) and k (those where the target formed)."""
    ok = runs["status"] == "ok"
    formed = runs.get("target_formed", pd.Series(False, index=runs.index))
    hit = formed.astype("boolean").fillna(False).astype(bool) & ok
    frame = pd.DataFrame({"runs": 1, "failed": ~ok, "n": ok, "k": hit}, index=runs.index)
    return frame.groupby(runs["point_id"]).sum().astype(int)


def add_counts(total: pd.DataFrame | None, part: pd.DataFrame) -> pd.DataFrame:
    """Counts of two parts of one batch added up (``total`` None: the first part)."""
    return part if total is None else total.add(part, fill_value=0).astype(int)


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
