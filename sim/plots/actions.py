"""An action timeline per dyad: which cooperation actions were in force each month of one
run (model v3), one row per (kind, actor -> recipient) that happened, grouped by pair,
coloured by CAMEO class, with the pacts' levels of each pair above."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

CLASS_COLORS = {
    "material_cooperation": "#1b7837",
    "verbal_cooperation": "#762a83",
    "verbal_conflict": "#e08214",
    "material_conflict": "#b2182b",
}


def action_rows(series: pd.DataFrame) -> list[str]:
    """``KIND.A>B`` of the actions in force at least once, sorted by pair then kind."""
    keys = [c.removeprefix("action.") for c in series.columns if c.startswith("action.")]
    keys = [k for k in keys if series[f"action.{k}"].any()]

    def pair(key: str) -> tuple[str, str]:
        kind, dyad = key.split(".", 1)
        return "-".join(sorted(dyad.split(">"))), kind + dyad

    return sorted(keys, key=pair)


def plot_action_timeline(series: pd.DataFrame, cameo: dict[str, str], title: str = "") -> Figure:
    """Bars of the months each action was in force (``series``: a run's series frame;
    ``cameo``: kind -> CAMEO class), a dot where it was taken."""
    rows = action_rows(series)
    fig, ax = plt.subplots(figsize=(11, 0.35 * max(len(rows), 3) + 1.4))
    months = series["round"].to_numpy()
    for y, key in enumerate(rows):
        kind = key.split(".", 1)[0]
        color = CLASS_COLORS.get(cameo.get(kind, ""), "grey")
        on = series[f"action.{key}"].to_numpy()
        spans = [(m, 1) for m, flag in zip(months, on, strict=True) if flag]
        ax.broken_barh(spans, (y - 0.35, 0.7), facecolors=color, alpha=0.75)
        taken = months[series[f"taken.{key}"].to_numpy()]
        ax.plot(taken + 0.5, [y] * len(taken), "k|", markersize=9)
    ax.set_yticks(range(len(rows)), [k.replace(".", "  ", 1) for k in rows], fontsize=8)
    ax.invert_yaxis()
    ticks = [m for m in months if m % 12 == 0]
    ax.set_xticks(ticks, [series["date"].iloc[m][:4] for m in ticks])
    ax.set_xlim(0, len(months))
    ax.set_xlabel("month (bar: in force; tick: taken)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c, alpha=0.75) for c in CLASS_COLORS.values()]
    used = set(cameo.values())
    pairs = [(h, k) for h, k in zip(handles, CLASS_COLORS, strict=True) if k in used]
    if pairs:
        ax.legend(*zip(*pairs, strict=True), loc="lower right", bbox_to_anchor=(1.0, 1.0),
                  ncol=len(pairs), fontsize=7, frameon=False)  # fmt: skip
    ax.set_title(title or "Cooperation actions in force, by pair", fontsize=10, loc="left")
    ax.grid(axis="x", alpha=0.3)
    return fig
