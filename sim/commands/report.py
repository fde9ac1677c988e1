"""``run.py report DIR [--out DIR]``: one self-contained HTML file of a batch's results.

The summary table, every figure of ``run.py plot`` (embedded), the experiment and scenario,
seeds, versions and commit, warnings; each figure names the command that reproduces it.
The file opens offline (nothing outside it is referenced). Exit 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand."""
    p = subparsers.add_parser(
        "report",
        help="one self-contained HTML file of a batch's results (to share)",
        description=(
            "Write one HTML file holding DIR's summary table, every figure (embedded), the "
            "experiment and scenario, seeds, versions and commit, and warnings such as an "
            "incomplete batch. It opens offline in any browser."
        ),
    )
    p.add_argument("dir", type=Path, metavar="DIR", help="batch results directory")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of report.html (default: the results DIR)",
    )


def run(args: argparse.Namespace) -> int:
    """Entry point of ``run.py report``."""
    import matplotlib

    matplotlib.use("Agg")
    from sim.analysis import BatchError
    from sim.batch.integrity import ResultsError, check_results
    from sim.files import write_atomic
    from sim.report.batch import batch_report, summary_tables
    from sim.report.html import render

    try:
        for line in check_results(args.dir):
            print(line, file=sys.stderr)
        report = batch_report(args.dir, summary_tables(args.dir)[1])
    except (BatchError, ResultsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = (args.out if args.out is not None else args.dir) / "report.html"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out, lambda tmp: Path(tmp).write_text(render(report), encoding="utf-8"))
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {out} ({len(report.figures)} figures, {out.stat().st_size / 1e6:.1f} MB)")
    return 0
