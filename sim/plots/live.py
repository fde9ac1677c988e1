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
from matplotlib.patches import Patch, Polygon

from sim.analysis.batch import ScenarioInfo
from sim.plots._common import TARGET_COLOR

LEVEL_STYLE = {1: ("--", 2.0, "#5b8fd6"), 2: ("-", 5.0, "#08306b")}  # partnership, treaty


BLOC_WIDTH = 1.6  # horizontal stretch of the layout by bloc [dimensionless]


def node_positions(states: Sequence[str], target: str = "") -> dict[str, np.ndarray]:
    """Where the network view draws each state. When the target pact leaves states out
    (e.g. the six states of Northeast Asia), its members take the left arc of a circle of
    radius 1 and the others the right arc, each side in the scenario's order from top to
    bottom, and the circle is widened BLOC_WIDTH times so that each bloc's pacts are drawn
    as open shapes on its own side; otherwise the states go round the unit circle, the
    first at the top, clockwise."""
    members = [s for s in states if s in target.split("-")]
    others = [s for s in states if s not in members]
    if not members or not others:
        n = len(states)
        angles = np.pi / 2 - 2 * np.pi * np.arange(n) / n
        return dict(zip(states, _points(angles), strict=True))
    arcs = {**_arc(members, np.pi, -1.0), **_arc(others, 0.0, 1.0)}
    return {s: xy * (BLOC_WIDTH, 1.0) for s, xy in arcs.items()}


def _points(angles: np.ndarray) -> list[np.ndarray]:
    return [np.array([np.cos(a), np.sin(a)]) for a in angles]


def _arc(states: Sequence[str], centre: float, turn: float) -> dict[str, np.ndarray]:
    """States spread evenly from top to bottom over an arc centred at ``centre`` [rad]
    (``turn`` = +1 on the right side, -1 on the left): 60 degrees apart, closer when more
    than three share a side, so each side spans at most 150 degrees."""
    n = len(states)
    step = min(np.pi / 3, np.radians(150) / max(n - 1, 1))
    angles = centre + turn * step * ((n - 1) / 2 - np.arange(n))
    return dict(zip(states, _points(angles), strict=True))


LABEL_SPOTS = (0.5, 0.38, 0.62, 0.28, 0.72)  # where along an edge a label may sit [0-1]
LABEL_GAP = 0.3  # least distance between two labels' centres [axis units; radius 1]


def label_spots(
    edges: Sequence[tuple[np.ndarray, np.ndarray]], taken: Sequence[np.ndarray] = ()
) -> list[np.ndarray]:
    """A point on each edge for its label: the midpoint unless it is within LABEL_GAP of a
    label already placed (edges that cross at the circle's centre), then the first of
    LABEL_SPOTS that is clear (the last one tried if none is)."""
    placed = [np.asarray(t) for t in taken]
    spots = []
    for a, b in edges:
        for t in LABEL_SPOTS:
            spot = a + t * (b - a)
            if all(np.hypot(*(spot - q)) >= LABEL_GAP for q in placed):
                break
        placed.append(spot)
        spots.append(spot)
    return spots


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    """The edge's direction [degrees], turned to read left to right."""
    deg = float(np.degrees(np.arctan2(b[1] - a[1], b[0] - a[0])))
    return deg - 180.0 if deg > 90.0 else deg + 180.0 if deg <= -90.0 else deg


def _style(level: int) -> tuple[str, float, str]:
    return LEVEL_STYLE.get(level, LEVEL_STYLE[max(LEVEL_STYLE)] if level > 0 else ("", 0, ""))


TARGET_INSET = 0.65  # the target's outline, scaled about its centre [share of the polygon]
BOX = {"fc": "white", "ec": "none", "alpha": 0.85, "pad": 1.0}


def plot_pact_network(
    levels: Mapping[str, int], info: ScenarioInfo, ax: Axes, title: str = ""
) -> Axes:
    """States as nodes (:func:`node_positions`), active pacts as edges styled by level
    (dashed: weakest level, thick solid: the strongest) with the level's name along the
    edge; pacts of three or more as shaded polygons named at their centre; the target pact
    outlined in red inside its members (dotted while it is not formed), with a legend of
    every style drawn."""
    pos = node_positions(info.states, info.target)
    centres = _draw_polygons(levels, info, pos, ax)
    _draw_edges(levels, info, pos, ax, centres)
    for code, (x, y) in pos.items():
        ax.scatter([x], [y], s=1600, color="white", edgecolor="black", zorder=4)
        ax.text(x, y, code, ha="center", va="center", fontsize=11, fontweight="bold", zorder=5)
    handles = [
        Line2D([], [], linestyle=_style(lv)[0], linewidth=_style(lv)[1], color=_style(lv)[2],
               label=info.level_name(lv))
        for lv in range(1, len(info.levels) + 1)
    ]  # fmt: skip
    if any(k.count("-") >= 2 for k in levels):
        handles.append(Patch(facecolor=_style(1)[2], alpha=0.25, label="pact of 3+"))
    if info.target.count("-") >= 2:  # a bilateral target has no outline of its own
        handles.append(Line2D([], [], color=TARGET_COLOR, linewidth=2, linestyle=":",
                              label="target (dotted: not formed)"))  # fmt: skip
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),  # below
              ncols=2 if len(handles) > 3 else 3, fontsize=8, frameon=False,
              handlelength=2.2, columnspacing=1.2)  # fmt: skip
    xs, ys = zip(*pos.values(), strict=True)
    ax.set_xlim(min(xs) - 0.4, max(xs) + 0.4)
    ax.set_ylim(min(ys) - 0.3, max(ys) + 0.3)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=11)
    return ax


def _draw_polygons(
    levels: Mapping[str, int], info: ScenarioInfo, pos: Mapping[str, np.ndarray], ax: Axes
) -> list[np.ndarray]:
    """Pacts of three or more: active ones shaded in their level's colour (the target's
    outline red and thick), the target's outline dotted while it is not formed. Returns
    the centres where the active ones' level is written."""
    centres = []
    for key, level in levels.items():
        members = key.split("-")
        if len(members) < 3 or (level <= 0 and key != info.target):
            continue
        pts = np.array([pos[m] for m in members])
        active, target = level > 0, key == info.target
        if active:
            ax.add_patch(Polygon(pts, closed=True, facecolor=_style(level)[2], alpha=0.25,
                                 edgecolor="none", zorder=1))  # fmt: skip
            centre = pts.mean(axis=0)
            ax.text(*centre, info.level_name(level), fontsize=8, style="italic", zorder=5,
                    ha="center", va="center", bbox=BOX)  # fmt: skip
            centres.append(centre)
        if target:  # inset, so the members' bilateral lines do not hide it
            inner = pts.mean(axis=0) + TARGET_INSET * (pts - pts.mean(axis=0))
            ax.add_patch(
                Polygon(inner, closed=True, fill=False, edgecolor=TARGET_COLOR, zorder=2,
                        linewidth=2.5 if active else 1.8, linestyle="-" if active else ":")
            )  # fmt: skip
    return centres


def _draw_edges(
    levels: Mapping[str, int],
    info: ScenarioInfo,
    pos: Mapping[str, np.ndarray],
    ax: Axes,
    taken: Sequence[np.ndarray],
) -> None:
    """Active bilateral pacts as lines, each named along its line where no other label
    sits (:func:`label_spots`)."""
    pairs = [(k.split("-"), lv) for k, lv in levels.items() if k.count("-") == 1 and lv > 0]
    edges = [(pos[a], pos[b]) for (a, b), _ in pairs]
    for ((a, b), level), spot in zip(pairs, label_spots(edges, taken), strict=True):
        style, width, color = _style(level)
        (x0, y0), (x1, y1) = pos[a], pos[b]
        ax.plot([x0, x1], [y0, y1], linestyle=style, linewidth=width, color=color, zorder=3)
        ax.text(*spot, info.level_name(level), fontsize=8, zorder=5, ha="center",
                va="center", rotation=_angle(pos[a], pos[b]), rotation_mode="anchor",
                bbox=BOX)  # fmt: skip


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


__all__ = [
    "label_spots",
    "node_positions",
    "plot_drivers",
    "plot_pact_network",
    "plot_utility_terms",
]
