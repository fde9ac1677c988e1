"""The figures of a batch, laid out: which figures fit its design and how panels are arranged.

:func:`batch_figures` writes every figure that fits a loaded batch (``run.py plot`` only
parses its arguments, loads the batch and calls it). Each ``*_figures`` function writes
one family of figures and returns the paths written; data come from sim.analysis, the
panels from the drawing functions of sim.plots. No backend is chosen here (the command
line and the tests choose Agg).
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import colormaps

from sim.analysis import (
    active_from_start,
    config_shares,
    formation_groups,
    pact_probabilities,
    plotted_pacts,
    support_envelopes,
    time_to_formation,
    utility_envelopes,
)
from sim.analysis.batch import Batch, Design
from sim.analysis.prep import group_order, named
from sim.analysis.selection import select_pacts
from sim.design.registry import kind_of
from sim.plots._common import envelope_handles, figure_titles, save_figure, tidy_grid
from sim.plots.probability import (
    plot_probability_heatmap,
    plot_probability_ranked,
    plot_probability_single,
    plot_probability_sweep,
)
from sim.plots.series import (
    Envelopes,
    Shares,
    config_colors,
    plot_config_shares,
    plot_support_envelopes,
    plot_utility_envelopes,
    shared_parts,
)
from sim.plots.timing import Formation, plot_time_to_formation

BANDS = "lines: median over runs; bands: 50% and 90% of runs"


def batch_figures(batch: Batch, design: Design, out: Path, fmt: str) -> list[Path]:
    """Write every figure that fits the batch into ``out`` as ``*.fmt``; return the paths."""
    paths = probability_figures(batch, design, out, fmt)
    paths += timing_figures(batch, design, out, fmt)
    if kind_of(design.kind).sampled:  # each outcome against each parameter
        from sim.plots.discover import sampled_figures

        paths += sampled_figures(batch, design, out, fmt)
    if batch.series is not None and len(batch.series):
        paths += series_figures(batch, design, out, fmt)
    return paths


def _panels(n: int, width: float, height: float, ncols: int = 2, **kw):
    """A figure with ``n`` panels in rows of ``ncols`` (unused panels hidden)."""
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axs = plt.subplots(
        nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False,
        layout="constrained", **kw,
    )  # fmt: skip
    for ax in list(axs.flat)[n:]:
        ax.set_visible(False)
    return fig, axs


# -- P(each pact) ------------------------------------------------------------------------


def probability_figures(batch: Batch, design: Design, out: Path, fmt: str) -> list[Path]:
    """P(each pact) per design point: bars, lines over a sweep, heat maps, or ranked dots."""
    probs = pact_probabilities(batch, design)
    probs_end = pact_probabilities(batch, design, measure="end")
    chosen = select_pacts(batch.info, [batch.runs], list(dict.fromkeys(probs["pact"])))
    probs = probs[probs["pact"].isin(chosen.shown)]
    probs_end = probs_end[probs_end["pact"].isin(chosen.shown)]
    horizon = int(batch.ok_runs["rounds"].max())
    end_label = f"active at the end ({batch.info.date(horizon - 1)})"
    left_out = chosen.note(batch.info)
    sub = batch.subtitle() + (f"\n{left_out}" if left_out else "")
    if design.shape == "single":
        fig = plot_probability_single(
            probs, batch.info, sub, probs_end=probs_end, end_label=end_label
        )
    elif design.shape in {"sweep", "grid2"}:
        fig = _probability_panels(batch, design, probs, probs_end, end_label, left_out)
    else:
        fig = plot_probability_ranked(probs, list(design.varying), batch.info, sub)
    return [save_figure(fig, out / f"pact_probability.{fmt}")]


def _probability_panels(batch, design, probs, probs_end, end_label: str, left_out: str = ""):
    """One panel per pact: P against the swept parameter, or a heat map over a 2-D grid."""
    pacts = list(dict.fromkeys(probs["pact"]))
    sweep = design.shape == "sweep"
    fig, axs = _panels(len(pacts), *((6, 4.2) if sweep else (6.5, 5)), sharey=sweep)
    for ax, pact in zip(axs.flat, pacts, strict=False):
        df = probs[probs["pact"] == pact]
        de = probs_end[probs_end["pact"] == pact]
        if sweep:
            plot_probability_sweep(
                df, design.varying[0], batch.info, ax=ax, title=df["label"].iloc[0],
                probs_end=de, end_label=end_label,
            )  # fmt: skip
        else:
            _probability_heatmap(ax, df, de, design, batch.info, end_label)
    n = probs.groupby("point_id")["n"].first()
    per = f"n = {n.min()}" if n.min() == n.max() else f"n = {n.min()}–{n.max()}"
    per += " runs per point"
    if sweep:
        title = f"Probability of each pact forming vs {design.varying[0]}"
        if named(probs[design.varying[0]]):  # markers, no lines between scenarios
            note = f"{per}; dots: pact ever formed; squares: {end_label}; bars: 95% Wilson"
        else:
            note = f"{per}; solid: pact ever formed; dashed: {end_label}; bands: 95% Wilson"
    else:
        title = "Probability of each pact over the design grid"
        note = "cells: P, [95% Wilson interval], n runs"
    note += f"\n{left_out}" if left_out else ""
    figure_titles(fig, title, f"{batch.subtitle()} · {note}")
    return fig


def _probability_heatmap(ax, df, de, design, info, end_label: str) -> None:
    """P(pact ever formed) over the grid; P(active at the end) when the former is flat."""
    name = f"P({df['label'].iloc[0]} forms)"
    value = "P(ever formed within horizon) (%)"
    if df["p"].nunique() == 1 and len(de):  # a flat map says nothing: show the end
        p0 = df["p"].iloc[0]
        name = f"P({df['label'].iloc[0]} {end_label})\n(ever formed: {p0:.0%} in every cell)"
        df, value = de, "P(active at the end) (%)"
    plot_probability_heatmap(df, *design.varying, title=name, ax=ax, value_label=value, info=info)


# -- time to formation -------------------------------------------------------------------


def timing_figures(batch: Batch, design: Design, out: Path, fmt: str) -> list[Path]:
    """Kaplan–Meier time to formation of each pact not active from the start."""
    runs, info = batch.runs, batch.info
    pacts = [p for p in plotted_pacts(info, runs) if not active_from_start(runs, info, p)]
    skipped = [p for p in plotted_pacts(info, runs) if p not in pacts]
    chosen = select_pacts(info, [runs], plotted_pacts(info, runs))
    never = [p for p in chosen.never if p in pacts]  # flat at 0: named, not drawn
    pacts = [p for p in pacts if p not in never]
    if not pacts:
        return []
    groups = formation_groups(batch, design)
    legend = design.varying[0] if design.shape == "sweep" else "design point"
    if design.shape == "grid2" and groups.astype(str).str.contains("pooled over").any():
        legend = ""  # the labels name the parameter
    if groups.nunique() == 1:
        legend = ""
    names = design.shape == "sweep" and bool(design.varying) and named(runs[design.varying[0]])
    fig, axs = _panels(len(pacts), 7, 4.6)
    band = groups.nunique() <= 2
    for ax, pact in zip(axs.flat, pacts, strict=False):
        ttf = time_to_formation(batch, pact, groups)
        data = Formation(ttf, info, info.pact_label(pact), legend_title=legend, named=names)
        plot_time_to_formation(data, ax=ax, band=band, legend=False)
        ax.set_title(info.pact_label(pact), fontsize=11)
    handles, labels = axs[0, 0].get_legend_handles_labels()
    fig.legend(
        handles, labels, title=legend or None, fontsize=9, title_fontsize=9,
        loc="outside lower center", ncols=min(len(labels), 6), frameon=False,
    )  # fmt: skip
    note = "Kaplan–Meier; runs without the pact censored at their last month"
    note += "; bands: pointwise 95% CI" if band else ""
    n_points = runs["point_id"].nunique()
    shown = runs.loc[groups.notna(), "point_id"].nunique()
    if design.shape == "sweep" and shown < n_points:
        how = ("the first and those with the highest P(target pact)" if names
               else "evenly spread")  # fmt: skip
        note += f" · {shown} of {n_points} design points shown, {how}"
    if skipped:
        note += " · active from the start in every run (not shown): " + ", ".join(
            info.pact_label(p) for p in skipped
        )
    if never:
        note += "\n" + textwrap.fill(
            "formed in no run (not shown): " + ", ".join(info.pact_label(p) for p in never), 120
        )
    figure_titles(
        fig,
        "Time to formation: probability each pact has formed by each month",
        f"{batch.subtitle()}\n{note}",
    )
    return [save_figure(fig, out / f"time_to_formation.{fmt}")]


# -- per-round series ----------------------------------------------------------------------


def series_groups(batch: Batch, design: Design) -> list[tuple[str, pd.DataFrame]]:
    """(label, series rows) per group: each design point of a short sweep/grid, or all."""
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


def series_figures(batch: Batch, design: Design, out: Path, fmt: str) -> list[Path]:
    """Configuration shares, utility and support-share envelopes over time, per group."""
    series = batch.series
    groups = series_groups(batch, design)
    param = design.varying[0] if design.shape == "sweep" else ""
    pooled = len(groups) == 1 and design.n_points > 1
    labels = [
        "" if len(groups) == 1 else (f"{param} = {label}" if param else label)
        for label, _ in groups
    ]  # one group: the subtitle says whether design points are pooled
    n = int(series["run_id"].nunique())
    what = "groups" if any("pooled over" in g for g, _ in groups) else "design points"
    shown = "" if len(groups) == 1 else f" · {len(groups)} {what} shown"
    sub = batch.subtitle(runs=n) + shown + (" · all design points pooled" if pooled else "")
    labelled = [(lab, rows) for lab, (_, rows) in zip(labels, groups, strict=True)]
    makers = [
        ("configurations", config_figure, sub),
        ("utility", utility_figure, f"{sub}\n{BANDS}"),
        ("support_share", support_figure, f"{sub}\n{BANDS}"),
    ]
    paths = []
    for name, make, subtitle in makers:
        fig = make(batch, labelled, subtitle)
        if fig is not None:
            paths.append(save_figure(fig, out / f"{name}.{fmt}"))
    return paths


def config_figure(batch: Batch, groups: list[tuple[str, pd.DataFrame]], sub: str):
    """Stacked shares of runs in each configuration, one panel per group (None: no data)."""
    info, series = batch.info, batch.series
    if "config" not in series:
        return None
    top = config_shares(series, info, top=9).columns.tolist()  # same legend in every panel
    colors = config_colors(top)
    k = len(groups)
    fig, axs = plt.subplots(
        -(-k // 2) if k > 1 else 1, 1 if k == 1 else 2,
        figsize=(11 if k == 1 else 14, 2.2 + 3.6 * (-(-k // 2))),
        squeeze=False, sharex=True, layout="constrained",
    )  # fmt: skip
    for ax, (label, rows) in zip(axs.flat, groups, strict=False):
        title = f"{label} (n={rows['run_id'].nunique()})" if k > 1 else ""
        data = Shares(config_shares(rows, info, columns=top), info, colors)
        plot_config_shares(data, ax=ax, legend=False, title=title)
    for ax in list(axs.flat)[k:]:
        ax.set_visible(False)
    tidy_grid(axs)
    for ax in axs[:, 1:].flat:
        ax.set_ylabel("")
    handles, labels = axs[0, 0].get_legend_handles_labels()
    common, short = shared_parts(labels)
    title = "Configuration (first = upper band)"
    if common:  # six states: the pacts every listed configuration has are said once
        title += "\n" + textwrap.fill("each also has: " + " + ".join(common), 140)
    fig.legend(
        handles[::-1], short[::-1], title=title, fontsize=9,
        title_fontsize=9, loc="outside lower center", ncols=2, frameon=False,
    )  # fmt: skip
    figure_titles(fig, "Pact configurations over time: share of runs in each", sub)
    return fig


STATE_COLUMNS = 3  # panels per row in the per-state figures: six states stay legible


def _state_panels(labels: list[str], n_panels: int, width: float, sharey: bool | str):
    """(figure, axes grid, each group's panels in state order, whether each group has its
    own heading): one row per group for up to :data:`STATE_COLUMNS` states, else each
    group's states wrapped over rows of STATE_COLUMNS (six states in one row shrank to
    illegible panels in a report), each group then in a band of its own headed by its
    label (a label on the first panel's axis left the rows of the others unnamed)."""
    n_groups = len(labels)
    cols = min(n_panels, STATE_COLUMNS)
    per_group = math.ceil(n_panels / cols)
    wrap = per_group > 1
    size = (width * cols, 0.8 + 3.2 * n_groups * per_group + (0.4 * n_groups if wrap else 0))
    if wrap and n_groups > 1:
        fig = plt.figure(figsize=size, layout="constrained")
        bands = fig.subfigures(n_groups, 1)
        grids = []
        for k, (band, label) in enumerate(zip(bands, labels, strict=True)):
            band.set_facecolor("0.96" if k % 2 else "white")
            band.suptitle(label, fontsize=11, fontweight="bold", x=0.01, ha="left")
            grids.append(band.subplots(per_group, cols, squeeze=False))
        axs = np.vstack(grids)
        for ax in axs.flat:  # one time axis: dates under the lowest panels (tidy_grid)
            if ax is not axs[0, 0]:
                ax.sharex(axs[0, 0])
            ax.xaxis.set_tick_params(labelbottom=False)
    else:
        fig, axs = plt.subplots(
            n_groups * per_group, cols, figsize=size, squeeze=False, sharex=True,
            sharey=False if wrap else sharey, layout="constrained",
        )  # fmt: skip
    panels = []
    for i in range(n_groups):
        flat = list(axs[i * per_group : (i + 1) * per_group].flat)
        for ax in flat[n_panels:]:
            ax.set_visible(False)
        panels.append(flat[:n_panels])
    return fig, axs, panels, wrap and n_groups > 1


def utility_figure(batch: Batch, groups: list[tuple[str, pd.DataFrame]], sub: str):
    """Envelopes of each state's utility per group (rows, states wrapped beyond
    :data:`STATE_COLUMNS`); None without data."""
    info = batch.info
    env_all = utility_envelopes(batch.series, info)
    if not len(env_all):
        return None
    n_states = env_all["state"].nunique()
    fig, axs, panels, headed = _state_panels([g[0] for g in groups], n_states, 4.3, "col")
    for (label, rows), axes in zip(groups, panels, strict=True):
        data = Envelopes(utility_envelopes(rows, info), info)
        plot_utility_envelopes(data, axes=axes, row_label="" if headed else label, legend=False)
        for ax in axes[1:]:
            if ax.get_subplotspec().colspan.start > 0:
                ax.set_ylabel("")
    tidy_grid(axs)
    fig.legend(
        handles=envelope_handles({}), fontsize=9, ncols=3, frameon=False,
        loc="outside lower center",
    )  # fmt: skip
    figure_titles(fig, "Utility of each state over time (weighted sum of terms)", sub)
    return fig


def support_figure(batch: Batch, groups: list[tuple[str, pd.DataFrame]], sub: str):
    """Envelopes of where each client's support comes from, per group; None without data."""
    info = batch.info
    env_all = support_envelopes(batch.series)
    if not len(env_all):
        return None
    clients = [c for c in info.states if c in set(env_all["client"])]
    fig, axs, panels, headed = _state_panels([g[0] for g in groups], len(clients), 5, True)
    for (label, rows), axes in zip(groups, panels, strict=True):
        env = support_envelopes(rows)
        for j, (ax, client) in enumerate(zip(axes, clients, strict=True)):
            plot_support_envelopes(Envelopes(env[env["client"] == client], info), ax=ax,
                                   legend=False)  # fmt: skip
            ax.set_title(f"{info.state_label(client)}: its support comes from", fontsize=10)
            if ax.get_subplotspec().colspan.start > 0:
                ax.set_ylabel("")
            elif label and j == 0 and not headed:
                ax.set_ylabel(f"{label}\nShare of external support (%)")
    tidy_grid(axs)
    cmap = colormaps["tab10"]
    patrons = [s for s in info.states if s in set(env_all["patron"])]
    colors = {f"from {info.state_label(p)}": cmap(info.states.index(p)) for p in patrons}
    fig.legend(
        handles=envelope_handles(colors), fontsize=9, frameon=False, ncols=len(colors) + 3,
        loc="outside lower center",
    )  # fmt: skip
    figure_titles(fig, "Where each state's external support comes from", sub)
    return fig


__all__ = [
    "batch_figures",
    "config_figure",
    "probability_figures",
    "series_figures",
    "series_groups",
    "support_figure",
    "timing_figures",
    "utility_figure",
]
