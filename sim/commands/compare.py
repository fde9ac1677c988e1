"""``run.py compare DIR [DIR ...] [--out FIGDIR]``: scenarios or batches side by side.

With one directory its design points (e.g. the named scenarios of a ``kind = "scenarios"``
design) are compared; with several, each directory (or each of its points) is a group.
An experiment file in place of a directory is run (or resumed) first, so
``run.py compare configs/experiments/library.toml`` is the whole library comparison.
Writes FIGDIR/compare.csv and compare.md (table) and three figures; prints the table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from sim.files import write_atomic


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compare`` subcommand."""
    p = subparsers.add_parser(
        "compare",
        help="compare scenarios or batches side by side (curves, differences, log-rank)",
        description=(
            "Per pact: P(formed by each month) per scenario with 95% Wilson bands, the "
            "difference from the first (reference) scenario with its 95% Newcombe interval "
            "(paired by seed when seeds are shared: common random numbers), and a log-rank "
            "test of time to formation (scipy.stats.logrank); per pair of states, P(tied at "
            "the end). One DIR: its design points; several: each DIR (or its points)."
        ),
    )
    p.add_argument(
        "dirs",
        type=Path,
        nargs="+",
        metavar="DIR",
        help="batch results directories; an experiment file (.toml) or a shipped experiment's "
        "name (library, ...) is first run (or resumed) into results/<its name>",
    )
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="figure/table folder (default: FIRST_DIR/compare)"
    )
    p.add_argument(
        "--reference", metavar="LABEL", help="label of the reference group (default: the first)"
    )
    p.add_argument("--format", default="png", choices=["png", "svg", "pdf"], help="figure format")


SOURCES = "compare_sources.json"  # the batches compared, for the report's provenance


def build(dirs: list[Path], reference: str | None = None):
    """(groups, comparison table, formation curves per pact label) for the directories."""
    from sim.analysis import BatchError, load_checked
    from sim.analysis.compare import (
        active_at_start,
        comparison_table,
        figure_pacts,
        formation_curves,
        groups_from_batches,
    )

    batches = [load_checked(d, with_series=False) for d in dirs]
    pacts = [set(b.info.pacts) for b in batches]
    if any(p != pacts[0] for p in pacts):
        raise BatchError("the batches have different pacts (different states); cannot compare")
    groups = groups_from_batches(batches)
    if len(groups) < 2:
        raise BatchError(f"nothing to compare: {len(groups)} group (give two batches, or one "
                         "with several design points)")  # fmt: skip
    if reference is not None:
        labels = [g.label for g in groups]
        if reference not in labels:
            raise BatchError(f"--reference {reference!r}: expected one of {labels}")
        groups.insert(0, groups.pop(labels.index(reference)))
    info = groups[0].info
    curves = {
        info.pact_label(p): formation_curves(groups, p)
        for p in figure_pacts(groups).shown  # the target first; many pacts: those that move
        if not active_at_start(groups, p)
    }
    return groups, comparison_table(groups), curves


def display(table: pd.DataFrame) -> pd.DataFrame:
    """The table as text: percentages with intervals."""

    def pct(p, lo, hi):
        return f"{p:.1%} [{lo:.1%}, {hi:.1%}]"

    out = table[["subject", "measure", "group", "n"]].copy()
    out["P [95% CI]"] = [pct(*r) for r in table[["p", "lo", "hi"]].itertuples(index=False)]
    first = table.groupby(["subject", "measure"]).head(1).index
    out["difference [95% CI]"] = [
        "reference"
        if i in first
        else f"{d:+.1%} [{lo:+.1%}, {hi:+.1%}]{' paired' if paired else ''}".replace("%", " pp")
        for i, d, lo, hi, paired in zip(
            table.index, table["diff"], table["diff_lo"], table["diff_hi"], table["paired"],
            strict=True,
        )
    ]  # fmt: skip
    out["log-rank p"] = table["logrank_p"].map(lambda v: f"{v:.3g}" if pd.notna(v) else "")
    return out


def _batches(given: list[Path]) -> list[Path] | int:
    """The batch directories to compare: an experiment file or a shipped experiment's name
    is first run (or resumed) into ``results/<its name>``; an exit code if that fails."""
    from sim.commands.batch import run_experiment
    from sim.scenarios import experiment_file, experiment_names

    dirs = []
    for d in given:
        if not d.exists() and str(d) in experiment_names():
            d = experiment_file(str(d))
        if d.suffix == ".toml" and d.is_file():
            code = run_experiment(d, Path("results") / d.stem)
            if code != 0:
                return code
            d = Path("results") / d.stem
        dirs.append(d)
    return dirs


def run(args: argparse.Namespace) -> int:
    """Entry point of ``run.py compare``."""
    from sim.analysis import BatchError
    from sim.analysis.compare import flat_measures, without
    from sim.analysis.markdown import markdown

    dirs = _batches(args.dirs)
    if isinstance(dirs, int):
        return dirs
    args.dirs = dirs
    try:
        groups, table, curves = build(args.dirs, args.reference)
    except BatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = args.out or args.dirs[0] / "compare"
    out.mkdir(parents=True, exist_ok=True)
    paired = [g.label for g in groups[1:] if table[table["group"] == g.label]["paired"].all()]
    note = (
        f"seeds shared with '{groups[0].label}' (common random numbers): differences are "
        f"paired by seed for {', '.join(paired)}"
        if paired
        else "no shared seeds: differences are unpaired"
    )
    n = ", ".join(f"{g.label} n={len(g.runs)}" for g in groups)
    flat = flat_measures(table, groups[0].info)  # many pacts: 0% or 100% in every group
    shown = display(without(table, flat))
    head = (
        f"# Comparison (reference: {groups[0].label})\n\n{note}. Runs: {n}. P: share of "
        "successful runs, 95% Wilson interval; difference from the reference in percentage "
        "points (pp), 95% Newcombe interval; log-rank test of time to formation "
        "(scipy.stats.logrank; it assumes independent samples, so with shared seeds its p "
        "is conservative)."
        + (f" Left out of this table (kept in compare.csv): {len(flat)} measures at 0% in "
           "every group or at 100% in every group, named under the figures." if flat else "")
        + "\n\n"
    )  # fmt: skip
    write_atomic(out / "compare.csv", lambda tmp: table.to_csv(tmp, index=False))
    sources = {"batches": [str(Path(d).resolve()) for d in args.dirs],
               "reference": args.reference}  # fmt: skip
    write_atomic(out / SOURCES, lambda tmp: tmp.write_text(json.dumps(sources, indent=2)))
    write_atomic(out / "compare.md", lambda tmp: tmp.write_text(head + markdown(shown)))
    subtitle = f"reference '{groups[0].label}' · " + (
        "seeds shared: paired differences (common random numbers)" if paired else note
    )
    paths = _figures(groups, table, curves, flat, subtitle, out, args.format)
    with pd.option_context("display.width", 220, "display.max_rows", 500):
        print(head.replace("# ", "", 1).strip())
        print(shown.to_string(index=False))
    print("wrote " + ", ".join(str(p) for p in [out / "compare.csv", out / "compare.md", *paths]))
    return 0


def _figures(groups, table, curves, flat, subtitle: str, out: Path, fmt: str) -> list[Path]:
    """The curves, differences and end-of-horizon figures; in a world of many pacts the
    flat pacts and measures are named under the titles, not drawn."""
    from sim.analysis.compare import figure_pacts, flat_note, without
    from sim.plots import save_figure
    from sim.plots.compare import Curves, plot_differences, plot_end_forest, plot_formation_curves

    info = groups[0].info
    never = figure_pacts(groups).note(info)
    paths = []
    if curves:
        data = Curves(curves, info)
        curve_sub = subtitle + (f"\n{never}" if never else "")
        paths.append(save_figure(plot_formation_curves(data, curve_sub),
                                 out / f"compare_curves.{fmt}"))  # fmt: skip
        paths.append(save_figure(plot_differences(data, curve_sub),
                                 out / f"compare_differences.{fmt}"))  # fmt: skip
    levels = f"reference '{groups[0].label}'"  # levels, not differences: no pairing to say
    left_out = flat_note(table, flat)
    levels += f"\n{left_out}" if left_out else ""
    paths.append(save_figure(plot_end_forest(without(table, flat), levels),
                             out / f"compare_end.{fmt}"))  # fmt: skip
    return paths
