"""Months as rounds: ``"2025-01"`` wherever a round is expected, resolved against ``start``.

:data:`ROUND_FIELDS` lists the round-valued paths of a scenario (``*`` matches any key or
array index). Each says whether a month before the start (a negative round) is allowed;
where it is not, such a date is a one-line :class:`ConfigError`. To make a new round field
accept dates, add its path here; its own validation still judges the resolved integer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from sim.errors import ConfigError

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

# path pattern -> a month before the start (negative round) is allowed
ROUND_FIELDS: dict[tuple[str, ...], bool] = {
    ("drivers", "*", "switch_from"): False,
    ("shocks", "*", "round"): False,
    ("checkpoints", "*"): False,
    ("initial_talks", "*", "opened"): True,
    ("changes", "*", "at"): False,  # talks opened before the start: <= 0
    ("occasions", "*", "at"): False,
}


def month_index(text: str) -> int:
    """Months since year 0 of a ``'YYYY-MM'`` string."""
    m = MONTH.match(text)
    if m is None:
        raise ValueError(f"not a month 'YYYY-MM': {text!r}")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def months_between(start: str, month: str) -> int:
    """The round of ``month`` when round 0 is ``start`` (negative if before the start)."""
    return month_index(month) - month_index(start)


def _matches(node: Any, pattern: tuple[str, ...], path: tuple[str, ...]) -> Iterator[tuple]:
    """``(container, key, dotted path)`` of every existing value matching ``pattern``."""
    if not pattern:
        return
    head, rest = pattern[0], pattern[1:]
    if isinstance(node, dict):
        keys = list(node) if head == "*" else [head] if head in node else []
    elif isinstance(node, list):
        keys = range(len(node)) if head == "*" else [int(head)] if head.isdigit() else []
        keys = [k for k in keys if k < len(node)]
    else:
        return
    for key in keys:
        here = (*path, str(key))
        if rest:
            yield from _matches(node[key], rest, here)
        else:
            yield node, key, ".".join(here)


def resolve_dates(
    data: dict[str, Any],
    source: str,
    origin: Callable[[str], str] | None = None,
    months: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Replace months by rounds in place in the round-valued fields of ``data``; returns it.

    Nothing is done unless ``start`` is a valid month (its own validation then speaks).
    ``origin(field)`` names where a bad value came from (the file, or a ``--set``);
    ``months``, if given, gets the month written in each replaced field (for
    :func:`as_dated`).
    """
    start = data.get("start")
    if not isinstance(start, str) or not MONTH.match(start):
        return data
    where = origin or (lambda _field: source)
    for pattern, negative_ok in ROUND_FIELDS.items():
        for node, key, field in _matches(data, pattern, ()):
            value = node[key]
            if not isinstance(value, str):
                continue
            if not MONTH.match(value):
                raise ConfigError(
                    where(field), field, "expected a round or a month 'YYYY-MM'", value
                )
            rnd = months_between(start, value)
            if rnd < 0 and not negative_ok:
                raise ConfigError(
                    where(field), field, f"expected a month not before the start ({start})", value
                )
            node[key] = rnd
            if months is not None:
                months[field] = value
    return data


# a bound on a round, said of the month it was written as
_SIDES = {"expected a number <= 0": "not after", "expected a number >= 0": "not before"}


def as_dated(err: ConfigError, months: dict[str, str], start: Any) -> ConfigError:
    """``err`` about a field written as a month (``months``, from :func:`resolve_dates`)
    said of that month: ``expected a month not after the start (2023-07), got '2023-09'``,
    not of its round (``expected a number <= 0, got 2``); other errors unchanged."""
    month = months.get(err.field or "")
    if month is None:
        return err
    side = _SIDES.get(err.expected)
    if side is not None:
        return ConfigError(
            err.file, err.field, f"expected a month {side} the start ({start})", month
        )
    return ConfigError(err.file, err.field, f"{err.expected} (round {err.got})", month)
