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

from sim.analysis.markdown import markdown


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


def display_table(
    table: pd.DataFrame, params: list[str], pacts: list[str], started: frozenset = frozenset()
) -> pd.DataFrame:
    """The summary as text columns for printing and Markdown (percentages, dates); pacts
    in ``started`` (active at round 0) show P(still active at the end), not P(ever formed)."""
    out = pd.DataFrame({"point": table["point_id"]})
    if "scenario_value" in table and table["scenario_value"].any():
        out["point"] = [
            f"{pid} *" if own else str(pid)
            for pid, own in zip(table["point_id"], table["scenario_value"], strict=True)
        ]
    for p in params:
        out[p] = table[p].map(lambda v: f"{v:.4g}" if isinstance(v, float) else str(v))
    out["n"] = table["n"]
    out["failed"] = table["failed"]
    out["P(trilateral) [95% CI]"] = [
        f"{p:.1%} [{lo:.1%}, {hi:.1%}]" if pd.notna(p) else "–"
        for p, lo, hi in zip(
            table["p_target"], table["p_target_lo"], table["p_target_hi"], strict=True
        )
    ]
    counts = table["median_n"] if "median_n" in table else pd.Series(pd.NA, index=table.index)
    out["median formation"] = [
        f"{d} (round {r:g}; of {k} runs)" if pd.notna(r) else "never"
        for d, r, k in zip(table["median_date"], table["median_round"], counts, strict=True)
    ]
    for pact in pacts:
        col, name = f"p.{pact}", f"P({pact})"
        if pact in started and f"p_end.{pact}" in table:
            col, name = f"p_end.{pact}", f"P({pact} still active)"
        if col in table:
            out[name] = table[col].map(lambda v: f"{v:.1%}" if pd.notna(v) else "–")
    for col in [c for c in table.columns if c.startswith("tied.")]:
        label = f"tied {col.removeprefix('tied.')}"
        out[label] = table[col].map(lambda v: f"{v:.1%}" if pd.notna(v) else "–")
    return out


def notes(batch, table: pd.DataFrame) -> list[str]:
    """Warnings and legends printed above the table."""
    from sim.analysis.checks import incomplete

    out = [w for w in [incomplete(batch.manifest)] if w]
    if "scenario_value" in table and table["scenario_value"].any():
        out.append("* = the design point at the scenario's own values")
    return out


def write_summary(batch_dir: str | Path) -> tuple[pd.DataFrame, list[Path], list[str]]:
    """Build the summary of a batch, write CSV and Markdown into it; return (text, paths,
    warnings and notes)."""
    from sim.analysis import detect_design, load_batch, summary_table

    batch = load_batch(batch_dir, with_series=False)
    design = detect_design(batch)
    table = summary_table(batch, design)
    from sim.analysis.ties import initial_pacts

    started = initial_pacts(batch.manifest, batch.info)
    shown = display_table(table, list(design.varying), list(batch.info.other_pacts), started)
    csv_path = batch.path / "summary.csv"
    md_path = batch.path / "summary.md"
    table.to_csv(csv_path, index=False)
    head = (
        f"# Summary of experiment '{batch.name}'\n\n"
        f"{len(batch.runs):,} runs ({int((batch.runs['status'] != 'ok').sum())} failed) over "
        f"{design.n_points} design point(s); P = share of successful runs in which the pact "
        "was ever active (still active at the end, for pacts active at the start); 95% "
        "Wilson intervals; median formation month among runs where the "
        f"trilateral pact ({batch.info.target}) formed (round 0 = {batch.info.start}), "
        "with the number of those runs; tied A-B: share of runs in which some pact holding "
        "both A and B is active at the end.\n\n"
    )
    extra = notes(batch, table)
    md_path.write_text(head + "".join(f"{line}\n\n" for line in extra) + markdown(shown))
    return shown, [csv_path, md_path], extra


def _forecast(batch_dir: Path):
    """(display table, paths) of a posterior design's forecast; None for other designs."""
    from sim.analysis import load_batch
    from sim.analysis.forecast import is_posterior, write_forecast

    batch = load_batch(batch_dir, with_series=False)
    return write_forecast(batch) if is_posterior(batch) else None


def run(args: argparse.Namespace) -> int:
    """Entry point of ``run.py summary``."""
    from sim.analysis import BatchError
    from sim.integrity import ResultsError, check_results

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
