"""Experiment batches: plan the runs, skip those already written, run the rest, summarize.

The parent process derives every seed, writes the manifest before any result, writes each
finished chunk at once (sim.batch.store) and holds no per-round data; the summary is computed
from three columns read back from disk, so it is the same after a resume.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.batch.dask_backend import SchedulerLost
from sim.batch.extend import extend, extends
from sim.batch.integrity import Design as IntegrityDesign
from sim.batch.integrity import ManifestError, quarantine, read_manifest, scan
from sim.batch.manifest import design_record, git_commit, now, versions
from sim.batch.run import execute
from sim.batch.store import BatchStore
from sim.batch.worker import DEFAULT_RUNNER, Chunk, RunContext, make_chunks
from sim.experiment import Experiment
from sim.files import probe_writable
from sim.lock import DirLock, DirLocked
from sim.point_summary import COUNTS, count_runs, point_summary
from sim.runner import DEFAULT_ENGINE, scenario_info
from sim.version import MODEL_VERSION


class BatchRefused(Exception):
    """The output directory holds results of a different experiment (and no --force)."""


@dataclass(frozen=True)
class BatchResult:
    """Counts after the batch and the per-point summary table."""

    out: Path
    parameters: list[str]
    runs_total: int
    runs_done: int
    runs_failed: int
    ran_now: int
    summary: pd.DataFrame
    failures: pd.DataFrame


def default_workers() -> int:
    """Cores this process may use (affinity-aware where the OS tells)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def auto_chunk_size(
    n_runs: int, workers: int, engine: str = DEFAULT_ENGINE, guided: bool = False
) -> int:
    """Big enough to amortise task overhead, small enough to spread work and lose little
    (a chunk is a few seconds of work at most; lockstep runs a chunk's seeds together).
    ``guided``: chunks shrink towards the end anyway (:func:`sim.batch.worker.make_chunks`), so
    the largest size need not spread the work."""
    spread = math.ceil(n_runs / (8 * max(1, workers)))
    if engine == "lockstep":
        # ~0.30 ms per run with 2,000 runs together, ~0.31 at 1,000, ~0.45 at 250 (measured;
        # chunks span design points): efficiency matters more than spreading, within a
        # second per chunk. One process has nothing to spread.
        wide = guided or workers <= 1
        return max(1, min(LOCKSTEP_CHUNK, n_runs if wide else max(1000, spread), n_runs))
    return max(1, min(25, spread))


LOCKSTEP_CHUNK = 2000  # largest lockstep chunk (about 0.7 s)
GUIDED_MIN = {"lockstep": 250, "mesa": 1}  # smallest chunk of guided scheduling
# Chunks span design points (sim.rules.stack) when points have fewer replicates: a round
# costs ~25 ms of overhead per call and stacked runs ~13% more each (measured, 2,000 runs),
# so stacking pays below ~500 runs per point.
STACK_BELOW = 500


def summarize(store: BatchStore, exp: Experiment) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per point: its parameters and the counts and P(trilateral) of
    :func:`sim.point_summary.point_summary`; and the failed runs (run_id, point_id, seed,
    error). Reads part by part, keeping only per-point counts and the failed runs, so
    memory does not grow with the batch."""
    cols = ["run_id", "point_id", "seed", "status", "error", "target_formed"]
    points = pd.DataFrame(exp.design.points or [{}])
    points.index.name = "point_id"
    n_points = len(points)
    counts = np.zeros((len(COUNTS), n_points), dtype=np.int64)  # runs, failed, n, k
    failed_parts = []
    for part in store.iter_tables(cols):  # Arrow and numpy: no Python object per run
        pid = part.column("point_id").to_numpy()
        ok = pc.fill_null(pc.equal(part.column("status"), "ok"), False).to_numpy()
        formed = np.zeros(len(pid), dtype=bool)
        if "target_formed" in part.column_names:
            formed = pc.fill_null(part.column("target_formed"), False).to_numpy()
        counts += count_runs(pid, ok, formed, n_points)
        if not ok.all():
            keep = [c for c in ("run_id", "point_id", "seed", "error") if c in part.column_names]
            failed_parts.append(part.filter(pa.array(~ok)).select(keep).to_pandas())
    frame = pd.DataFrame(dict(zip(COUNTS, counts, strict=True)), index=points.index)
    table = points.join(point_summary(frame, points.index))
    failures = (
        pd.concat(failed_parts).sort_values("run_id").reset_index(drop=True)
        if failed_parts
        else pd.DataFrame(columns=["run_id", "point_id", "seed", "error"])
    )
    return table, failures


def check_out_dir(out: str | Path, exp_hash: str, exp: Experiment | None = None) -> None:
    """Raise :class:`BatchRefused` if ``out`` holds results of another experiment (one that
    ``exp``, given, extends is not another)."""
    extended = partial(extends, exp=exp, series=True) if exp is not None else None
    try:
        _check_out_dir(BatchStore(out), exp_hash, force=False, extended=extended)
    except ManifestError as err:
        raise BatchRefused(str(err)) from None


def _check_out_dir(
    store: BatchStore, exp_hash: str, force: bool, extended: Any = None
) -> dict[str, Any] | None:
    """The previous manifest if DIR holds this experiment by this model version, or one it
    extends (``extended(old)``: more replicates, points appended); refuse (or with
    ``force`` clear) anything else."""
    try:
        old = read_manifest(store.manifest_path)
    except ManifestError as err:
        if not force:
            raise BatchRefused(f"{err}; use --force to delete the results and start over") from None
        old = {}
    if old is None and not store.has_results():
        return None
    same = old is not None and old.get("experiment_hash") == exp_hash
    if same and old.get("model_version") == MODEL_VERSION:
        return old
    if old and old.get("model_version") == MODEL_VERSION and extended and extended(old):
        return old
    if force:
        store.clear()
        return None
    if same:
        theirs = old.get("model_version") or "unrecorded"
        raise BatchRefused(
            f"{store.out} holds results of model version {theirs}, this is model version "
            f"{MODEL_VERSION}; resuming would mix them: use another --out, or --force to "
            "delete them and start over"
        )
    what = "results of a different experiment"
    if old is None:
        what = "results without a manifest.json"
    elif (old.get("experiment") or {}).get("file"):
        what = f"results of a different experiment ({old['experiment']['file']})"
    raise BatchRefused(
        f"{store.out} holds {what}; use another --out, or --force to delete them "
        "(runs/, series/, manifest.json) and start over"
    )


def _warn(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _resume_state(store: BatchStore, exp: Experiment, series: bool) -> set[int]:
    """Clean leftovers, set aside foreign/corrupt/duplicate parts; the run_ids done."""
    store.prepare_folders()
    for folder in (store.out, store.runs_dir, store.series_dir):
        probe_writable(folder)  # a read-only runs/ is found now, not after the first chunk
    seeds = np.asarray(exp.seeds, dtype=np.int64)
    rounds = exp.rounds if series else None  # every ok run's series rows are checked
    design = IntegrityDesign(exp.spec.replicates, exp.runs_total, seeds, rounds)
    found = scan(store, design)
    if found.problems:
        quarantine(store, found.problems, _warn)
        found = scan(store, design)
    store.harmonize()
    return {int(i) for ids in found.run_ids.values() for i in ids}


def _manifest(
    exp: Experiment, old: dict[str, Any] | None, done: set[int], series: bool, run: dict
) -> dict[str, Any]:
    """The manifest of this session (earlier sessions kept, each with its code version)."""
    exp_hash = exp.hash(series)
    commit = git_commit()
    return {
        "experiment": exp.resolved(series) | {"name": exp.file.stem},
        "experiment_hash": exp_hash,
        "model_version": MODEL_VERSION,
        "scenario": exp.scenario_raw,
        **({"scenarios": exp.variants} if exp.variants else {}),
        "scenario_info": scenario_info(exp.base_scenario(), exp.parameters),
        "root_seed": exp.spec.root_seed,
        "seeds": exp.seeds,
        "design": design_record(exp),
        "engine": run["engine"],
        "versions": versions(),
        "git_commit": (old or {}).get("git_commit", commit) if done else commit,
        "started": (old or {}).get("started") or now(),
        "finished": None,
        "sessions": [
            *(old or {}).get("sessions", []),
            {
                "started": now(),
                "resumed": bool(done),
                "engine": run["engine"],
                "git_commit": commit,
                "model_version": MODEL_VERSION,
                "pid": os.getpid(),
            },
        ],
        "execution": {
            "workers": None if run["scheduler"] else run["workers"],
            "scheduler": run["scheduler"],
            "chunk_size": run["chunk_size"],
            "min_chunk_size": run["min_chunk_size"],
        },
        **({"extended": old["extended"]} if old and old.get("extended") else {}),
        "runs_total": exp.runs_total,
        "runs_done": len(done),
        "runs_failed": (old or {}).get("runs_failed", 0) if done else 0,
    }


def run_batch(
    exp: Experiment,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    series: bool = False,
    force: bool = False,
    chunk_size: int | None = None,
    runner: str = DEFAULT_RUNNER,
    progress: bool = True,
    engine: str | None = None,
) -> BatchResult:
    """Run (or resume) an experiment into ``out``; see docs/results_schema.md.

    ``engine``: this call's engine, else the experiment file's, else :data:`DEFAULT_ENGINE`.
    Holds ``out/.lock`` throughout (a second batch on ``out`` raises :class:`BatchRefused`).
    """
    engine = engine or exp.spec.engine or DEFAULT_ENGINE
    if scheduler:
        from sim.batch.dask_backend import check_scheduler

        check_scheduler(scheduler)  # Dask installed, the address answers: before any write
    lock = DirLock(out)
    try:
        lock.acquire()
    except DirLocked as err:
        raise BatchRefused(str(err)) from None
    try:
        store = BatchStore(out)
        old = _check_out_dir(
            store, exp.hash(series), force, partial(extends, exp=exp, series=series)
        )
        if old is not None and old.get("experiment_hash") != exp.hash(series):
            extend(store, old, exp, _warn)
        done = _resume_state(store, exp, series)
        workers = workers or default_workers()
        guided = workers if chunk_size is None and not scheduler and workers > 1 else 0
        pending = exp.runs_total - len(done)
        # a cluster's workers are not counted here: spread its chunks as over many
        processes = workers if not scheduler else max(workers, 8)
        size = chunk_size or auto_chunk_size(pending, processes, engine, guided > 0)
        smallest = min(size, GUIDED_MIN.get(engine, 1)) if guided else size
        run = {"engine": engine, "scheduler": scheduler, "workers": workers, "chunk_size": size}
        run["min_chunk_size"] = smallest  # guided: chunks shrink to it towards the end
        manifest = _manifest(exp, old, done, series, run)
        store.write_manifest(manifest)
        ctx = RunContext(
            key=manifest["experiment_hash"],
            scenario_raw=exp.scenario_raw,
            scenario_source=str(exp.scenario_path),
            rounds=exp.rounds,
            design_columns=tuple(exp.parameters),
            series=series,
            engine=engine,
            runner=runner,
            variants=exp.variants,
        )
        # few replicates per point: lockstep runs of several points advance together
        span = engine == "lockstep" and runner == DEFAULT_RUNNER and not series
        span &= exp.spec.replicates < STACK_BELOW
        chunks = make_chunks(
            exp.design.points, exp.seeds, size, done,
            guided_workers=guided, min_size=smallest, span_points=span,
        )  # fmt: skip
        return _run(store, exp, manifest, ctx, chunks, len(done), run, progress)
    except SchedulerLost as err:
        err.runs_written = manifest["runs_done"]  # counted from disk as the session closed
        raise
    finally:
        lock.release()


def _run(
    store: BatchStore,
    exp: Experiment,
    manifest: dict[str, Any],
    ctx: RunContext,
    chunks: Iterable[Chunk],
    n_done: int,
    run: dict[str, Any],
    progress: bool,
) -> BatchResult:
    """Run the chunks, writing each at once; the manifest is rewritten from what is on disk
    at the end, however the session ends (done, Ctrl-C, a full disk)."""
    from tqdm import tqdm

    bar = tqdm(
        total=exp.runs_total, initial=n_done, unit="run", file=sys.stderr,
        disable=not progress, dynamic_ncols=True, smoothing=0.05,
        mininterval=0.5 if sys.stderr.isatty() else 30,  # logs get a line every 30 s
    )  # fmt: skip
    ran_now = failed_now = 0
    last_save = time.monotonic()
    complete = False
    try:
        for result in execute(ctx, chunks, workers=run["workers"], scheduler=run["scheduler"]):
            store.write_chunk(result.runs, result.series)
            ran_now += result.runs.num_rows
            failed_now += result.failed
            bar.update(result.runs.num_rows)
            if failed_now:
                bar.set_postfix(failed=failed_now, refresh=False)
            if time.monotonic() - last_save > 30:  # counts for anyone watching the manifest
                manifest["runs_done"] = n_done + ran_now
                store.write_manifest(manifest)
                last_save = time.monotonic()
        complete = True
    except BaseException:
        bar.close()
        # the first error is the one to tell (a full disk names the part that failed): the
        # manifest's own write failing too must not hide it
        with contextlib.suppress(OSError):
            _close_session(store, exp, manifest, ran_now, complete)
        raise
    bar.close()
    summary, failures = _close_session(store, exp, manifest, ran_now, complete)
    return BatchResult(
        out=store.out,
        parameters=exp.parameters,
        runs_total=exp.runs_total,
        runs_done=manifest["runs_done"],
        runs_failed=manifest["runs_failed"],
        ran_now=ran_now,
        summary=summary,
        failures=failures,
    )


def _close_session(
    store: BatchStore, exp: Experiment, manifest: dict, ran_now: int, complete: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts from the parts on disk into the manifest (written durably)."""
    with contextlib.suppress(OSError):  # e.g. disk full: parts keep their own schemas
        store.harmonize()
    summary, failures = summarize(store, exp)
    manifest["runs_done"] = int(summary["runs"].sum())
    manifest["runs_failed"] = int(summary["failed"].sum())
    manifest["sessions"][-1]["finished"] = now()
    manifest["sessions"][-1]["runs"] = ran_now
    if complete:
        manifest["finished"] = now()
    store.write_manifest(manifest)
    return summary, failures


def _fmt(value: Any) -> str:
    """A design value for a line of text: numbers to 4 significant digits, others as is."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def format_summary(result: BatchResult, max_points: int = 40) -> str:
    """Readable end-of-batch summary: P(trilateral) per point with its 95% Wilson interval."""
    table = result.summary
    params = result.parameters
    lines = [
        f"{result.runs_done}/{result.runs_total} runs in {result.out} "
        f"({result.ran_now} run now, {result.runs_failed} failed)",
        "P(trilateral) per design point, 95% Wilson interval:",
    ]
    for point_id, row in table.head(max_points).iterrows():
        values = ", ".join(f"{p}={_fmt(row[p])}" for p in params) or "base scenario"
        if row["n"] > 0:
            lo, hi = row["p_target_lo"], row["p_target_hi"]
            p = f"{row['p_target']:.3f} [{lo:.3f}, {hi:.3f}]"
        else:
            p = "n/a"
        fail = f", {int(row['failed'])} failed" if row["failed"] else ""
        lines.append(f"  point {point_id:>3}  {values}:  {p}  (n={int(row['n'])}{fail})")
    if len(table) > max_points:
        lines.append(f"  ... {len(table) - max_points} more points (read {result.out / 'runs'})")
    if len(result.failures):
        lines.append(f"failures: {len(result.failures)} runs (tracebacks in the error column)")
        for _, row in result.failures.head(5).iterrows():
            last = str(row.get("error") or "").strip().splitlines()[-1:] or ["?"]
            lines.append(f"  run {row['run_id']} (seed {row['seed']}): {last[0]}")
    else:
        lines.append("failures: none")
    return "\n".join(lines)
