"""Plan a batch: the design's points and seeds -> chunks of runs, and the sizing policy
(workers, chunk sizes, guided scheduling, chunks spanning points) in one place.

A chunk is a few replicates of one design point (or, with the lockstep engine, of several
points: a :class:`ChunkGroup`), so per-task overhead (pickling, the scenario rebuild) is
paid once per chunk, not per run. Chunks are generated lazily: a huge batch is never
planned in memory at once.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.runner import DEFAULT_ENGINE

if TYPE_CHECKING:  # workers import this module: keep the design kinds (SciPy) out
    from sim.experiment import Experiment

DEFAULT_RUNNER = "sim.runner:run_many"


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch, as the command line or the API asks (None: automatic)."""

    workers: int | None = None
    scheduler: str | None = None
    series: bool = False
    force: bool = False
    chunk_size: int | None = None
    runner: str = DEFAULT_RUNNER
    progress: bool = True
    engine: str | None = None


@dataclass(frozen=True)
class Execution:
    """The planned execution of a session (recorded in the manifest's ``execution``)."""

    engine: str
    scheduler: str | None
    workers: int
    chunk_size: int
    min_chunk_size: int  # guided: chunks shrink to it towards the end
    guided_workers: int  # 0: guided self-scheduling off
    span_points: bool  # chunks take runs of several points (lockstep, few replicates)


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


def default_workers() -> int:
    """Cores this process may use (affinity-aware where the OS tells)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


DEFAULT_MOVES = 22  # moves per run of the default scenario (3 states, 4 pacts)


def auto_chunk_size(
    n_runs: int, workers: int, engine: str = DEFAULT_ENGINE, guided: bool = False,
    moves: int = DEFAULT_MOVES,
) -> int:  # fmt: skip
    """Big enough to amortise task overhead, small enough to spread work and lose little
    (a chunk is a few seconds of work at most; lockstep runs a chunk's seeds together).
    ``guided``: chunks shrink towards the end anyway (:func:`make_chunks`), so
    the largest size need not spread the work. ``moves``: the scenario's moves per run
    (:func:`lockstep_cap`)."""
    spread = math.ceil(n_runs / (8 * max(1, workers)))
    if engine == "lockstep":
        # ~0.30 ms per run with 2,000 runs together, ~0.31 at 1,000, ~0.45 at 250 (measured;
        # chunks span design points): efficiency matters more than spreading, within a
        # second per chunk. One process has nothing to spread.
        wide = guided or workers <= 1
        cap = lockstep_cap(moves)
        return max(1, min(cap, n_runs if wide else max(min(1000, cap), spread), n_runs))
    return max(1, min(25, spread))


def lockstep_cap(moves: int) -> int:
    """The largest lockstep chunk for a scenario with ``moves`` moves per run: 2,000 runs
    for the default's 22, fewer (not under 250) as the moves grow, so that a round's arrays
    (runs x moves x states) stay in cache: six states (88 moves) ran at 56 runs/s per core
    in chunks of 2,000 and 82 in chunks of 400 (2026-12-03)."""
    return max(
        GUIDED_MIN["lockstep"], min(LOCKSTEP_CHUNK, LOCKSTEP_CHUNK * DEFAULT_MOVES // max(moves, 1))
    )


LOCKSTEP_CHUNK = 2000  # largest lockstep chunk (about 0.7 s)
GUIDED_MIN = {"lockstep": 250, "mesa": 1}  # smallest chunk of guided scheduling
# Chunks span design points (sim.rules.stack) when points have fewer replicates: a round
# costs ~25 ms of overhead per call and stacked runs ~13% more each (measured, 2,000 runs),
# so stacking pays below ~500 runs per point.
STACK_BELOW = 500


def plan_execution(exp: Experiment, options: BatchOptions, pending: int) -> Execution:
    """Engine, workers and chunk sizes of a session with ``pending`` runs to run.

    ``engine``: the options', else the experiment file's, else :data:`DEFAULT_ENGINE`."""
    engine = options.engine or exp.spec.engine or DEFAULT_ENGINE
    scheduler = options.scheduler
    workers = options.workers or default_workers()
    guided = workers if options.chunk_size is None and not scheduler and workers > 1 else 0
    # a cluster's workers are not counted here: spread its chunks as over many
    processes = workers if not scheduler else max(workers, 8)
    size = options.chunk_size or auto_chunk_size(pending, processes, engine, guided > 0,
                                                  _moves(exp))  # fmt: skip
    smallest = min(size, GUIDED_MIN.get(engine, 1)) if guided else size
    # few replicates per point: lockstep runs of several points advance together
    span = engine == "lockstep" and options.runner == DEFAULT_RUNNER and not options.series
    span &= exp.spec.replicates < STACK_BELOW
    return Execution(engine, scheduler, workers, size, smallest, guided, span)


def _moves(exp: Experiment) -> int:
    """The most moves per run among the experiment's scenarios (its base and variants)."""
    from sim.config import build_scenario
    from sim.rules.compile import compile_params

    raws = [exp.scenario_raw, *(exp.variants or {}).values()]
    return max(compile_params(build_scenario(r, str(exp.scenario_path))).space.n_moves
               for r in raws)  # fmt: skip


def run_context(exp: Experiment, key: str, options: BatchOptions, engine: str) -> RunContext:
    """What every chunk of the batch ``exp`` (hash ``key``) shares."""
    return RunContext(
        key=key,
        scenario_raw=exp.scenario_raw,
        scenario_source=str(exp.scenario_path),
        rounds=exp.rounds,
        design_columns=tuple(exp.parameters),
        series=options.series,
        engine=engine,
        runner=options.runner,
        variants=exp.variants,
    )


def plan_chunks(
    exp: Experiment, execution: Execution, done: set[int]
) -> Iterator[Chunk | ChunkGroup]:
    """The chunks of ``exp``'s runs not in ``done``, as ``execution`` sizes them."""
    return make_chunks(
        exp.design.points, exp.seeds, execution.chunk_size, done,
        guided_workers=execution.guided_workers, min_size=execution.min_chunk_size,
        span_points=execution.span_points,
    )  # fmt: skip


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
