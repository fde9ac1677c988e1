"""Time to formation: Kaplan–Meier cumulative probability that a pact has formed by each month.

Input: the table of sim.analysis.time_to_formation (group, round, cum_inc, lo, hi, n).
"""

from __future__ import annotations

import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis.batch import ScenarioInfo
from sim.plots._common import BAND_ALPHA, month_axis, new_axes, percent_axis, set_titles


def group_colors(groups: list[str], single: str = "#c0392b") -> dict[str, str]:
    """One colour per group along a sequential map (ordered design values)."""
    if len(groups) == 1:
        return {groups[0]: single}
    cmap = colormaps["viridis"]
    return {g: cmap(0.05 + 0.85 * i / (len(groups) - 1)) for i, g in enumerate(groups)}


def plot_time_to_formation(
    ttf: pd.DataFrame,
    info: ScenarioInfo,
    pact_label: str,
    *,
    legend_title: str = "",
    subtitle: str = "",
    ax: Axes | None = None,
    band: bool | None = None,
    legend: bool = True,
) -> Figure:
    """Step curves of P(pact formed by month t) per group, with pointwise 95% bands.

    band: draw the Greenwood/log-log 95% band (default: only for one or two groups, as
    more overlapping bands hide the curves).
    """
    fig, ax, own = new_axes(ax)
    groups = list(pd.unique(ttf["group"]))
    colors = group_colors(groups)
    if band is None:
        band = len(groups) <= 2
    horizon = int(ttf["round"].max()) + 1
    for g in groups:
        df = ttf[ttf["group"] == g]
        n = int(df["n"].iloc[0])
        label = f"{g} (n={n})"
        ax.step(df["round"], df["cum_inc"], where="post", color=colors[g], lw=2, label=label)
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
    month_axis(ax, info, horizon)
    percent_axis(ax)
    ax.set_ylabel("P(formed by this month) (%)")
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(title=legend_title or None, fontsize=8, title_fontsize=8, loc="best")
    title = f"Time to formation: {pact_label}"
    sub = "Kaplan–Meier, runs without the pact censored at their last month"
    if band:
        sub += "; band: pointwise 95% CI"
    set_titles(fig, ax, title, f"{subtitle} · {sub}" if subtitle else sub, own)
    return fig
