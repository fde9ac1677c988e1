"""Figures from the per-round series: configuration shares and quantile envelopes.

Inputs: :class:`Shares` (sim.analysis.config_shares: rounds x configuration labels) and
:class:`Envelopes` (sim.analysis.utility_envelopes / support_envelopes: round, q05, q25,
q50, q75, q95). Each ``*_panel`` function draws one group of runs (a design point, or all
runs) on the axes given; each ``plot_*`` function lays panels out and titles them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis.batch import ScenarioInfo
from sim.analysis.prep import OTHER
from sim.plots._common import figure_titles, month_axis, new_axes, percent_axis, set_titles


def config_colors(labels: Sequence[str]) -> dict[str, object]:
    """A fixed colour per configuration label (grey for the 'other' bucket)."""
    named = [lab for lab in labels if lab != OTHER]
    if len(named) <= 9:  # tab10 without its grey, kept for 'other'
        palette = [colormaps["tab10"](i) for i in range(10) if i != 7]
    else:
        palette = [colormaps["tab20"](i) for i in range(20) if i not in (14, 15)]
    colors = {lab: palette[i % len(palette)] for i, lab in enumerate(named)}
    colors[OTHER] = "0.78"
    return colors


@dataclass(frozen=True)
class Shares:
    """What the configuration figure draws: the table of :func:`sim.analysis.config_shares`
    (rounds x configuration labels), the scenario's labels and a colour per label (None:
    :func:`config_colors` of the table's labels)."""

    table: pd.DataFrame
    info: ScenarioInfo
    colors: dict | None = None

    @property
    def palette(self) -> dict:
        return self.colors or config_colors(list(self.table.columns))


@dataclass(frozen=True)
class Envelopes:
    """What the envelope figures draw: a table of :func:`sim.analysis.utility_envelopes`
    (state, round, q05 ... q95) or :func:`sim.analysis.support_envelopes` (client, patron,
    round, q05 ... q95), and the scenario's labels."""

    table: pd.DataFrame
    info: ScenarioInfo


def plot_config_shares(
    data: Shares,
    subtitle: str = "",
    *,
    ax: Axes | None = None,
    legend: bool = True,
    title: str = "Pact configurations over time",
) -> Figure:
    """Stacked area (:func:`shares_panel`) on ``ax`` or a figure of its own."""
    fig, ax, own = new_axes(ax, figsize=(12, 5.5))
    shares_panel(ax, data, legend=legend)
    set_titles(fig, ax, title, subtitle, own)
    return fig


def shares_panel(ax: Axes, data: Shares, *, legend: bool = True) -> None:
    """Stacked area: share of runs in each pact configuration after each month."""
    shares, colors = data.table, data.palette
    ax.stackplot(
        shares.index,
        shares.T.to_numpy(),
        labels=shares.columns,
        colors=[colors[c] for c in shares.columns],
        alpha=0.92,
    )
    month_axis(ax, data.info, int(shares.index.max()) + 1)
    percent_axis(ax)
    ax.set_ylim(0, 1)
    ax.set_ylabel("Share of runs (%)")
    if legend:
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(
            handles[::-1],
            labels[::-1],
            title="Configuration (top = upper band)",
            fontsize=8,
            title_fontsize=8,
            loc="center left",
            bbox_to_anchor=(1.01, 0.5),
        )


def draw_envelope(ax: Axes, env: pd.DataFrame, color, label: str = "") -> None:
    """Median line with 50% (q25–q75) and 90% (q05–q95) bands."""
    ax.fill_between(
        env["round"],
        env["q05"],
        env["q95"],
        color=color,
        alpha=0.15,
        lw=0,
        label=f"{label} 90% of runs".strip(),
    )
    ax.fill_between(
        env["round"],
        env["q25"],
        env["q75"],
        color=color,
        alpha=0.35,
        lw=0,
        label=f"{label} 50% of runs".strip(),
    )
    ax.plot(env["round"], env["q50"], color=color, lw=2, label=f"{label} median".strip())


def plot_utility_envelopes(
    data: Envelopes,
    subtitle: str = "",
    *,
    axes: Sequence[Axes] | None = None,
    row_label: str = "",
    legend: bool = True,
) -> Figure:
    """One panel per state (:func:`utility_panel`) on ``axes`` or a figure of its own."""
    states = list(pd.unique(data.table["state"]))
    own = axes is None
    if own:
        fig, axs = plt.subplots(
            1, len(states), figsize=(4.2 * len(states), 4.4), layout="constrained", squeeze=False
        )
        axes = list(axs[0])
    fig = axes[0].figure
    for i, (ax, state) in enumerate(zip(axes, states, strict=False)):
        utility_panel(ax, data, state, i, row_label=row_label if i == 0 else "", legend=legend)
    if own:
        figure_titles(fig, "Utility of each state over time (weighted sum of terms)", subtitle)
    return fig


def utility_panel(
    ax: Axes, data: Envelopes, state: str, i: int, *, row_label: str = "", legend: bool = True
) -> None:
    """One state's total utility over runs: median and 50%/90% bands, in colour ``i``."""
    env, info = data.table, data.info
    draw_envelope(ax, env[env["state"] == state], colormaps["tab10"](i))
    month_axis(ax, info, int(env["round"].max()) + 1)
    ax.set_title(info.state_label(state), fontsize=10)
    ylabel = "Total utility (model units)"
    ax.set_ylabel(f"{row_label}\n{ylabel}" if row_label else ylabel)
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(fontsize=8, loc="best")


def plot_support_envelopes(
    data: Envelopes,
    subtitle: str = "",
    *,
    ax: Axes | None = None,
    legend: bool = True,
    title: str = "",
) -> Figure:
    """A client's support by patron (:func:`support_panel`) on ``ax`` or a figure of its
    own. Give it one client's rows per axes (several clients on one axes are hard to read)."""
    fig, ax, own = new_axes(ax, figsize=(9, 5))
    support_panel(ax, data)
    env, info = data.table, data.info
    if legend and own:
        patrons = [p for p in info.states if p in set(env["patron"])]
        fig.legend(
            *ax.get_legend_handles_labels(),
            fontsize=8,
            frameon=False,
            ncols=max(1, len(patrons)),
            loc="outside lower center",
        )
    elif legend:
        ax.legend(fontsize=8, loc="best")
    clients = ", ".join(info.state_label(c) for c in pd.unique(env["client"]))
    set_titles(fig, ax, title or f"Where {clients}'s external support comes from", subtitle, own)
    return fig


def support_panel(ax: Axes, data: Envelopes) -> None:
    """A client's share of external support from each patron: median, 50% and 90% bands."""
    env, info = data.table, data.info
    cmap = colormaps["tab10"]
    patrons = [p for p in info.states if p in set(env["patron"])]
    several = env["client"].nunique() > 1
    for client, patron in env[["client", "patron"]].drop_duplicates().itertuples(index=False):
        sub = env[(env["client"] == client) & (env["patron"] == patron)]
        who = f"{client} " if several else ""
        color = cmap(info.states.index(patron) if patron in info.states else patrons.index(patron))
        draw_envelope(ax, sub, color, label=f"{who}from {info.state_label(patron)}:")
    month_axis(ax, info, int(env["round"].max()) + 1)
    percent_axis(ax)
    ax.set_ylabel("Share of external support (%)")
    ax.grid(alpha=0.3)


def shared_parts(labels: list[str], other: str = "other configurations") -> tuple[list, list]:
    """``(common, short)``: the pacts (``'A–B treaty'``) in every configuration label but
    ``other`` when there are two or more, and each label without them ('only those'
    if nothing is left); ``([], labels)`` when none is shared."""
    named = [lab for lab in labels if lab != other]
    if len(named) < 2:
        return [], list(labels)
    split = {lab: lab.split(" + ") for lab in named}
    common = [p for p in split[named[0]] if all(p in parts for parts in split.values())]
    if not common:
        return [], list(labels)
    short = []
    for lab in labels:
        rest = [p for p in split.get(lab, []) if p not in common]
        short.append(lab if lab == other else " + ".join(rest) or "only those")
    return common, short
