"""Run one chunk of simulations (in a worker process, the parent, or on a Dask worker).

Workers rebuild the scenario from the raw scenario mapping and the point's overrides, call
the run function (an import path, ``"sim.runner:run_many"`` by default, so tests can
inject a failing one) and send back small tables; the parent writes each chunk as soon as
it arrives. A run that raises never sinks its chunk: the chunk's seeds are rerun one at a
time and each failure is recorded with its traceback.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from sim.batch.plan import DEFAULT_RUNNER, Chunk, ChunkGroup, RunContext
from sim.batch.store import coerce_runs, concat_runs, runs_to_arrow


class ExecuteError(RuntimeError):
    """A backend cannot be used (e.g. Dask not installed, scheduler unreachable)."""


@dataclass(frozen=True)
class ChunkResult:
    """One `runs` row per run of the chunk, and its per-round series (ok runs, if asked),
    as Arrow tables built in the worker: the parent only writes them."""

    chunk: Chunk | ChunkGroup
    runs: pa.Table
    series: pa.Table | None = field(default=None)

    @property
    def failed(self) -> int:
        return sum(status != "ok" for status in self.runs.column("status").to_pylist())


# -- in the worker ---------------------------------------------------------------------

_SCENARIOS: dict[tuple[str, int], Any] = {}
_RUNNERS: dict[str, Callable[..., Any]] = {}


def resolve(path: str) -> Callable[..., Any]:
    """Import ``"package.module:function"``."""
    if path not in _RUNNERS:
        module, _, name = path.partition(":")
        _RUNNERS[path] = getattr(importlib.import_module(module), name)
    return _RUNNERS[path]


def _scenario(ctx: RunContext, chunk: Chunk) -> Any:
    key = (ctx.key, chunk.point_id)
    if key not in _SCENARIOS:
        from sim.config import build_scenario, split_point

        if len(_SCENARIOS) > 64:
            _SCENARIOS.clear()
        raw, overrides = split_point(ctx.scenario_raw, ctx.variants, chunk.overrides)
        _SCENARIOS[key] = build_scenario(raw, ctx.scenario_source, overrides)
    return _SCENARIOS[key]


def _call(ctx: RunContext, scenario: Any, seeds: list[int]) -> list[Any]:
    outputs = resolve(ctx.runner)(scenario, seeds, ctx.rounds, series=ctx.series, engine=ctx.engine)
    got = [int(o.seed) for o in outputs]
    if got != seeds:
        raise RuntimeError(f"run function returned seeds {got[:5]}..., expected {seeds[:5]}...")
    return list(outputs)


def run_chunk(ctx: RunContext, chunk: Chunk | ChunkGroup) -> ChunkResult:
    """Run a chunk; never raises for a failing run (recorded as ``status = "failed"``)."""
    if isinstance(chunk, ChunkGroup):
        if (fast := _table_group(ctx, chunk)) is not None:
            return fast
        return _joined(chunk, [run_chunk(ctx, part) for part in chunk.parts])
    if (fast := _table_chunk(ctx, chunk)) is not None:
        return fast
    seeds = list(chunk.seeds)
    results: list[tuple[Any, str | None]]
    try:
        scenario = _scenario(ctx, chunk)
        results = [(out, None) for out in _call(ctx, scenario, seeds)]
    except Exception:
        results = []
        for seed in seeds:
            try:
                results.append((_call(ctx, _scenario(ctx, chunk), [seed])[0], None))
            except Exception:
                results.append((None, traceback.format_exc()))
    return _chunk_result(ctx, chunk, results)


def failed_chunk(ctx: RunContext, chunk: Chunk | ChunkGroup, reason: str) -> ChunkResult:
    """Every run of ``chunk`` recorded as failed with ``reason`` (its worker kept dying)."""
    if isinstance(chunk, ChunkGroup):
        return _joined(chunk, [failed_chunk(ctx, part, reason) for part in chunk.parts])
    return _chunk_result(ctx, chunk, [(None, reason)] * len(chunk.seeds))


def _joined(group: ChunkGroup, results: list[ChunkResult]) -> ChunkResult:
    """One result of a group's parts, their rows in order."""
    runs = concat_runs([r.runs for r in results])
    series = [r.series for r in results if r.series is not None]
    table = concat_runs(series) if series else None
    return ChunkResult(group, runs, table)


def _chunk_result(
    ctx: RunContext, chunk: Chunk, results: list[tuple[Any, str | None]]
) -> ChunkResult:
    rows, series = [], []
    for run_id, rep, seed, (out, error) in zip(
        chunk.run_ids, chunk.replicates, chunk.seeds, results, strict=True
    ):
        ids = {"run_id": run_id, "point_id": chunk.point_id, "replicate": rep, "seed": seed}
        design = {col: chunk.overrides[col] for col in ctx.design_columns}
        status = {"status": "ok" if error is None else "failed", "error": error}
        rows.append({**ids, **design, **status, **(out.outcome if out is not None else {})})
        if out is not None and ctx.series and out.series is not None:
            frame = out.series.copy()
            for i, (col, value) in enumerate(ids.items()):
                frame.insert(i, col, value)
            series.append(frame)
    runs = runs_to_arrow(coerce_runs(pd.DataFrame(rows), list(ctx.design_columns)))
    frames = pd.concat(series, ignore_index=True) if series else None
    table = None if frames is None else pa.Table.from_pandas(frames, preserve_index=False)
    return ChunkResult(chunk, runs, table)


def _table_chunk(ctx: RunContext, chunk: Chunk) -> ChunkResult | None:
    """The default run function without series, column by column (no per-run Python
    rows): the same table as the per-run path. None if anything fails (the per-run path
    then reruns the chunk and records each failure)."""
    if ctx.runner != DEFAULT_RUNNER or ctx.series:
        return None
    from sim.runner import run_table

    try:
        frame = run_table(_scenario(ctx, chunk), list(chunk.seeds), ctx.rounds, ctx.engine)
    except Exception:
        return None
    return ChunkResult(chunk, _runs_table(ctx, [chunk], frame))


def _table_group(ctx: RunContext, group: ChunkGroup) -> ChunkResult | None:
    """:func:`_table_chunk` for the points of a group, advanced together (lockstep)."""
    if ctx.runner != DEFAULT_RUNNER or ctx.series or ctx.engine != "lockstep":
        return None
    from sim.runner import run_table_points

    try:
        scenarios = [_scenario(ctx, part) for part in group.parts]
        seeds = [list(part.seeds) for part in group.parts]
        frame = run_table_points(scenarios, seeds, ctx.rounds)
    except Exception:
        return None
    return ChunkResult(group, _runs_table(ctx, list(group.parts), frame))


def _runs_table(ctx: RunContext, parts: list[Chunk], frame: pd.DataFrame) -> pa.Table:
    """The `runs` table of ``parts`` (in order) from their outcome columns ``frame``."""
    head: dict[str, list[Any]] = {"run_id": [], "point_id": [], "replicate": [], "seed": []}
    head |= {col: [] for col in ctx.design_columns}
    for part in parts:
        n = len(part.seeds)
        head["run_id"] += part.run_ids
        head["point_id"] += [part.point_id] * n
        head["replicate"] += part.replicates
        head["seed"] += part.seeds
        for col in ctx.design_columns:
            head[col] += [part.overrides[col]] * n
    n = len(frame)
    head |= {"status": ["ok"] * n, "error": [None] * n}
    frame = pd.concat([pd.DataFrame(head), frame], axis=1)
    return runs_to_arrow(coerce_runs(frame, list(ctx.design_columns)))


def require_dask() -> None:
    """Raise a clear :class:`ExecuteError` if Dask distributed is not installed."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ExecuteError("--scheduler needs Dask distributed: pip install '.[cluster]'") from None


__all__ = [
    "ChunkResult",
    "ExecuteError",
    "failed_chunk",
    "require_dask",
    "run_chunk",
]
