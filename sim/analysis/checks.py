"""Warnings and markers that keep a reader from misreading a table: an incomplete batch,
Sobol indices too uncertain to read, and which design point is the scenario's own."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

WIDE_CI = 0.2  # a Sobol index whose 95% half-width exceeds this is not readable


def incomplete(manifest: dict) -> str | None:
    """A warning if fewer runs are done than planned (an interrupted or running batch)."""
    total, done = manifest.get("runs_total"), manifest.get("runs_done")
    if isinstance(total, int) and isinstance(done, int) and done < total:
        return (
            f"warning: incomplete batch: {done:,} of {total:,} runs done; probabilities "
            "are over the runs done (run the same batch command again to resume)"
        )
    return None


def sobol_uncertain(table: pd.DataFrame, wide: float = WIDE_CI) -> list[str]:
    """Warnings per outcome whose Sobol indices cannot be read: ST > 1, or 95% intervals
    wider than ``wide`` (half-width), as with too few base samples N."""
    out = []
    if table.empty or "ST" not in table:
        return out
    for outcome, t in table.groupby("outcome", sort=False):
        over = t.loc[t["ST"] > 1.0, "parameter"].tolist()
        broad = t.loc[(t["ST_conf"] > wide) | (t["S1_conf"] > wide), "parameter"].tolist()
        if over or broad:
            why = []
            if over:
                why.append(f"ST > 1 for {', '.join(over)}")
            if broad:
                why.append(f"95% CI wider than ±{wide} for {', '.join(broad)}")
            out.append(
                f"warning: Sobol indices of {outcome} too uncertain to read ({'; '.join(why)}):"
                " increase the base samples N or the replicates"
            )
    return out


def _lookup(raw: dict, path: str) -> Any:
    from sim.config import split_path

    node: Any = raw
    for key in split_path(path):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float | np.number) and isinstance(b, int | float | np.number):
        return bool(np.isclose(float(a), float(b), rtol=1e-9, atol=1e-12))
    return a == b


def scenario_points(manifest: dict, points: pd.DataFrame, params: list[str]) -> pd.Series:
    """Per design point: every varying parameter equals the scenario's own value (the
    ``scenario`` factor: the experiment's base scenario by name)."""
    raw = manifest.get("scenario") or {}
    if not params or not raw:
        return pd.Series(False, index=points.index)
    own = {p: (raw.get("name") if p == "scenario" else _lookup(raw, p)) for p in params}
    if any(v is None for v in own.values()):
        return pd.Series(False, index=points.index)
    return points[params].apply(lambda r: all(_same(r[p], own[p]) for p in params), axis=1)
