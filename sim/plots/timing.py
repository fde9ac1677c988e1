"""Time to formation: Kaplan–Meier cumulative probability that a pact has formed by each month.

Input: :class:`Formation`, the table of sim.analysis.time_to_formation (group, round,
cum_inc, lo, hi, n) with its labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis.batch import ScenarioInfo
from sim.plots._common import BAND_ALPHA, STYLES, month_axis, new_axes, percent_axis, set_titles


def group_colors(groups: list[str], single: str = "#c0392b", named: bool = False
                 ) -> dict[str, str]:  # fmt: skip
    """One colour per group: along a sequential map for ordered design values, from a
    qualitative one (tab10) for names, which have no order a gradient would suggest."""
    if len(groups) == 1:
        return {groups[0]: single}
    if named and len(groups) <= 10:
        return {g: colormaps["tab10"](i) for i, g in enumerate(groups)}
    cmap = colormaps["viridis"]
    return {g: cmap(0.05 + 0.75 * i / (len(groups) - 1)) for i, g in enumerate(groups)}


@dataclass(frozen=True)
class Formation:
    """What the time-to-formation figure draws: the table of
    :func:`sim.analysis.time_to_formation` (group, round, cum_inc, lo, hi, n), the
    scenario's labels, the pact's label and the legend's title (what the groups are)."""

    table: pd.DataFrame
    info: ScenarioInfo
    pact_label: str
    legend_title: str = ""
    named: bool = False  # the groups are names (scenarios), not ordered values

    @property
    def groups(self) -> list[str]:
        return list(pd.unique(self.table["group"]))


def plot_time_to_formation(
    data: Formation,
    subtitle: str = "",
    *,
    ax: Axes | None = None,
    band: bool | None = None,
    legend: bool = True,
) -> Figure:
    """Step curves (:func:`timing_panel`) on ``ax`` or a figure of its own.

    band: draw the Greenwood/log-log 95% band (default: only for one or two groups, as
    more overlapping bands hide the curves).
    """
    fig, ax, own = new_axes(ax)
    if band is None:
        band = len(data.groups) <= 2
    timing_panel(ax, data, band=band, legend=legend)
    title = f"Time to formation: {data.pact_label}"
    sub = "Kaplan–Meier, runs without the pact censored at their last month"
    if band:
        sub += "; band: pointwise 95% CI"
    set_titles(fig, ax, title, f"{subtitle} · {sub}" if subtitle else sub, own)
    return fig


def timing_panel(ax: Axes, data: Formation, *, band: bool, legend: bool = True) -> None:
    """Step curves of P(pact formed by month t) per group (line styles cycle, so that
    equal curves, e.g. several at 0%, do not hide each other), with pointwise 95% bands."""
    ttf, colors = data.table, group_colors(data.groups, named=data.named)
    for k, g in enumerate(data.groups):  # styles cycle: a curve equal to another shows
        df = ttf[ttf["group"] == g]
        n = int(df["n"].iloc[0])
        label = f"{g} (n={n})"
        ax.step(df["round"], df["cum_inc"], where="post", color=colors[g], lw=2, label=label,
                linestyle=STYLES[k % len(STYLES)])  # fmt: skip
        if band:
            ax.fill_between(
                df["round"],
                df["lo"],
                df["hi"],
                step="post",
                color=colors[g],
                alpha=BAND_ALPHA,
                lw=0,
            )
    month_axis(ax, data.info, int(ttf["round"].max()) + 1)
    percent_axis(ax)
    ax.set_ylabel("P(formed by this month) (%)")
    ax.grid(alpha=0.3)
    if legend:
        title = data.legend_title or None
        ax.legend(title=title, fontsize=8, title_fontsize=8, loc="best")
