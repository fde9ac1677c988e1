"""The Mesa model: holds one run's state and orchestrates a round of negotiation.

Round t (one month): drivers advance and shocks fire; every state values every move;
a proposer is recognised and proposes its best move; the other members consent or
refuse (logit); members leave pacts that fell below the exit threshold; the United
States reacts; the round is recorded. The maths is in :mod:`sim.rules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from agents import OutsidePower, StateAgent
from sim.collect import make_datacollector
from sim.config import Scenario
from sim.records import History, round_date
from sim.rules.decisions import (
    all_configurations,
    best_moves,
    evaluate_moves,
    exits,
    is_stable,
    move_costs,
    preferred_configurations,
    recognize,
)
from sim.rules.draws import draw
from sim.rules.drivers import initial_drivers, step_drivers
from sim.rules.pacts import LEAVE, config_label
from sim.rules.params import compile_params, initial_levels
from sim.rules.utility import (
    attributes,
    counterbalancing,
    support_shares,
    weighted_terms,
)
from sim.scenarios import model_arguments


@dataclass(frozen=True)
class Event:
    """Something that happened in a round, for the timeline."""

    round: int
    date: str
    kind: str  # formed | refused | dissolved | switch | shock
    text: str


@dataclass(frozen=True)
class RoundRecord:
    """The state after one round."""

    round: int
    drivers: np.ndarray  # (D,)
    levels: np.ndarray  # (P,)
    weighted: np.ndarray  # (N, T)
    shares: np.ndarray  # (N, N) support shares [client, patron]
    counterbalancing: float
    proposer: int
    move: int
    accepted: bool
    gains: np.ndarray  # (N,) utility change of each state under the proposal
    refusers: tuple[str, ...]
    stable: bool
    preferred: tuple[str, ...]  # each state's most preferred configuration (or "")


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
        self.params = p = compile_params(scenario)
        self.rounds = scenario.rounds if rounds is None else rounds
        self.round = 0  # our own counter (Mesa's step counter differs across versions)
        self.draws = draw(self.rng, p, self.rounds)
        self.levels = initial_levels(scenario, p.space)
        self.drivers, self.switched = initial_drivers(p)
        self.states = [
            StateAgent(self, code, i, scenario.states[code]) for i, code in enumerate(p.codes)
        ]
        self.us = OutsidePower(self, scenario.us)
        self.records: list[RoundRecord] = []
        self.events: list[Event] = []
        # Each state's most preferred configuration is recorded only with ``detail``.
        self._configs = all_configurations(p) if detail else None
        self.running = True
        self.datacollector = make_datacollector(self)

    # -- one round -------------------------------------------------------------------------
    def step(self) -> None:
        """Play one month."""
        if self.round >= self.rounds:
            self.running = False
            return
        p, t, d = self.params, self.round, self.draws.at(self.round)
        before_switched = self.switched
        self.drivers, self.switched = step_drivers(
            self.drivers, self.switched, t, p, d.u_switch, d.z, d.u_shock
        )
        self._log_driver_events(t, before_switched, d.u_shock)
        attrs = attributes(self.drivers, p)

        mv = evaluate_moves(self.levels, attrs, p)
        best, value = best_moves(mv, p)
        for agent in self.states:
            agent.intend(best[agent.index], value[agent.index])
        proposer = int(recognize(value, p, d.u_recognize))
        move = self.states[proposer].best_move
        gains = mv.gains[move]
        refusers: list[str] = []
        accepted = False
        if move > 0:
            cost = float(move_costs(p)[move])
            for agent in self.states:
                if p.space.consent[move, agent.index] and agent.index != proposer:
                    u = float(d.u_consent[agent.index])
                    if not agent.consent(gains[agent.index], cost, p.temperature, u):
                        refusers.append(agent.code)
            accepted = not refusers
            self._log_proposal(t, proposer, move, accepted, refusers, gains)
            if accepted:
                self.levels = mv.configs[move]
        # Value the configuration after the proposal once; reuse it when nothing changes.
        mv_after = evaluate_moves(self.levels, attrs, p) if accepted else mv
        self.levels, taken = exits(self.levels, attrs, p, mv_after)
        for m in np.flatnonzero(taken):
            self._log_exit(t, int(m), mv_after.gains)
        mv_end = evaluate_moves(self.levels, attrs, p) if taken.any() else mv_after

        self.us.react(float(counterbalancing(self.levels, p)))
        weighted = weighted_terms(self.levels, attrs, p)
        for agent in self.states:
            agent.terms = weighted[agent.index]
        shares = support_shares(self.levels, attrs, p)
        stable = bool(is_stable(mv_end, p))
        preferred: tuple[str, ...] = ("",) * p.n_states
        if self._configs is not None:
            pick = preferred_configurations(attrs, p, self._configs)
            preferred = tuple(
                config_label(self._configs[k], p.space, p.level_names) or "(no pacts)" for k in pick
            )
        self.records.append(
            RoundRecord(
                round=t,
                drivers=self.drivers.copy(),
                levels=self.levels.copy(),
                weighted=weighted,
                shares=shares,
                counterbalancing=self.us.counterbalancing,
                proposer=proposer,
                move=move,
                accepted=accepted,
                gains=gains,
                refusers=tuple(refusers),
                stable=stable,
                preferred=preferred,
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
    def history(self) -> History:
        """This run's history with a leading run axis of 1 (see :mod:`sim.records`)."""
        recs = self.records
        checkpoints = [c for c in self.config.checkpoints if c < len(recs)]
        return History(
            levels=np.stack([r.levels for r in recs])[None],
            share_checkpoints={c: recs[c].shares[None] for c in checkpoints},
            share_end=recs[-1].shares[None],
            utility_end=recs[-1].weighted.sum(axis=-1)[None],
            stable_end=np.array([recs[-1].stable]),
        )

    # -- event log -------------------------------------------------------------------------
    def _event(self, t: int, kind: str, text: str) -> None:
        self.events.append(Event(t, round_date(self.config.start, t), kind, text))

    def _log_proposal(
        self,
        t: int,
        proposer: int,
        move: int,
        accepted: bool,
        refusers: list[str],
        gains: np.ndarray,
    ) -> None:
        p = self.params
        who = p.codes[proposer]
        others = [p.codes[i] for i in np.flatnonzero(p.space.consent[move]) if i != proposer]
        if accepted:
            what = self._describe(move)
            tail = f"accepted by {', '.join(others)}" if others else "no consent needed"
            kind = "dissolved" if p.space.kind[move] == LEAVE else "formed"
            self._event(t, kind, f"{what}: proposed by {who}, {tail}")
            return
        idx = {c: i for i, c in enumerate(p.codes)}
        refused = ", ".join(f"{c} (dU {gains[idx[c]]:+.3f})" for c in refusers)
        yes = [c for c in others if c not in refusers]
        tail = f"; accepted by {', '.join(yes)}" if yes else ""
        what = p.space.labels[move]
        q = p.space.pact[move]
        if p.space.kind[move] == 0 and self.levels[q] > 0:
            what = f"upgrade {p.space.keys[q]} to {p.level_names[p.space.value[move]]}"
        self._event(t, "refused", f"{who} proposes {what}: refused by {refused}{tail}")

    def _describe(self, move: int) -> str:
        """Readable result of an accepted move, e.g. 'RUS-PRK treaty formed'."""
        p = self.params
        sp, q = p.space, p.space.pact[move]
        before = self.levels[q]
        if sp.kind[move] == 0:
            level = p.level_names[sp.value[move]]
            if before == 0:
                return f"{sp.keys[q]} {level} formed"
            return f"{sp.keys[q]} upgraded to {level}"
        if sp.kind[move] == LEAVE:
            leaver = p.codes[int(sp.mover[move].argmax())]
            rest = f"; {sp.keys[sp.other[move]]} continues" if sp.other[move] >= 0 else ""
            return f"{leaver} leaves {sp.keys[q]}{rest}"
        new_key = sp.keys[sp.other[move]]
        return f"{sp.keys[q]} enlarged to {new_key} ({p.level_names[before]})"

    def _log_exit(self, t: int, move: int, gains: np.ndarray) -> None:
        p = self.params
        sp = p.space
        leaver = int(sp.mover[move].argmax())
        gain = float(gains[move, leaver])
        rest = f"; {sp.keys[sp.other[move]]} continues" if sp.other[move] >= 0 else ""
        self._event(
            t,
            "dissolved",
            f"{p.codes[leaver]} leaves {sp.keys[sp.pact[move]]} (gain from leaving {gain:+.3f})"
            f"{rest}",
        )

    def _log_driver_events(self, t: int, before: np.ndarray, u_shock: np.ndarray) -> None:
        p = self.params
        for k in np.flatnonzero(self.switched & ~before):
            self._event(
                t, "switch", f"{p.drivers[k]} switches regime (mean -> {p.drv_mean_after[k]:g})"
            )
        for s in np.flatnonzero(p.shock_round == t):
            self._event(t, "shock", f"{p.drivers[p.shock_driver[s]]} shock {p.shock_add[s]:+g}")
        for col, s in enumerate(np.flatnonzero(p.shock_round < 0)):
            if u_shock[col] < p.shock_prob[s]:
                self._event(t, "shock", f"{p.drivers[p.shock_driver[s]]} shock {p.shock_add[s]:+g}")
