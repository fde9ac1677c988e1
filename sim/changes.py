"""Dated changes: the scenario as it stands in a given month (docs/model.md 3.11).

A ``[[changes]]`` entry sets the number at a dotted scenario path to a new value from a
month on, at once or along a linear ramp. :func:`change_rounds` lists the rounds where
something changes and :func:`scenario_at` gives the scenario in force in a round; the
engines compile one set of parameters per such round (:mod:`sim.rules.schedule`).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from sim.errors import ConfigError, describe, first_error
from sim.schema import Scenario


def change_rounds(s: Scenario) -> list[int]:
    """Rounds in which some value changes, sorted; 0 first. Rounds past the scenario's
    horizon are kept: a run may be longer (``simulate --rounds``), and a change or a ramp
    past the horizon must then act as dated, as scheduled shocks and occasions do."""
    rounds = {0}
    for c in s.changes:
        rounds.update(range(c.at, c.at + c.ramp + 1))
    return sorted(rounds)


def value_at(old: float, new: float, at: int, ramp: int, r: int) -> float:
    """The value of a change in round ``r``: ``old`` before ``at``, then a linear ramp
    that reaches ``new`` at ``at + ramp`` (at once when ``ramp`` is 0)."""
    if r < at:
        return old
    step = min(r - at + 1, ramp + 1)
    return old + (new - old) * step / (ramp + 1)


def scenario_at(s: Scenario, r: int, source: str = "scenario") -> Scenario:
    """The scenario in force in round ``r``: every change that has begun applied, in the
    order listed. An invalid value is a :class:`ConfigError` naming the change."""
    active = [(i, c) for i, c in enumerate(s.changes) if c.at <= r]
    if not active:
        return s
    data = s.model_dump()
    for _, c in active:
        node, key = _locate(data, c.path)
        old = node[key]
        value = value_at(float(old), c.value, c.at, c.ramp, r)
        node[key] = round(value) if isinstance(old, int) else value
    data["changes"] = []
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        field, expected, got = describe(first_error(exc), "a valid value")
        i = active[-1][0]
        raise ConfigError(source, f"changes.{i}.value", f"{expected} (at {field})", got) from None


def check_changes(s: Scenario, source: str) -> None:
    """Validate the scenario of every round where something changes, round 0 included (a
    change dated at the start month acts from the first round; errors name it)."""
    for r in change_rounds(s):
        scenario_at(s, r, source)


def _locate(data: dict[str, Any], path: str) -> tuple[Any, Any]:
    node: Any = data
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    last = keys[-1]
    return node, int(last) if isinstance(node, list) else last


def after_horizon(s: Scenario, rounds: int | None = None) -> list[str]:
    """Dated entries (scheduled shocks, changes, occasions) after the scenario's last
    month, or a longer run's (``rounds``): they act in no such run, so a mistyped year
    would pass unnoticed. One line each, for a note to the user (a shorter run is a
    deliberate choice and notes nothing more)."""
    from sim.calendar import round_date

    horizon = s.rounds if rounds is None else max(s.rounds, rounds)
    last = round_date(s.start, horizon - 1)
    dated = [(f"shocks.{i}", sh.round) for i, sh in enumerate(s.shocks) if sh.round is not None]
    dated += [(f"changes.{i}", c.at) for i, c in enumerate(s.changes)]
    dated += [(f"occasions.{i}", o.at) for i, o in enumerate(s.occasions)]
    return [
        f"{name} is dated {round_date(s.start, r)}, after the run's last month ({last}): "
        "it does nothing"
        for name, r in dated
        if r >= horizon
    ]
