"""The Mesa model: holds one run's state and plays it month by month.

A round is :func:`sim.rules.round.play_round`, the same function the lockstep engine
plays for thousands of runs; here it runs on a batch of one. The model keeps the state,
hands each agent its utility terms and the values of its options, and writes the event
log (talks opened, refused, failed and signed; pacts lowered or left; ceasefires and
shocks). The maths is in :mod:`sim.rules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from agents import OutsidePower, StateAgent
from sim.collect import make_datacollector
from sim.config import Scenario
from sim.recorder import Recorder
from sim.records import History, RoundSeries, round_date
from sim.rules.decisions import all_configurations, preferred_configurations
from sim.rules.draws import Draws, draw
from sim.rules.drivers import fired_shocks
from sim.rules.pacts import LEAVE, LOWER, RAISE, config_label
from sim.rules.params import (
    initial_actions,
    initial_affinity,
    initial_levels,
    initial_talks,
)
from sim.rules.round import RoundOutcome, RunState, initial_state, observe, play_round
from sim.rules.schedule import compile_schedule
from sim.scenarios import model_arguments


@dataclass(frozen=True)
class Event:
    """Something that happened in a round, for the timeline."""

    round: int
    date: str
    kind: str  # talks | signed | failed | refused | lowered | left | switch | shock
    text: str


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
        self.talk_opened = np.zeros(p.space.n_pacts, dtype=int)  # round each talk opened
        for q, (_, opened) in talks.items():
            self.talk_opened[q] = opened
        self.states = [
            StateAgent(self, code, i, scenario.states[code]) for i, code in enumerate(p.codes)
        ]
        self.us = OutsidePower(self, scenario.us)
        checkpoints = {c for c in scenario.checkpoints if c < self.rounds}
        self.recorder = Recorder(p, self.state, self.initial, self.rounds, checkpoints, True)
        self.preferred: list[tuple[str, ...]] = []  # per round, with ``detail``
        self.events: list[Event] = []
        self.last: RoundOutcome | None = None
        self._configs = all_configurations(p) if detail else None
        self.running = True
        self.datacollector = make_datacollector(self)
        for q, (lv, opened) in sorted(talks.items()):
            due = round_date(scenario.start, int(self.state.talk_due[0, q]))
            since = round_date(scenario.start, opened)
            text = f"talks under way on {p.space.keys[q]} {p.level_names[lv]} since {since}"
            self._event(0, "talks", f"{text} (due {due})")

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
        self._log(t, before, out, d.u_shock)
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

    # -- event log -------------------------------------------------------------------------
    def _event(self, t: int, kind: str, text: str) -> None:
        self.events.append(Event(t, round_date(self.config.start, t), kind, text))

    def _log(self, t: int, before: RunState, out: RoundOutcome, u_shock: np.ndarray) -> None:
        p, sp = self.params, self.params.space
        for k in np.flatnonzero(out.switched_now[0]):
            mean = p.drivers.mean_after[k]
            self._event(t, "switch", f"{p.drivers.names[k]} switches regime (mean -> {mean:g})")
        for s in fired_shocks(t, p, u_shock):
            name = p.drivers.names[p.shocks.driver[s]]
            self._event(t, "shock", f"{name} shock {p.shocks.add[s]:+g}")
        for q in np.flatnonzero(out.walked[0].any(axis=-1)):
            lv = p.level_names[before.talk_level[0, q]]
            m = sp.raise_move[q, before.talk_level[0, q]]
            who = ", ".join(
                f"{p.codes[i]} (dU {out.values.gains[0, m, i]:+.3f})"
                for i in np.flatnonzero(out.walked[0, q])
            )
            months = t - self.talk_opened[q]
            self._event(
                t,
                "failed",
                f"talks on {sp.keys[q]} {lv} fail after {months} months: {who} walked out",
            )
        for q in np.flatnonzero(out.signed[0]):
            lv = p.level_names[self.levels[q]]
            opened = round_date(self.config.start, int(self.talk_opened[q]))
            what = "upgraded to" if before.levels[0, q] > 0 else "signed:"
            months = t - self.talk_opened[q]
            text = f"{sp.keys[q]} {what} {lv} after {months} months of talks (opened {opened})"
            self._event(t, "signed", text)
        move = int(out.move[0])
        if move == 0:
            return
        who = p.codes[int(out.proposer[0])]
        q, kind = sp.pact[move], sp.kind[move]
        gain = out.gains[0]
        if kind == RAISE:
            lv = p.level_names[sp.value[move]]
            verb = "upgrade" if self.levels[q] > 0 else "form"
            what = f"{who} proposes to {verb} {sp.keys[q]} {lv}"
            if out.accepted[0]:
                self.talk_opened[q] = t
                due = round_date(self.config.start, int(self.state.talk_due[0, q]))
                others = [p.codes[i] for i in np.flatnonzero(sp.consent[move]) if p.codes[i] != who]
                self._event(t, "talks", f"{what}: talks open with {', '.join(others)} (due {due})")
            else:
                refused = ", ".join(
                    f"{p.codes[i]} (dU {gain[i]:+.3f})" for i in np.flatnonzero(out.refused[0])
                )
                self._event(t, "refused", f"{what}: refused by {refused}")
        elif kind == LOWER:
            lv = p.level_names[self.levels[q]]
            self._event(
                t,
                "lowered",
                f"{who} lowers {sp.keys[q]} to {lv} (gain {gain[out.proposer[0]]:+.3f})",
            )
        elif kind == LEAVE:
            rest = f"; {sp.keys[sp.other[move]]} continues" if sp.other[move] >= 0 else ""
            self._event(
                t, "left", f"{who} leaves {sp.keys[q]} (gain {gain[out.proposer[0]]:+.3f}){rest}"
            )


def _batch1(d: Draws) -> Draws:
    """A round's draws with a batch axis of one."""
    return Draws(**{f.name: np.asarray(getattr(d, f.name))[None] for f in fields(Draws)})
