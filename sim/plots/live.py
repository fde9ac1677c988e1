"""Drawings of one run in progress (the browser app): the pact network, each state's
utility by term, the drivers so far. Inputs are plain values read from the model; each
function draws into the given Axes and returns it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

from sim.analysis.batch import ScenarioInfo
from sim.plots._common import TARGET_COLOR

LEVEL_STYLE = {1: ("--", 2.0, "#5b8fd6"), 2: ("-", 5.0, "#08306b")}  # partnership, treaty


def node_positions(states: Sequence[str]) -> dict[str, np.ndarray]:
    """States on a circle, the first at the top, clockwise."""
    n = len(states)
    angles = np.pi / 2 - 2 * np.pi * np.arange(n) / n
    return {s: np.array([np.cos(a), np.sin(a)]) for s, a in zip(states, angles, strict=True)}


def _style(level: int) -> tuple[str, float, str]:
    return LEVEL_STYLE.get(level, LEVEL_STYLE[max(LEVEL_STYLE)] if level > 0 else ("", 0, ""))


def plot_pact_network(
    levels: Mapping[str, int], info: ScenarioInfo, ax: Axes, title: str = ""
) -> Axes:
    """States as nodes, active pacts as edges styled by level (dashed: weakest level,
    thick solid: the strongest); pacts of three or more as shaded polygons; the target
    pact outlined in red (dotted while it is not formed)."""
    pos = node_positions(info.states)
    for key, level in levels.items():
        members = key.split("-")
        if len(members) < 3 or (level <= 0 and key != info.target):
            continue
        pts = np.array([pos[m] for m in members])
        active = level > 0
        face = _style(level)[2] if active else "none"
        edge = TARGET_COLOR if key == info.target else "#555555"
        ax.add_patch(
            Polygon(pts, closed=True, facecolor=face, alpha=0.25 if active else 1.0, zorder=1)
        )
        ax.add_patch(
            Polygon(pts, closed=True, fill=False, edgecolor=edge, zorder=2,
                    linewidth=3.0 if active else 1.2, linestyle="-" if active else ":")
        )  # fmt: skip
    for key, level in levels.items():
        members = key.split("-")
        if len(members) != 2 or level <= 0:
            continue
        style, width, color = _style(level)
        (x0, y0), (x1, y1) = pos[members[0]], pos[members[1]]
        ax.plot([x0, x1], [y0, y1], linestyle=style, linewidth=width, color=color, zorder=3)
        box = {"fc": "white", "ec": "none", "alpha": 0.8}
        ax.text((x0 + x1) / 2, (y0 + y1) / 2, info.level_name(level), fontsize=8, zorder=5,
                ha="center", va="center", bbox=box)  # fmt: skip
    for code, (x, y) in pos.items():
        ax.scatter([x], [y], s=1600, color="white", edgecolor="black", zorder=4)
        ax.text(x, y, code, ha="center", va="center", fontsize=11, fontweight="bold", zorder=5)
    handles = [
        Line2D([], [], linestyle=_style(lv)[0], linewidth=_style(lv)[1], color=_style(lv)[2],
               label=info.level_name(lv))
        for lv in range(1, len(info.levels) + 1)
    ]  # fmt: skip
    handles.append(Line2D([], [], color=TARGET_COLOR, linewidth=3, label="target pact"))
    ax.legend(handles=handles, loc="lower center", ncols=len(handles), fontsize=8,
              frameon=False)  # fmt: skip
    ax.set_xlim(-1.4, 1.4)
    ax.set_ylim(min(y for _, y in pos.values()) - 0.55, 1.3)  # room for the legend
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=11)
    return ax


def plot_utility_terms(
    terms: Mapping[str, Sequence[float]], term_names: Sequence[str], ax: Axes, title: str = ""
) -> Axes:
    """Grouped bars: each state's weighted utility terms (and their total as a dot)."""
    states = list(terms)
    width = 0.8 / max(len(term_names), 1)
    x = np.arange(len(states))
    for t, term in enumerate(term_names):
        values = [float(terms[s][t]) for s in states]
        ax.bar(x - 0.4 + width * (t + 0.5), values, width, label=term)
    totals = [float(np.sum(terms[s])) for s in states]
    ax.scatter(x, totals, color="black", zorder=3, label="total")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xticks(x, states)
    ax.set_ylabel("Weighted utility (model units)")
    ax.legend(fontsize=8, ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.08),
              frameon=False, handlelength=1.2, columnspacing=0.8)  # fmt: skip
    ax.grid(axis="y", alpha=0.3)
    if title:
        ax.set_title(title, fontsize=11)
    return ax


def plot_drivers(frame: pd.DataFrame, ax: Axes, title: str = "") -> Axes:
    """Each ``driver.<name>`` column of ``frame`` against its ``date`` column."""
    cols = [c for c in frame.columns if c.startswith("driver.")]
    for col in cols:
        ax.plot(frame["date"], frame[col], label=col.split(".", 1)[1], linewidth=1.8)
    ax.set_ylim(-0.02, 1.05)
    ax.set_ylabel("Driver level [0-1]")
    if len(frame) > 1:
        step = max(1, len(frame) // 6)
        ticks = list(frame["date"].iloc[::step])
        ax.set_xticks(ticks, ticks, fontsize=8)
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title, fontsize=11)
    return ax


__all__ = ["node_positions", "plot_drivers", "plot_pact_network", "plot_utility_terms"]
