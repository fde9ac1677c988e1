"""Shared drawing helpers: figure creation, titles, date axes, colours, saving.

No global pyplot state is touched except ``plt.subplots`` to create a figure when the
caller passes no axes.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Annotation
from matplotlib.ticker import FixedLocator, Formatter, FuncFormatter

from sim.analysis.batch import ScenarioInfo
from sim.files import write_atomic

STYLES = ("-", "--", ":", "-.")  # groups whose curves coincide stay distinguishable

TARGET_COLOR = "#c0392b"
PACT_PALETTE = ["#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#e377c2"]
BAND_ALPHA = 0.2


def pact_colors(info: ScenarioInfo) -> dict[str, str]:
    """A fixed colour per pact, the same in every figure (target pact in red)."""
    colors = {info.target: TARGET_COLOR}
    for i, p in enumerate(info.other_pacts):
        colors[p] = PACT_PALETTE[i % len(PACT_PALETTE)]
    return colors


def new_axes(ax: Axes | None, figsize=(8, 5)) -> tuple[Figure, Axes, bool]:
    """Given axes or a fresh single-axes figure; the flag says whether we created it."""
    if ax is not None:
        return ax.figure, ax, False
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax, True


def set_titles(fig: Figure, ax: Axes, title: str, subtitle: str, own: bool) -> None:
    """Title and subtitle: on the figure if we created it, else as the given axes' title."""
    if own:
        figure_titles(fig, title, subtitle)
        return
    width = max(20, int(13 * _axes_inches(ax)))  # characters a line of ~9 pt holds
    lines = textwrap.wrap(title, width)
    if subtitle:
        lines += [w for part in subtitle.split("\n") for w in textwrap.wrap(part, width + 8)]
    ax.set_title("\n".join(lines), fontsize=9)


def _axes_inches(ax: Axes) -> float:
    """The axes' width in inches as laid out now (the layout engine may still adjust it);
    also for an axes in a SubFigure, which has no width of its own."""
    return ax.bbox.width / ax.figure.dpi


def figure_titles(fig: Figure, title: str, subtitle: str) -> None:
    """Bold title with a lighter subtitle under it (n runs, experiment name, ...).

    The title carries blank lines so the layout engine reserves room for the subtitle,
    which is anchored to the bottom of the title's box at draw time.
    """
    lines = subtitle.count("\n") + 1 if subtitle else 0
    sup = fig.suptitle(title + "\n" * lines, fontsize=13, fontweight="bold")
    if subtitle:
        fig.add_artist(
            Annotation(
                subtitle,
                xy=(0.5, 0.0),
                xycoords=sup,
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=9,
                color="0.3",
                linespacing=1.3,
            )
        )


def month_axis(ax: Axes, info: ScenarioInfo, horizon: int, label: bool = True) -> None:
    """Round numbers on the x axis shown as calendar months 'YYYY-MM'.

    Major ticks fall on Januaries for long horizons (every 6 or 3 months when short);
    minor ticks mark quarters.
    """
    _year, month = (int(x) for x in info.start.split("-")[:2])
    step = 12 if horizon > 36 else 6 if horizon > 12 else 3 if horizon > 4 else 1
    first = (-(month - 1)) % step if step in (3, 6, 12) else 0
    ax.xaxis.set_major_locator(FixedLocator(list(range(first, horizon + 1, step))))
    ax.xaxis.set_minor_locator(FixedLocator(list(range(0, horizon + 1, 3 if step > 3 else 1))))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: info.date(round(x))))
    ax.set_xlim(-0.5, horizon - 0.5)
    if _axes_inches(ax) < 5.5:  # a narrow panel: slant the dates so they do not touch
        ax.tick_params(axis="x", labelrotation=30)
    if label:
        ax.set_xlabel(f"Month (round 0 = {info.start})")


class ShareTicks(Formatter):
    """Shares stored as 0..1 shown in percent (``suffix`` "%") or as signed percentage
    points (``signed``, suffix " pp"), with the fewest decimals (0-2) that show every tick
    exactly: ticks at 2.5% steps read "2.5%, 5.0%, 7.5%", not "2%, 5%, 8%"."""

    def __init__(self, suffix: str = "%", signed: bool = False) -> None:
        self.suffix, self.signed = suffix, signed

    def format_ticks(self, values) -> list[str]:
        x = [100 * float(v) for v in values]
        digits = next((d for d in range(3) if all(abs(round(v, d) - v) < 1e-6 for v in x)), 2)
        return [self._text(v, digits) for v in x]

    def __call__(self, x, pos=None) -> str:
        return self.format_ticks([x])[0]

    def _text(self, v: float, digits: int) -> str:
        v = 0.0 if abs(v) < 0.5 * 10.0**-digits else v  # no "-0%"
        return f"{v:{'+' if self.signed and v else ''}.{digits}f}{self.suffix}"


def percent_axis(ax: Axes, axis: str = "y", limits: bool = True) -> None:
    """Probabilities stored as 0..1 shown as percentages (:class:`ShareTicks`)."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(ShareTicks())
    if limits:
        (ax.set_ylim if axis == "y" else ax.set_xlim)(-0.02, 1.02)


def save_figure(fig: Figure, path: Path) -> Path:
    """Write the figure (format from the suffix) and close it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lstrip(".") or "png"
    try:  # atomic: a full disk leaves no partial figure and names the file
        write_atomic(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=150, bbox_inches="tight"))
    finally:
        plt.close(fig)
    return path


def envelope_handles(colors: dict[str, object]) -> list:
    """Legend entries for envelope figures: one line per series colour, then the bands."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Line2D([], [], color=c, lw=2, label=name) for name, c in colors.items()]
    handles += [
        Line2D([], [], color="0.3", lw=2, label="median over runs"),
        Patch(color="0.3", alpha=0.35, label="50% of runs"),
        Patch(color="0.3", alpha=0.15, label="90% of runs"),
    ]
    return handles


def tidy_grid(axs) -> None:
    """In a grid of panels on one time axis: dates and x label under each column's lowest
    visible panel only (hidden spare panels are skipped)."""
    for col in range(axs.shape[1]):
        visible = [ax for ax in axs[:, col] if ax.get_visible()]
        if not visible:
            continue
        label = axs[-1, col].get_xlabel() or visible[-1].get_xlabel()
        for ax in visible[:-1]:
            ax.set_xlabel("")
        low = visible[-1]
        low.set_xlabel(label)
        low.xaxis.set_tick_params(labelbottom=True)
        if axs.shape[1] > 1:  # narrow panels: slant the dates so they do not touch
            low.tick_params(axis="x", labelrotation=30)
