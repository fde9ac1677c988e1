"""Side-by-side comparison figures: formation curves, differences, end-of-horizon forest.

Inputs are the tables of :mod:`sim.analysis.compare` (curves per pact, comparison table).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.analysis.batch import ScenarioInfo
from sim.plots._common import figure_titles, month_axis, percent_axis, tidy_grid

BAND = 0.12


def scenario_colors(groups: list[str]) -> dict[str, object]:
    """A qualitative colour per group (scenarios are names, not an ordered scale)."""
    cmap = colormaps["tab10"]
    return {g: cmap(i % 10) for i, g in enumerate(groups)}


def _grid(n: int, width: float = 6.0, height: float = 3.8):
    import matplotlib.pyplot as plt

    cols = 1 if n == 1 else 2
    rows = math.ceil(n / cols)
    fig, axs = plt.subplots(
        rows, cols, figsize=(width * cols, height * rows + 1), layout="constrained", squeeze=False
    )
    for ax in axs.flat[n:]:
        ax.set_visible(False)
    return fig, axs


def plot_formation_curves(
    curves: dict[str, pd.DataFrame], info: ScenarioInfo, subtitle: str = ""
) -> Figure:
    """Per pact, P(formed by month t) of every group, with Wilson 95% bands."""
    fig, axs = _grid(len(curves))
    groups = list(pd.unique(next(iter(curves.values()))["group"]))
    colors = scenario_colors(groups)
    for ax, (label, df) in zip(axs.flat, curves.items(), strict=False):
        horizon = int(df["round"].max()) + 1
        for g in groups:
            d = df[df["group"] == g]
            n = int(d["n"].iloc[0])
            ax.step(d["round"], d["p"], where="post", color=colors[g], lw=1.8, label=f"{g} (n={n})")
            ax.fill_between(
                d["round"], d["lo"], d["hi"], step="post", color=colors[g], alpha=BAND, lw=0
            )
        ax.set_title(label, fontsize=10)
        ax.set_ylabel("P(formed by month)")
        percent_axis(ax)
        month_axis(ax, info, horizon)
        ax.grid(alpha=0.3)
    axs.flat[0].legend(fontsize=7, loc="upper left")
    tidy_grid(axs)
    figure_titles(fig, "Probability each pact has formed by each month", subtitle)
    return fig


def plot_differences(
    curves: dict[str, pd.DataFrame], info: ScenarioInfo, subtitle: str = ""
) -> Figure:
    """Per pact, P(formed by month t) minus the reference's, with Newcombe 95% bands."""
    fig, axs = _grid(len(curves))
    groups = list(pd.unique(next(iter(curves.values()))["group"]))
    colors = scenario_colors(groups)
    ref = groups[0]
    for ax, (label, df) in zip(axs.flat, curves.items(), strict=False):
        horizon = int(df["round"].max()) + 1
        for g in groups[1:]:
            d = df[df["group"] == g]
            tag = " (paired)" if bool(d["paired"].iloc[0]) else ""
            ax.step(d["round"], d["diff"], where="post", color=colors[g], lw=1.8, label=g + tag)
            ax.fill_between(
                d["round"], d["diff_lo"], d["diff_hi"], step="post", color=colors[g], alpha=BAND
            )
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_title(label, fontsize=10)
        ax.set_ylabel(f"difference from {ref} (percentage points)")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
        month_axis(ax, info, horizon)
        ax.grid(alpha=0.3)
    axs.flat[0].legend(fontsize=7, loc="best")
    tidy_grid(axs)
    figure_titles(fig, f"Difference in P(formed by month) from '{ref}'", subtitle)
    return fig


def plot_end_forest(table: pd.DataFrame, subtitle: str = "") -> Figure:
    """Per measure (pact formed / still active / pair tied), P at the end for each group
    with its Wilson 95% interval (dots and bars), groups in table order."""
    keys = list(dict.fromkeys(zip(table["subject"], table["measure"], strict=True)))
    groups = list(pd.unique(table["group"]))
    colors = scenario_colors(groups)
    fig, axs = _grid(len(keys), width=5.0, height=0.3 * len(groups) + 1.4)
    y = np.arange(len(groups))[::-1]
    for ax, (subject, measure) in zip(axs.flat, keys, strict=False):
        d = table[(table["subject"] == subject) & (table["measure"] == measure)]
        d = d.set_index("group").reindex(groups)
        for yi, g in zip(y, groups, strict=True):
            p, lo, hi = d.loc[g, ["p", "lo", "hi"]]
            ax.errorbar(p, yi, xerr=[[p - lo], [hi - p]], fmt="o", color=colors[g], capsize=3)
        ax.set_yticks(y, groups, fontsize=8)
        ax.set_title(f"{subject}: {measure}", fontsize=9)
        percent_axis(ax, axis="x", limits=False)
        lo, hi = float(d["lo"].min()), float(d["hi"].max())
        pad = max(0.02, 0.1 * (hi - lo))  # zoomed on the data, so differences show
        ax.set_xlim(max(-0.01, lo - pad), min(1.01, hi + pad))
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=1 if hi - lo < 0.1 else 0))
        ax.grid(alpha=0.3, axis="x")
    figure_titles(fig, "Outcomes at the end of the horizon, by scenario", subtitle)
    return fig
