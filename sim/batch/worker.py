"""Run chunks of simulations in worker processes (local) or on a Dask cluster.

A chunk is a few replicates of one design point, so per-task overhead (pickling, the
scenario rebuild) is paid once per chunk, not per run. Workers rebuild the scenario from
the raw scenario mapping and the point's overrides, call the run function (an import path,
``"sim.runner:run_many"`` by default, so tests can inject a failing one) and send back
small tables; the parent writes each chunk as soon as it arrives. A run that raises never
sinks its chunk: the chunk's seeds are rerun one at a time and each failure is recorded
with its traceback.
"""

from __future__ import annotations

import importlib
import itertools
import math
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pandas as pd
import pyarrow as pa

from sim.batch.pool import run_pool, start_server
from sim.batch.store import coerce_runs, concat_runs, runs_to_arrow
from sim.runner import DEFAULT_ENGINE

DEFAULT_RUNNER = "sim.runner:run_many"
FIRST_INLINE_RUNS = 1200  # runs the parent plays while the forkserver starts (~0.5 s here)


class ExecuteError(RuntimeError):
    """A backend cannot be used (e.g. Dask not installed, scheduler unreachable)."""


@dataclass(frozen=True)
class RunContext:
    """What every chunk of a batch shares (sent to workers once per chunk or scattered)."""

    key: str  # experiment hash: scenario cache key in workers
    scenario_raw: dict[str, Any]
    scenario_source: str
    rounds: int
    design_columns: tuple[str, ...]
    series: bool = False
    engine: str = DEFAULT_ENGINE
    runner: str = DEFAULT_RUNNER
    variants: dict[str, dict[str, Any]] | None = None  # named scenarios of the design


@dataclass(frozen=True)
class Chunk:
    """Replicates of one design point, run together in one task."""

    point_id: int
    overrides: dict[str, float]
    replicates: tuple[int, ...]
    seeds: tuple[int, ...]
    run_ids: tuple[int, ...]


@dataclass(frozen=True)
class ChunkGroup:
    """Chunks of several design points run as one task: with the lockstep engine their
    runs advance together (:func:`sim.runner.run_table_points`), so designs with few
    replicates per point (Sobol, Morris, calibration) run as fast as those with many."""

    parts: tuple[Chunk, ...]

    @property
    def run_ids(self) -> tuple[int, ...]:
        return tuple(r for part in self.parts for r in part.run_ids)

    @property
    def seeds(self) -> tuple[int, ...]:
        return tuple(s for part in self.parts for s in part.seeds)


@dataclass
class ChunkResult:
    """One `runs` row per run of the chunk, and its per-round series (ok runs, if asked),
    as Arrow tables built in the worker: the parent only writes them."""

    chunk: Chunk | ChunkGroup
    runs: pa.Table
    series: pa.Table | None = field(default=None)

    @property
    def failed(self) -> int:
        return sum(status != "ok" for status in self.runs.column("status").to_pylist())


def make_chunks(
    points: list[dict[str, float]],
    seeds: list[int] | list[list[int]],
    size: int,
    done: set[int] | frozenset[int] = frozenset(),
    *,
    guided_workers: int = 0,
    min_size: int = 1,
    span_points: bool = False,
) -> Iterator[Chunk | ChunkGroup]:
    """Chunks of at most ``size`` runs (of one point unless ``span_points``), in run_id
    order, skipping ``done``
    run_ids; generated lazily, so a huge batch is never planned in memory at once.

    ``seeds``: one per replicate (the same at every point), or one list per point.
    ``guided_workers`` (0 = off): guided self-scheduling (Polychronopoulos &
    Kuck 1987): each chunk holds the runs still to plan / (2 x workers), within
    ``min_size..size``, so chunks shrink towards the end and the workers finish together
    instead of one running a last big chunk alone.

    ``span_points``: a chunk that would end at a point's last run takes runs of the next
    points too, up to its size (a :class:`ChunkGroup` of one chunk per point)."""
    per_point = bool(seeds) and isinstance(seeds[0], list)
    replicates = len(seeds[0]) if per_point else len(seeds)
    total = sum(len(s) for s in seeds) if per_point else len(points) * replicates
    remaining = max(0, total - len(done))
    min_size = max(1, min_size)
    group: list[Chunk] = []  # the chunk being filled, one part per point
    grouped, target = 0, None
    for point_id, overrides in enumerate(points):
        point_seeds = seeds[point_id] if per_point else seeds
        base = point_id * replicates
        pending: range | list[int] = range(replicates)  # a range holds no list of ids
        if _any_done(done, base, replicates):
            pending = [r for r in pending if base + r not in done]
        i = 0
        while i < len(pending):
            if target is None:
                target = size
                if guided_workers:
                    target = min(size, max(min_size, math.ceil(remaining / (2 * guided_workers))))
            reps = tuple(pending[i : i + target - grouped])
            i += len(reps)
            remaining -= len(reps)
            group.append(
                Chunk(
                    point_id=point_id,
                    overrides=dict(overrides),
                    replicates=reps,
                    seeds=tuple(point_seeds[r] for r in reps),
                    run_ids=tuple(base + r for r in reps),
                )
            )
            grouped += len(reps)
            if grouped >= target or not span_points:
                yield _as_chunk(group)
                group, grouped, target = [], 0, None
    if group:
        yield _as_chunk(group)


def _as_chunk(parts: list[Chunk]) -> Chunk | ChunkGroup:
    """One part as itself, several as a :class:`ChunkGroup`."""
    return parts[0] if len(parts) == 1 else ChunkGroup(tuple(parts))


def _any_done(done: set[int] | frozenset[int], base: int, replicates: int) -> bool:
    """Whether any run id in ``base .. base + replicates - 1`` is done."""
    if not done:
        return False
    if len(done) < replicates:
        return any(base <= r < base + replicates for r in done)
    return any(base + r in done for r in range(replicates))


def split_chunk(
    chunk: Chunk | ChunkGroup, n: int
) -> tuple[Chunk | ChunkGroup, Chunk | ChunkGroup | None]:
    """The first ``n`` runs of ``chunk`` and the rest (None if nothing is left)."""
    if len(chunk.seeds) <= n:
        return chunk, None
    if isinstance(chunk, ChunkGroup):
        head: list[Chunk] = []
        tail: list[Chunk] = []
        for part in chunk.parts:
            room = n - sum(len(c.seeds) for c in head)
            if room <= 0:
                tail.append(part)
                continue
            first, rest = split_chunk(part, room)
            head.append(first)  # type: ignore[arg-type]
            tail.extend([rest] if rest else [])  # type: ignore[list-item]

        return _as_chunk(head), _as_chunk(tail)

    def part(s: slice) -> Chunk:
        return Chunk(
            chunk.point_id, chunk.overrides, chunk.replicates[s], chunk.seeds[s], chunk.run_ids[s]
        )

    return part(slice(0, n)), part(slice(n, None))


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


# -- backends --------------------------------------------------------------------------


def _local(
    ctx: RunContext, chunks: Iterable[Chunk | ChunkGroup], workers: int
) -> Iterator[ChunkResult]:
    """Worker processes (sim.batch.pool): a dying worker costs only its chunk's retry.

    While a cold forkserver imports and warms up the model (~0.5 s, one core otherwise
    idle; :mod:`sim.batch.forkserver_setup`), this process runs the first runs itself (at most
    :data:`FIRST_INLINE_RUNS`, about as long as the start) with the default run function
    (our own code, no injected runner) and the lockstep engine (a Mesa chunk of 25 runs
    would take longer than the start), then hands the rest to the workers. The trade-off:
    a run that crashed its process there (out of memory) would stop the batch, to be
    resumed, instead of costing one retried chunk.
    """
    preload = ["sim.batch.worker", ctx.runner.partition(":")[0]]
    chunks = iter(chunks)
    cold = start_server(preload)
    if cold and ctx.runner == DEFAULT_RUNNER and ctx.engine == "lockstep":
        first = next(chunks, None)
        if first is not None:
            mine, rest = split_chunk(first, FIRST_INLINE_RUNS)
            chunks = itertools.chain([rest] if rest else [], chunks)
            yield run_chunk(ctx, mine)
    yield from run_pool(
        partial(run_chunk, ctx),
        chunks,
        workers,
        preload,
        give_up=partial(failed_chunk, ctx),
    )


def require_dask() -> None:
    """Raise a clear :class:`ExecuteError` if Dask distributed is not installed."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ExecuteError("--scheduler needs Dask distributed: pip install '.[cluster]'") from None


__all__ = [
    "DEFAULT_RUNNER",
    "Chunk",
    "ChunkGroup",
    "ChunkResult",
    "ExecuteError",
    "RunContext",
    "make_chunks",
    "run_chunk",
]
