"""Calibration figures: marginal posteriors against priors, the pairwise (corner) plot, and
each target's observed value against the posterior predictive distribution."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.calibration.priors import PriorSet
from sim.calibration.smc import SmcResult
from sim.calibration.spec import NEVER, Calibration
from sim.calibration.targets import Scores, observed_value
from sim.plots._common import figure_titles, save_figure

POST, PRIOR = "#1f77b4", "#7f7f7f"


def _grid(prior, n: int = 200) -> np.ndarray:
    if prior.dist == "loguniform":
        return np.geomspace(prior.low, prior.high, n)
    return np.linspace(prior.low, prior.high, n)


def _prior_density(prior, x: np.ndarray) -> np.ndarray:
    """Prior density over the parameter value (not the working space)."""
    ps = PriorSet(("x",), (prior,))
    dens = np.exp(ps.logpdf_z(ps.to_z(x[:, None])))
    return dens / x if prior.dist == "loguniform" else dens


def _bins(prior, n: int = 25) -> np.ndarray:
    if prior.integer:  # one bin per whole value the prior can give
        first = math.ceil(prior.low - 0.5 + 1e-9)
        last = math.floor(prior.high + 0.5 - 1e-9)
        return np.arange(first - 0.5, last + 1.0, 1.0)
    if prior.dist == "loguniform":
        return np.geomspace(prior.low, prior.high, n + 1)
    return np.linspace(prior.low, prior.high, n + 1)


def _marginal(ax, prior, x: np.ndarray, w: np.ndarray) -> None:
    """Weighted histogram against the prior density; loguniform priors on a log axis, as
    densities per unit of log10 (where such a prior is flat)."""
    log = prior.dist == "loguniform"
    edges = _bins(prior)
    counts, _ = np.histogram(x, bins=edges, weights=w)
    width = np.diff(np.log10(edges)) if log else np.diff(edges)
    ax.stairs(counts / counts.sum() / width, edges, fill=True, color=POST, alpha=0.6,
              label="posterior")  # fmt: skip
    grid = _grid(prior)
    dens = _prior_density(prior, grid) * (grid * np.log(10) if log else 1)
    ax.plot(grid, dens, color=PRIOR, ls="--", label=f"prior ({prior.dist})")
    ax.set_ylim(bottom=0)
    if log:
        ax.set_xscale("log")
        ax.set_ylabel("density per unit of log10")
    else:
        ax.set_ylabel("density")


def plot_marginals(cal: Calibration, post: pd.DataFrame, subtitle: str):
    names = cal.parameters
    ncols = min(3, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig, axs = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.4 * nrows + 0.8),
                            squeeze=False, layout="constrained")  # fmt: skip
    w = post["weight"].to_numpy()
    for ax, name in zip(axs.flat, names, strict=False):
        _marginal(ax, cal.spec.priors[name], post[name].to_numpy(), w)
        ax.set_xlabel(name, fontsize=9)
    for ax in list(axs.flat)[len(names) :]:
        ax.set_visible(False)
    axs[0, 0].legend(fontsize=8, frameon=False)
    figure_titles(fig, "Marginal posteriors (bars) against priors (dashed)", subtitle)
    return fig


def plot_corner(cal: Calibration, post: pd.DataFrame, subtitle: str):
    names = cal.parameters
    d = len(names)
    fig, axs = plt.subplots(d, d, figsize=(2.4 * d + 1, 2.4 * d + 1), squeeze=False,
                            layout="constrained")  # fmt: skip
    w = post["weight"].to_numpy()
    size = 4 + 60 * w / w.max()
    for i, yi in enumerate(names):
        for j, xj in enumerate(names):
            ax = axs[i, j]
            px, py = cal.spec.priors[xj], cal.spec.priors[yi]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                ax.hist(post[xj], bins=_bins(px, 20), weights=w, color=POST, alpha=0.7)
                ax.set_yticks([])
            else:
                ax.scatter(post[xj], post[yi], s=size, color=POST, alpha=0.4, lw=0)
                ax.set_ylim(py.low, py.high)
                if py.dist == "loguniform":
                    ax.set_yscale("log")
            ax.set_xlim(px.low, px.high)
            if px.dist == "loguniform":
                ax.set_xscale("log")
            ax.tick_params(labelsize=7)
            if i == d - 1:
                ax.set_xlabel(_short(xj), fontsize=8)
            if j == 0 and i > 0:
                ax.set_ylabel(_short(yi), fontsize=8)
    figure_titles(fig, "Pairwise posterior (dot size: weight; axes span the prior)", subtitle)
    return fig


def _short(path: str) -> str:
    return ".".join(path.split(".")[-3:])


def plot_predictive(cal: Calibration, scores: Scores, set_weights: np.ndarray, subtitle: str,
                    which: str = "fresh"):  # fmt: skip
    """Per target: distribution of its statistic over posterior predictive runs (``scores``
    of sets weighted by ``set_weights``: fresh runs of resampled sets, equal weights)."""
    rounds = cal.spec.rounds
    targets = list(cal.spec.targets)
    ncols = min(3, len(targets))
    nrows = math.ceil(len(targets) / ncols)
    fig, axs = plt.subplots(nrows, ncols, figsize=(4.8 * ncols, 3.4 * nrows + 0.9),
                            squeeze=False, layout="constrained")  # fmt: skip
    reps = cal.spec.replicates
    set_weights = set_weights / set_weights.sum()
    run_w = np.repeat(set_weights / reps, reps)
    for ax, t in zip(axs.flat, targets, strict=False):
        v = scores.values[t.name].ravel()
        ok = ~np.isnan(v) & (run_w > 0)
        values, weights = v[ok], run_w[ok]
        obs = observed_value(t, rounds)
        uniq = np.unique(values)
        if len(uniq) <= 30 and np.allclose(uniq, np.round(uniq)):
            shares = [weights[values == u].sum() for u in uniq]
            ax.bar(uniq, shares, width=0.8, color=POST, alpha=0.7)
        else:
            ax.hist(values, bins=30, weights=weights, color=POST, alpha=0.7)
        half = t.tolerance if t.tolerance > 0 else 0.4
        ax.axvspan(obs - half, obs + half, color="#2ca02c", alpha=0.15)
        ax.axvline(obs, color="#2ca02c", lw=2, label="observed")
        within = float(set_weights @ (scores.per_target[t.name] <= 1).mean(axis=1))
        need = f", needs ≥ {t.at_least:.0%}" if t.at_least else ""
        ax.set_title(f"{t.name}\n{within:.0%} of {which} runs within tolerance{need}",
                     fontsize=9)  # fmt: skip
        label = t.statistic + (f" ({rounds} = never by round {rounds - 1})"
                               if t.statistic.startswith(("first_round", "switch_round"))
                               or t.observed == NEVER else "")  # fmt: skip
        ax.set_xlabel(label, fontsize=8)
        ax.set_ylabel("posterior predictive share")
    for ax in list(axs.flat)[len(targets) :]:
        ax.set_visible(False)
    axs[0, 0].legend(fontsize=8, frameon=False)
    figure_titles(fig, "Targets: observed value (green line, band = tolerance) against the "
                  f"posterior predictive distribution ({which} runs)", subtitle)  # fmt: skip
    return fig


def calibration_figures(
    cal: Calibration, out: Path, result: SmcResult, post: pd.DataFrame, fresh=None
):
    """Write the three figures into DIR/plots; return their paths. The predictive figure
    shows ``fresh`` runs (:class:`FreshRuns`) or, without them, the fitting runs (labelled
    so: selected for meeting the targets, they overstate the fit)."""
    pool = result.posterior
    gens = ", ".join(str(g) for g in sorted(set(pool.generation.tolist())))
    sub = (
        f"calibration '{cal.file.stem}' · {len(post)} parameter sets (ESS {pool.ess:.0f}) · "
        f"generation(s) {gens}, tolerance {pool.tolerance:.3g} · "
        f"{result.runs_used:,} runs"
    )
    plots = Path(out) / "plots"
    paths = [
        save_figure(plot_marginals(cal, post, sub), plots / "posterior_marginals.png"),
        save_figure(_predictive(cal, result, fresh, sub), plots / "posterior_predictive.png"),
    ]
    if len(cal.parameters) > 1:
        paths.insert(1, save_figure(plot_corner(cal, post, sub), plots / "posterior_corner.png"))
    return paths


def _predictive(cal: Calibration, result: SmcResult, fresh, sub: str):
    if fresh is not None:
        return plot_predictive(cal, fresh.scores, np.ones(fresh.sets), sub)
    pool = result.posterior
    return plot_predictive(cal, pool.scores, pool.weights, sub, which="fitting")
