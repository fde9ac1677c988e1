"""One batch session, stage by stage: prepare the output directory
(:mod:`sim.batch.prepare`) -> plan (:mod:`sim.batch.plan`) -> the manifest
(:mod:`sim.batch.manifest`) -> run (:mod:`sim.batch.run`) -> store each chunk
(:mod:`sim.batch.store`) -> summarise (:mod:`sim.batch.summarise`).

The parent process derives every seed, writes the manifest before any result, writes each
finished chunk at once and holds no per-round data; the summary is computed from three
columns read back from disk, so it is the same after a resume.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from sim.batch.dask_backend import SchedulerLost
from sim.batch.manifest import Manifest, build_manifest, close_session
from sim.batch.plan import (
    BatchOptions,
    Chunk,
    ChunkGroup,
    RunContext,
    plan_chunks,
    plan_execution,
    run_context,
)
from sim.batch.prepare import BatchRefused, prepare
from sim.batch.run import execute
from sim.batch.store import BatchStore
from sim.batch.summarise import BatchResult, summarize
from sim.experiment import Experiment
from sim.lock import DirLock, DirLocked


@dataclass(frozen=True)
class Session:
    """A running session: its batch, where it writes, and its manifest as it started (the
    manifest on disk is rewritten with the counts as the session goes)."""

    exp: Experiment
    store: BatchStore
    manifest: Manifest
    workers: int
    scheduler: str | None
    n_done: int  # runs written before this session
    progress: bool


def run_batch(
    exp: Experiment, out: str | Path, options: BatchOptions | None = None, **changes: Any
) -> BatchResult:
    """Run (or resume) an experiment into ``out``; see docs/results_schema.md.

    ``options`` (default :class:`BatchOptions`), with ``changes`` to its fields (``workers``,
    ``series``, ``engine``, ...). Holds ``out/.lock`` throughout (a second batch on ``out``
    raises :class:`BatchRefused`)."""
    options = replace(options or BatchOptions(), **changes)
    if options.scheduler:
        from sim.batch.dask_backend import check_scheduler

        check_scheduler(options.scheduler)  # Dask installed, the address answers: before any write
    lock = DirLock(out)
    try:
        lock.acquire()
    except DirLocked as err:
        raise BatchRefused(str(err)) from None
    try:
        return _session(exp, BatchStore(out), options)
    finally:
        lock.release()


def _session(exp: Experiment, store: BatchStore, options: BatchOptions) -> BatchResult:
    """Prepare, plan, write the manifest, run."""
    resume = prepare(store, exp, options.series, options.force)
    execution = plan_execution(exp, options, exp.runs_total - len(resume.done))
    manifest = build_manifest(exp, options.series, execution, resume.previous, len(resume.done))
    store.write_manifest(manifest.to_json())
    ctx = run_context(exp, exp.hash(options.series), options, execution.engine)
    chunks = plan_chunks(exp, execution, resume.done)
    session = Session(
        exp=exp,
        store=store,
        manifest=manifest,
        workers=execution.workers,
        scheduler=execution.scheduler,
        n_done=len(resume.done),
        progress=options.progress,
    )
    return _run(session, ctx, chunks)


def _run(session: Session, ctx: RunContext, chunks: Iterable[Chunk | ChunkGroup]) -> BatchResult:
    """Run the chunks, writing each at once; the manifest is rewritten from what is on disk
    at the end, however the session ends (done, Ctrl-C, a full disk)."""
    from tqdm import tqdm

    exp, store = session.exp, session.store
    bar = tqdm(
        total=exp.runs_total, initial=session.n_done, unit="run", file=sys.stderr,
        disable=not session.progress, dynamic_ncols=True, smoothing=0.05,
        mininterval=0.5 if sys.stderr.isatty() else 30,  # logs get a line every 30 s
    )  # fmt: skip
    ran_now = failed_now = 0
    last_save = time.monotonic()
    complete = False
    try:
        for result in execute(ctx, chunks, workers=session.workers, scheduler=session.scheduler):
            store.write_chunk(result.runs, result.series)
            ran_now += result.runs.num_rows
            failed_now += result.failed
            bar.update(result.runs.num_rows)
            if failed_now:
                bar.set_postfix(failed=failed_now, refresh=False)
            if time.monotonic() - last_save > 30:  # counts for anyone watching the manifest
                running = replace(session.manifest, runs_done=session.n_done + ran_now)
                store.write_manifest(running.to_json())
                last_save = time.monotonic()
        complete = True
    except BaseException as err:
        bar.close()
        # the first error is the one to tell (a full disk names the part that failed): the
        # manifest's own write failing too must not hide it
        with contextlib.suppress(OSError):
            _, _, closed = _closed(session, ran_now, complete)
            if isinstance(err, SchedulerLost):
                err.runs_written = closed.runs_done  # counted from disk as the session closed
            store.write_manifest(closed.to_json())
        raise
    bar.close()
    summary, failures, closed = _closed(session, ran_now, complete)
    store.write_manifest(closed.to_json())  # durably
    return BatchResult(
        out=store.out,
        parameters=exp.parameters,
        runs_total=exp.runs_total,
        runs_done=closed.runs_done,
        runs_failed=closed.runs_failed,
        ran_now=ran_now,
        summary=summary,
        failures=failures,
    )


def _closed(
    session: Session, ran_now: int, complete: bool
) -> tuple[pd.DataFrame, pd.DataFrame, Manifest]:
    """The summary and failures from the parts on disk, and the session's manifest closed
    with their counts."""
    store = session.store
    with contextlib.suppress(OSError):  # e.g. disk full: parts keep their own schemas
        store.harmonize()
    summary, failures = summarize(store, session.exp)
    return summary, failures, close_session(session.manifest, summary, ran_now, complete)
