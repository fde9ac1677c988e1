"""A run's timeline: the events of each round, told as a reader wants them.

The Mesa model hands every round to :class:`EventLog`, which writes what changed: talks
opened, refused, failed and signed, pacts lowered or left (each refusal or walk-out with
the state's utility change and its two largest terms: *why* it said no), cooperation
actions taken, renewed and ended, occasions and who came, relations that moved, drivers that
switched, shocks and dated changes. :func:`collapse` folds events that repeat (the same
proposal refused again and again) into one line with a count. Each event names the
states it involves, so :func:`select` can keep the events of some states (a six-state run
tells ~110 events in its first 24 months; an analyst following China and North Korea wants
theirs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from sim.calendar import round_date
from sim.config import TERMS
from sim.rules.drivers import fired_shocks
from sim.rules.pacts import LEAVE, LOWER, RAISE, apply_moves
from sim.rules.params import Params
from sim.rules.round import RoundOutcome, RunState
from sim.rules.utility import weighted_terms

RELATION_STEP = 0.1  # log a pair's affinity when it has moved this much since last logged


@dataclass(frozen=True)
class Event:
    """Something that happened in a round, for the timeline."""

    round: int
    date: str
    kind: str  # talks | signed | failed | refused | lowered | left | switch | shock |
    #            change | action | action_end | relation | occasion
    text: str
    states: tuple[str, ...] = ()  # the states involved; () for the world's (drivers, changes)

    def to_dict(self) -> dict:
        """The event as JSON (``simulate --json``, ``sim.simulate``'s ``attrs["events"]``)."""
        return {"round": self.round, "date": self.date, "kind": self.kind, "text": self.text,
                "states": list(self.states)}  # fmt: skip


GROUPS = {  # --events groups of simulate: which kinds each shows
    "pacts": ("talks", "signed", "failed", "refused", "lowered", "left"),
    "actions": ("action", "action_end", "occasion"),
    "relations": ("relation",),
    "drivers": ("switch", "shock", "change"),
}


def select(events: list[Event], states: set[str] | None = None,
           groups: set[str] | None = None) -> list[Event]:  # fmt: skip
    """The events involving any of ``states`` (the world's events, which involve no state,
    are kept: they are every state's context) and of a kind in ``groups`` (:data:`GROUPS`);
    None keeps all."""
    kinds = None if groups is None else {k for g in groups for k in GROUPS[g]}
    return [
        e for e in events
        if (states is None or not e.states or states.intersection(e.states))
        and (kinds is None or e.kind in kinds)
    ]  # fmt: skip


class EventLog:
    """Writes the events of a run round by round (one run: batch axis of one)."""

    def __init__(self, p: Params, start: str, state: RunState, talks: dict, changes: list,
                 occasions: tuple = ()):  # fmt: skip
        self.start = start
        self.events: list[Event] = []
        self.talk_opened = np.zeros(p.space.n_pacts, dtype=int)
        for q, (lv, opened) in sorted(talks.items()):
            self.talk_opened[q] = opened
            due = round_date(start, int(state.talk_due[0, q]))
            since = round_date(start, opened)
            text = f"talks under way on {p.space.keys[q]} {p.level_names[lv]} since {since}"
            self.add(0, "talks", f"{text} (due {due})", _members(p, q))
        for i, j, k in np.argwhere(state.act_left[0] > 1):
            self.add(0, "action", f"{_action(p, i, j, k)} in force at the start", _pair(p, i, j))
        self.logged_affinity = np.array(state.affinity[0])
        self.changes = changes
        self.occasions = [o for o in occasions if o.bonus > 0]  # a bonus of 0 invites nobody

    def add(self, t: int, kind: str, text: str, states: tuple[str, ...] = ()) -> None:
        self.events.append(Event(t, round_date(self.start, t), kind, text, states))

    def log(self, t: int, p: Params, before: RunState, after: RunState, out: RoundOutcome,
            u_shock: np.ndarray) -> None:  # fmt: skip
        """Every event of round ``t`` (``before``/``after``: the state around it)."""
        self._drivers(t, p, out, u_shock)
        self._talks(t, p, before, after, out)
        self._move(t, p, after, out)
        self._actions(t, p, before, after, out)
        self._relations(t, p, after)

    def _drivers(self, t: int, p: Params, out: RoundOutcome, u_shock: np.ndarray) -> None:
        for k in np.flatnonzero(out.switched_now[0]):
            mean = p.drivers.mean_after[k]
            self.add(t, "switch", f"{p.drivers.names[k]} switches regime (mean -> {mean:g})")
        for s in fired_shocks(t, p, u_shock):
            name = p.drivers.names[p.shocks.driver[s]]
            self.add(t, "shock", f"{name} shock {p.shocks.add[s]:+g}")
        for c in self.changes:
            if c.at == t:
                ramp = f" over {c.ramp + 1} months" if c.ramp else ""
                note = f" ({c.note})" if c.note else ""
                self.add(t, "change", f"{c.path} -> {c.value:g}{ramp}{note}")

    def _talks(self, t: int, p: Params, before: RunState, after: RunState,
               out: RoundOutcome) -> None:  # fmt: skip
        sp = p.space
        for q in np.flatnonzero(out.walked[0].any(axis=-1)):
            lv = before.talk_level[0, q]
            m = sp.raise_move[q, lv]
            who = ", ".join(
                f"{p.codes[i]} ({self._why(p, before.levels, m, out, i, 'walked out')})"
                for i in np.flatnonzero(out.walked[0, q])
            )
            months = t - self.talk_opened[q]
            self.add(t, "failed", f"talks on {sp.keys[q]} {p.level_names[lv]} fail after "
                     f"{_months(months)}: {who} walked out", _members(p, q))  # fmt: skip
        for q in np.flatnonzero(out.signed[0]):
            lv = p.level_names[after.levels[0, q]]
            opened = round_date(self.start, int(self.talk_opened[q]))
            what = "upgraded to" if before.levels[0, q] > 0 else "signed:"
            months = t - self.talk_opened[q]
            self.add(t, "signed", f"{sp.keys[q]} {what} {lv} after {_months(months)} of talks "
                     f"(opened {opened})", _members(p, q))  # fmt: skip

    def _move(self, t: int, p: Params, after: RunState, out: RoundOutcome) -> None:
        sp, move = p.space, int(out.move[0])
        if move == 0:
            return
        proposer = int(out.proposer[0])
        who, q, kind = p.codes[proposer], sp.pact[move], sp.kind[move]
        gain, members = out.gains[0], _members(p, q)
        if kind == RAISE:
            lv = p.level_names[sp.value[move]]
            verb = "upgrade" if after.levels[0, q] > 0 else "form"
            what = f"{who} proposes to {verb} {sp.keys[q]} {lv}"
            if out.accepted[0]:
                self.talk_opened[q] = t
                due = round_date(self.start, int(after.talk_due[0, q]))
                others = [p.codes[i] for i in np.flatnonzero(sp.consent[move]) if i != proposer]
                self.add(t, "talks", f"{what}: talks open with {', '.join(others)} (due {due})",
                         members)  # fmt: skip
            else:
                refused = ", ".join(
                    f"{p.codes[i]} ({self._why(p, after.levels, move, out, i, 'refused')})"
                    for i in np.flatnonzero(out.refused[0])
                )
                self.add(t, "refused", f"{what}: refused by {refused}", members)
        elif kind == LOWER:
            lv = p.level_names[after.levels[0, q]]
            self.add(t, "lowered", f"{who} lowers {sp.keys[q]} to {lv} "
                     f"({_gain(gain[proposer], _cost(p, move))})", members)  # fmt: skip
        elif kind == LEAVE:
            rest = f"; {sp.keys[sp.other[move]]} continues" if sp.other[move] >= 0 else ""
            text = f"{who} leaves {sp.keys[q]} ({_gain(gain[proposer], _cost(p, move))}){rest}"
            self.add(t, "left", text, members)

    def _why(self, p: Params, levels: np.ndarray, move: int, out: RoundOutcome, i: int,
             did: str) -> str:  # fmt: skip
        """``dU -0.666: us_ties -0.52, influence -0.20``: the utility change of state ``i``
        under ``move`` and its two largest terms, as the decision read them (the month's
        context at its start, before the month's actions). The decision weighs dU against
        the formation cost (3.3, 3.4): a state that ``did`` (refused, walked out) with dU
        above that cost did so by the logit choice's noise, and the line says so; with dU
        above 0 but not above the cost the line names the cost instead."""
        after = apply_moves(levels, p.space, np.array([move]))
        both = np.concatenate([levels, after])  # (2, P)
        w = weighted_terms(both, out.attrs, p, _pair_context(out))  # (2, N, T)
        delta = w[1, i] - w[0, i]
        top = np.argsort(-np.abs(delta))[:2]
        terms = ", ".join(f"{_short(TERMS[k])} {delta[k]:+.3f}" for k in top)
        total, cost = delta.sum(), _cost(p, move)
        if total > cost:
            note = f"; a net gain, {did} by chance"
        elif total > 0:
            note = f"; below its {cost:.3f} formation cost"
        else:
            note = ""
        return f"dU {total:+.3f}: {terms}{note}"

    def _actions(self, t: int, p: Params, before: RunState, after: RunState,
                 out: RoundOutcome) -> None:  # fmt: skip
        was, now = before.act_left[0] > 0, after.act_left[0] > 0
        for o in self.occasions:
            if o.at == t:
                label = o.label or "an occasion"
                text = f"{o.host} hosts {label}; invited: {', '.join(o.guests)}"
                self.add(t, "occasion", text, (o.host, *o.guests))
        for i, j, k in np.argwhere(out.taken[0]):  # taken, or renewed as it lapsed
            months = int(p.actions.duration[k])
            at = self._occasion(t, p, i, j, k)
            again = " renewed" if was[i, j, k] else ""
            text = f"{_action(p, i, j, k)}{again} ({months} months{at})"
            self.add(t, "action", text, _pair(p, i, j))
        for i, j, k in np.argwhere(was & ~now):
            self.add(t, "action_end", f"{_action(p, i, j, k)} ends", _pair(p, i, j))

    def _occasion(self, t: int, p: Params, i: int, j: int, k: int) -> str:
        """``", at LABEL"`` when an occasion of round ``t`` invited the action, else ""."""
        for o in self.occasions:
            if (o.at == t and o.host == p.codes[j] and p.codes[i] in o.guests
                    and p.actions.names[k] in o.kinds):  # fmt: skip
                return f", at {o.label or 'an occasion'}"
        return ""

    def _relations(self, t: int, p: Params, after: RunState) -> None:
        a = after.affinity[0]
        n = p.n_states
        for i in range(n):
            for j in range(i + 1, n):
                old = self.logged_affinity[i, j]
                if abs(a[i, j] - old) >= RELATION_STEP:
                    pair = f"{p.codes[i]}-{p.codes[j]}"
                    text = f"{pair} affinity {old:+.2f} -> {a[i, j]:+.2f}"
                    self.add(t, "relation", text, _pair(p, i, j))
                    self.logged_affinity[i, j] = a[i, j]


def _pair_context(out: RoundOutcome):
    """The context the round's pact decisions read, broadcast to two configurations
    (before, after)."""
    ctx = out.decided if out.decided is not None else out.context
    return None if ctx is None else ctx.take(np.array([0, 0]))


def _members(p: Params, q: int) -> tuple[str, ...]:
    """The codes of pact ``q``'s members."""
    return tuple(p.codes[i] for i in np.flatnonzero(p.space.membership[q]))


def _pair(p: Params, i: int, j: int) -> tuple[str, ...]:
    return (p.codes[i], p.codes[j])


def _action(p: Params, i: int, j: int, k: int) -> str:
    label = p.actions.names[k]
    return f"{p.codes[i]} -> {p.codes[j]}: {label}"


def _months(n: int) -> str:
    return f"{n} month" if n == 1 else f"{n} months"


def _cost(p: Params, move: int) -> float:
    """What ``move`` costs each state that takes it (the formation cost of a raise, the
    exit threshold of lowering or leaving: :func:`sim.rules.decisions.move_costs`)."""
    return float(np.asarray(p.move_cost)[..., move].reshape(-1)[0])


def _gain(g: float, cost: float) -> str:
    """A move's gain to its maker; a move whose gain does not cover its cost (the exit
    threshold: the status quo was worth more) was the logit choice's noise."""
    if g >= cost:
        return f"gain {g:+.3f}"
    if g < 0:
        return f"gain {g:+.3f}; a loss, made by chance"
    return f"gain {g:+.3f}; below its {cost:.3f} exit cost, made by chance"


def _short(term: str) -> str:
    return {"regional_influence": "influence"}.get(term, term)


_NUMBERS = re.compile(r"[+-]?\d+\.\d+|\(due \d{4}-\d{2}\)|after \d+ months?")
_CHANCE = re.compile(
    r"; (a net gain|a loss|below its \d+\.\d+ (formation|exit) cost)(, [a-z ]+ by chance)?"
)


def collapse(events: list[Event]) -> list[tuple[Event, int, str]]:
    """Events with repeats folded: ``(first event, count, last date)``, in order of first
    occurrence. Two events repeat when their texts match once numbers (and whether a
    refusal went against a gain) are set aside (the same proposal refused again, the same
    flow renewed)."""
    first: dict[tuple[str, str], int] = {}
    out: list[list] = []
    for e in events:
        key = (e.kind, _NUMBERS.sub("#", _CHANCE.sub("", e.text)))
        if key in first:
            row = out[first[key]]
            row[1] += 1
            row[2] = e.date
        else:
            first[key] = len(out)
            out.append([e, 1, e.date])
    return [(e, n, last) for e, n, last in out]
