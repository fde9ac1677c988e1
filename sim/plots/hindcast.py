"""The hindcast's reliability diagram (docs/calibration.md, "Hindcast")."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.calibration.hindcast_run import FORECASTERS
from sim.calibration.scoring import reliability
from sim.plots._common import figure_titles


def plot_reliability(scores: pd.DataFrame, title: str, subtitle: str):
    """Reliability diagram: forecast probability against observed frequency per forecaster
    (each event with its complement), the diagonal is perfect calibration. Each point
    carries its count of events (a diagram of ten events is read by its counts), the
    diagonal is drawn over the points and the legend sits below the axes, where no point
    can hide under it."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.8, 6.2), layout="constrained")
    ax.plot([0, 1], [0, 1], color="black", ls="--", lw=0.9, label="perfectly reliable",
            zorder=5)  # fmt: skip
    for k, (name, marker) in enumerate(zip(FORECASTERS, ("o", "s", "^"), strict=True)):
        p = scores[f"p_{name}"].to_numpy(float)
        ok = ~np.isnan(p)
        table = reliability(p[ok], np.ones(ok.sum()))
        mean = float(np.nanmean(scores[f"brier_{name}"]))
        line = ax.plot(table["forecast"], table["observed"], marker=marker, ms=7, alpha=0.8,
                       label=f"{name} (mean Brier {mean:.3f})", zorder=3)  # fmt: skip
        for x, y, n in zip(table["forecast"], table["observed"], table["events"], strict=True):
            right = x <= 0.9  # near the right edge the count goes to the point's left
            ax.annotate(f"{n}", (x, y), xytext=(6 if right else -6, -10 - 8 * k),
                        textcoords="offset points", ha="left" if right else "right",
                        fontsize=7, color=line[0].get_color())  # fmt: skip
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("forecast probability (binned, 5 bins)")
    ax.set_ylabel("observed frequency")
    fig.legend(fontsize=8, frameon=False, loc="outside lower center", ncols=2)
    figure_titles(fig, title, f"{subtitle}\nnumbers: events in the bin (each event and its "
                  "complement)")  # fmt: skip
    return fig
