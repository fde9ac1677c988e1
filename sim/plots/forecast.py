"""Forecast figure of a posterior design: P(each pact by each month) with its 90% band."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis.batch import ScenarioInfo
from sim.plots._common import figure_titles, month_axis, percent_axis

LEVEL_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


@dataclass(frozen=True)
class Forecast:
    """What the forecast figure draws: the table of :func:`sim.analysis.forecast.forecast`
    (pact, level, conditioned, round, mean, q05, q95), the scenario's labels and the
    record's last month (None: no record)."""

    table: pd.DataFrame
    info: ScenarioInfo
    record_end: int | None = None


def plot_forecast(data: Forecast, subtitle: str) -> Figure:
    """One panel per pact (:func:`forecast_panel`), sharing the probability axis."""
    pacts = list(dict.fromkeys(data.table["pact"]))
    ncols = min(2, len(pacts))
    nrows = -(-len(pacts) // ncols)
    fig, axs = plt.subplots(nrows, ncols, figsize=(7 * ncols, 3.8 * nrows + 1), squeeze=False,
                            sharey=True, layout="constrained")  # fmt: skip
    for ax, pact in zip(axs.flat, pacts, strict=False):
        forecast_panel(ax, data, pact)
    for ax in list(axs.flat)[len(pacts) :]:
        ax.set_visible(False)
    handles, labels = axs[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=9, ncols=4, frameon=False, loc="outside lower center")
    note = "lines: posterior predictive mean; bands: 5-95% over parameter sets"
    if data.record_end is not None:
        note += f"; dotted: end of the record ({data.info.date(data.record_end)})"
    if (few := _few_sets(data.table)) is not None:
        sets = "1 parameter set reproduces" if few == 1 else f"{few} parameter sets reproduce"
        note += (f"\nonly {sets} the record: the record-conditioned lines are rough and "
                 "their bands narrow by construction")  # fmt: skip
    figure_titles(fig, "Forecast: probability each pact has reached each level by each month",
                  f"{subtitle}\n{note}")  # fmt: skip
    return fig


def forecast_panel(ax: Axes, data: Forecast, pact: str) -> None:
    """One pact: a line per level, mean over parameter sets, band 5-95% over sets; solid:
    runs reproducing the record, dashed: all runs."""
    table, info = data.table, data.info
    for k, level in enumerate(info.levels):
        color = LEVEL_COLORS[k % len(LEVEL_COLORS)]
        for cond, style in ((True, "-"), (False, "--")):
            g = table[(table["pact"] == pact) & (table["level"] == level)
                      & (table["conditioned"] == cond)]  # fmt: skip
            if g.empty:
                continue
            what = "all runs"
            if cond:
                used, total = int(g["points"].iloc[0]), g.get("sets", g["points"]).iloc[0]
                what = f"record-conditioned, {used} of {int(total)} sets"
            ax.plot(g["round"], g["mean"], style, color=color, lw=1.8,
                    label=f">= {level} ({what})")  # fmt: skip
            if cond or not (table["conditioned"]).any():
                ax.fill_between(g["round"], g["q05"], g["q95"], color=color, alpha=0.15,
                                lw=0)  # fmt: skip
    if data.record_end is not None:
        ax.axvline(data.record_end, color="0.4", lw=1, ls=":")
    month_axis(ax, info, int(table["round"].max()) + 1)
    percent_axis(ax)
    ax.set_title(info.pact_label(pact), fontsize=11)
    ax.set_ylabel("P(at level by month)")


FEW_SETS = 20  # fewer sets reproducing the record than this: the figure says so


def _few_sets(table: pd.DataFrame) -> int | None:
    """The fewest sets behind a record-conditioned line, if under :data:`FEW_SETS`."""
    cond = table[table["conditioned"]] if "conditioned" in table else table.iloc[0:0]
    if cond.empty:
        return None
    few = int(cond["points"].min())
    return few if few < FEW_SETS else None


def forecast_figures(batch, out, fmt: str) -> list:
    """A posterior design's forecast figure (sim.analysis.forecast); none for other designs."""
    from sim.analysis.forecast import forecast, is_posterior
    from sim.plots._common import save_figure

    if not is_posterior(batch):
        return []
    record = (batch.manifest.get("design") or {}).get("record_rounds")
    end = int(record) - 1 if record else None
    fig = plot_forecast(Forecast(forecast(batch), batch.info, end), batch.subtitle())
    return [save_figure(fig, out / f"forecast.{fmt}")]
