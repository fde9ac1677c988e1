"""``run.py export DIR [--out DIR] [--series]``: the runs table (and the series) as CSV, for
users outside Python (spreadsheets, R, Stata). The Parquet parts stay the reference; the CSV
has the same columns (docs/results_schema.md), one row per run. Exit 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``export`` subcommand."""
    p = subparsers.add_parser(
        "export",
        help="write a batch's runs table (and series) as CSV beside the Parquet parts",
        description=(
            "Write DIR/runs.csv (one row per run, the columns of the Parquet runs table) "
            "and with --series DIR/series.csv (one row per run and month)."
        ),
    )
    p.add_argument("dir", type=Path, metavar="DIR", help="batch results directory")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of the CSV files (default: DIR)",
    )
    p.add_argument("--series", action="store_true", help="also write the per-month series")


def export_csv(batch_dir: Path, out: Path, series: bool) -> list[Path]:
    """Write runs.csv (and series.csv) into ``out``; return the paths."""
    from sim.analysis import BatchError, load_batch
    from sim.files import write_atomic

    batch = load_batch(batch_dir, with_series=series)
    if series and batch.series is None:
        raise BatchError(f"{batch_dir} has no series (run the batch with --series)")
    out.mkdir(parents=True, exist_ok=True)
    tables = [("runs.csv", batch.runs)] + ([("series.csv", batch.series)] if series else [])
    return [
        write_atomic(out / name, lambda tmp, t=table: t.to_csv(tmp, index=False))
        for name, table in tables
    ]


def run(args: argparse.Namespace) -> int:
    """Entry point of ``run.py export``."""
    from sim.analysis import BatchError
    from sim.batch.integrity import ResultsError, check_results

    try:
        for line in check_results(args.dir):
            print(line, file=sys.stderr)
        paths = export_csv(args.dir, args.out or args.dir, args.series)
    except (BatchError, ResultsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write CSV: {exc}", file=sys.stderr)
        return 2
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0
