"""``run.py report DIR [--out DIR]``: one self-contained HTML file of a results directory.

DIR may be a batch (``run.py batch``), a comparison (``run.py compare --out``), a
calibration (``run.py calibrate``) or a hindcast (``run.py hindcast``), told apart by the
files each writes (:mod:`sim.report.kinds`). The page holds the tables, every figure
(embedded), the experiment and scenario, seeds, versions and commit, and warnings (an
incomplete batch, an unconverged posterior); each figure names the command that reproduces
it. The file opens offline (nothing outside it is referenced). Exit 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand."""
    p = subparsers.add_parser(
        "report",
        help="one self-contained HTML file of a batch, comparison, calibration or hindcast",
        description=(
            "Write DIR/report.html holding DIR's tables, every figure (embedded), the "
            "experiment and scenario, seeds, versions and commit, and warnings such as an "
            "incomplete batch or an unconverged posterior. DIR: a batch, a comparison "
            "(run.py compare --out), a calibration or a hindcast directory. It opens offline "
            "in any browser."
        ),
    )
    p.add_argument("dir", type=Path, metavar="DIR", help="results directory (any kind)")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of report.html (default: the results DIR)",
    )


def build_report(path: Path):
    """The :class:`~sim.report.html.Report` of any kind of results directory; raises
    BatchError, ResultsError or ReportError (one line) for a bad one."""
    from sim.report.common import ReportError
    from sim.report.kinds import not_results, result_kind

    kind = result_kind(path)
    if kind == "calibration":
        from sim.report.calibration import calibration_report

        return calibration_report(path)
    if kind == "hindcast":
        from sim.report.calibration import hindcast_report

        return hindcast_report(path)
    if kind == "comparison":
        from sim.commands.compare import display
        from sim.report.compare import comparison_report

        return comparison_report(path, display)
    if kind is None:  # a missing folder too (it was "batch directory not found")
        raise ReportError(not_results(path))
    from sim.batch.integrity import check_results
    from sim.report.batch import batch_report, summary_tables

    for line in check_results(path):
        print(line, file=sys.stderr)
    return batch_report(path, summary_tables(path)[1])


def run(args: argparse.Namespace) -> int:
    """Entry point of ``run.py report``."""
    import matplotlib

    matplotlib.use("Agg")
    from sim.analysis import BatchError
    from sim.batch.integrity import ResultsError
    from sim.files import write_atomic
    from sim.report.common import ReportError
    from sim.report.html import render

    try:
        report = build_report(args.dir)
    except (BatchError, ResultsError, ReportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = (args.out if args.out is not None else args.dir) / "report.html"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out, lambda tmp: Path(tmp).write_text(render(report), encoding="utf-8"))
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return 2
    n = len(report.figures)
    print(f"wrote {out} ({n} figure{'' if n == 1 else 's'}, {out.stat().st_size / 1e6:.1f} MB)"
          f"{provenance(args.dir)}")  # fmt: skip
    return 0


def provenance(path: Path) -> str:
    """``'; results of trilateral-sim 0.3.0, model version 3, commit C'`` from what
    DIR/manifest.json records (for citing them), or '' (a comparison has no manifest)."""
    import json

    try:
        m = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    if not isinstance(m, dict):
        return ""
    package = (m.get("versions") or {}).get("trilateral-sim")
    parts = [
        f"trilateral-sim {package}" if package else "",
        f"model version {m['model_version']}" if m.get("model_version") else "",
        f"commit {m['git_commit']}" if m.get("git_commit") else "",
    ]
    found = ", ".join(p for p in parts if p)
    return f"; results of {found}" if found else ""
