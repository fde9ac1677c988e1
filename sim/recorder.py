"""One way to record a run: both engines hand every round to a :class:`Recorder`.

The lockstep engine records a batch, the Mesa model a batch of one; both call
:meth:`Recorder.add` after each round and read :meth:`Recorder.history` (and, with
series, :meth:`Recorder.series`) at the end, so a run's records are built in one place.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.records import History, RoundSeries
from sim.rules.params import Params
from sim.rules.round import Observation, RoundOutcome, RunState


class Recorder:
    """Accumulates what :mod:`sim.records` turns into outcome columns and series."""

    def __init__(
        self,
        p: Params,
        start: RunState,
        initial: np.ndarray,
        rounds: int,
        checkpoints: set[int],
        series: bool,
    ):
        b = start.levels.shape[0]
        self.p, self.initial, self.rounds = p, initial, rounds
        self.checkpoints, self.keep_series = checkpoints, series
        self.levels = np.zeros((b, rounds, p.space.n_pacts), dtype=np.int8)
        self.opened = np.zeros((b, p.space.n_pacts), dtype=np.int64)
        self.failed = np.zeros((b, p.space.n_pacts), dtype=np.int64)
        self.switch_round = np.full((b, len(p.drivers.names)), -1, dtype=np.int64)
        shape = start.act_left.shape
        self.action_count = np.zeros(shape, dtype=np.int64)
        self.action_months = np.zeros(shape, dtype=np.int64)
        self.action_first = np.where(start.act_left > 1, 0, -1).astype(np.int64)
        self.share_ck: dict[int, np.ndarray] = {}
        self.rows: list[dict[str, np.ndarray]] = []
        self.last: tuple[RunState, Observation] | None = None
        self.t = 0

    def observed(self, t: int) -> bool:
        """Whether round ``t`` must be observed (series, a checkpoint or the last round)."""
        return self.keep_series or t == self.rounds - 1 or t in self.checkpoints

    def add(self, t: int, state: RunState, out: RoundOutcome, obs: Observation | None) -> None:
        """Record round ``t`` (``obs``: its observation, when :meth:`observed`)."""
        self.levels[:, t] = state.levels
        self.switch_round[out.switched_now] = t
        self.opened += out.opened
        c = np.ascontiguousarray  # (no copy: the round's arrays are)
        _tally(c(out.walked), c(out.taken), c(state.act_left), t, self.failed,
               self.action_count, self.action_months, self.action_first)  # fmt: skip
        self.t = t + 1
        if obs is None:
            return
        self.last = (state, obs)
        if t in self.checkpoints:
            self.share_ck[t] = obs.shares
        if self.keep_series:
            self.rows.append(_row(state, out, obs))

    def history(self) -> History:
        """The history of the rounds recorded so far."""
        assert self.last is not None, "the last round recorded was not observed"
        state, obs = self.last
        r = self.t
        return History(
            initial=self.initial,
            levels=self.levels[:, :r],
            talks_opened=self.opened,
            talks_failed=self.failed,
            switch_round=self.switch_round,
            share_checkpoints={c: self.share_ck[c] for c in sorted(self.share_ck) if c < r},
            share_end=obs.shares,
            utility_end=obs.weighted.sum(axis=-1),
            stable_end=obs.stable,
            action_count=self.action_count,
            action_first=self.action_first,
            action_months=self.action_months,
            affinity_end=state.affinity,
        )

    def series(self) -> RoundSeries:
        """Per-round records ``(B, R, ...)`` of the observed rounds."""
        return RoundSeries.stack(self.rows)


def _row(state: RunState, out: RoundOutcome, obs: Observation) -> dict[str, np.ndarray]:
    return {
        "drivers": state.drivers,
        "levels": state.levels,
        "talk_level": state.talk_level,
        "weighted": obs.weighted,
        "shares": obs.shares,
        "counterbalancing": obs.counterbalancing,
        "stable": obs.stable,
        "proposer": out.proposer,
        "move": out.move,
        "accepted": out.accepted,
        "signed": out.signed,
        "failed": out.failed,
        "act_on": state.act_left > 0,
        "taken": out.taken,
        "affinity": state.affinity,
    }


@njit(cache=True)
def _tally(walked, taken, act_left, t, failed, count, months, first):
    """One pass over a round's talks and actions: a talk with a walk-out failed; each
    action taken counts, each in force adds a month, and its first month in force is
    kept (-1 until then). Flat and without branches: the arrays are C-contiguous."""
    n = walked.shape[2]
    gone, fail = walked.reshape(-1), failed.reshape(-1)
    for e in range(fail.shape[0]):
        any_ = False
        for i in range(n):
            any_ |= gone[e * n + i]
        fail[e] += any_
    took, left = taken.reshape(-1), act_left.reshape(-1)
    cnt, mon, fst = count.reshape(-1), months.reshape(-1), first.reshape(-1)
    for e in range(left.shape[0]):
        on = left[e] > 0
        cnt[e] += took[e]
        mon[e] += on
        fst[e] = t if on and fst[e] < 0 else fst[e]
