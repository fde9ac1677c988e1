"""``run.py calibrate CAL.toml --out DIR``: ABC-SMC calibration of a scenario to the record.

Exit codes: 0 posterior written; 1 the model cannot reproduce a target (message names it,
no posterior written); 2 bad input (one line, nothing written); 130 interrupted (what is
written is kept: running the same command again resumes).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from sim.commands import whole_number


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` subcommand."""
    positive_int = whole_number(1)
    p = subparsers.add_parser(
        "calibrate",
        help="calibrate a scenario's parameters to observed events (ABC-SMC)",
        description=(
            "Approximate Bayesian computation with sequential Monte Carlo: each generation "
            "of parameter sets is one batch in DIR/gen-XX (resumable); writes "
            "DIR/posterior.parquet, DIR/manifest.json and DIR/plots."
        ),
    )
    p.add_argument("calibration", type=Path, metavar="CALIBRATION.toml", help="calibration file")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output directory")
    p.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        metavar="N",
        help="local worker processes (default: every core)",
    )
    p.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler, e.g. tcp://host:8786"
    )
    p.add_argument(
        "--budget",
        type=positive_int,
        default=None,
        metavar="N",
        help="maximum runs in all (default: the file's [smc] budget)",
    )
    p.add_argument("--force", action="store_true", help="delete another calibration in DIR")
    p.add_argument("--no-plots", action="store_true", help="skip the figures")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument(
        "--predictive-sets", type=whole_number(0), default=200,
        help="posterior sets run with fresh seeds for the predictive check (0: none; default 200)",
    )  # fmt: skip
    p.add_argument("--no-progress", dest="quiet", action="store_true", help=argparse.SUPPRESS)


def _fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _check_out(out: Path, cal_hash: str, force: bool) -> str | None:
    """None if DIR may be used (clearing another calibration with --force), else why not."""
    import json

    if out.exists() and not out.is_dir():
        return f"--out {out} is a file, expected a directory"
    manifest = out / "manifest.json"
    if not manifest.exists():
        if out.is_dir() and any(out.iterdir()) and not force:
            return f"{out} is not empty and holds no calibration; use another --out or --force"
        return None
    try:
        old = json.loads(manifest.read_text()).get("calibration_hash")
    except (OSError, ValueError):
        old = None
    if old == cal_hash:
        return None
    if not force:
        return (
            f"{out} holds a different calibration; use another --out, or --force to delete "
            "it and start over"
        )
    for path in out.iterdir():
        if path.name.startswith("gen-") or path.name in ("plots", "predictive"):
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file():
            path.unlink()
    return None


def run(args: argparse.Namespace) -> int:
    """Entry point of ``run.py calibrate``."""
    from sim.batch.worker import ExecuteError
    from sim.calibration.report import finish, start_manifest
    from sim.calibration.smc import run_smc
    from sim.calibration.spec import load_calibration
    from sim.config import ConfigError

    try:
        cal = load_calibration(args.calibration)
    except ConfigError as err:
        return _fail(str(err))
    smc = cal.spec.smc
    per_gen = smc.population * cal.spec.replicates
    budget = args.budget or smc.budget
    if budget < per_gen:
        return _fail(f"--budget {budget} is below one generation ({per_gen} runs)")
    if args.scheduler:
        from sim.batch.dask_backend import check_scheduler

        try:
            check_scheduler(args.scheduler)
        except ExecuteError as exc:
            return _fail(str(exc))
    why = _check_out(args.out, cal.hash(), args.force)
    if why:
        return _fail(why)
    started = time.monotonic()
    manifest = start_manifest(cal, args.out, budget)
    try:
        result = run_smc(
            cal, args.out, budget=budget, workers=args.workers, scheduler=args.scheduler,
            progress=not args.quiet,
        )  # fmt: skip
    except ExecuteError as exc:
        return _fail(str(exc))
    figures = None
    if not args.no_plots:
        import matplotlib

        matplotlib.use("Agg")  # headless figures
        from sim.plots.calibration import calibration_figures as figures
    options = {"workers": args.workers, "scheduler": args.scheduler,
               "progress": not args.quiet}  # fmt: skip
    try:
        code, lines = finish(cal, args.out, result, manifest, time.monotonic() - started,
                             figures=figures, predictive_sets=args.predictive_sets,
                             options=options)  # fmt: skip
    except ExecuteError as exc:
        return _fail(str(exc))
    stream = sys.stdout if code == 0 else sys.stderr
    print("\n".join(lines), file=stream)
    return code
