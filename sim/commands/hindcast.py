"""``run.py hindcast CAL.toml --cutoff YYYY-MM --out DIR``: out-of-sample scores.

Calibrates on the targets dated up to the cutoff (the scenario's scheduled shocks after it
removed), forecasts the targets dated after it from the posterior with fresh runs, and
scores each against persistence and the prior predictive base rate (Brier 1950; CRPS,
Gneiting & Raftery 2007): ``DIR/scores.csv``, ``DIR/reliability.png``,
``DIR/manifest.json`` (docs/calibration.md, "Hindcast").

Exit codes: 0 scores written; 1 the model cannot reproduce the record to the cutoff;
2 bad input (one line, nothing written); 130 interrupted (rerun resumes).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

from sim.commands import whole_number
from sim.files import write_atomic


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``hindcast`` subcommand."""
    p = subparsers.add_parser(
        "hindcast",
        help="calibrate to a cutoff month, forecast what came after, score it",
        description=(
            "Out-of-sample validation: calibrate on the targets dated up to --cutoff, forecast "
            "the later ones with fresh runs, score them (Brier, CRPS) against persistence and "
            "the prior predictive base rate; writes DIR/scores.csv, DIR/reliability.png and "
            "DIR/manifest.json."
        ),
    )
    p.add_argument("calibration", type=Path, help="calibration file (TOML; dated targets)")
    p.add_argument("--cutoff", required=True, help="last month the hindcast sees [YYYY-MM]")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output directory")
    p.add_argument("--sets", type=whole_number(1), default=200, metavar="N",
                   help="parameter sets of the forecast and of the base rate "
                   "(default 200)")  # fmt: skip
    p.add_argument("--budget", type=whole_number(1), default=None, metavar="N",
                   help="calibration runs (default: the file's [smc] budget)")  # fmt: skip
    p.add_argument(
        "--workers",
        type=whole_number(1),
        default=None,
        metavar="N",
        help="local processes (default: every core)",
    )
    p.add_argument("--force", action="store_true", help="delete another hindcast in DIR")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _identity(cal, cutoff: str, sets: int) -> str:
    text = json.dumps({"calibration": cal.identity(), "cutoff": cutoff, "sets": sets},
                      sort_keys=True, default=str)  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()


def _check_out(out: Path, key: str, force: bool) -> str | None:
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file, expected a directory"
    if not out.is_dir() or not any(out.iterdir()):
        return None
    try:
        old = json.loads((out / "manifest.json").read_text()).get("hindcast_hash")
    except (OSError, ValueError):
        old = None
    if old == key:
        return None
    if not force:
        return f"{out} holds other results; use another --out, or --force to replace them"
    shutil.rmtree(out)
    return None


def run(args: argparse.Namespace) -> int:
    """Entry point of ``run.py hindcast``."""
    from sim.batch.worker import ExecuteError
    from sim.calibration.hindcast import setup
    from sim.calibration.spec import load_calibration
    from sim.config import ConfigError

    try:
        cal = load_calibration(args.calibration)
        hc = setup(cal, args.cutoff)
    except ConfigError as err:
        return _fail(str(err))
    key = _identity(cal, args.cutoff, args.sets)
    why = _check_out(args.out, key, args.force)
    if why:
        return _fail(why)
    import matplotlib

    matplotlib.use("Agg")
    started = time.monotonic()
    options = {"workers": args.workers, "scheduler": None, "progress": not args.quiet}
    try:
        code, lines, _scores = write_hindcast(hc, args.out, key, args, options)
    except ExecuteError as exc:
        return _fail(str(exc))
    lines.append(f"wall time {time.monotonic() - started:.0f} s")
    print("\n".join(lines), file=sys.stdout if code == 0 else sys.stderr)
    return code


def write_hindcast(hc, out: Path, key: str, args, options: dict):
    """Run the hindcast and write its table, figure and manifest; (code, lines, scores)."""
    from sim.batch.manifest import git_commit, versions
    from sim.batch.store import BatchStore
    from sim.calibration.hindcast_run import SCORES, mean_scores, run_hindcast
    from sim.calibration.output import now
    from sim.plots._common import save_figure
    from sim.plots.hindcast import plot_reliability

    out.mkdir(parents=True, exist_ok=True)
    report = (lambda _line: None) if args.quiet else None
    code, lines, scores = run_hindcast(hc, out, sets=args.sets, options=options,
                                       budget=args.budget, report=report)  # fmt: skip
    if code != 0:
        return code, lines, None
    write_atomic(out / SCORES, lambda tmp: scores.to_csv(tmp, index=False))
    sub = f"cutoff {hc.cutoff} · {len(scores)} events · {args.sets} sets per forecaster"
    fig = plot_reliability(scores, "Hindcast reliability: forecast probability of what "
                           "happened after the cutoff", sub)  # fmt: skip
    save_figure(fig, out / "reliability.png")
    means = mean_scores(scores)
    BatchStore(out).write_manifest({
        "hindcast_hash": key, "calibration": str(hc.forecast.file), "cutoff": hc.cutoff,
        "cutoff_round": hc.cutoff_round, "sets": args.sets,
        "fitted_targets": [t.name for t in hc.fit.spec.targets],
        "events": [t.name for t in hc.events], "removed_shocks": list(hc.removed_shocks),
        "removed_occasions": list(hc.removed_occasions),
        "removed_changes": list(hc.removed_changes),
        "mean_scores": means, "versions": versions(), "git_commit": git_commit(),
        "finished": now(), "status": "done",
    })  # fmt: skip
    lines += [f"hindcast with cutoff {hc.cutoff}: {len(scores)} events after it "
              f"(scheduled shocks removed: {', '.join(hc.removed_shocks) or 'none'}; "
              f"occasions removed: {', '.join(hc.removed_occasions) or 'none'}; "
              f"changes removed: {', '.join(hc.removed_changes) or 'none'})"]  # fmt: skip
    lines += [_score_line(r) for r in scores.to_dict("records")]
    lines.append("mean: " + ", ".join(f"{k} {v:.3f}" for k, v in means.items()))
    lines.append(f"wrote {out / SCORES} and {out / 'reliability.png'}")
    return 0, lines, scores


def _score_line(r: dict) -> str:
    return (f"  {r['event']} ({r['date']}): P model {r['p_model']:.3f}, persistence "
            f"{r['p_persistence']:.3f}, base rate {r['p_base_rate']:.3f}; Brier "
            f"{r['brier_model']:.3f} / {r['brier_persistence']:.3f} / "
            f"{r['brier_base_rate']:.3f}; CRPS {r['crps_model']:.3f} / "
            f"{r['crps_persistence']:.3f} / {r['crps_base_rate']:.3f}")  # fmt: skip
