"""``run.py plot DIR [--out FIGDIR] [--format png|svg|pdf]``: the figures that fit the batch.

Reads only DIR's stored tables (runs, series, manifest); which figures and their layout is
sim.plots.report. Exit codes: 0 written; 2 bad input (missing directory, no runs),
reported in one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FORMATS = ("png", "svg", "pdf")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``plot`` subcommand."""
    p = subparsers.add_parser(
        "plot",
        help="draw the figures of a batch results directory",
        description=(
            "Write the figures that fit DIR's design: P(each pact) per design point with "
            "95% Wilson intervals, time to formation (Kaplan-Meier), and with series the "
            "configuration shares and utility / support-share envelopes."
        ),
    )
    p.add_argument(
        "dir", type=Path, metavar="DIR", help="batch results directory (with runs/, manifest.json)"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="figure directory (default: DIR/plots)",
    )
    p.add_argument("--format", choices=FORMATS, default="png", help="file format (default png)")


def make_plots(batch_dir: str | Path, out_dir: str | Path | None = None, fmt: str = "png"):
    """Write every figure that fits the batch into out_dir (default DIR/plots); return paths.

    Raises sim.analysis.BatchError for a directory that cannot be read.
    """
    import matplotlib

    matplotlib.use("Agg")
    from sim.analysis import detect_design, load_batch
    from sim.plots.report import batch_figures

    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    batch = load_batch(batch_dir)
    out = Path(out_dir) if out_dir is not None else batch.path / "plots"
    design = detect_design(batch)
    if batch.ok_runs.empty:
        from sim.analysis import BatchError

        raise BatchError(f"every run in {batch.path} failed; nothing to plot")
    from sim.plots.forecast import forecast_figures

    return batch_figures(batch, design, out, fmt) + forecast_figures(batch, out, fmt)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``run.py plot``."""
    from sim.analysis import BatchError
    from sim.batch.integrity import ResultsError, check_results
    from sim.files import WriteError

    try:
        for line in check_results(args.dir):
            print(line, file=sys.stderr)
        paths = make_plots(args.dir, args.out, args.format)
    except (BatchError, ResultsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # sim.files.WriteError names the file whose write failed
        why = f"cannot write figures: {exc.strerror}: {exc.filename}"
        print(f"error: {exc if isinstance(exc, WriteError) else why}", file=sys.stderr)
        return 2
    print(f"{len(paths)} figures written:")
    for p in paths:
        print(f"  {p}")
    return 0
