"""``run.py discover DIR --outcome COLUMN``: scenario discovery on a sampled design.

Prints PRIM's peeling trajectory, the chosen box's limits per parameter and extra-trees
feature scores; writes them as CSV with three figures into DIR/discover (or --out).
Needs the ``discovery`` extra (EMA Workbench).
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

import pandas as pd

from sim.files import write_atomic


def _unit_fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {text}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``discover`` subcommand."""
    from sim.commands import whole_number

    p = subparsers.add_parser(
        "discover",
        help="scenario discovery: PRIM box and feature scores for an outcome",
        description=(
            "Which combinations of design values lead to an outcome? Cases are runs. PRIM "
            "(EMA Workbench) peels the parameter space; the box shown is the densest with "
            "coverage >= --min-coverage (or --box N). Feature scores: extra trees."
        ),
    )
    p.add_argument(
        "dir", type=Path, metavar="DIR", help="batch results directory (lhs, sobol, morris, grid)"
    )
    p.add_argument(
        "--outcome",
        default="target_formed",
        metavar="COLUMN",
        help="runs column (default: %(default)s)",
    )
    p.add_argument(
        "--threshold", type=float, metavar="VALUE", help="numeric outcome: cases are >= this value"
    )
    p.add_argument("--below", action="store_true", help="cases are <= threshold (or False)")
    p.add_argument(
        "--min-coverage",
        type=_unit_fraction,
        default=0.5,
        metavar="FRACTION",
        help="choose the densest box with at least this coverage (default: 0.5)",
    )
    p.add_argument(
        "--box", type=whole_number(0), metavar="N", help="choose box N of the trajectory instead"
    )
    p.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: DIR/discover)")
    p.add_argument("--format", default="png", choices=["png", "svg", "pdf"], help="figure format")


def run(args: argparse.Namespace) -> int:
    """Entry point of ``run.py discover``."""
    from sim.analysis import BatchError, load_checked
    from sim.analysis.discover import MissingExtra, cases, feature_scores, run_prim

    try:
        batch = load_checked(args.dir, with_series=False)
        c = cases(batch, args.outcome, args.threshold, args.below)
        prim = run_prim(c, args.min_coverage, args.box)
        scores = feature_scores(c)
    except (BatchError, MissingExtra) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = args.out or args.dir / "discover"
    out.mkdir(parents=True, exist_ok=True)
    stem = args.outcome.replace("/", "_")
    for name, frame in (("prim_trajectory", prim.trajectory), ("prim_box", prim.limits),
                        ("feature_scores", scores)):  # fmt: skip
        write_atomic(out / f"{stem}_{name}.csv", partial(frame.to_csv, index=False))
    paths = _figures(prim, scores, c.label, len(c.y), batch.name, out, stem, args.format)
    print(report(prim, scores, c.label, len(c.y)))
    print("wrote " + ", ".join(str(p) for p in paths) + f" and CSV tables in {out}")
    return 0


def report(prim, scores: pd.DataFrame, label: str, n: int) -> str:
    """The trajectory (compact), the chosen box and the feature scores, as text."""
    t = prim.trajectory
    row = t.iloc[prim.chosen]
    lines = [
        f"Scenario discovery for '{label}': {n:,} runs, {prim.base_rate:.1%} of them with it.",
        "PRIM peeling trajectory (box: coverage, density, restricted parameters):",
    ]
    step = max(1, len(t) // 12)
    shown = sorted(set(range(0, len(t), step)) | {len(t) - 1, prim.chosen})
    for i in shown:
        r = t.iloc[i]
        mark = "  <- chosen" if i == prim.chosen else ""
        lines.append(f"  box {i:>3}: coverage {r['coverage']:6.1%}  density "
                     f"{r['density']:6.1%}  restricted {int(r['res_dim'])}{mark}")  # fmt: skip
    lines.append(f"Chosen box {prim.chosen}: coverage {row['coverage']:.1%}, density "
                 f"{row['density']:.1%}, mass {row['mass']:.1%} of runs; limits:")  # fmt: skip
    for r in prim.limits.itertuples(index=False):
        without = f"without it: density {r.density_without:.1%}, coverage {r.coverage_without:.1%}"
        if r.values:
            lines.append(f"  {r.parameter} in {{{r.values}}}   ({without})")
        else:
            lines.append(f"  {limit_text(r)}   (sampled {r.full_low:.4g} .. {r.full_high:.4g}; "
                         f"{without})")  # fmt: skip
    if prim.limits.empty:
        lines.append("  (no restriction: the whole sampled space)")
    lines.append("Feature scores (extra trees, sum to 1):")
    lines += [f"  {r.importance:.3f}  {r.parameter}" for r in scores.itertuples(index=False)]
    return "\n".join(lines)


def limit_text(r) -> str:
    """'a <= p <= b', or only the side PRIM restricted ('p <= b', 'p >= a')."""
    if r.low == r.full_low:
        return f"{r.parameter} <= {r.high:.4g}"
    if r.high == r.full_high:
        return f"{r.parameter} >= {r.low:.4g}"
    return f"{r.low:.4g} <= {r.parameter} <= {r.high:.4g}"


def _figures(prim, scores, label, n, name, out: Path, stem: str, fmt: str) -> list[Path]:
    from sim.plots import save_figure
    from sim.plots.discover import plot_box, plot_feature_scores, plot_peeling

    sub = f"experiment '{name}' · {n:,} runs · cases: {label}"
    return [
        save_figure(plot_peeling(prim, sub), out / f"{stem}_prim_trajectory.{fmt}"),
        save_figure(plot_box(prim, sub), out / f"{stem}_prim_box.{fmt}"),
        save_figure(plot_feature_scores(scores, sub), out / f"{stem}_feature_scores.{fmt}"),
    ]  # fmt: skip
