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
    action_count: np.ndarray  # (B, N, N, K) actions taken [actor, recipient, kind]
    action_first: np.ndarray  # (B, N, N, K) first round in force (-1 never; 0 at the start)
    action_months: np.ndarray  # (B, N, N, K) months in force
    affinity_end: np.ndarray  # (B, N, N)


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
    act_on: np.ndarray  # (..., R, N, N, K) actions in force after the round
    taken: np.ndarray  # (..., R, N, N, K) actions taken in the round
    affinity: np.ndarray  # (..., R, N, N) after the round

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


def outcome_columns(h: History, p: Params) -> dict[str, np.ndarray]:
    """Outcome columns for every run in the history, as arrays over runs (see the schema
    doc), in schema order. Optional round numbers are int64 with -1 for "never";
    shares are NaN where the client has no external support at all.

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
    checkpoints = sorted(h.share_checkpoints)
    cols: dict[str, np.ndarray] = {
        "rounds": np.full(b, r, dtype=np.int64),
        "target_formed": target_first >= 0,
        "target_round": target_first,
    }
    for q, key in enumerate(p.space.keys):
        cols[f"formed.{key}"] = first[:, q] >= 0
        cols[f"first_round.{key}"] = first[:, q]
        for lv in range(1, len(p.level_names)):
            cols[f"first_round.{key}.{p.level_names[lv]}"] = by_level[lv][:, q]
        cols[f"rounds_active.{key}"] = months[:, q].astype(np.int64)
        cols[f"level_end.{key}"] = levels[:, -1, q].astype(np.int64)
        cols[f"talks_opened.{key}"] = h.talks_opened[:, q].astype(np.int64)
        cols[f"talks_failed.{key}"] = h.talks_failed[:, q].astype(np.int64)
        for c in checkpoints:
            span = levels[:, : c + 1, q]
            cols[f"active_r{c}.{key}"] = levels[:, c, q] > 0
            cols[f"level_r{c}.{key}"] = levels[:, c, q].astype(np.int64)
            cols[f"min_level_r{c}.{key}"] = np.minimum(span.min(axis=1), h.initial[q]).astype(
                np.int64
            )
            cols[f"max_level_r{c}.{key}"] = np.maximum(span.max(axis=1), h.initial[q]).astype(
                np.int64
            )
    shares = {"end": _shares(h.share_end)}
    shares.update({f"r{c}": _shares(h.share_checkpoints[c]) for c in checkpoints})
    for i, client in enumerate(p.codes):
        for j, patron in enumerate(p.codes):
            if i != j:
                for when, sh in shares.items():
                    cols[f"support_share_{when}.{client}.{patron}"] = sh[:, i, j]
    for i, code in enumerate(p.codes):
        cols[f"utility_end.{code}"] = h.utility_end[:, i].astype(np.float64)
    for d, name in enumerate(p.drivers.names):
        cols[f"switch_round.{name}"] = h.switch_round[:, d].astype(np.int64)
    cols["final_pacts"] = _labels(levels[:, -1], p)
    cols["final_stable"] = np.asarray(h.stable_end, dtype=bool)
    cols.update(action_columns(h, p))
    return cols


def action_dyads(p: Params) -> list[tuple[int, int, int]]:
    """``(actor, recipient, kind)`` of every action possible in some run of ``p``."""
    allowed = p.actions.allowed
    if allowed.ndim == 4:  # stacked: possible in any run
        allowed = allowed.any(axis=0)
    return [tuple(int(x) for x in ijk) for ijk in np.argwhere(allowed)]


def action_columns(h: History, p: Params) -> dict[str, np.ndarray]:
    """Per possible action: times taken, first round in force (-1 never), months in force;
    per pair of states: affinity at the end."""
    cols: dict[str, np.ndarray] = {}
    for i, j, k in action_dyads(p):
        key = p.actions.key(i, j, k, p.codes)
        cols[f"action_count.{key}"] = h.action_count[:, i, j, k].astype(np.int64)
        cols[f"action_first.{key}"] = h.action_first[:, i, j, k].astype(np.int64)
        cols[f"action_months.{key}"] = h.action_months[:, i, j, k].astype(np.int64)
    for i, j in _pairs(p):
        cols[f"affinity_end.{p.codes[i]}-{p.codes[j]}"] = h.affinity_end[:, i, j].astype(float)
    return cols


def _pairs(p: Params) -> list[tuple[int, int]]:
    n = p.n_states
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


def optional_columns(p: Params) -> set[str]:
    """Outcome columns holding a round number or nothing (-1 in :func:`outcome_columns`)."""
    names = {"target_round", *(f"switch_round.{d}" for d in p.drivers.names)}
    names.update(f"action_first.{p.actions.key(i, j, k, p.codes)}" for i, j, k in action_dyads(p))
    for key in p.space.keys:
        names.add(f"first_round.{key}")
        names.update(f"first_round.{key}.{lv}" for lv in p.level_names[1:])
    return names


def outcomes(h: History, p: Params) -> list[dict[str, object]]:
    """Outcome rows (one dict of Python values per run) from :func:`outcome_columns`:
    ``None`` for a round that never came."""
    cols = outcome_columns(h, p)
    optional = optional_columns(p)
    lists = [
        [None if v < 0 else v for v in a.tolist()] if name in optional else a.tolist()
        for name, a in cols.items()
    ]
    names = list(cols)
    return [dict(zip(names, values, strict=True)) for values in zip(*lists, strict=True)]


def _shares(share: np.ndarray) -> np.ndarray:
    """Support shares ``(B, N, N)`` with NaN rows for clients without any support."""
    none = ~(share.sum(axis=-1) > 0)  # shares are >= 0: a row sums to <= 0 iff all zero
    return np.where(none[..., None], np.nan, share).astype(np.float64)


def _labels(levels: np.ndarray, p: Params) -> np.ndarray:
    """Readable label of each configuration ``levels[B, P]`` (each distinct one built once)."""
    distinct, inverse = np.unique(levels, axis=0, return_inverse=True)
    names = np.array([config_label(lv, p.space, p.level_names) for lv in distinct], dtype=object)
    return names[inverse.reshape(-1)]


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
    cols.update(action_series(p, s))
    return pd.DataFrame(cols)


def action_series(p: Params, s: RoundSeries) -> dict[str, np.ndarray]:
    """Per month: each possible action in force and taken, each pair's affinity, and the
    pair's events by CAMEO class with their Goldstein (1992) sum, as event data count them
    (an action taken is one event between its two states)."""
    a = p.actions
    cols: dict[str, np.ndarray] = {}
    for i, j, k in action_dyads(p):
        key = a.key(i, j, k, p.codes)
        cols[f"action.{key}"] = s.act_on[:, i, j, k].astype(bool)
        cols[f"taken.{key}"] = s.taken[:, i, j, k].astype(bool)
    for i, j in _pairs(p):
        pair = f"{p.codes[i]}-{p.codes[j]}"
        cols[f"affinity.{pair}"] = s.affinity[:, i, j]
        both = s.taken[:, i, j, :].astype(np.int64) + s.taken[:, j, i, :]  # (R, K)
        for cls in sorted(set(a.cameo)):
            kinds = [k for k, c in enumerate(a.cameo) if c == cls]
            cols[f"events.{cls}.{pair}"] = both[:, kinds].sum(axis=-1)
        if a.n_kinds:
            cols[f"goldstein.{pair}"] = (both * a.goldstein).sum(axis=-1)
    return cols


def _keys(mask: np.ndarray, p: Params) -> str:
    return ";".join(p.space.keys[q] for q in np.flatnonzero(mask))
