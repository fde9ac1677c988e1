"""Per-round histories to run outcomes and series tables (shared by both engines).

A history is a set of arrays with a leading run axis ``B`` and a round axis ``R``; the
functions here turn it into the flat outcome columns of the ``runs`` table and the
per-round ``series`` table described in ``docs/results_schema.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from sim.calendar import round_date
from sim.config import TERMS
from sim.rules.pacts import config_label
from sim.rules.params import Params


@dataclass(frozen=True)
class History:
    """What a batch of runs recorded; every array has leading axes ``(B, R)`` or ``(B,)``."""

    initial: np.ndarray  # (P,) levels before round 0
    levels: np.ndarray  # (B, R, P) int, after each round
    talks_opened: np.ndarray  # (B, P) talks opened during the run (not those under way at 0)
    talks_failed: np.ndarray  # (B, P) talks that ended in a walk-out
    switch_round: np.ndarray  # (B, D) first round each driver's regime switched (-1 never)
    share_checkpoints: dict[int, np.ndarray]  # round -> (B, N, N) support shares
    share_end: np.ndarray  # (B, N, N)
    utility_end: np.ndarray  # (B, N)
    stable_end: np.ndarray  # (B,) bool


@dataclass(frozen=True)
class RoundSeries:
    """Per-round records of runs: every field ``(B, R, ...)`` (or ``(R, ...)`` for one run)."""

    drivers: np.ndarray  # (..., R, D)
    levels: np.ndarray  # (..., R, P)
    talk_level: np.ndarray  # (..., R, P) level of open talks after the round (0 = none)
    weighted: np.ndarray  # (..., R, N, T)
    shares: np.ndarray  # (..., R, N, N)
    counterbalancing: np.ndarray  # (..., R)
    stable: np.ndarray  # (..., R)
    proposer: np.ndarray  # (..., R)
    move: np.ndarray  # (..., R)
    accepted: np.ndarray  # (..., R)
    signed: np.ndarray  # (..., R, P)
    failed: np.ndarray  # (..., R, P)

    @staticmethod
    def names() -> tuple[str, ...]:
        return tuple(f.name for f in fields(RoundSeries))

    def run(self, k: int) -> RoundSeries:
        """The series of run ``k`` of a batch."""
        return RoundSeries(**{f.name: getattr(self, f.name)[k] for f in fields(self)})

    @staticmethod
    def stack(rounds: list[dict[str, np.ndarray]]) -> RoundSeries:
        """Stack per-round dicts of ``(B, ...)`` arrays along a new round axis 1."""
        return RoundSeries(**{f.name: np.stack([r[f.name] for r in rounds], axis=1)
                              for f in fields(RoundSeries)})  # fmt: skip


def _first_round(mask: np.ndarray) -> np.ndarray:
    """First round where ``mask[B, 1 + R, ...]`` holds (index 0 = before round 0, which
    counts as round 0), -1 if never."""
    return np.where(mask.any(axis=1), np.maximum(mask.argmax(axis=1) - 1, 0), -1)


def outcomes(h: History, p: Params) -> list[dict[str, object]]:
    """Outcome columns for every run in the history (see the schema doc).

    Pacts active before round 0 count as formed in round 0 (``formed`` is true and
    ``first_round`` is 0 even if the pact is left in round 0).
    """
    levels = h.levels
    b, r, n_p = levels.shape
    with_start = np.concatenate([np.broadcast_to(h.initial, (b, 1, n_p)), levels], axis=1)
    first = _first_round(with_start > 0)
    by_level = {lv: _first_round(with_start >= lv) for lv in range(1, len(p.level_names))}
    months = (levels > 0).sum(axis=1)
    target_first = by_level[p.target_level][:, p.target]
    keys, codes = p.space.keys, p.codes
    checkpoints = sorted(h.share_checkpoints)

    def opt(v: int) -> int | None:
        return None if v < 0 else int(v)

    out: list[dict[str, object]] = []
    for k in range(b):
        row: dict[str, object] = {
            "rounds": r,
            "target_formed": bool(target_first[k] >= 0),
            "target_round": opt(target_first[k]),
        }
        for q, key in enumerate(keys):
            row[f"formed.{key}"] = bool(first[k, q] >= 0)
            row[f"first_round.{key}"] = opt(first[k, q])
            for lv in range(1, len(p.level_names)):
                row[f"first_round.{key}.{p.level_names[lv]}"] = opt(by_level[lv][k, q])
            row[f"rounds_active.{key}"] = int(months[k, q])
            row[f"level_end.{key}"] = int(levels[k, -1, q])
            row[f"talks_opened.{key}"] = int(h.talks_opened[k, q])
            row[f"talks_failed.{key}"] = int(h.talks_failed[k, q])
            for c in checkpoints:
                span = levels[k, : c + 1, q]
                row[f"active_r{c}.{key}"] = bool(levels[k, c, q] > 0)
                row[f"level_r{c}.{key}"] = int(levels[k, c, q])
                row[f"min_level_r{c}.{key}"] = int(min(span.min(), h.initial[q]))
                row[f"max_level_r{c}.{key}"] = int(max(span.max(), h.initial[q]))
        for i, client in enumerate(codes):
            for j, patron in enumerate(codes):
                if i == j:
                    continue
                row[f"support_share_end.{client}.{patron}"] = _share(h.share_end[k], i, j)
                for c in checkpoints:
                    sh = h.share_checkpoints[c]
                    row[f"support_share_r{c}.{client}.{patron}"] = _share(sh[k], i, j)
        for i, code in enumerate(codes):
            row[f"utility_end.{code}"] = float(h.utility_end[k, i])
        for d, name in enumerate(p.drivers.names):
            row[f"switch_round.{name}"] = opt(h.switch_round[k, d])
        row["final_pacts"] = config_label(levels[k, -1], p.space, p.level_names)
        row["final_stable"] = bool(h.stable_end[k])
        out.append(row)
    return out


def _share(share: np.ndarray, client: int, patron: int) -> float:
    """Share of client's support from patron; NaN if the client has no support at all."""
    if share[client].sum() <= 0:
        return float("nan")
    return float(share[client, patron])


def series_frame(p: Params, start: str, s: RoundSeries) -> pd.DataFrame:
    """One run's per-round table (columns from ``round`` on in the schema doc)."""
    r = s.levels.shape[0]
    cols: dict[str, object] = {
        "round": np.arange(r, dtype=np.int64),
        "date": [round_date(start, t) for t in range(r)],
    }
    for d, name in enumerate(p.drivers.names):
        cols[f"driver.{name}"] = s.drivers[:, d]
    for q, key in enumerate(p.space.keys):
        cols[f"level.{key}"] = s.levels[:, q].astype(np.int64)
    for q, key in enumerate(p.space.keys):
        cols[f"talks.{key}"] = s.talk_level[:, q].astype(np.int64)
    for i, code in enumerate(p.codes):
        for t, term in enumerate(TERMS):
            cols[f"utility.{code}.{term}"] = s.weighted[:, i, t]
        cols[f"utility.{code}.total"] = s.weighted[:, i, :].sum(axis=-1)
    for i, client in enumerate(p.codes):
        for j, patron in enumerate(p.codes):
            if i != j:
                cols[f"support_share.{client}.{patron}"] = s.shares[:, i, j]
    cols["counterbalancing"] = s.counterbalancing
    cols["config"] = [config_label(lv, p.space, p.level_names) for lv in s.levels]
    cols["stable"] = s.stable.astype(bool)
    cols["proposer"] = [p.codes[int(i)] for i in s.proposer]
    cols["proposal"] = [p.space.labels[int(m)] for m in s.move]
    cols["accepted"] = s.accepted.astype(bool)
    cols["signed"] = [_keys(row, p) for row in s.signed]
    cols["talks_failed"] = [_keys(row, p) for row in s.failed]
    return pd.DataFrame(cols)


def _keys(mask: np.ndarray, p: Params) -> str:
    return ";".join(p.space.keys[q] for q in np.flatnonzero(mask))
