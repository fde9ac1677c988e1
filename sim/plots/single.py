"""One run: a timeline of pacts (a bar per pact while active) above each state's utility by term."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.analysis.batch import ScenarioInfo
from sim.analysis.prep import pact_spells
from sim.plots._common import figure_titles, month_axis

MAX_PACT_ROWS = 8
"""Above this many pacts, the timeline draws the pacts that were ever active (and the
target) and folds the others into one row: a six-state world's 17 pacts would otherwise
be 17 rows, most of them empty."""


def _utility_terms(series_one: pd.DataFrame, state: str) -> list[str]:
    prefix = f"utility.{state}."
    return [c[len(prefix) :] for c in series_one.columns if c.startswith(prefix)]


@dataclass(frozen=True)
class OneRun:
    """What the panels of one run draw: its series in round order, the scenario's labels,
    the states with utilities and the pacts with levels in it, and the horizon."""

    series: pd.DataFrame
    info: ScenarioInfo
    states: list[str]
    pacts: list[str]
    horizon: int
    quiet: tuple[str, ...] = ()  # pacts never active, folded into one row (many pacts)

    @classmethod
    def of(cls, series_one: pd.DataFrame, info: ScenarioInfo | dict) -> OneRun:
        if isinstance(info, dict):
            info = ScenarioInfo.from_manifest({"scenario_info": info})
        s = series_one.sort_values("round")
        states = [st for st in info.states if f"utility.{st}.total" in s or _utility_terms(s, st)]
        pacts = [p for p in info.pacts if f"level.{p}" in s]
        quiet: tuple[str, ...] = ()
        if len(pacts) > MAX_PACT_ROWS:
            moved = [p for p in pacts if p == info.target or (s[f"level.{p}"] > 0).any()]
            quiet = tuple(p for p in pacts if p not in moved)
            pacts = moved
        return cls(s, info, states, pacts, int(s["round"].max()) + 1, quiet)

    def label(self) -> str:
        """``run R, seed S`` when the series says so."""
        s = self.series
        if "run_id" not in s or not len(s):
            return ""
        run = f"run {int(s['run_id'].iloc[0])}"
        return run + (f", seed {int(s['seed'].iloc[0])}" if "seed" in s else "")


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
    """
    run = OneRun.of(series_one, info)
    axes = list(ax) if ax is not None else _run_axes(run)
    timeline_panel(axes[0], run)
    for i, (a, state) in enumerate(zip(axes[1:], run.states, strict=False)):
        utility_panel(a, run, state, legend=i == 0)  # same colours in every panel: one legend
    for a in axes:
        month_axis(a, run.info, run.horizon, label=a is axes[-1])
    label = run.label()
    figure_titles(
        axes[0].figure,
        title or "Pacts and utilities in a single run",
        f"n = 1 run{' (' + label + ')' if label else ''}",
    )
    return axes[0].figure


def _run_axes(run: OneRun) -> list[Axes]:
    """A figure with the timeline above one panel per state, sharing the month axis."""
    heights = [0.45 * max(len(run.pacts) + bool(run.quiet), 2) + 0.4] + [2.2] * len(run.states)
    _, axs = plt.subplots(
        len(run.states) + 1,
        1,
        figsize=(10, sum(heights) + 1.2),
        sharex=True,
        height_ratios=heights,
        layout="constrained",
    )
    return list(axs)


def timeline_panel(tl: Axes, run: OneRun) -> None:
    """A row per pact: a bar while active, shaded by level (the target outlined in red)."""
    info = run.info
    n_levels = max(len(info.levels), 1)
    shades = colormaps["Blues"]
    level_color = {
        lv: shades(0.35 + 0.55 * (lv - 1) / max(n_levels - 1, 1)) for lv in range(1, n_levels + 1)
    }
    rows = {p: i + bool(run.quiet) for i, p in enumerate(reversed(run.pacts))}
    spells = pact_spells(run.series, info)
    for sp in spells:
        tl.broken_barh(
            [(sp.start - 0.5, sp.end - sp.start)],
            (rows[sp.pact] - 0.35, 0.7),
            facecolors=level_color.get(sp.level, "0.4"),
            edgecolors="#c0392b" if sp.pact == info.target else "none",
            lw=1.5,
        )
    active = {sp.pact for sp in spells}
    for p in rows:
        if p not in active:
            tl.text(run.horizon / 2, rows[p], "never active", ha="center", va="center",
                    fontsize=8, color="0.5", style="italic")  # fmt: skip
    ticks, labels = list(rows.values()), [info.pact_label(p) for p in rows]
    if run.quiet:  # the pacts never active, folded into the bottom row
        tl.text(run.horizon / 2, 0, ", ".join(run.quiet), ha="center", va="center",
                fontsize=6, color="0.5", style="italic", wrap=True)  # fmt: skip
        ticks, labels = [0, *ticks], [f"{len(run.quiet)} others, never active", *labels]
    tl.set_yticks(ticks, labels)
    tl.set_ylim(-0.6, len(rows) + bool(run.quiet) - 0.4)
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


def utility_panel(a: Axes, run: OneRun, state: str, legend: bool) -> None:
    """One state's utility by term (a line each) and its total (dashed)."""
    s, cmap = run.series, colormaps["tab10"]
    terms = [t for t in _utility_terms(s, state) if t != "total"]
    for i, t in enumerate(terms):
        a.plot(s["round"], s[f"utility.{state}.{t}"], color=cmap(i), lw=1.5, label=t)
    if f"utility.{state}.total" in s:
        a.plot(
            s["round"], s[f"utility.{state}.total"], color="black", lw=2.2, ls="--", label="total"
        )
    a.axhline(0, color="0.6", lw=0.8)
    a.set_ylabel(f"{run.info.state_label(state)}\nutility (model units)")
    a.grid(alpha=0.3)
    if legend:
        a.legend(title="Utility term", fontsize=8, title_fontsize=8, loc="upper left",
                 bbox_to_anchor=(1.01, 1.0))  # fmt: skip
