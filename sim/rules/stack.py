"""Runs of several design points in one lockstep batch: parameters with a run axis.

The lockstep engine advances many runs with one call per rule and round, so the Python
overhead of a round (~0.3 ms) is shared by every run of the batch. With one batch per
design point, a design with few replicates per point (Sobol, Morris, calibration: 10-20)
pays it every 10-20 runs. Stacking the points' compiled :class:`~sim.rules.params.Params`
gives every value a leading run axis ``(B, ...)`` (scalars become ``(B,)``), so the
runs of many points advance together through the same rules. What must be shared: the
states, goods, levels, pact space, drivers and shocks (names and which are random), the
target, and the configuration table's keys (each point keeps its own table values).

The rules read per-run values through :func:`runwise`, which inserts the axes between the
run axis and the value's own axes that the array it meets has; for an unstacked ``Params``
it returns the value unchanged, so a single run computes exactly as before. Each run
gives the same bits stacked as alone (tests/test_stack.py).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.rules.actions import ActionParams
from sim.rules.arrays import runwise
from sim.rules.feedback import FeedbackParams
from sim.rules.params import DriverParams, NegotiationParams, Params, ShockParams
from sim.rules.relations import RelationParams

if TYPE_CHECKING:
    from sim.rules.configs import ConfigTable

__all__ = ["Unstackable", "check_shared", "runwise", "stack_params", "take_runs"]

# Params fields every stacked point must share (compared, not stacked).
SHARED = ("codes", "goods", "level_names", "space", "target", "target_level", "pair_table")
# Every record of Params and its shared fields; the other fields carry per-run values
# (``configs`` and ``stacked`` are set by stack_params and take_runs themselves).
_SHARED_FIELDS: dict[type, tuple[str, ...]] = {
    Params: (*SHARED, "player", "configs", "stacked"),
    DriverParams: ("names",),
    ShockParams: ("driver",),
    NegotiationParams: ("refusal_memory", "action_review"),
    ActionParams: (
        "names",
        "good",
        "slots",
        "min_level",
        "cameo",
        "goldstein",
        "duration",
        "occasion_at",
        "occasion_slots",
    ),
    RelationParams: (),
    FeedbackParams: ("driver", "kind", "actor", "recipient", "pact"),
}
_SET_HERE = ("configs", "stacked")  # set by stack_params and take_runs, not compared


class Unstackable(ValueError):
    """Points whose structure differs (states, pacts, drivers, shocks) cannot share a batch."""


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b)
    if dataclasses.is_dataclass(a):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    return a == b


def _all_same(values: list[Any]) -> bool:
    return all(_same(values[0], v) for v in values[1:])


def _stack(values: list[Any], counts: list[int]) -> np.ndarray:
    """``values`` of each point repeated ``counts`` times along a new leading run axis."""
    return np.repeat(np.stack([np.asarray(v) for v in values]), counts, axis=0)


def check_shared(records: list[Any]) -> None:
    """Raise :class:`Unstackable` unless same-type records (``Params``, or one of their
    records) agree in every shared field, nested records included."""
    first = records[0]
    shared = _SHARED_FIELDS[type(first)]
    for f in dataclasses.fields(first):
        values = [getattr(r, f.name) for r in records]
        if type(values[0]) in _SHARED_FIELDS:
            check_shared(values)
        elif f.name in shared and f.name not in _SET_HERE and not _all_same(values):
            raise Unstackable(f"points differ in {type(first).__name__}.{f.name}")
    if isinstance(first, Params):
        if any(p.configs is None for p in records):
            raise Unstackable("a point has no configuration table (too many configurations)")
        if not all(np.array_equal(p.shocks.random, first.shocks.random) for p in records):
            raise Unstackable("points differ in which shocks are random")


def _stack_record(records: list[Any], counts: list[int]) -> dict[str, Any]:
    """The per-run fields of same-type records stacked (nested records too)."""
    first = records[0]
    shared = _SHARED_FIELDS[type(first)]
    out: dict[str, Any] = {}
    for f in dataclasses.fields(first):
        values = [getattr(r, f.name) for r in records]
        if f.name in shared:
            continue
        if type(values[0]) in _SHARED_FIELDS:
            out[f.name] = dataclasses.replace(values[0], **_stack_record(values, counts))
        elif isinstance(values[0], dict):
            out[f.name] = {key: _stack([v[key] for v in values], counts) for key in values[0]}
        else:
            out[f.name] = _stack(values, counts)
    return out


def _stack_table(tables: list[ConfigTable], counts: list[int]) -> ConfigTable:
    first = tables[0]
    n_configs = len(first.levels)
    terms = dataclasses.replace(
        first.terms,
        **{
            f.name: np.concatenate([getattr(t.terms, f.name) for t in tables])
            for f in dataclasses.fields(first.terms)
        },
    )
    offset = np.repeat(np.arange(len(tables)) * n_configs, counts)
    return dataclasses.replace(first, terms=terms, offset=offset)


def stack_params(params: list[Params], counts: list[int]) -> Params:
    """One ``Params`` for ``counts[k]`` runs of each ``params[k]``, in that order.

    Raises :class:`Unstackable` if the points do not share their structure."""
    if any(p.stacked for p in params):
        raise Unstackable("already stacked")
    check_shared(params)
    first = params[0]
    fields = _stack_record(params, counts)
    table = _stack_table([p.configs for p in params], counts)
    return dataclasses.replace(first, **fields, configs=table, stacked=True)


def take_runs(p: Params, rows: np.ndarray) -> Params:
    """The runs ``rows`` of a stacked ``Params`` (``p`` itself when not stacked)."""
    if not p.stacked:
        return p

    def take(x: Any) -> Any:
        if isinstance(x, np.ndarray):
            return x[rows]
        if isinstance(x, dict):
            return {key: v[rows] for key, v in x.items()}
        if type(x) in _SHARED_FIELDS:
            shared = _SHARED_FIELDS[type(x)]
            fields = [f.name for f in dataclasses.fields(x) if f.name not in shared]
            changes = {name: take(getattr(x, name)) for name in fields}
            if isinstance(x, Params):  # each run's rows of the stacked table
                changes["configs"] = dataclasses.replace(x.configs, offset=x.configs.offset[rows])
            return dataclasses.replace(x, **changes)
        return x

    sub = take(p)
    # values derived from p (cached properties) are sliced, not derived again
    derived = vars(sub)
    for name, value in vars(p).items():
        if name in _PER_RUN_CACHED:
            derived[name] = _PER_RUN_CACHED[name](value, take)
    return sub


# Params' cached properties with per-run values, and how to slice them.
_PER_RUN_CACHED = {
    "move_cost": lambda v, take: take(v),
    "attribute_rows": lambda v, take: tuple(take(x) for x in v),
    "stake_pairs": lambda v, take: tuple((i, k, take(x)) for i, k, x in v),
    "dependence_pairs": lambda v, take: tuple((i, j, take(x)) for i, j, x in v),
}
