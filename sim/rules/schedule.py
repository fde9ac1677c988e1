"""Parameters over time: one compiled :class:`Params` per stretch of rounds between dated
changes (:mod:`sim.changes`), so a round reads the values in force that month.

A scenario without changes has one stretch. Stacked design points share their stretches'
first rounds (:func:`stack_schedules`), or they cannot be stacked.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace

import numpy as np

from sim.changes import change_rounds, scenario_at
from sim.config import Scenario
from sim.rules.compile import compile_params
from sim.rules.params import Params
from sim.rules.stack import Unstackable, check_shared, stack_params


@dataclass(frozen=True)
class Schedule:
    """``params[k]`` is in force from round ``starts[k]`` (``starts[0] == 0``)."""

    starts: tuple[int, ...]
    params: tuple[Params, ...]

    def at(self, t: int) -> Params:
        """The parameters of round ``t``."""
        return self.params[bisect.bisect_right(self.starts, t) - 1]

    @property
    def first(self) -> Params:
        return self.params[0]

    @property
    def recorded(self) -> Params:
        """The parameters the outcome rows are laid out by: the first stretch's, with
        every action that some stretch allows (a dated change can open an action, e.g.
        a good a state starts to offer), so both engines give the same columns."""
        first = self.params[0]
        if len(self.params) == 1:
            return first
        allowed = np.logical_or.reduce([p.actions.allowed for p in self.params])
        return replace(first, actions=replace(first.actions, allowed=allowed))


def compile_schedule(s: Scenario) -> Schedule:
    """Compile the scenario in force at each round where something changes (round 0
    included: a change dated at the start month is in force from the first round)."""
    rounds = change_rounds(s)
    return Schedule(tuple(rounds), tuple(compile_params(scenario_at(s, r)) for r in rounds))


def stack_schedules(schedules: list[Schedule], counts: list[int]) -> Schedule:
    """:func:`sim.rules.stack.stack_params` stretch by stretch; raises
    :class:`~sim.rules.stack.Unstackable` if the points change in other rounds."""
    starts = schedules[0].starts
    if any(sc.starts != starts for sc in schedules):
        raise Unstackable("points change their values in different rounds")
    for k in range(len(starts)):
        check_shared([sc.params[k] for sc in schedules])
    stacked = [stack_params([sc.params[k] for sc in schedules], counts) for k in range(len(starts))]
    return Schedule(starts, tuple(stacked))
