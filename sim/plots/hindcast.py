"""The hindcast's reliability diagram (docs/calibration.md, "Hindcast")."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.calibration.hindcast_run import FORECASTERS
from sim.calibration.scoring import reliability
from sim.plots._common import figure_titles


def plot_reliability(scores: pd.DataFrame, title: str, subtitle: str):
    """Reliability diagram: forecast probability against observed frequency per forecaster
    (each event with its complement), the diagonal is perfect calibration."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.6, 5.4), layout="constrained")
    ax.plot([0, 1], [0, 1], color="#7f7f7f", ls="--", lw=1, label="perfectly reliable")
    for name, marker in zip(FORECASTERS, ("o", "s", "^"), strict=True):
        p = scores[f"p_{name}"].to_numpy(float)
        ok = ~np.isnan(p)
        table = reliability(p[ok], np.ones(ok.sum()))
        mean = float(np.nanmean(scores[f"brier_{name}"]))
        ax.plot(table["forecast"], table["observed"], marker=marker, ms=7, alpha=0.8,
                label=f"{name} (mean Brier {mean:.3f})")  # fmt: skip
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("forecast probability (binned, 5 bins)")
    ax.set_ylabel("observed frequency")
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    figure_titles(fig, title, subtitle)
    return fig
