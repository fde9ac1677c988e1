"""Bar charts of Sobol indices (S1, ST with confidence intervals) per outcome and parameter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.plots._common import figure_titles


@dataclass(frozen=True)
class SobolIndices:
    """The indices to draw: the table (outcomes constant over the design left out when
    others vary), the outcomes and parameters in order, and the subtitle naming those
    left out."""

    table: pd.DataFrame
    outcomes: list[str]
    params: list[str]
    subtitle: str

    @classmethod
    def of(cls, table: pd.DataFrame, subtitle: str) -> SobolIndices:
        constant = [o for o, df in table.groupby("outcome", sort=False) if df["ST"].isna().all()]
        if constant and len(constant) < table["outcome"].nunique():  # nothing to show
            table = table[~table["outcome"].isin(constant)]
            subtitle += "\nconstant over the design (no indices): " + ", ".join(constant)
        outcomes = list(pd.unique(table["outcome"]))
        return cls(table, outcomes, list(pd.unique(table["parameter"])), subtitle)


def plot_sobol_indices(
    table: pd.DataFrame, subtitle: str = "", axes: Sequence[Axes] | None = None
) -> Figure:
    """One panel per outcome: horizontal bars of first-order and total indices per parameter.

    table: sim.sensitivity.sobol_indices output (outcome, parameter, S1, S1_conf, ST, ST_conf).
    """
    data = SobolIndices.of(table, subtitle)
    axes = list(axes) if axes is not None else _sobol_axes(data)
    fig = axes[0].figure
    for ax, outcome in zip(axes, data.outcomes, strict=False):
        sobol_panel(ax, data, outcome)
    fig.legend(
        *axes[0].get_legend_handles_labels(),
        title="Index (error bars: 95% CI)",
        fontsize=9,
        title_fontsize=9,
        loc="outside lower center",
        ncols=2,
        frameon=False,
    )
    for ax in axes[: len(data.outcomes)]:
        if ax.get_subplotspec() is not None and ax.get_subplotspec().is_first_col():
            ax.set_ylabel("Parameter (dotted path)")
    figure_titles(fig, "Global sensitivity: Sobol indices of each outcome", data.subtitle)
    return fig


def _sobol_axes(data: SobolIndices) -> list[Axes]:
    """Panels in rows of up to 3 sharing the parameter axis (unused ones hidden)."""
    ncols = min(3, len(data.outcomes))
    nrows = -(-len(data.outcomes) // ncols)
    height = max(4.0, 0.6 * len(data.params) + 2.0)
    _, axs = plt.subplots(
        nrows,
        ncols,
        figsize=(4.6 * ncols + 2.5, height * nrows),
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    axes = list(axs.flat)
    for extra in axes[len(data.outcomes) :]:
        extra.set_visible(False)
    return axes


def sobol_panel(ax: Axes, data: SobolIndices, outcome: str) -> None:
    """One outcome: S1 and ST bars per parameter with their confidence intervals."""
    params = data.params
    df = data.table[data.table["outcome"] == outcome].set_index("parameter").reindex(params)
    y = np.arange(len(params))
    if df["ST"].isna().all():
        ax.text(0.5, 0.5, "outcome constant over the design:\nno variance to apportion",
                ha="center", va="center", transform=ax.transAxes, fontsize=9)  # fmt: skip
    ax.barh(y - 0.2, df["S1"], 0.4, xerr=df["S1_conf"], color="#1f77b4", capsize=2,
            label="first order S1")  # fmt: skip
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
