"""Scenario discovery figures: PRIM peeling trajectory, the chosen box, feature scores, and
(for sampled designs) each outcome against each parameter with a smoother."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.plots._common import figure_titles, new_axes, percent_axis, save_figure, set_titles

if TYPE_CHECKING:
    from sim.analysis.discover import PrimResult


def plot_peeling(prim: PrimResult, subtitle: str = "", *, ax: Axes | None = None) -> Figure:
    """Coverage against density of every box on the peeling trajectory (colour: number of
    restricted parameters); the chosen box circled."""
    fig, ax, own = new_axes(ax, figsize=(7, 5))
    trajectory, chosen = prim.trajectory, prim.chosen
    sc = ax.scatter(trajectory["coverage"], trajectory["density"], c=trajectory["res_dim"],
                    cmap="viridis", s=30, zorder=3)  # fmt: skip
    row = trajectory.iloc[chosen]
    ax.scatter([row["coverage"]], [row["density"]], s=180, facecolors="none",
               edgecolors="#c0392b", lw=2, zorder=4, label=f"chosen box {chosen}")  # fmt: skip
    rate = prim.base_rate
    ax.axhline(rate, color="0.4", ls=":", label=f"share of all runs ({rate:.0%})")
    fig.colorbar(sc, ax=ax, label="restricted parameters")
    ax.set_xlabel("coverage (share of runs with the outcome inside the box)")
    ax.set_ylabel("density (P(outcome) inside the box)")
    percent_axis(ax, "x")
    percent_axis(ax, "y")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    set_titles(fig, ax, "PRIM peeling trajectory", subtitle, own)
    return fig


def plot_box(prim: PrimResult, subtitle: str = "", *, ax: Axes | None = None) -> Figure:
    """Each restricted parameter's full sampled range (grey) and the chosen box's (red),
    the limits that matter most first: a limit whose removal barely lowers the box's
    density (under :data:`MATTERS` points) is drawn pale, so that a box of six limits does
    not read as six equally important assumptions."""
    stats = prim.trajectory.iloc[prim.chosen]
    limits = prim.limits
    if "density_without" in limits and len(limits):
        drop = float(stats["density"]) - limits["density_without"].astype(float)
        limits = limits.assign(drop=drop).sort_values("drop", ascending=False, kind="stable")
    n = max(1, len(limits))
    fig, ax, own = new_axes(ax, figsize=(8.8, 0.6 * n + 1.8))
    for i, r in enumerate(limits.itertuples(index=False)):
        _box_row(ax, r, n - 1 - i)
    ax.set_yticks(range(n)[::-1], list(limits["parameter"]) or ["(no restriction)"], fontsize=8)
    ax.set_xlim(-0.02, 1.38)
    ax.set_ylim(-0.6, n - 0.2)
    ax.set_xticks([0, 0.5, 1], ["low end", "middle", "high end"])
    ax.set_xlabel("position within the sampled range (numbers: box limits; right: full range)")
    head = (f"coverage {stats['coverage']:.0%}, density {stats['density']:.0%}, "
            f"mass {stats['mass']:.0%}; right: the density without each limit "
            f"(pale: it drops by under {100 * MATTERS:.0f} points)")  # fmt: skip
    title = "PRIM box: the chosen combination of assumptions"
    set_titles(fig, ax, title, f"{head} · {subtitle}", own)
    return fig


def _box_row(ax: Axes, r: Any, y: int) -> None:
    """One parameter's row of the box figure at height ``y``."""
    if r.values:
        ax.text(0.5, y, f"kept: {r.values}", ha="center", va="center", fontsize=8)
        return
    span = (r.full_high - r.full_low) or 1.0
    lo, hi = (r.low - r.full_low) / span, (r.high - r.full_low) / span
    drop = getattr(r, "drop", None)
    weak = drop is not None and drop < MATTERS
    ax.barh(y, 1.0, left=0, color="0.88", height=0.5)
    ax.barh(y, hi - lo, left=lo, color="#c0392b", alpha=0.25 if weak else 0.8, height=0.5)
    if r.low != r.full_low:  # label only the sides PRIM restricted
        ax.text(lo, y + 0.32, f"{r.low:.3g}", ha="center", fontsize=8)
    if r.high != r.full_high:
        ax.text(hi, y + 0.32, f"{r.high:.3g}", ha="center", fontsize=8)
    ax.text(1.01, y, f"[{r.full_low:.3g}, {r.full_high:.3g}]", va="center", fontsize=7)
    if drop is not None:
        ax.text(1.37, y, f"without: {r.density_without:.0%}", va="center", ha="right",
                fontsize=8, color="0.5" if weak else "black")  # fmt: skip


MATTERS = 0.02  # a limit whose removal lowers the box's density by less is drawn pale


def plot_feature_scores(
    scores: pd.DataFrame, subtitle: str = "", *, ax: Axes | None = None
) -> Figure:
    """Extra-trees importance of each parameter (they sum to 1)."""
    fig, ax, own = new_axes(ax, figsize=(7, 0.4 * len(scores) + 1.8))
    ax.barh(scores["parameter"][::-1], scores["importance"][::-1], color="#1f77b4")
    ax.set_xlabel("importance (extra trees; sums to 1)")
    ax.grid(alpha=0.3, axis="x")
    set_titles(fig, ax, "Feature scores", subtitle, own)
    return fig


def kernel_smooth(x: np.ndarray, y: np.ndarray, grid: np.ndarray, frac: float = 0.15):
    """Nadaraya–Watson (Gaussian kernel) smoother; bandwidth = ``frac`` of the x range."""
    h = max(frac * (np.nanmax(x) - np.nanmin(x)), 1e-12)
    w = np.exp(-0.5 * ((grid[:, None] - x[None, :]) / h) ** 2)
    return (w @ y) / w.sum(axis=1)


@dataclass(frozen=True)
class OutcomeScatter:
    """Per design point an outcome (column ``outcome`` of ``points``, a share) and the
    numeric parameters to draw it against."""

    points: pd.DataFrame
    params: list[str]
    outcome: str


def plot_outcome_scatter(data: OutcomeScatter, subtitle: str = "") -> Figure:
    """One panel per parameter (:func:`outcome_panel`), sharing the outcome axis."""
    import matplotlib.pyplot as plt

    cols = min(3, len(data.params))
    rows = math.ceil(len(data.params) / cols)
    fig, axs = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows + 1),
                            layout="constrained", squeeze=False, sharey=True)  # fmt: skip
    for ax, p in zip(axs.flat, data.params, strict=False):
        outcome_panel(ax, data, p)
    for ax in axs.flat[len(data.params) :]:
        ax.set_visible(False)
    for ax in axs[:, 0]:
        ax.set_ylabel(f"P({data.outcome})")
    figure_titles(fig, f"P({data.outcome}) against each parameter (dots: design points; "
                  "line: kernel smoother)", subtitle)  # fmt: skip
    return fig


def outcome_panel(ax: Axes, data: OutcomeScatter, param: str) -> None:
    """The outcome against ``param``: the design points and a kernel smoother."""
    x = data.points[param].to_numpy(dtype=float)
    y = data.points[data.outcome].to_numpy(dtype=float)
    ax.scatter(x, y, s=10, alpha=0.5, color="#1f77b4")
    grid = np.linspace(np.nanmin(x), np.nanmax(x), 100)
    ax.plot(grid, kernel_smooth(x, y, grid), color="#c0392b", lw=2)
    ax.set_xlabel(param, fontsize=8)
    percent_axis(ax)
    ax.grid(alpha=0.3)


def sampled_figures(batch, design, out: Path, fmt: str) -> list[Path]:
    """For a sampled (LHS) design: per pact, P(pact) of each design point against each
    numeric parameter with a smoother ('still active at the end' for pacts active at the
    start in every run, where 'ever formed' is always 100%)."""
    from sim.analysis import active_from_start, pact_probabilities
    from sim.analysis.ties import initial_pacts

    params = [p for p in design.varying if pd.api.types.is_numeric_dtype(batch.runs[p])]
    if not params:
        return []
    formed = pact_probabilities(batch, design)
    end = pact_probabilities(batch, design, measure="end")
    started = initial_pacts(batch.manifest, batch.info)
    paths = []
    for pact in dict.fromkeys(formed["pact"]):
        at_start = pact in started or active_from_start(batch.runs, batch.info, pact)
        still = at_start and pact in set(end["pact"])
        df = end if still else formed
        df = df[df["pact"] == pact]
        what = "still active at the end" if still else "formed"
        name = f"{batch.info.pact_label(pact)} {what}"
        points = df.rename(columns={"p": name})
        n = int(df["n"].median()) if len(df) else 0
        sub = f"{batch.subtitle()} · median n = {n} runs per point"
        fig = plot_outcome_scatter(OutcomeScatter(points, params, name), sub)
        paths.append(save_figure(fig, out / f"outcome_vs_parameters_{pact}.{fmt}"))
    return paths
