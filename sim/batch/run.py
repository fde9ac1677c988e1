"""Where a batch's chunks run: in this process, a local pool, or a Dask cluster.

The one place that chooses the backend, above both (:mod:`sim.batch.worker` has the chunks, the
local pool and the worker code; :mod:`sim.batch.dask_backend` the cluster), so neither imports
the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sim.batch.worker import Chunk, ChunkGroup, ChunkResult, RunContext, _local, run_chunk


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
