"""Summarise a batch from its parts on disk: per design point the counts and
P(trilateral) (:func:`sim.point_summary.point_summary`), the failed runs, and the
end-of-batch text. Computed from three columns read back part by part, so it is the same
after a resume and memory does not grow with the batch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.batch.store import BatchStore
from sim.experiment import Experiment
from sim.point_summary import COUNTS, count_runs, point_summary


@dataclass(frozen=True)
class BatchResult:
    """Counts after the batch and the per-point summary table."""

    out: Path
    parameters: list[str]
    runs_total: int
    runs_done: int
    runs_failed: int
    ran_now: int
    summary: pd.DataFrame
    failures: pd.DataFrame


def summarize(store: BatchStore, exp: Experiment) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per point: its parameters and the counts and P(trilateral) of
    :func:`sim.point_summary.point_summary`; and the failed runs (run_id, point_id, seed,
    error). Reads part by part, keeping only per-point counts and the failed runs, so
    memory does not grow with the batch."""
    cols = ["run_id", "point_id", "seed", "status", "error", "target_formed"]
    points = pd.DataFrame(exp.design.points or [{}])
    points.index.name = "point_id"
    n_points = len(points)
    counts = np.zeros((len(COUNTS), n_points), dtype=np.int64)  # runs, failed, n, k
    failed_parts = []
    for part in store.iter_tables(cols):  # Arrow and numpy: no Python object per run
        pid = part.column("point_id").to_numpy()
        ok = pc.fill_null(pc.equal(part.column("status"), "ok"), False).to_numpy()
        formed = np.zeros(len(pid), dtype=bool)
        if "target_formed" in part.column_names:
            formed = pc.fill_null(part.column("target_formed"), False).to_numpy()
        counts += count_runs(pid, ok, formed, n_points)
        if not ok.all():
            keep = [c for c in ("run_id", "point_id", "seed", "error") if c in part.column_names]
            failed_parts.append(part.filter(pa.array(~ok)).select(keep).to_pandas())
    frame = pd.DataFrame(dict(zip(COUNTS, counts, strict=True)), index=points.index)
    table = points.join(point_summary(frame, points.index))
    failures = (
        pd.concat(failed_parts).sort_values("run_id").reset_index(drop=True)
        if failed_parts
        else pd.DataFrame(columns=["run_id", "point_id", "seed", "error"])
    )
    return table, failures


def _fmt(value: Any) -> str:
    """A design value for a line of text: numbers to 4 significant digits, others as is."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def format_summary(result: BatchResult, max_points: int = 40) -> str:
    """Readable end-of-batch summary: P(trilateral) per point with its 95% Wilson interval."""
    table = result.summary
    params = result.parameters
    lines = [
        f"{result.runs_done}/{result.runs_total} runs in {result.out} "
        f"({result.ran_now} run now, {result.runs_failed} failed)",
        "P(trilateral) per design point, 95% Wilson interval:",
    ]
    for point_id, row in table.head(max_points).iterrows():
        values = ", ".join(f"{p}={_fmt(row[p])}" for p in params) or "base scenario"
        if row["n"] > 0:
            lo, hi = row["p_target_lo"], row["p_target_hi"]
            p = f"{row['p_target']:.3f} [{lo:.3f}, {hi:.3f}]"
        else:
            p = "n/a"
        fail = f", {int(row['failed'])} failed" if row["failed"] else ""
        lines.append(f"  point {point_id:>3}  {values}:  {p}  (n={int(row['n'])}{fail})")
    if len(table) > max_points:
        lines.append(f"  ... {len(table) - max_points} more points (read {result.out / 'runs'})")
    if len(result.failures):
        lines.append(f"failures: {len(result.failures)} runs (tracebacks in the error column)")
        for _, row in result.failures.head(5).iterrows():
            last = str(row.get("error") or "").strip().splitlines()[-1:] or ["?"]
            lines.append(f"  run {row['run_id']} (seed {row['seed']}): {last[0]}")
    else:
        lines.append("failures: none")
    return "\n".join(lines)
