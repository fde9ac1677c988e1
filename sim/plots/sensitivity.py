"""Bar charts of Sobol indices (S1, ST with confidence intervals) per outcome and parameter."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.plots._common import figure_titles


def plot_sobol_indices(
    table: pd.DataFrame, subtitle: str = "", axes: Sequence[Axes] | None = None
) -> Figure:
    """One panel per outcome: horizontal bars of first-order and total indices per parameter.

    table: sim.sensitivity.sobol_indices output (outcome, parameter, S1, S1_conf, ST, ST_conf).

    Long on purpose: it lays out one figure step by step (data, bands, labels, legend);
    split into helpers the layout would be scattered over functions that each draw a
    fragment of the same axes. The data it draws is prepared and tested in sim/analysis.
    """
    constant = [o for o, df in table.groupby("outcome", sort=False) if df["ST"].isna().all()]
    if constant and len(constant) < table["outcome"].nunique():  # nothing to show for those
        table = table[~table["outcome"].isin(constant)]
        subtitle += "\nconstant over the design (no indices): " + ", ".join(constant)
    outcomes = list(pd.unique(table["outcome"]))
    params = list(pd.unique(table["parameter"]))
    if axes is None:
        ncols = min(3, len(outcomes))
        nrows = -(-len(outcomes) // ncols)
        height = max(4.0, 0.6 * len(params) + 2.0)
        fig, axs = plt.subplots(
            nrows,
            ncols,
            figsize=(4.6 * ncols + 2.5, height * nrows),
            sharey=True,
            squeeze=False,
            layout="constrained",
        )
        axes = list(axs.flat)
        for extra in axes[len(outcomes) :]:
            extra.set_visible(False)
    fig = axes[0].figure
    y = np.arange(len(params))
    for ax, outcome in zip(axes, outcomes, strict=False):
        df = table[table["outcome"] == outcome].set_index("parameter").reindex(params)
        if df["ST"].isna().all():
            ax.text(
                0.5,
                0.5,
                "outcome constant over the design:\nno variance to apportion",
                ha="center",
                va="center",
                transform=ax.transAxes,
                fontsize=9,
            )
        ax.barh(
            y - 0.2,
            df["S1"],
            0.4,
            xerr=df["S1_conf"],
            color="#1f77b4",
            capsize=2,
            label="first order S1",
        )
        ax.barh(
            y + 0.2, df["ST"], 0.4, xerr=df["ST_conf"], color="#ff7f0e", capsize=2, label="total ST"
        )
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_yticks(y, params)
        ax.set_ylim(len(params) - 0.5, -0.5)  # first parameter on top (no toggling invert)
        lo = np.nanmin(np.r_[df["S1"] - df["S1_conf"], df["ST"] - df["ST_conf"], -0.05])
        hi = np.nanmax(np.r_[df["S1"] + df["S1_conf"], df["ST"] + df["ST_conf"], 1.0])
        ax.set_xlim(max(lo, -1.0) - 0.05, min(hi, 2.0) + 0.05)  # very wide CIs run off
        ax.set_title(outcome, fontsize=10)
        ax.set_xlabel("Sobol index (share of variance)")
        ax.grid(axis="x", alpha=0.3)
    fig.legend(
        *axes[0].get_legend_handles_labels(),
        title="Index (error bars: 95% CI)",
        fontsize=9,
        title_fontsize=9,
        loc="outside lower center",
        ncols=2,
        frameon=False,
    )
    for ax in axes[: len(outcomes)]:
        if ax.get_subplotspec() is not None and ax.get_subplotspec().is_first_col():
            ax.set_ylabel("Parameter (dotted path)")
    figure_titles(fig, "Global sensitivity: Sobol indices of each outcome", subtitle)
    return fig
