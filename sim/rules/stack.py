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
from typing import Any

import numpy as np

from sim.rules.configs import ConfigTable
from sim.rules.params import DriverParams, NegotiationParams, Params, ShockParams

# Params fields every stacked point must share (compared, not stacked).
SHARED = ("codes", "goods", "level_names", "space", "target", "target_level", "pair_table")


def runwise(x: Any, p: Params, k: int = 0) -> Any:
    """A value of ``p`` aligned with a per-run array that has ``k`` more axes between the
    run axis and the value's own axes (stacked); the value itself when not stacked."""
    if not p.stacked or k == 0:
        return x
    x = np.asarray(x)
    return x.reshape((x.shape[0], *(1,) * k, *x.shape[1:]))


class Unstackable(ValueError):
    """Points whose structure differs (states, pacts, drivers, shocks) cannot share a batch."""


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b)
    if dataclasses.is_dataclass(a):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    return a == b


def _stack(values: list[Any], counts: list[int]) -> np.ndarray:
    """``values`` of each point repeated ``counts`` times along a new leading run axis."""
    return np.repeat(np.stack([np.asarray(v) for v in values]), counts, axis=0)


def _stack_record(records: list[Any], counts: list[int], shared: tuple[str, ...]) -> Any:
    first = records[0]
    out = {}
    for f in dataclasses.fields(first):
        values = [getattr(r, f.name) for r in records]
        if f.name in shared:
            if not all(_same(values[0], v) for v in values[1:]):
                raise Unstackable(f"points differ in {type(first).__name__}.{f.name}")
            out[f.name] = values[0]
        elif isinstance(values[0], dict):
            out[f.name] = {key: _stack([v[key] for v in values], counts) for key in values[0]}
        else:
            out[f.name] = _stack(values, counts)
    return dataclasses.replace(first, **out)


def _stack_table(tables: list[ConfigTable | None], counts: list[int]) -> ConfigTable:
    if any(t is None for t in tables):
        raise Unstackable("a point has no configuration table (too many configurations)")
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
    first = params[0]
    shocks = [p.shocks for p in params]
    if not all(np.array_equal(s.random, shocks[0].random) for s in shocks[1:]):
        raise Unstackable("points differ in which shocks are random")
    tables = [p.configs for p in params]
    out: dict[str, Any] = {"stacked": True, "configs": _stack_table(tables, counts)}
    for f in dataclasses.fields(first):
        if f.name in out:
            continue
        values = [getattr(p, f.name) for p in params]
        if f.name in SHARED:
            if not all(_same(values[0], v) for v in values[1:]):
                raise Unstackable(f"points differ in {f.name}")
            out[f.name] = values[0]
        elif isinstance(values[0], DriverParams):
            out[f.name] = _stack_record(values, counts, ("names",))
        elif isinstance(values[0], ShockParams):
            out[f.name] = _stack_record(values, counts, ("driver",))
        elif isinstance(values[0], NegotiationParams):
            out[f.name] = _stack_record(values, counts, ())
        elif isinstance(values[0], dict):
            out[f.name] = {key: _stack([v[key] for v in values], counts) for key in values[0]}
        else:
            out[f.name] = _stack(values, counts)
    return dataclasses.replace(first, **out)


def take_runs(p: Params, rows: np.ndarray) -> Params:
    """The runs ``rows`` of a stacked ``Params`` (``p`` itself when not stacked)."""
    if not p.stacked:
        return p

    def take(x: Any) -> Any:
        if isinstance(x, np.ndarray):
            return x[rows]
        if isinstance(x, dict):
            return {key: v[rows] for key, v in x.items()}
        return x

    def record(r: Any, keep: tuple[str, ...]) -> Any:
        names = [f.name for f in dataclasses.fields(r) if f.name not in keep]
        return dataclasses.replace(r, **{name: take(getattr(r, name)) for name in names})

    out: dict[str, Any] = {}
    for f in dataclasses.fields(p):
        value = getattr(p, f.name)
        if f.name in SHARED or f.name == "stacked":
            continue
        if f.name == "configs":
            out[f.name] = dataclasses.replace(value, offset=value.offset[rows])
        elif isinstance(value, DriverParams):
            out[f.name] = record(value, ("names",))
        elif isinstance(value, ShockParams):
            out[f.name] = record(value, ("driver",))
        elif isinstance(value, NegotiationParams):
            out[f.name] = record(value, ())
        else:
            out[f.name] = take(value)
    sub = dataclasses.replace(p, **out)
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
