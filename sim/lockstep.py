"""Lockstep engine: many runs of one scenario advanced together with array operations.

It calls the same pure rules as the Mesa model (:mod:`sim.rules`) with a leading run
axis, and consumes the same pre-drawn random numbers per seed (:mod:`sim.rules.draws`),
so for a given seed it reproduces the Mesa model's run; tests check this. The Mesa model
stays the reference and the single-run path (event log, preferred configurations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import Scenario
from sim.records import History, series_frame
from sim.rules.decisions import evaluate_moves, exits, is_stable, propose, update_rows
from sim.rules.draws import draw_many
from sim.rules.drivers import initial_drivers, step_drivers
from sim.rules.params import Params, compile_params, initial_levels
from sim.rules.utility import (
    attributes,
    counterbalancing,
    support_shares,
    weighted_terms,
)


@dataclass(frozen=True)
class LockstepResult:
    """A batch's history, plus per-round arrays when series were requested."""

    params: Params  # the compiled scenario the runs used
    history: History
    series: dict[str, np.ndarray] | None  # name -> (B, R, ...)


def run_lockstep(
    scenario: Scenario, seeds: list[int], rounds: int, *, series: bool = False
) -> LockstepResult:
    """Advance ``len(seeds)`` runs together for ``rounds`` months."""
    p = compile_params(scenario)
    b = len(seeds)
    draws = draw_many(seeds, p, rounds)
    levels = np.broadcast_to(initial_levels(scenario, p.space), (b, p.space.n_pacts)).copy()
    x, switched = initial_drivers(p, (b,))
    hist_levels = np.zeros((b, rounds, p.space.n_pacts), dtype=np.int8)
    checkpoints = [c for c in scenario.checkpoints if c < rounds]
    share_ck: dict[int, np.ndarray] = {}
    keep: dict[str, list[np.ndarray]] = {}
    rows = np.arange(b)
    for t in range(rounds):
        d = draws.at(t)
        x, switched = step_drivers(x, switched, t, p, d.u_switch, d.z, d.u_shock)
        attrs = attributes(x, p)
        mv = evaluate_moves(levels, attrs, p)
        prop = propose(mv, p, d.u_recognize, d.u_consent)
        levels = np.where(prop.accepted[:, None], mv.configs[rows, prop.move], levels)
        changed = np.flatnonzero(prop.accepted)
        mv_after = update_rows(mv, changed, levels, attrs, p) if changed.size else mv
        levels, taken = exits(levels, attrs, p, mv_after)
        hist_levels[:, t] = levels
        last = t == rounds - 1
        if series or last or t in checkpoints:
            shares = support_shares(levels, attrs, p)
            if t in checkpoints:
                share_ck[t] = shares
        if series or last:
            weighted = weighted_terms(levels, attrs, p)
            left = np.flatnonzero(taken.any(axis=-1))
            mv_end = update_rows(mv_after, left, levels, attrs, p) if left.size else mv_after
            stable = is_stable(mv_end, p)
        if series:
            for name, arr in (
                ("drivers", x.copy()),
                ("weighted", weighted),
                ("shares", shares),
                ("cb", counterbalancing(levels, p)),
                ("stable", stable),
                ("proposer", prop.proposer),
                ("move", prop.move),
                ("accepted", prop.accepted),
            ):
                keep.setdefault(name, []).append(arr)
    history = History(
        levels=hist_levels,
        share_checkpoints=share_ck,
        share_end=shares,
        utility_end=weighted.sum(axis=-1),
        stable_end=stable,
    )
    per_round = {k: np.stack(v, axis=1) for k, v in keep.items()} if series else None
    if per_round is not None:
        per_round["levels"] = hist_levels
    return LockstepResult(params=p, history=history, series=per_round)


def series_frames(result: LockstepResult, scenario: Scenario) -> list:
    """Per-run series DataFrames from a lockstep result with series."""
    p = result.params
    s = result.series
    assert s is not None
    return [
        series_frame(
            p,
            scenario.start,
            s["drivers"][k],
            s["levels"][k],
            s["weighted"][k],
            s["shares"][k],
            s["cb"][k],
            s["stable"][k],
            s["proposer"][k],
            s["move"][k],
            s["accepted"][k],
        )
        for k in range(len(s["move"]))
    ]
