"""The Mesa model: holds one run's state and plays it month by month.

A round is :func:`sim.rules.round.play_round`, the same function the lockstep engine
plays for thousands of runs; here it runs on a batch of one. The model keeps the state,
hands each agent its utility terms and the values of its options, and writes the event
log (talks opened, refused, failed and signed; pacts lowered or left; ceasefires and
shocks). The maths is in :mod:`sim.rules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from agents import OutsidePower, StateAgent
from sim.collect import make_datacollector
from sim.config import Scenario
from sim.recorder import Recorder
from sim.records import History, RoundSeries
from sim.rules.decisions import all_configurations, preferred_configurations
from sim.rules.draws import Draws, draw
from sim.rules.pacts import config_label
from sim.rules.params import (
    initial_actions,
    initial_affinity,
    initial_levels,
    initial_talks,
)
from sim.rules.round import RoundOutcome, RunState, initial_state, observe, play_round
from sim.rules.schedule import compile_schedule
from sim.scenarios import model_arguments
from sim.timeline import Event, EventLog


class DiplomacyModel(mesa.Model):
    """One run of the scenario with a seed (``seed`` or ``rng``); ``step()`` plays one month.

    ``scenario``: a shipped scenario's name, a TOML path or a :class:`Scenario`;
    ``overrides`` (dotted paths) and keyword headline parameters (e.g. ``chn_us_ties=0.2``,
    ``temperature=0.05``; see :mod:`sim.scenarios`) change it. ``detail`` also records each
    state's most preferred configuration every round (by enumerating all configurations);
    batches switch it off for speed. ``datacollector`` collects after every month.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path = "korea_2024",
        rng: int | None = None,
        rounds: int | None = None,
        detail: bool = True,
        *,
        seed: int | None = None,
        overrides: Mapping[str, Any] | None = None,
        **kwargs: Any,  # headline parameters; Mesa's SolaraViz needs this name
    ):
        scenario, seed = model_arguments(scenario, seed, rng, overrides, kwargs)
        super().__init__(rng=seed)
        self.config = scenario  # not "scenario": Mesa 3.5 reserves that name
        self.schedule = compile_schedule(scenario)
        self.params = p = self.schedule.first
        self.rounds = scenario.rounds if rounds is None else rounds
        self.round = 0  # our own counter (Mesa's step counter differs across versions)
        self.draws = draw(self.rng, p, self.rounds)
        self.initial = initial_levels(scenario, p.space)
        talks = initial_talks(scenario, p.space)
        self.state: RunState = initial_state(
            self.initial,
            talks,
            p,
            self.draws.u_start[None],
            initial_actions(scenario, p),
            initial_affinity(scenario, p),
        )
        self.states = [
            StateAgent(self, code, i, scenario.states[code]) for i, code in enumerate(p.codes)
        ]
        self.us = OutsidePower(self, scenario.us)
        checkpoints = {c for c in scenario.checkpoints if c < self.rounds}
        self.recorder = Recorder(p, self.state, self.initial, self.rounds, checkpoints, True)
        self.preferred: list[tuple[str, ...]] = []  # per round, with ``detail``
        self.last: RoundOutcome | None = None
        self._configs = all_configurations(p) if detail else None
        self.running = True
        self.datacollector = make_datacollector(self)
        self.log = EventLog(
            p, scenario.start, self.state, talks, list(scenario.changes), scenario.occasions
        )

    # -- state views -----------------------------------------------------------------------
    @property
    def levels(self) -> np.ndarray:
        """Current pact levels ``(P,)``."""
        return self.state.levels[0]

    @property
    def talk_level(self) -> np.ndarray:
        """Level each pact's open talks aim at ``(P,)`` (0 = no talks)."""
        return self.state.talk_level[0]

    @property
    def drivers(self) -> np.ndarray:
        """Current driver values ``(D,)``."""
        return self.state.drivers[0]

    # -- one round -------------------------------------------------------------------------
    def step(self) -> None:
        """Play one month."""
        if self.round >= self.rounds:
            self.running = False
            return
        t = self.round
        self.params = p = self.schedule.at(t)
        before = self.state
        d = self.draws.at(t)
        self.state, out = play_round(before, t, _batch1(d), p)
        self.last = out
        obs = observe(self.state, out, p)
        self.recorder.add(t, self.state, out, obs)
        self.us.react(float(obs.counterbalancing[0]))
        for agent in self.states:
            agent.update(obs.weighted[0, agent.index], out.values)
        self.log.log(t, p, before, self.state, out, d.u_shock)
        if self._configs is not None:
            pick = preferred_configurations(out.attrs, p, self._configs, out.context)[0]
            self.preferred.append(
                tuple(
                    config_label(self._configs[k], p.space, p.level_names) or "(no pacts)"
                    for k in pick
                )
            )
        self.round += 1
        self.datacollector.collect(self)
        if self.round >= self.rounds:
            self.running = False

    def run(self) -> DiplomacyModel:
        """Play every round of the horizon."""
        while self.running:
            self.step()
        return self

    # -- results ---------------------------------------------------------------------------
    @property
    def rows(self) -> list[dict[str, np.ndarray]]:
        """Per-round records so far (RoundSeries fields, batch of one)."""
        return self.recorder.rows

    def series(self) -> RoundSeries:
        """This run's per-round records ``(R, ...)``."""
        return self.recorder.series().run(0)

    def history(self) -> History:
        """This run's history with a leading run axis of 1 (see :mod:`sim.records`)."""
        return self.recorder.history()

    @property
    def events(self) -> list[Event]:
        """The run's timeline so far (:mod:`sim.timeline`)."""
        return self.log.events


def _batch1(d: Draws) -> Draws:
    """A round's draws with a batch axis of one."""
    return Draws(**{f.name: np.asarray(getattr(d, f.name))[None] for f in fields(Draws)})
