"""Side-by-side comparison figures: formation curves, differences, end-of-horizon forest.

Inputs are the tables of :mod:`sim.analysis.compare` (curves per pact, comparison table).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.analysis.batch import ScenarioInfo
from sim.plots._common import STYLES, ShareTicks, figure_titles, month_axis, percent_axis, tidy_grid

BAND = 0.12


def _band_alpha(groups: int) -> float:
    """Band opacity shared out over the groups, so that equal bands stacked over one another
    do not add up to an opaque block."""
    return min(BAND, 1.0 / max(groups, 1))


class _Bands:
    """The bands a panel has drawn, month by month: where a band equals one already drawn
    (groups that do not differ from the reference share it) it is drawn once, not stacked
    into an opaque block."""

    def __init__(self) -> None:
        self.seen: list[tuple[np.ndarray, np.ndarray]] = []

    def new(self, lo: pd.Series, hi: pd.Series) -> np.ndarray:
        """Bool per month for ``fill_between(where=..., step="post")``: this band differs
        there from every band drawn before. A month's step spans to the next month's
        point, so each new month also marks the point after it (without it the last new
        month of a stretch, or a lone one, would fill nothing)."""
        band = (lo.to_numpy(float), hi.to_numpy(float))
        fresh = np.ones(len(band[0]), dtype=bool)
        for a, b in self.seen:
            fresh &= ~((band[0] == a) & (band[1] == b))
        self.seen.append(band)
        return fresh | np.r_[False, fresh[:-1]]


def _style(k: int) -> dict:
    """Line style of the ``k``-th group: styles cycle and the first groups sit on top (the
    reference is never hidden under a group equal to it)."""
    return {"ls": STYLES[k % len(STYLES)], "zorder": 3 + 0.01 * (100 - k)}


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


@dataclass(frozen=True)
class Curves:
    """What the curve figures draw: per pact label the table of
    :func:`sim.analysis.compare` curves (round, group, p, lo, hi, n, diff, ...) and the
    scenario's labels; the groups in order (the first is the reference) and their colours."""

    curves: dict[str, pd.DataFrame]
    info: ScenarioInfo

    @property
    def groups(self) -> list[str]:
        return list(pd.unique(next(iter(self.curves.values()))["group"]))

    @property
    def colors(self) -> dict[str, object]:
        return scenario_colors(self.groups)


def plot_formation_curves(data: Curves, subtitle: str = "") -> Figure:
    """Per pact (:func:`formation_panel`), P(formed by month t) of every group."""
    fig, axs = _grid(len(data.curves))
    for ax, label in zip(axs.flat, data.curves, strict=False):
        formation_panel(ax, data, label)
    _legend_below(fig, axs.flat[0])
    tidy_grid(axs)
    figure_titles(fig, "Probability each pact has formed by each month",
                  _with(subtitle, "bands: 95% Wilson intervals"))  # fmt: skip
    return fig


def _legend_below(fig: Figure, ax: Axes) -> None:
    """The groups' legend under the panels, where it covers no curve."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4),
               fontsize=8, frameon=False)  # fmt: skip


def _with(subtitle: str, note: str) -> str:
    return f"{subtitle} · {note}" if subtitle else note


def formation_panel(ax: Axes, data: Curves, label: str) -> None:
    """One pact's P(formed by month t) of every group, with Wilson 95% bands."""
    df, colors = data.curves[label], data.colors
    horizon = int(df["round"].max()) + 1
    alpha, drawn = _band_alpha(len(data.groups)), _Bands()
    for k, g in enumerate(data.groups):
        d = df[df["group"] == g]
        n = int(d["n"].iloc[0])
        ax.step(d["round"], d["p"], where="post", color=colors[g], lw=1.8, label=f"{g} (n={n})",
                **_style(k))  # fmt: skip
        ax.fill_between(d["round"], d["lo"], d["hi"], where=drawn.new(d["lo"], d["hi"]),
                        step="post", color=colors[g], alpha=alpha, lw=0)  # fmt: skip
    ax.set_title(label, fontsize=10)
    ax.set_ylabel("P(formed by month)")
    percent_axis(ax)
    month_axis(ax, data.info, horizon)
    ax.grid(alpha=0.3)


def plot_differences(data: Curves, subtitle: str = "") -> Figure:
    """Per pact (:func:`difference_panel`), P(formed by month t) minus the reference's."""
    fig, axs = _grid(len(data.curves))
    for ax, label in zip(axs.flat, data.curves, strict=False):
        difference_panel(ax, data, label)
    _legend_below(fig, axs.flat[0])
    tidy_grid(axs)
    figure_titles(fig, f"Difference in P(formed by month) from the reference '{data.groups[0]}'",
                  _with(subtitle, "bands: 95% Newcombe intervals"))  # fmt: skip
    return fig


def difference_panel(ax: Axes, data: Curves, label: str) -> None:
    """One pact's P(formed by month t) minus the reference's, with Newcombe 95% bands."""
    df, colors, groups = data.curves[label], data.colors, data.groups
    horizon = int(df["round"].max()) + 1
    alpha, drawn = _band_alpha(len(groups) - 1), _Bands()
    for k, g in enumerate(groups[1:], start=1):
        d = df[df["group"] == g]
        tag = " (paired)" if bool(d["paired"].iloc[0]) else ""
        ax.step(d["round"], d["diff"], where="post", color=colors[g], lw=1.8, label=g + tag,
                **_style(k))  # fmt: skip
        fresh = drawn.new(d["diff_lo"], d["diff_hi"])
        ax.fill_between(d["round"], d["diff_lo"], d["diff_hi"], where=fresh, step="post",
                        color=colors[g], alpha=alpha, lw=0)  # fmt: skip
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_title(label, fontsize=10)
    ax.set_ylabel(f"difference from '{groups[0]}' (percentage points)")
    ax.yaxis.set_major_formatter(ShareTicks(" pp", signed=True))
    month_axis(ax, data.info, horizon)
    ax.grid(alpha=0.3)


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
        ax.xaxis.set_major_locator(MaxNLocator(5))  # room for labels such as "99.5%"
        ticks = [x for x in ax.get_xticks() if -1e-9 <= x <= 1 + 1e-9]  # no 101% tick
        ax.set_xticks(ticks)
        ax.set_xlim(max(-0.01, lo - pad), min(1.01, hi + pad))
        ax.grid(alpha=0.3, axis="x")
    figure_titles(fig, "Outcomes at the end of the horizon, by group compared",
                  _with(subtitle, "bars: 95% Wilson intervals"))  # fmt: skip
    return fig
