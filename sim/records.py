"""Per-round histories to run outcomes and series tables (shared by both engines).

A history is a set of arrays with a leading run axis ``B`` and a round axis ``R``; the
functions here turn it into the flat outcome columns of the ``runs`` table and the
per-round ``series`` table described in ``docs/results_schema.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calendar import round_date
from sim.config import TERMS
from sim.rules.pacts import config_label
from sim.rules.params import Params


@dataclass(frozen=True)
class History:
    """What a batch of runs recorded; every array has leading axes ``(B, R)`` or ``(B,)``."""

    levels: np.ndarray  # (B, R, P) int, after each round
    share_checkpoints: dict[int, np.ndarray]  # round -> (B, N, N) support shares
    share_end: np.ndarray  # (B, N, N)
    utility_end: np.ndarray  # (B, N)
    stable_end: np.ndarray  # (B,) bool


def outcomes(h: History, p: Params) -> list[dict[str, object]]:
    """Outcome columns for every run in the history (see the schema doc)."""
    levels = h.levels
    b, r, _ = levels.shape
    active = levels > 0
    ever = active.any(axis=1)  # (B, P)
    first = np.where(ever, active.argmax(axis=1), -1)
    months = active.sum(axis=1)
    target_on = levels[:, :, p.target] >= p.target_level
    t_ever = target_on.any(axis=1)
    t_first = np.where(t_ever, target_on.argmax(axis=1), -1)
    keys, codes = p.space.keys, p.codes
    out: list[dict[str, object]] = []
    for k in range(b):
        row: dict[str, object] = {
            "rounds": r,
            "trilateral_formed": bool(t_ever[k]),
            "trilateral_round": int(t_first[k]) if t_ever[k] else None,
        }
        for q, key in enumerate(keys):
            row[f"formed.{key}"] = bool(ever[k, q])
            row[f"first_round.{key}"] = int(first[k, q]) if ever[k, q] else None
            row[f"rounds_active.{key}"] = int(months[k, q])
            row[f"level_end.{key}"] = int(levels[k, -1, q])
            for c in h.share_checkpoints:
                row[f"active_r{c}.{key}"] = bool(active[k, c, q])
        for i, client in enumerate(codes):
            for j, patron in enumerate(codes):
                if i == j:
                    continue
                row[f"support_share_end.{client}.{patron}"] = _share(h.share_end[k], i, j)
                for c, sh in h.share_checkpoints.items():
                    row[f"support_share_r{c}.{client}.{patron}"] = _share(sh[k], i, j)
        for i, code in enumerate(codes):
            row[f"utility_end.{code}"] = float(h.utility_end[k, i])
        row["final_pacts"] = config_label(levels[k, -1], p.space, p.level_names)
        row["final_stable"] = bool(h.stable_end[k])
        out.append(row)
    return out


def _share(share: np.ndarray, client: int, patron: int) -> float:
    """Share of client's support from patron; NaN if the client has no support at all."""
    if share[client].sum() <= 0:
        return float("nan")
    return float(share[client, patron])


def series_frame(
    p: Params,
    start: str,
    drivers: np.ndarray,  # (R, D)
    levels: np.ndarray,  # (R, P)
    weighted: np.ndarray,  # (R, N, T)
    shares: np.ndarray,  # (R, N, N)
    cb: np.ndarray,  # (R,)
    stable: np.ndarray,  # (R,)
    proposer: np.ndarray,  # (R,)
    move: np.ndarray,  # (R,)
    accepted: np.ndarray,  # (R,)
) -> pd.DataFrame:
    """One run's per-round table (columns from ``round`` on in the schema doc)."""
    r = levels.shape[0]
    cols: dict[str, object] = {
        "round": np.arange(r, dtype=np.int64),
        "date": [round_date(start, t) for t in range(r)],
    }
    for d, name in enumerate(p.drivers):
        cols[f"driver.{name}"] = drivers[:, d]
    for q, key in enumerate(p.space.keys):
        cols[f"level.{key}"] = levels[:, q].astype(np.int64)
    for i, code in enumerate(p.codes):
        for t, term in enumerate(TERMS):
            cols[f"utility.{code}.{term}"] = weighted[:, i, t]
        cols[f"utility.{code}.total"] = weighted[:, i, :].sum(axis=-1)
    for i, client in enumerate(p.codes):
        for j, patron in enumerate(p.codes):
            if i != j:
                cols[f"support_share.{client}.{patron}"] = shares[:, i, j]
    cols["counterbalancing"] = cb
    cols["config"] = [config_label(lv, p.space, p.level_names) for lv in levels]
    cols["stable"] = stable.astype(bool)
    cols["proposer"] = [p.codes[int(i)] for i in proposer]
    cols["proposal"] = [p.space.labels[int(m)] for m in move]
    cols["accepted"] = accepted.astype(bool)
    return pd.DataFrame(cols)
