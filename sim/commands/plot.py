"""``run.py plot DIR [--out FIGDIR] [--format png|svg|pdf]``: the figures that fit the batch.

Reads only DIR's stored tables (runs, series, manifest). Exit codes: 0 written; 2 bad
input (missing directory, no runs), reported in one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

FORMATS = ("png", "svg", "pdf")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``plot`` subcommand."""
    p = subparsers.add_parser(
        "plot",
        help="draw the figures of a batch results directory",
        description=(
            "Write the figures that fit DIR's design: P(each pact) per design point with "
            "95%% Wilson intervals, time to formation (Kaplan-Meier), and with series the "
            "configuration shares and utility / support-share envelopes."
        ),
    )
    p.add_argument("dir", type=Path, help="batch results directory (with runs/, manifest.json)")
    p.add_argument("--out", type=Path, default=None, help="figure directory (default: DIR/plots)")
    p.add_argument("--format", choices=FORMATS, default="png", help="file format (default png)")


def _probability_figures(batch, design, out: Path, fmt: str) -> list[Path]:
    import matplotlib.pyplot as plt

    from sim.analysis import pact_probabilities
    from sim.plots import (
        plot_probability_heatmap,
        plot_probability_ranked,
        plot_probability_single,
        plot_probability_sweep,
        save_figure,
    )
    from sim.plots._common import figure_titles

    probs = pact_probabilities(batch, design)
    probs_end = pact_probabilities(batch, design, measure="end")
    horizon = int(batch.ok_runs["rounds"].max())
    end_label = f"active at the end ({batch.info.date(horizon - 1)})"
    sub = batch.subtitle()
    if design.shape == "single":
        fig = plot_probability_single(
            probs, batch.info, sub, probs_end=probs_end, end_label=end_label
        )
    elif design.shape in {"sweep", "grid2"}:
        pacts = list(dict.fromkeys(probs["pact"]))
        ncols = min(2, len(pacts))
        nrows = -(-len(pacts) // ncols)
        size = (6.5, 5) if design.shape == "grid2" else (6, 4.2)
        fig, axs = plt.subplots(
            nrows,
            ncols,
            figsize=(size[0] * ncols, size[1] * nrows),
            squeeze=False,
            layout="constrained",
            sharey=design.shape == "sweep",
        )
        for ax, pact in zip(axs.flat, pacts, strict=False):
            df = probs[probs["pact"] == pact]
            name = f"P({df['label'].iloc[0]} forms)"
            if design.shape == "sweep":
                plot_probability_sweep(
                    df,
                    design.varying[0],
                    batch.info,
                    ax=ax,
                    title=df["label"].iloc[0],
                    probs_end=probs_end[probs_end["pact"] == pact],
                    end_label=end_label,
                )
            else:
                de = probs_end[probs_end["pact"] == pact]
                if df["p"].nunique() == 1 and len(de):  # a flat map says nothing: show the end
                    p0 = df["p"].iloc[0]
                    name = (
                        f"P({df['label'].iloc[0]} {end_label})\n"
                        f"(ever formed: {p0:.0%} in every cell)"
                    )
                    df = de
                    value = "P(active at the end) (%)"
                else:
                    value = "P(ever formed within horizon) (%)"
                plot_probability_heatmap(
                    df, *design.varying, title=name, ax=ax, value_label=value, info=batch.info
                )
        for ax in list(axs.flat)[len(pacts) :]:
            ax.set_visible(False)
        n = probs.groupby("point_id")["n"].first()
        per = f"n = {n.min()}" if n.min() == n.max() else f"n = {n.min()}–{n.max()}"
        per += " runs per point"
        if design.shape == "sweep":
            title = f"Probability of each pact forming vs {design.varying[0]}"
            note = f"{per}; solid: pact ever formed; dashed: {end_label}; bands: 95% Wilson"
        else:
            title = "Probability of each pact over the design grid"
            note = "cells: P, [95% Wilson interval], n runs"
        figure_titles(fig, title, f"{sub} · {note}")
    else:
        fig = plot_probability_ranked(probs, list(design.varying), batch.info, sub)
    return [save_figure(fig, out / f"pact_probability.{fmt}")]


def _timing_figures(batch, design, out: Path, fmt: str) -> list[Path]:
    import matplotlib.pyplot as plt

    from sim.analysis import (
        active_from_start,
        formation_groups,
        plotted_pacts,
        time_to_formation,
    )
    from sim.plots import plot_time_to_formation, save_figure
    from sim.plots._common import figure_titles

    runs, info = batch.runs, batch.info
    pacts = [p for p in plotted_pacts(info, runs) if not active_from_start(runs, info, p)]
    skipped = [p for p in plotted_pacts(info, runs) if p not in pacts]
    if not pacts:
        return []
    groups = formation_groups(batch, design)
    legend = design.varying[0] if design.shape == "sweep" else "design point"
    if design.shape == "grid2" and groups.astype(str).str.contains("pooled over").any():
        legend = ""  # the labels name the parameter
    if groups.nunique() == 1:
        legend = ""
    ncols = min(2, len(pacts))
    nrows = -(-len(pacts) // ncols)
    fig, axs = plt.subplots(
        nrows, ncols, figsize=(7 * ncols, 4.6 * nrows), squeeze=False, layout="constrained"
    )
    band = groups.nunique() <= 2
    for ax, pact in zip(axs.flat, pacts, strict=False):
        ttf = time_to_formation(batch, pact, groups)
        plot_time_to_formation(
            ttf, info, info.pact_label(pact), legend, ax=ax, band=band, legend=False
        )
        ax.set_title(info.pact_label(pact), fontsize=11)
    for ax in list(axs.flat)[len(pacts) :]:
        ax.set_visible(False)
    handles, labels = axs[0, 0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        title=legend or None,
        fontsize=9,
        title_fontsize=9,
        loc="outside lower center",
        ncols=min(len(labels), 6),
        frameon=False,
    )
    note = "Kaplan–Meier; runs without the pact censored at their last month"
    note += "; bands: pointwise 95% CI" if band else ""
    n_points = runs["point_id"].nunique()
    shown = runs.loc[groups.notna(), "point_id"].nunique()
    if design.shape == "sweep" and shown < n_points:
        note += f" · {shown} of {n_points} design points shown, evenly spread"
    if skipped:
        note += " · active from the start in every run (not shown): " + ", ".join(
            info.pact_label(p) for p in skipped
        )
    figure_titles(
        fig,
        "Time to formation: probability each pact has formed by each month",
        f"{batch.subtitle()}\n{note}",
    )
    return [save_figure(fig, out / f"time_to_formation.{fmt}")]


def _series_groups(batch, design) -> list[tuple[str, object]]:
    """(label, series rows) per group: each design point of a short sweep/grid, or all."""
    from sim.analysis.prep import formation_groups, group_order

    series = batch.series
    groups = formation_groups(batch, design, max_groups=4)
    by_run = pd.Series(groups.to_numpy(), index=batch.runs["run_id"].to_numpy())
    labels = series["run_id"].map(by_run)
    out = []
    for label in group_order(groups):
        rows = series[labels == label]
        if len(rows):
            out.append((str(label), rows))
    return out or [("all runs", series)]


def _series_figures(batch, design, out: Path, fmt: str) -> list[Path]:
    import matplotlib.pyplot as plt
    from matplotlib import colormaps

    from sim.analysis import config_shares, support_envelopes, utility_envelopes
    from sim.plots import (
        plot_config_shares,
        plot_support_envelopes,
        plot_utility_envelopes,
        save_figure,
    )
    from sim.plots._common import envelope_handles, figure_titles, tidy_grid
    from sim.plots.series import config_colors

    series, info = batch.series, batch.info
    groups = _series_groups(batch, design)
    param = design.varying[0] if design.shape == "sweep" else ""
    pooled = len(groups) == 1 and design.n_points > 1

    def row_label(label: str) -> str:
        if len(groups) == 1:  # the subtitle says whether design points are pooled
            return ""
        return f"{param} = {label}" if param else label

    n = int(series["run_id"].nunique())
    pooled_groups = any("pooled over" in g for g, _ in groups)
    what = "groups" if pooled_groups else "design points"
    shown = "" if len(groups) == 1 else f" · {len(groups)} {what} shown"
    sub = batch.subtitle(runs=n) + shown + (" · all design points pooled" if pooled else "")
    bands = "lines: median over runs; bands: 50% and 90% of runs"
    paths = []
    k = len(groups)
    if "config" in series:
        top = config_shares(series, info, top=9).columns.tolist()  # same legend in every panel
        colors = config_colors(top)
        ncols = 1 if k == 1 else 2
        nrows = -(-k // ncols)
        fig, axs = plt.subplots(
            nrows,
            ncols,
            figsize=(11 if k == 1 else 14, 2.2 + 3.6 * nrows),
            squeeze=False,
            sharex=True,
            layout="constrained",
        )
        for ax, (label, rows) in zip(axs.flat, groups, strict=False):
            shares = config_shares(rows, info, columns=top)
            n_g = rows["run_id"].nunique()
            plot_config_shares(
                shares,
                info,
                ax=ax,
                colors=colors,
                legend=False,
                title=f"{row_label(label)} (n={n_g})" if k > 1 else "",
            )
        for ax in list(axs.flat)[k:]:
            ax.set_visible(False)
        tidy_grid(axs)
        for ax in axs[:, 1:].flat:
            ax.set_ylabel("")
        handles, labels = axs[0, 0].get_legend_handles_labels()
        fig.legend(
            handles[::-1],
            labels[::-1],
            title="Configuration (first = upper band)",
            fontsize=9,
            title_fontsize=9,
            loc="outside lower center",
            ncols=2,
            frameon=False,
        )
        figure_titles(fig, "Pact configurations over time: share of runs in each", sub)
        paths.append(save_figure(fig, out / f"configurations.{fmt}"))
    env_all = utility_envelopes(series, info)
    if len(env_all):
        n_states = env_all["state"].nunique()
        fig, axs = plt.subplots(
            k,
            n_states,
            figsize=(4.3 * n_states, 0.8 + 3.2 * k),
            squeeze=False,
            sharex=True,
            sharey="col",
            layout="constrained",
        )
        for i, (label, rows) in enumerate(groups):
            plot_utility_envelopes(
                utility_envelopes(rows, info),
                info,
                axes=list(axs[i]),
                row_label=row_label(label),
                legend=False,
            )
        for ax in axs[:, 1:].flat:
            ax.set_ylabel("")
        tidy_grid(axs)
        fig.legend(
            handles=envelope_handles({}),
            fontsize=9,
            ncols=3,
            frameon=False,
            loc="outside lower center",
        )
        figure_titles(
            fig, "Utility of each state over time (weighted sum of terms)", f"{sub}\n{bands}"
        )
        paths.append(save_figure(fig, out / f"utility.{fmt}"))
    env_all = support_envelopes(series)
    if len(env_all):
        clients = [c for c in info.states if c in set(env_all["client"])]
        fig, axs = plt.subplots(
            k,
            len(clients),
            figsize=(5 * len(clients), 0.8 + 3.2 * k),
            squeeze=False,
            sharex=True,
            sharey=True,
            layout="constrained",
        )
        for i, (label, rows) in enumerate(groups):
            env = support_envelopes(rows)
            for j, client in enumerate(clients):
                ax = axs[i, j]
                plot_support_envelopes(
                    env[env["client"] == client],
                    info,
                    ax=ax,
                    legend=False,
                )
                ax.set_title(f"{info.state_label(client)}: its support comes from", fontsize=10)
                if j > 0:
                    ax.set_ylabel("")
                elif row_label(label):
                    ax.set_ylabel(f"{row_label(label)}\nShare of external support (%)")
        tidy_grid(axs)
        cmap = colormaps["tab10"]
        patrons = [s for s in info.states if s in set(env_all["patron"])]
        colors = {f"from {info.state_label(p)}": cmap(info.states.index(p)) for p in patrons}
        fig.legend(
            handles=envelope_handles(colors),
            fontsize=9,
            frameon=False,
            ncols=len(colors) + 3,
            loc="outside lower center",
        )
        figure_titles(fig, "Where each state's external support comes from", f"{sub}\n{bands}")
        paths.append(save_figure(fig, out / f"support_share.{fmt}"))
    return paths


def make_plots(batch_dir: str | Path, out_dir: str | Path | None = None, fmt: str = "png"):
    """Write every figure that fits the batch into out_dir (default DIR/plots); return paths.

    Raises sim.analysis.BatchError for a directory that cannot be read.
    """
    import matplotlib

    matplotlib.use("Agg")
    from sim.analysis import detect_design, load_batch

    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    batch = load_batch(batch_dir)
    out = Path(out_dir) if out_dir is not None else batch.path / "plots"
    design = detect_design(batch)
    if batch.ok_runs.empty:
        from sim.analysis import BatchError

        raise BatchError(f"every run in {batch.path} failed; nothing to plot")
    paths = _probability_figures(batch, design, out, fmt)
    paths += _timing_figures(batch, design, out, fmt)
    if design.kind == "lhs":  # each outcome against each parameter (sim.plots.discover)
        from sim.commands.discover import sampled_figures

        paths += sampled_figures(batch, design, out, fmt)
    if batch.series is not None and len(batch.series):
        paths += _series_figures(batch, design, out, fmt)
    return paths


def run(args: argparse.Namespace) -> int:
    """Entry point of ``run.py plot``."""
    from sim.analysis import BatchError

    try:
        paths = make_plots(args.dir, args.out, args.format)
    except BatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write figures: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 2
    print(f"{len(paths)} figures written:")
    for p in paths:
        print(f"  {p}")
    return 0
