"""One run: a timeline of pacts (a bar per pact while active) above each state's utility by term."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.analysis.batch import ScenarioInfo
from sim.analysis.prep import pact_spells
from sim.plots._common import figure_titles, month_axis


def _utility_terms(series_one: pd.DataFrame, state: str) -> list[str]:
    prefix = f"utility.{state}."
    return [c[len(prefix) :] for c in series_one.columns if c.startswith(prefix)]


def plot_single_run(
    series_one: pd.DataFrame,
    info: ScenarioInfo | dict,
    ax: Sequence[Axes] | None = None,
    title: str = "",
) -> Figure:
    """Timeline of pacts (bar shade = level) above one panel per state with utility by term.

    series_one: one run's series (columns round, level.<PACT>, utility.<STATE>.<TERM>).
    info: ScenarioInfo or the manifest's scenario_info dict.
    ax: optional axes, the timeline first then one per state.

    Long on purpose: it lays out one figure step by step (data, bands, labels, legend);
    split into helpers the layout would be scattered over functions that each draw a
    fragment of the same axes. The data it draws is prepared and tested in sim/analysis.
    """
    if isinstance(info, dict):
        info = ScenarioInfo.from_manifest({"scenario_info": info})
    s = series_one.sort_values("round")
    states = [st for st in info.states if f"utility.{st}.total" in s or _utility_terms(s, st)]
    pacts = [p for p in info.pacts if f"level.{p}" in s]
    if ax is None:
        heights = [0.45 * max(len(pacts), 2) + 0.4] + [2.2] * len(states)
        fig, axs = plt.subplots(
            len(states) + 1,
            1,
            figsize=(10, sum(heights) + 1.2),
            sharex=True,
            height_ratios=heights,
            layout="constrained",
        )
        ax = list(axs)
    fig = ax[0].figure
    horizon = int(s["round"].max()) + 1
    tl = ax[0]
    n_levels = max(len(info.levels), 1)
    shades = colormaps["Blues"]
    level_color = {
        lv: shades(0.35 + 0.55 * (lv - 1) / max(n_levels - 1, 1)) for lv in range(1, n_levels + 1)
    }
    rows = {p: i for i, p in enumerate(reversed(pacts))}
    for sp in pact_spells(s, info):
        color = level_color.get(sp.level, "0.4")
        edge = "#c0392b" if sp.pact == info.target else "none"
        tl.broken_barh(
            [(sp.start - 0.5, sp.end - sp.start)],
            (rows[sp.pact] - 0.35, 0.7),
            facecolors=color,
            edgecolors=edge,
            lw=1.5,
        )
    active = {sp.pact for sp in pact_spells(s, info)}
    for p in rows:
        if p not in active:
            tl.text(
                horizon / 2,
                rows[p],
                "never active",
                ha="center",
                va="center",
                fontsize=8,
                color="0.5",
                style="italic",
            )
    tl.set_yticks(list(rows.values()), [info.pact_label(p) for p in rows])
    tl.set_ylim(-0.6, len(pacts) - 0.4)
    tl.set_ylabel("Pact")
    tl.grid(axis="x", alpha=0.3)
    tl.legend(
        handles=[Patch(color=level_color[lv], label=info.level_name(lv)) for lv in level_color],
        title="Level",
        fontsize=8,
        title_fontsize=8,
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
    )
    cmap = colormaps["tab10"]
    for a, st in zip(ax[1:], states, strict=False):
        terms = [t for t in _utility_terms(s, st) if t != "total"]
        for i, t in enumerate(terms):
            a.plot(s["round"], s[f"utility.{st}.{t}"], color=cmap(i), lw=1.5, label=t)
        if f"utility.{st}.total" in s:
            a.plot(
                s["round"], s[f"utility.{st}.total"], color="black", lw=2.2, ls="--", label="total"
            )
        a.axhline(0, color="0.6", lw=0.8)
        a.set_ylabel(f"{info.state_label(st)}\nutility (model units)")
        a.grid(alpha=0.3)
        if a is ax[1]:  # same colours in every state panel: one legend
            a.legend(
                title="Utility term",
                fontsize=8,
                title_fontsize=8,
                loc="upper left",
                bbox_to_anchor=(1.01, 1.0),
            )
    for a in ax:
        month_axis(a, info, horizon, label=a is ax[-1])
    run = ""
    if "run_id" in s and len(s):
        run = f"run {int(s['run_id'].iloc[0])}"
        if "seed" in s:
            run += f", seed {int(s['seed'].iloc[0])}"
    figure_titles(
        fig,
        title or "Pacts and utilities in a single run",
        f"n = 1 run{' (' + run + ')' if run else ''}",
    )
    return fig
