"""Lockstep engine: many runs of one scenario advanced together with array operations.

It plays :func:`sim.rules.round.play_round` with a leading run axis and consumes the same
pre-drawn random numbers per seed (:mod:`sim.rules.draws`) as the Mesa model, which plays
the same function for one run; so for a given seed both give the same run (tests check
this). The Mesa model stays the single-run path (event log, preferred configurations).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from sim.config import Scenario
from sim.recorder import Recorder
from sim.records import History, RoundSeries, series_frame
from sim.rules.draws import DrawBuffers, draw_many
from sim.rules.params import (
    Params,
    initial_actions,
    initial_affinity,
    initial_levels,
    initial_talks,
)
from sim.rules.round import initial_state, observe, play_round
from sim.rules.schedule import Schedule, compile_schedule, stack_schedules
from sim.rules.stack import Unstackable, check_shared


@dataclass(frozen=True)
class LockstepResult:
    """A batch's history, plus per-round records when series were requested."""

    params: Params  # the compiled scenario the runs used
    history: History
    series: RoundSeries | None  # (B, R, ...)


def run_lockstep(
    scenario: Scenario, seeds: list[int], rounds: int, *, series: bool = False
) -> LockstepResult:
    """Advance ``len(seeds)`` runs together for ``rounds`` months."""
    return _advance(compile_schedule(scenario), scenario, seeds, rounds, series)


def run_stacked(scenarios: list[Scenario], seeds: list[list[int]], rounds: int) -> LockstepResult:
    """Advance the runs of several design points together: ``seeds[k]`` of
    ``scenarios[k]``, in that order (:mod:`sim.rules.stack`; no series). Each run is the
    one :func:`run_lockstep` gives for its scenario and seed.

    Raises :class:`~sim.rules.stack.Unstackable` if the points differ in structure
    (states, pacts, drivers, shocks, the pacts and talks at the start, checkpoints)."""
    params = [compile_schedule(s) for s in scenarios]
    for s, p in zip(scenarios[1:], params[1:], strict=True):
        _same_start(scenarios[0], params[0].first, s, p.first)
    return _advance_points(scenarios, params, seeds, rounds)


def run_points(
    scenarios: list[Scenario], seeds: list[list[int]], rounds: int
) -> list[LockstepResult]:
    """:func:`run_stacked` over each stretch of consecutive points that share their
    structure (a point of other states or drivers starts a new stretch): one result per
    stretch, in order."""
    params = [compile_schedule(s) for s in scenarios]
    out, start = [], 0
    for k in range(1, len(scenarios) + 1):
        if k < len(scenarios) and _stackable(
            scenarios[start], params[start], scenarios[k], params[k]
        ):
            continue
        stretch = slice(start, k)
        out.append(_advance_points(scenarios[stretch], params[stretch], seeds[stretch], rounds))
        start = k
    return out


def _advance_points(
    scenarios: list[Scenario], params: list[Schedule], seeds: list[list[int]], rounds: int
) -> LockstepResult:
    flat = [seed for x in seeds for seed in x]
    if len(params) == 1:
        return _advance(params[0], scenarios[0], flat, rounds, False)
    return _advance(
        stack_schedules(params, [len(x) for x in seeds]), scenarios[0], flat, rounds, False
    )


def _same_start(first: Scenario, p_first: Params, s: Scenario, p: Params) -> None:
    """Raise :class:`Unstackable` unless ``s`` starts as ``first`` does (same states and
    levels, pacts and talks at round 0, checkpoints)."""
    space = p_first.space
    if p.space is not space:  # one object per (states, levels): other states or levels
        raise Unstackable("points differ in their states or levels")
    same = np.array_equal(initial_levels(s, space), initial_levels(first, space))
    same &= initial_talks(s, space) == initial_talks(first, space)
    same &= s.initial_actions == first.initial_actions
    same &= {k: r.initial for k, r in s.relations.items()} == {
        k: r.initial for k, r in first.relations.items()
    }
    if not same or s.checkpoints != first.checkpoints:
        raise Unstackable("points differ in the pacts, talks or checkpoints of the start")


def _stackable(first: Scenario, p_first: Schedule, s: Scenario, p: Schedule) -> bool:
    try:
        _same_start(first, p_first.first, s, p.first)
        if p.starts != p_first.starts:
            raise Unstackable("points change their values in different rounds")
        for a, b in zip(p_first.params, p.params, strict=True):
            check_shared([a, b])
    except Unstackable:
        return False
    return True


_THREAD = threading.local()


def _draw_buffers() -> DrawBuffers:
    """This thread's :class:`~sim.rules.draws.DrawBuffers`: a batch's draws are read only
    within :func:`_advance`, which returns before the next call in the thread."""
    buffers = getattr(_THREAD, "draws", None)
    if buffers is None:
        buffers = _THREAD.draws = DrawBuffers()
    return buffers


def _advance(
    schedule: Schedule, scenario: Scenario, seeds: list[int], rounds: int, series: bool
) -> LockstepResult:
    """The runs of ``schedule`` (one scenario's, or stacked points'); ``scenario`` gives
    the start (pacts, talks, actions) and the checkpoints."""
    p = schedule.first
    draws = draw_many(seeds, p, rounds, _draw_buffers())
    initial = initial_levels(scenario, p.space)
    state = initial_state(
        initial,
        initial_talks(scenario, p.space),
        p,
        draws.u_start,
        initial_actions(scenario, p),
        initial_affinity(scenario, p),
    )
    checkpoints = {c for c in scenario.checkpoints if c < rounds}
    rec = Recorder(p, state, initial, rounds, checkpoints, series)
    for t in range(rounds):
        observed = rec.observed(t)
        p_t = schedule.at(t)
        state, out = play_round(state, t, draws.at(t), p_t, value_end=observed)
        rec.add(t, state, out, observe(state, out, p_t) if observed else None)
    return LockstepResult(
        params=schedule.recorded, history=rec.history(), series=rec.series() if series else None
    )


def series_frames(result: LockstepResult, scenario: Scenario) -> list:
    """Per-run series DataFrames from a lockstep result with series."""
    s = result.series
    assert s is not None
    return [series_frame(result.params, scenario.start, s.run(k)) for k in range(len(s.move))]
