"""Ties between two states at the end: any pact containing both (bilateral or larger).

A pact's own "active at the end" line can fall while the two states stay tied through
another pact (A–C replaced by the trilateral A–B–C): this measure reads right for that.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from sim.analysis.batch import ScenarioInfo


def state_pairs(info: ScenarioInfo) -> list[tuple[str, str]]:
    """Every pair of states, in scenario order."""
    return list(itertools.combinations(info.states, 2))


def pair_label(pair: tuple[str, str]) -> str:
    return f"{pair[0]}–{pair[1]}"


def tied_at_end(runs: pd.DataFrame, info: ScenarioInfo, pair: tuple[str, str]) -> np.ndarray:
    """Per run: some pact holding both states is active after the last round
    (from the ``level_end.<pact>`` columns)."""
    tied = np.zeros(len(runs), dtype=bool)
    for pact in info.pacts:
        col = f"level_end.{pact}"
        if set(pair) <= set(pact.split("-")) and col in runs:
            tied |= pd.to_numeric(runs[col], errors="coerce").fillna(0).to_numpy() > 0
    return tied


def ties_table(runs: pd.DataFrame, info: ScenarioInfo) -> pd.DataFrame:
    """Per design point and pair: k, n, p of 'tied at the end' (ok runs only).

    Columns: point_id, pair, k, n, p.
    """
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    rows = []
    for pair in state_pairs(info):
        hit = pd.Series(tied_at_end(ok, info, pair), index=ok.index)
        g = hit.groupby(ok["point_id"])
        df = pd.DataFrame({"k": g.sum().astype(int), "n": g.count().astype(int)})
        df["pair"] = pair_label(pair)
        rows.append(df.reset_index())
    out = pd.concat(rows, ignore_index=True)
    out["p"] = out["k"] / out["n"]
    return out[["point_id", "pair", "k", "n", "p"]]


def initial_pacts(manifest: dict, info: ScenarioInfo) -> frozenset[str]:
    """Pacts active at round 0 by the scenario (any of a design's named scenarios, or a
    design parameter ``initial_pacts.<pact>``): their 'ever formed' says nothing."""
    raws = [manifest.get("scenario") or {}, *(manifest.get("scenarios") or {}).values()]
    keys = {k for raw in raws for k in (raw.get("initial_pacts") or {})}
    params = (manifest.get("design") or {}).get("parameters") or {}
    keys |= {p.split(".", 1)[1] for p in params if p.startswith("initial_pacts.")}
    order = {s: i for i, s in enumerate(info.states)}

    def key(text: str) -> str:  # members in the scenario's state order, as pact keys are
        return "-".join(sorted(text.split("-"), key=lambda s: order.get(s, len(order))))

    return frozenset(key(k) for k in keys)
