"""``run.py sensitivity DIR [--out FIGDIR]``: Sobol (or Morris) indices of a batch's outcomes.

Prints first-order and total Sobol indices with 95% confidence intervals per outcome and
parameter (named by dotted path), writes DIR/sensitivity.csv and a bar chart in FIGDIR
(default DIR/plots). A Morris design gets mu* and sigma instead. Exit 2 on bad input,
including a batch whose design is neither Sobol nor Morris.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd

from sim.files import write_atomic


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sensitivity`` subcommand."""
    p = subparsers.add_parser(
        "sensitivity",
        help="Sobol indices of a Sobol design, or Morris screening of a Morris design (SALib)",
        description=(
            "First-order and total Sobol indices (SALib, Saltelli 2010) of P(trilateral) and "
            "the other outcomes, each averaged over a design point's seeds; printed, written "
            "to DIR/sensitivity.csv and drawn as a bar chart."
        ),
    )
    p.add_argument(
        "dir", type=Path, metavar="DIR", help="results directory of a Sobol (or Morris) design"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="figure directory (default DIR/plots; sensitivity.csv goes to DIR; Morris: no figure)",
    )
    p.add_argument("--format", choices=("png", "svg", "pdf"), default="png")
    p.add_argument(
        "--resamples",
        type=int,
        default=200,
        metavar="N",
        help="bootstrap resamples for the CIs (default 200)",
    )


def format_sobol(table: pd.DataFrame) -> str:
    """Text table: outcome, parameter, S1 ± conf, ST ± conf; constant outcomes listed apart."""
    constant = [o for o, df in table.groupby("outcome", sort=False) if df["ST"].isna().all()]
    table = table[~table["outcome"].isin(constant)]
    shown = pd.DataFrame(
        {
            "outcome": table["outcome"],
            "parameter": table["parameter"],
            "S1 [95% CI]": [
                f"{s:6.3f} ± {c:.3f}" for s, c in zip(table["S1"], table["S1_conf"], strict=True)
            ],
            "ST [95% CI]": [
                f"{s:6.3f} ± {c:.3f}" for s, c in zip(table["ST"], table["ST_conf"], strict=True)
            ],
        }
    )
    text = shown.to_string(index=False) if len(shown) else "(every outcome is constant)"
    if constant:
        text += "\nconstant over the design (no variance, no indices): " + ", ".join(constant)
    return text


def format_morris(table: pd.DataFrame) -> str:
    """Text table: outcome, parameter, mu*, its 95% CI, sigma; outcomes whose every
    elementary effect is 0 (they never vary over the design) listed apart, as for Sobol.
    An effect not computed (NaN: a point without successful runs) is not a zero: such an
    outcome stays in the table."""
    still = [o for o, df in table.groupby("outcome", sort=False)
             if df[["mu_star", "sigma"]].eq(0).all().all()]  # fmt: skip
    shown = table[~table["outcome"].isin(still)]
    text = (shown.to_string(index=False, float_format=lambda v: f"{v:.4f}") if len(shown)
            else "(no outcome varies over the design)")  # fmt: skip
    if still:
        text += "\nconstant over the design (every elementary effect 0): " + ", ".join(still)
    return text


def _print_morris(name: str, table: pd.DataFrame, n_points: int, reps: float) -> None:
    print(
        f"Morris elementary effects, experiment '{name}': {n_points} design points, "
        f"{reps:.3g} seeds per point on average (outcomes averaged over seeds); mu_star: "
        "mean absolute change of the outcome per the parameter's sampled range (SALib), "
        "sigma: their spread (interactions or a nonlinear effect)"
    )
    print(format_morris(table))


def run(args: argparse.Namespace) -> int:
    """Entry point of ``run.py sensitivity``."""
    import matplotlib

    matplotlib.use("Agg")
    from sim.analysis import BatchError, load_checked
    from sim.design.registry import kind_of
    from sim.plots import plot_sobol_indices, save_figure
    from sim.sensitivity import morris_indices, sobol_indices

    try:
        batch = load_checked(args.dir, with_series=False)
        method = kind_of((batch.manifest.get("design") or {}).get("kind")).sensitivity
        if method == "morris":
            table = morris_indices(batch, num_resamples=args.resamples)
        else:
            table = sobol_indices(batch, num_resamples=args.resamples)
    except BatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    csv_path = batch.path / "sensitivity.csv"
    n_points = batch.runs["point_id"].nunique()
    reps = len(batch.ok_runs) / max(n_points, 1)
    if method == "morris":  # a table only: no figure, so no figure folder made
        write_atomic(csv_path, lambda tmp: table.to_csv(tmp, index=False))
        _print_morris(batch.name, table, n_points, reps)
        print(f"wrote {csv_path}")
        return 0
    out = Path(args.out) if args.out is not None else batch.path / "plots"
    try:  # make sure the figure can be written before writing anything
        out.mkdir(parents=True, exist_ok=True)
        if not os.access(out, os.W_OK):
            raise PermissionError(13, "not writable", str(out))
    except OSError as exc:
        print(f"error: --out {out}: cannot write ({exc.strerror})", file=sys.stderr)
        return 2
    write_atomic(csv_path, lambda tmp: table.to_csv(tmp, index=False))
    print(
        f"Sobol indices, experiment '{batch.name}': {n_points} design points, "
        f"{reps:.3g} seeds per point on average (outcomes averaged over seeds)"
    )
    print(format_sobol(table))
    from sim.analysis.checks import incomplete, sobol_uncertain

    for line in [incomplete(batch.manifest), *sobol_uncertain(table)]:
        if line:
            print(line)
    sub = (
        f"{batch.subtitle()} · outcomes averaged over seeds per point · error bars: 95% "
        f"bootstrap CI ({args.resamples} resamples)\nestimates outside [0, 1] or wide CIs "
        "mean too few base samples N for these outcomes; axes clipped to [-1, 2]"
    )
    fig = plot_sobol_indices(table, sub)
    fig_path = save_figure(fig, out / f"sobol_indices.{args.format}")
    print(f"wrote {csv_path} and {fig_path}")
    return 0
