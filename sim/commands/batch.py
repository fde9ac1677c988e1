"""``run.py batch EXPERIMENT --out DIR``: run an experiment; and the no-argument main job.

Exit codes: 0 all runs done and ok; 1 the batch finished but some runs failed (recorded in
the runs table), or a backend/plot error; 2 invalid experiment or scenario (nothing
written), DIR holds another experiment or cannot be written, --scheduler without Dask or
an address where no scheduler answers; 3 the Dask scheduler was lost during the batch
(the runs received are written: rerun, locally or on a cluster, to resume); 130
interrupted (rerun the command to resume).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.commands import whole_number
from sim.early import EXIT_SCHEDULER_LOST

if TYPE_CHECKING:
    from sim.batch.plan import BatchOptions
    from sim.experiment import Experiment

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_EXPERIMENT = ROOT / "configs" / "experiments" / "default.toml"
DEFAULT_OUT = Path("results") / "default"


_positive = whole_number(1)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``batch`` subcommand."""
    p = subparsers.add_parser(
        "batch",
        help="run an experiment (design points x seeds) into a results directory",
        description=(
            "Run every design point of EXPERIMENT with its replicate seeds and write "
            "DIR/runs (one row per run), DIR/series (--series) and DIR/manifest.json. "
            "Running the same command again resumes: only missing runs run."
        ),
    )
    p.add_argument(
        "experiment",
        type=Path,
        metavar="EXPERIMENT",
        help="experiment file, or a shipped experiment's name (default, library, ...)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="results directory (default: results/<name>)",
    )
    p.add_argument(
        "--workers",
        type=_positive,
        default=None,
        metavar="N",
        help="local worker processes (default: cores)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://host:8786 (needs pip install '.[cluster]')",
    )
    p.add_argument("--series", action="store_true", help="also write per-round records")
    p.add_argument(
        "--engine",
        default=None,
        help="mesa or lockstep (default: the experiment's, else lockstep; same rows either way)",
    )
    p.add_argument(
        "--force", action="store_true", help="replace results of a different experiment in DIR"
    )
    p.add_argument(
        "--chunk-size",
        type=_positive,
        default=None,
        metavar="N",
        help="runs per task (default: automatic)",
    )
    p.add_argument("--quiet", dest="no_progress", action="store_true", help="no progress bar")
    p.add_argument(  # the earlier spelling, still accepted
        "--no-progress", dest="no_progress", action="store_true", help=argparse.SUPPRESS
    )
    p.add_argument("--runner", default=None, help=argparse.SUPPRESS)  # tests: inject a run fn


def run_experiment(
    experiment: Path, out: Path | None, options: BatchOptions | None = None, **changes: Any
) -> int:
    """Load, run and summarize one experiment; print errors as one line; return exit code.

    ``options`` (default :class:`sim.batch.plan.BatchOptions`), with ``changes`` to its
    fields."""
    from sim.batch.plan import BatchOptions
    from sim.config import ConfigError
    from sim.experiment import check_engine, load_experiment
    from sim.files import PathError, check_out_dir_path
    from sim.scenarios import experiment_file

    options = replace(options or BatchOptions(), **changes)
    try:
        check_engine("--engine", options.engine)
    except ConfigError as err:
        return _error(f"--engine: {err.expected}, got {options.engine!r}", 2)
    try:
        experiment = experiment_file(experiment)
    except ConfigError as err:
        return _error(str(err), 2)
    out = out if out is not None else Path("results") / experiment.stem
    try:
        exp = load_experiment(experiment)
        check_out_dir_path(out)
    except (ConfigError, PathError) as err:
        return _error(str(err), 2)
    return _batch(exp, out, options)


def _error(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _batch(exp: Experiment, out: Path, options: BatchOptions) -> int:
    """Run the batch, print its summary; map each way it can fail to its line and code."""
    from sim.batch.dask_backend import SchedulerLost, SchedulerUnreachable
    from sim.batch.pool import kill_all
    from sim.batch.prepare import BatchRefused
    from sim.batch.session import run_batch
    from sim.batch.store import WriteError
    from sim.batch.summarise import format_summary
    from sim.batch.worker import ExecuteError
    from sim.interrupt import EXIT_INTERRUPTED, stop_on_signals

    hard_stop = f"interrupted again: stopped at once; finished runs are in {out}; rerun to resume"
    try:
        with stop_on_signals(kill_all, hard_stop):
            result = run_batch(exp, out, options)
    except BatchRefused as err:
        return _error(str(err), 2)
    except SchedulerLost as err:
        return _error(str(err), EXIT_SCHEDULER_LOST)
    except ExecuteError as err:
        setup = "needs Dask" in str(err) or isinstance(err, SchedulerUnreachable)
        return _error(str(err), 2 if setup else 1)
    except KeyboardInterrupt:
        print(f"interrupted: finished runs are in {out}; rerun to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except WriteError as err:
        return _error(str(err), 2)
    except OSError as err:
        return _error(f"--out {out}: cannot write ({err.strerror}: {err.filename})", 2)
    print(format_summary(result))
    return 1 if result.runs_failed else 0


def run(args: argparse.Namespace) -> int:
    """Entry point of ``run.py batch``: its options, then :func:`run_experiment`."""
    from sim.batch.plan import DEFAULT_RUNNER, BatchOptions

    options = BatchOptions(
        workers=args.workers,
        scheduler=args.scheduler,
        series=args.series,
        force=args.force,
        chunk_size=args.chunk_size,
        runner=args.runner or DEFAULT_RUNNER,
        progress=not args.no_progress,
        engine=args.engine,
    )
    return run_experiment(args.experiment, args.out, options)


def main_job() -> int:
    """``python run.py`` with no arguments: the default experiment, with per-round series
    (for the plots over time), into results/default/, then its plots (when the plot
    command exists)."""
    name = DEFAULT_EXPERIMENT
    if name.is_relative_to(ROOT):
        name = name.relative_to(ROOT)
    print(f"running {name} into {DEFAULT_OUT}/", flush=True)
    _set_aside_stale(DEFAULT_EXPERIMENT, DEFAULT_OUT)
    code = run_experiment(DEFAULT_EXPERIMENT, DEFAULT_OUT, series=True)
    if code not in (0, 1):
        return code
    from sim.commands.plot import make_plots

    try:
        paths = make_plots(DEFAULT_OUT)
    except Exception as exc:  # the batch is safe on disk; say what broke, briefly
        print(f"error: plotting {DEFAULT_OUT} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"plots ({len(paths)}) in {DEFAULT_OUT / 'plots'}:")
    for path in paths:
        print(f"  {path}")
    return code


def _set_aside_stale(experiment: Path, out: Path) -> None:
    """If ``out`` holds results of an older default experiment, rename it (never delete):
    the main job should just work after the default experiment changes."""
    from sim.batch.prepare import BatchRefused, check_out_dir
    from sim.config import ConfigError
    from sim.experiment import load_experiment

    try:
        exp = load_experiment(experiment)
    except ConfigError:
        return  # run_experiment reports it
    try:
        check_out_dir(out, exp.hash(series=True), exp)
    except BatchRefused:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        aside = out.with_name(f"{out.name}.old-{stamp}")
        out.rename(aside)
        print(f"{out}/ held results of another experiment: moved to {aside}/", flush=True)
