"""P(pact forms) per design point with 95% Wilson intervals, in the form that fits the design.

Input: the long table of sim.analysis.pact_probabilities (point_id, params, pact, label,
k, n, p, lo, hi).
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.analysis.batch import ScenarioInfo, short_name
from sim.analysis.prep import named, param_keys, point_labels
from sim.plots._common import BAND_ALPHA, new_axes, pact_colors, percent_axis, set_titles

_Y_LABEL = "P(pact formed within horizon) (%)"


def _end_lines(ax: Axes, de: pd.DataFrame, param: str, c, label: str, lw: float) -> None:
    """P(active at the end), dashed with its band; for a bilateral pact also P(its two
    states tied at the end by any pact), dotted (a pact replaced by a larger one is not
    a broken tie). Over names: markers with 95% bars, no lines."""
    x = de[param]
    if named(x):
        ax.errorbar(x, de["p"], yerr=[de["p"] - de["lo"], de["hi"] - de["p"]], fmt="s",
                    color=c, ms=5, mfc="white", capsize=3, label=label)  # fmt: skip
    else:
        ax.fill_between(x, de["lo"], de["hi"], color=c, alpha=BAND_ALPHA / 2, lw=0)
        ax.plot(x, de["p"], "--s", color=c, lw=lw, ms=5, mfc="white", label=label)
    if "tied_p" in de and de["tied_p"].notna().any():
        pair = de["pact"].iloc[0].replace("-", "–")
        ax.plot(x, de["tied_p"], "^" if named(x) else ":^", color=c, lw=1.4, ms=5,
                mfc="white", label=f"{pair} tied at the end (any pact)")  # fmt: skip


def _uneven_grid_scale(ax: Axes, values: pd.Series) -> None:
    """A symmetric-log x axis for a grid whose steps differ tenfold or more (e.g. fine near
    0, coarse beyond), so the fine part is not squeezed; linear otherwise."""
    steps = np.diff(np.unique(values.to_numpy(dtype=float)))
    if len(steps) >= 2 and steps.max() >= 10 * steps.min() > 0:
        lin = float(steps.min()) * 4
        ax.set_xscale("symlog", linthresh=lin, linscale=1.0)
        lo, hi = float(values.min()), float(values.max())
        ax.set_xlim(lo - 0.2 * lin, hi * 1.15 if hi > 0 else hi + 0.2 * lin)


@dataclass(frozen=True)
class Probabilities:
    """What a probability plot draws: the long table of
    :func:`sim.analysis.pact_probabilities` (P(ever formed)), optionally the same table for
    P(active at the end) with its label, and the scenario's labels."""

    probs: pd.DataFrame
    info: ScenarioInfo
    probs_end: pd.DataFrame | None = None
    end_label: str = "active at the end"

    def end_rows(self, pact: str, param: str) -> pd.DataFrame | None:
        """The pact's P(active at the end) rows in ``param`` order (None if none)."""
        end = self.probs_end
        if end is None or not (end["pact"] == pact).any():
            return None
        return end[end["pact"] == pact].sort_values(param)


def plot_probability_sweep(
    probs: pd.DataFrame,
    param: str,
    info: ScenarioInfo,
    subtitle: str = "",
    *,
    ax: Axes | None = None,
    title: str = "",
    probs_end: pd.DataFrame | None = None,
    end_label: str = "active at the end",
) -> Figure:
    """P(ever formed) against a swept parameter, a line per pact with its Wilson band.

    probs_end (optional, same layout): P(active after the last round), drawn dashed, so
    a pact that forms but lapses is visible. One pact per axes reads best (small
    multiples, as `run.py plot` does); several pacts share the axes otherwise.
    """
    fig, ax, own = new_axes(ax)
    data = Probabilities(probs, info, probs_end, end_label)
    pacts = list(dict.fromkeys(probs["pact"]))
    for pact in pacts:
        sweep_lines(ax, data, pact, param, one=len(pacts) == 1)
    _sweep_axes(ax, data, param, one=len(pacts) == 1)
    n = probs.groupby("point_id")["n"].first()
    extra = f"n per point {n.min()}–{n.max()}" if n.min() != n.max() else f"n = {n.min()} per point"
    if not title:
        title = (
            f"P({probs['label'].iloc[0]})"
            if len(pacts) == 1
            else f"Probability of each pact forming vs {param}"
        )
    set_titles(fig, ax, title, f"{subtitle} · {extra}" if subtitle else extra, own)
    return fig


def sweep_lines(ax: Axes, data: Probabilities, pact: str, param: str, one: bool) -> None:
    """One pact against the parameter: P(ever formed) with its band, P(active at the end)
    dashed; only the latter for a pact the scenario starts with. ``one``: the only pact
    on the axes (lines labelled by measure, not by pact)."""
    probs, end_label = data.probs, data.end_label
    df = probs[probs["pact"] == pact].sort_values(param)
    c = pact_colors(data.info).get(pact, "0.3")
    lw = 2.6 if pact == data.info.target else 1.8
    de = data.end_rows(pact, param)
    if de is not None and "started" in df and df["started"].all():
        _end_lines(ax, de, param, c, f"still {end_label}" if one else pact, lw)
        return  # a pact the scenario starts with: 'ever formed' is always 100%
    label = "ever formed" if one else df["label"].iloc[0]
    if named(df[param]):  # names: 95% Wilson bars, no line between scenarios
        ax.errorbar(df[param], df["p"], yerr=[df["p"] - df["lo"], df["hi"] - df["p"]],
                    fmt="o", color=c, ms=6, capsize=3, label=label)  # fmt: skip
    else:
        ax.fill_between(df[param], df["lo"], df["hi"], color=c, alpha=BAND_ALPHA, lw=0,
                        label="95% Wilson interval" if one else None)  # fmt: skip
        ax.plot(df[param], df["p"], "-o", color=c, lw=lw, ms=5, label=label)
    if de is not None:
        label = end_label if one else f"{de['label'].iloc[0]}: {end_label}"
        _end_lines(ax, de, param, c, label, 1.4)


def _sweep_axes(ax: Axes, data: Probabilities, param: str, one: bool) -> None:
    """Percent y axis, the parameter's x axis (symlog for an uneven grid), legend."""
    percent_axis(ax)
    ax.set_xlabel(data.info.param_label(param))
    if not named(data.probs[param]):
        _uneven_grid_scale(ax, data.probs[param])
    else:  # names (scenarios, levels): no line joins them, intervals are bars
        ax.tick_params(axis="x", labelrotation=30)
        plt.setp(ax.get_xticklabels(), ha="right", fontsize=8)
    ax.set_ylabel("P(pact) (%)" if data.probs_end is not None else _Y_LABEL)
    ax.grid(alpha=0.3)
    ax.legend(
        fontsize=8,
        loc="best",
        framealpha=0.9,
        title=None if one else "Pact (bands: 95% Wilson interval)",
    )


def plot_probability_heatmap(
    probs: pd.DataFrame,
    x: str,
    y: str,
    *,
    title: str = "",
    subtitle: str = "",
    ax: Axes | None = None,
    value_label: str = "P(pact formed within horizon) (%)",
    info: ScenarioInfo | None = None,
) -> Figure:
    """Heat map of P for one pact over a two-parameter grid, each cell annotated with n.

    Cells show P in %, the 95% Wilson interval (when the grid is small) and n runs.
    """
    fig, ax, own = new_axes(ax, figsize=(7, 5.5))
    xs = np.sort(probs[x].unique())
    ys = np.sort(probs[y].unique())
    grid = np.full((len(ys), len(xs)), np.nan)
    cells = {}
    for _, r in probs.iterrows():
        i, j = np.searchsorted(ys, r[y]), np.searchsorted(xs, r[x])
        grid[i, j] = r["p"]
        cells[(i, j)] = r
    im = ax.imshow(grid, origin="lower", cmap="viridis", vmin=0, vmax=1, aspect="auto")
    small = len(xs) * len(ys) <= 30
    for (i, j), r in cells.items():
        text = f"{r['p']:.0%}"
        if small:
            text += f"\n[{r['lo']:.0%}–{r['hi']:.0%}]\nn={r['n']}"
        color = "black" if r["p"] > 0.6 else "white"
        ax.text(j, i, text, ha="center", va="center", fontsize=8 if small else 6, color=color)
    ax.set_xticks(range(len(xs)), [f"{v:.3g}" for v in xs])
    ax.set_yticks(range(len(ys)), [f"{v:.3g}" for v in ys])
    ax.set_xlabel(info.param_label(x) if info else x)
    ax.set_ylabel(info.param_label(y) if info else y)
    cbar = fig.colorbar(im, ax=ax, format=lambda v, _p: f"{v:.0%}")
    cbar.set_label(value_label)
    if not small:
        n = probs["n"]
        subtitle += f" · n per cell {n.min()}–{n.max()}"
    set_titles(fig, ax, title or f"P({probs['label'].iloc[0]} forms)", subtitle, own)
    return fig


def plot_probability_single(
    probs: pd.DataFrame,
    info: ScenarioInfo,
    subtitle: str = "",
    *,
    ax: Axes | None = None,
    probs_end: pd.DataFrame | None = None,
    end_label: str = "active at the end",
) -> Figure:
    """One design point: a row per pact with P(ever formed), its 95% Wilson interval and k/n.

    probs_end (optional): P(active after the last round) as a hollow square under it.
    """
    probs = probs.iloc[::-1].reset_index(drop=True)  # target pact on top
    fig, ax, own = new_axes(ax, figsize=(10, 1.2 + 0.9 * len(probs)))
    data = Probabilities(probs, info, probs_end, end_label)
    both = probs_end is not None and len(probs_end) > 0
    for yi, r in probs.iterrows():
        single_row(ax, data, r, int(yi), both)
    ax.set_yticks(range(len(probs)), probs["label"])
    ax.set_ylim(-0.6, len(probs) - 0.4)
    percent_axis(ax, "x")
    ax.set_xlim(-0.02, 1.2)
    ax.set_xlabel("P(pact) over runs (%)")
    ax.set_ylabel("Pact")
    ax.grid(axis="x", alpha=0.3)
    ax.set_xticks(np.linspace(0, 1, 6))
    keys = [Line2D([], [], color="0.25", marker="o", lw=1.8, label="ever formed")]
    if both:
        keys.append(Line2D([], [], color="0.25", marker="s", mfc="white", lw=1.8, label=end_label))
    if own:
        title = "Lines: 95% Wilson interval"
        fig.legend(handles=keys, title=title, fontsize=8, title_fontsize=8,
                   loc="outside lower center", ncols=2, frameon=False)  # fmt: skip
    else:
        ax.legend(handles=keys, fontsize=8, loc="best")
    set_titles(fig, ax, "Probability of each pact", subtitle, own)
    return fig


def single_row(ax: Axes, data: Probabilities, r: pd.Series, yi: int, both: bool) -> None:
    """One pact's row: P(ever formed) (filled dot) and, with ``both``, P(active at the
    end) (hollow square) just under it, each with its interval and k/n."""
    c = pact_colors(data.info).get(r["pact"], "0.3")
    rows = [(r, yi + (0.16 if both else 0.0), "o", c)]
    end = data.probs_end.set_index("pact") if both and data.probs_end is not None else None
    if end is not None and r["pact"] in end.index:
        rows.append((end.loc[r["pact"]], yi - 0.16, "s", "white"))
    for q, y, marker, face in rows:
        err = np.clip([[q["p"] - q["lo"]], [q["hi"] - q["p"]]], 0, None)
        ax.errorbar(q["p"], y, xerr=err, fmt=marker, color=c, mfc=face, ms=7, capsize=3,
                    elinewidth=1.8)  # fmt: skip
        ax.annotate(f"{q['p']:.1%} ({q['k']}/{q['n']})", (q["hi"], y), xytext=(6, 0),
                    textcoords="offset points", va="center", fontsize=8)  # fmt: skip


@dataclass(frozen=True)
class Ranked:
    """Design points ranked by P(target): the probabilities, the varying parameters, the
    point_ids in rank order and whether each point gets a labelled row."""

    data: Probabilities
    params: list[str]
    order: list[int]
    labelled: bool

    @classmethod
    def of(cls, data: Probabilities, params: list[str], max_labelled: int) -> Ranked:
        tri = data.probs[data.probs["pact"] == data.info.target].sort_values(["p", "point_id"])
        order = tri["point_id"].to_list()
        return cls(data, params, order, len(order) <= max_labelled)


def plot_probability_ranked(
    probs: pd.DataFrame,
    params: list[str],
    info: ScenarioInfo,
    subtitle: str = "",
    *,
    ax: Axes | None = None,
    max_labelled: int = 40,
) -> Figure:
    """Design points ranked by P(trilateral): dots with 95% Wilson intervals for every pact.

    Up to `max_labelled` points get one labelled row each; a larger design is drawn as a
    caterpillar (rank on the y axis, no labels).
    """
    ranked = Ranked.of(Probabilities(probs, info), params, max_labelled)
    order, labelled = ranked.order, ranked.labelled
    width = 9 + (3.5 if labelled and len(params) > 1 else 0)
    fig, ax, own = new_axes(ax, figsize=(width, max(4.5, 0.3 * len(order) + 2) if labelled else 7))
    pacts = list(dict.fromkeys(probs["pact"]))
    offsets = np.linspace(-0.25, 0.25, len(pacts)) if labelled else np.zeros(len(pacts))
    for off, pact in zip(offsets, pacts, strict=True):
        ranked_dots(ax, ranked, pact, float(off))
    if labelled:
        _ranked_labels(ax, ranked)
    else:
        ax.set_ylabel("Design points ranked by P(trilateral) (rank)")
    ax.set_ylim(-0.7, len(order) - 0.3)
    percent_axis(ax, "x")
    ax.set_xlabel(_Y_LABEL)
    ax.grid(axis="x", alpha=0.3)
    title = "Pact (bars: 95% Wilson interval)" if labelled else "Pact"
    if own:  # below the plot, outside the data, laid out by the layout engine
        fig.legend(*ax.get_legend_handles_labels(), title=title, fontsize=8, title_fontsize=8,
                   loc="outside lower center", ncols=3, frameon=False)  # fmt: skip
    else:
        ax.legend(title=title, fontsize=8, title_fontsize=8, loc="best")
    set_titles(fig, ax, "Probability of each pact forming, design points ranked", subtitle, own)
    return fig


def ranked_dots(ax: Axes, ranked: Ranked, pact: str, off: float) -> None:
    """One pact's P at each ranked point: dots with intervals (labelled rows), or dots over
    the target's interval as a band along the ranks (caterpillar)."""
    info, labelled = ranked.data.info, ranked.labelled
    rank = {pid: i for i, pid in enumerate(ranked.order)}
    df = ranked.data.probs[ranked.data.probs["pact"] == pact]
    yv = df["point_id"].map(rank).to_numpy() + off
    target = pact == info.target
    color = pact_colors(info).get(pact, "0.3")
    if not labelled and target:  # caterpillar: interval as a shaded band along the ranks
        df = df.assign(rank=yv).sort_values("rank")
        ax.fill_betweenx(df["rank"], df["lo"], df["hi"], color=color, alpha=BAND_ALPHA, lw=0,
                         step="mid",  # one block per design point
                         label="95% Wilson interval (trilateral)")  # fmt: skip
    err = np.clip(np.vstack([df["p"] - df["lo"], df["hi"] - df["p"]]), 0, None)
    ax.errorbar(df["p"], df.get("rank", yv), xerr=err if labelled else None, fmt="o",
                ms=5 if target else 3.5, color=color, elinewidth=1, alpha=1 if target else 0.8,
                label=df["label"].iloc[0], zorder=3 if target else 2)  # fmt: skip


def _ranked_labels(ax: Axes, ranked: Ranked) -> None:
    """A row label per point (its parameter values) and, for long names, a key."""
    order, params, probs = ranked.order, ranked.params, ranked.data.probs
    pts = probs.drop_duplicates("point_id").set_index("point_id").loc[order]
    labels = point_labels(pts, params) if params else pd.Series(order, index=order)
    ax.set_yticks(range(len(order)), [f"#{pid}: {lab}" for pid, lab in labels.items()], fontsize=8)
    ax.set_ylabel("Design point (ranked by P(trilateral))")
    keys = param_keys(params) if len(params) > 1 else {}
    if any(k != short_name(p, 3) for p, k in keys.items()):
        key_text = "\n".join(f"{k} = {p}" for p, k in keys.items())
        ax.text(1.02, 1.0, f"Parameters\n{key_text}", transform=ax.transAxes, va="top",
                fontsize=8, family="monospace")  # fmt: skip
