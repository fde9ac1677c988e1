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


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``summary`` subcommand."""
    p = subparsers.add_parser(
        "summary",
        help="table of outcome probabilities per design point",
        description=(
            "Print per design point: n, P(trilateral) with a 95%% Wilson interval, median "
            "month of formation among runs where it formed, P of each bilateral pact, and "
            "failures; also write DIR/summary.csv and DIR/summary.md."
        ),
    )
    p.add_argument("dir", type=Path, help="batch results directory")


def display_table(table: pd.DataFrame, params: list[str], pacts: list[str]) -> pd.DataFrame:
    """The summary as text columns for printing and Markdown (percentages, dates)."""
    out = pd.DataFrame({"point": table["point_id"]})
    for p in params:
        out[p] = table[p].map(lambda v: f"{v:.4g}")
    out["n"] = table["n"]
    out["failed"] = table["failed"]
    out["P(trilateral) [95% CI]"] = [
        f"{p:.1%} [{lo:.1%}, {hi:.1%}]" if pd.notna(p) else "–"
        for p, lo, hi in zip(
            table["p_trilateral"], table["p_trilateral_lo"], table["p_trilateral_hi"], strict=True
        )
    ]
    out["median formation"] = [
        f"{d} (round {r:g})" if pd.notna(r) else "never"
        for d, r in zip(table["median_date"], table["median_round"], strict=True)
    ]
    for pact in pacts:
        col = f"p.{pact}"
        if col in table:
            out[f"P({pact})"] = table[col].map(lambda v: f"{v:.1%}" if pd.notna(v) else "–")
    return out


def markdown(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (no extra dependency)."""
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines) + "\n"


def write_summary(batch_dir: str | Path) -> tuple[pd.DataFrame, list[Path]]:
    """Build the summary of a batch, write CSV and Markdown into it; return (text, paths)."""
    from sim.analysis import detect_design, load_batch, summary_table

    batch = load_batch(batch_dir, with_series=False)
    design = detect_design(batch)
    table = summary_table(batch, design)
    shown = display_table(table, list(design.varying), list(batch.info.other_pacts))
    csv_path = batch.path / "summary.csv"
    md_path = batch.path / "summary.md"
    table.to_csv(csv_path, index=False)
    head = (
        f"# Summary of experiment '{batch.name}'\n\n"
        f"{len(batch.runs):,} runs ({int((batch.runs['status'] != 'ok').sum())} failed) over "
        f"{design.n_points} design point(s); P = share of successful runs in which the pact "
        f"was ever active; 95% Wilson intervals; median formation month among runs where the "
        f"trilateral pact ({batch.info.target}) formed (round 0 = {batch.info.start}).\n\n"
    )
    md_path.write_text(head + markdown(shown))
    return shown, [csv_path, md_path]


def run(args: argparse.Namespace) -> int:
    """Entry point of ``run.py summary``."""
    from sim.analysis import BatchError
    from sim.integrity import ResultsError, check_results

    try:
        for line in check_results(args.dir):
            print(line, file=sys.stderr)
        shown, paths = write_summary(args.dir)
    except (BatchError, ResultsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with pd.option_context(
        "display.width", 200, "display.max_columns", None, "display.max_rows", 200
    ):
        print(shown.to_string(index=False))
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0
