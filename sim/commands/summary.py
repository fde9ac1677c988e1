"""``run.py summary DIR``: outcome table per design point, printed and written beside the results.

Per design point: n successful runs, failures, P(trilateral) with its 95% Wilson interval,
median formation month among runs where it formed, P of each other pact. Writes
DIR/summary.csv (full precision) and DIR/summary.md (rounded). Exit 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from sim.analysis.display import summary_view
from sim.analysis.markdown import markdown


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``summary`` subcommand."""
    p = subparsers.add_parser(
        "summary",
        help="table of outcome probabilities per design point",
        description=(
            "Print per design point: n, P(trilateral) with a 95% Wilson interval, median "
            "month of formation among runs where it formed, P of each bilateral pact, and "
            "failures; also write DIR/summary.csv and DIR/summary.md."
        ),
    )
    p.add_argument("dir", type=Path, metavar="DIR", help="batch results directory")


def notes(batch, table: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Warnings and legends written above the table in summary.md (the warnings are not
    printed again: ``check_results`` has said them on stderr)."""
    from sim.analysis.checks import incomplete
    from sim.lock import holder

    # counted from the parts read (the manifest's count lags a running or killed batch);
    # a running batch is not incomplete: check_results says it runs
    done = {**batch.manifest, "runs_done": len(batch.runs)}
    warnings = [w for w in [incomplete(done)] if w and holder(batch.path) is None]
    legends = []
    if "scenario_value" in table and table["scenario_value"].any():
        legends.append("* = the design point at the scenario's own values")
    return warnings, legends


def write_summary(batch_dir: str | Path) -> tuple[pd.DataFrame, list[Path], list[str]]:
    """Build the summary of a batch, write CSV and Markdown into it; return (text, paths,
    legends to print above it)."""
    from sim.analysis import detect_design, load_batch, summary_table
    from sim.files import write_atomic

    batch = load_batch(batch_dir, with_series=False)
    design = detect_design(batch)
    table = summary_table(batch, design)
    from sim.analysis.ties import initial_pacts

    started = initial_pacts(batch.manifest, batch.info)
    shown, left_out = summary_view(table, batch.info, batch.runs, list(design.varying), started)
    csv_path = batch.path / "summary.csv"
    md_path = batch.path / "summary.md"
    write_atomic(csv_path, lambda tmp: table.to_csv(tmp, index=False))
    head = (
        f"# Summary of experiment '{batch.name}'\n\n"
        f"{len(batch.runs):,} runs ({int((batch.runs['status'] != 'ok').sum())} failed) over "
        f"{design.n_points} design point(s); P = share of successful runs in which the pact "
        "was ever active (still active at the end, for pacts active at the start); P(... at "
        "end): active after the last month; 95% "
        "Wilson intervals; median formation month among runs where the "
        f"trilateral pact ({batch.info.target}) formed (round 0 = {batch.info.start}), "
        "with the number of those runs; tied A-B: share of runs in which some pact holding "
        "both A and B is active at the end.\n\n"
    )
    warnings, legends = notes(batch, table)
    if left_out:  # many pacts: the flat ones are named, not given columns
        legends = [*legends, *left_out.split("\n")]
    text = head + "".join(f"{line}\n\n" for line in warnings + legends) + markdown(shown)
    write_atomic(md_path, lambda tmp: tmp.write_text(text))
    return shown, [csv_path, md_path], legends


def _forecast(batch_dir: Path):
    """(display table, paths) of a posterior design's forecast; None for other designs."""
    from sim.analysis import load_batch
    from sim.analysis.forecast import is_posterior, write_forecast

    batch = load_batch(batch_dir, with_series=False)
    return write_forecast(batch) if is_posterior(batch) else None


def run(args: argparse.Namespace) -> int:
    """Entry point of ``run.py summary``."""
    from sim.analysis import BatchError
    from sim.batch.integrity import ResultsError, check_results

    try:
        for line in check_results(args.dir):
            print(line, file=sys.stderr)
        shown, paths, extra = write_summary(args.dir)
        forecast = _forecast(args.dir)
    except (BatchError, ResultsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in extra:
        print(line)
    if forecast is not None:  # a posterior design: the forecast instead of 100s of points
        shown, more = forecast
        paths += more
    with pd.option_context(
        "display.width", 200, "display.max_columns", None, "display.max_rows", 200
    ):
        print(shown.to_string(index=False))
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0
