"""Run a batch's chunks: in this process, a local pool of worker processes, or a Dask
cluster; the one place that chooses the backend, above both (:mod:`sim.batch.pool` and
:mod:`sim.batch.dask_backend` do not import each other)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from functools import partial

from sim.batch.plan import DEFAULT_RUNNER, Chunk, ChunkGroup, RunContext, split_chunk
from sim.batch.pool import run_pool, start_server
from sim.batch.worker import ChunkResult, failed_chunk, run_chunk

FIRST_INLINE_RUNS = 1200  # runs the parent plays while the forkserver starts (~0.5 s here)


def execute(
    ctx: RunContext,
    chunks: Iterable[Chunk | ChunkGroup],
    workers: int = 1,
    scheduler: str | None = None,
) -> Iterator[ChunkResult]:
    """Yield chunk results as they complete (any order). ``workers=1`` runs in this process."""
    if scheduler:
        from sim.batch.dask_backend import run_dask

        yield from run_dask(ctx, chunks, scheduler)
    elif workers <= 1:
        for chunk in chunks:
            yield run_chunk(ctx, chunk)
    else:
        yield from _local(ctx, chunks, workers)


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
