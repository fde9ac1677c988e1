"""Forecast figure of a posterior design: P(each pact by each month) with its 90% band."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.batch import ScenarioInfo
from sim.plots._common import figure_titles, month_axis, percent_axis

LEVEL_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


def plot_forecast(
    table: pd.DataFrame, info: ScenarioInfo, subtitle: str, record_end: int | None = None
) -> Figure:
    """One panel per pact; a line per level: mean over parameter sets, band 5-95% over
    sets; solid: runs reproducing the record, dashed: all runs."""
    pacts = list(dict.fromkeys(table["pact"]))
    ncols = min(2, len(pacts))
    nrows = -(-len(pacts) // ncols)
    fig, axs = plt.subplots(nrows, ncols, figsize=(7 * ncols, 3.8 * nrows + 1), squeeze=False,
                            sharey=True, layout="constrained")  # fmt: skip
    horizon = int(table["round"].max()) + 1
    for ax, pact in zip(axs.flat, pacts, strict=False):
        for k, level in enumerate(info.levels):
            color = LEVEL_COLORS[k % len(LEVEL_COLORS)]
            for cond, style in ((True, "-"), (False, "--")):
                g = table[(table["pact"] == pact) & (table["level"] == level)
                          & (table["conditioned"] == cond)]  # fmt: skip
                if g.empty:
                    continue
                what = "record-conditioned" if cond else "all runs"
                ax.plot(g["round"], g["mean"], style, color=color, lw=1.8,
                        label=f">= {level} ({what})")  # fmt: skip
                if cond or not (table["conditioned"]).any():
                    ax.fill_between(g["round"], g["q05"], g["q95"], color=color, alpha=0.15,
                                    lw=0)  # fmt: skip
        if record_end is not None:
            ax.axvline(record_end, color="0.4", lw=1, ls=":")
        month_axis(ax, info, horizon)
        percent_axis(ax)
        ax.set_title(info.pact_label(pact), fontsize=11)
        ax.set_ylabel("P(at level by month)")
    for ax in list(axs.flat)[len(pacts) :]:
        ax.set_visible(False)
    handles, labels = axs[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=9, ncols=4, frameon=False, loc="outside lower center")
    note = "lines: posterior predictive mean; bands: 5-95% over parameter sets"
    if record_end is not None:
        note += f"; dotted: end of the record ({info.date(record_end)})"
    figure_titles(fig, "Forecast: probability each pact has reached each level by each month",
                  f"{subtitle}\n{note}")  # fmt: skip
    return fig


def forecast_figures(batch, out, fmt: str) -> list:
    """A posterior design's forecast figure (sim.analysis.forecast); none for other designs."""
    from sim.analysis.forecast import forecast, is_posterior
    from sim.plots._common import save_figure

    if not is_posterior(batch):
        return []
    record = (batch.manifest.get("design") or {}).get("record_rounds")
    end = int(record) - 1 if record else None
    fig = plot_forecast(forecast(batch), batch.info, batch.subtitle(), end)
    return [save_figure(fig, out / f"forecast.{fmt}")]
