"""The "Batch results" page: open a batch directory (typed, or picked from those found under
``results/`` or another folder), choose all design points or one, see the outcome
distributions (PNG downloads) and the summary table (CSV download), or download the report.

The reactive values here are Solara's per-session state (each browser session has its
own). Only reads results (:mod:`sim.api`) and calls the plotting layer.
"""

from __future__ import annotations

import functools
import textwrap
from pathlib import Path

import solara
from matplotlib.figure import Figure

from sim import api
from sim.webapp.widgets import DirectoryPicker, FigureWithDownload, ReportDownload, RootInput, Table

DEFAULT_RESULTS = "results/default"
ALL_POINTS = "all design points"

results_dir = solara.reactive(DEFAULT_RESULTS)
point_choice = solara.reactive(ALL_POINTS)


@functools.lru_cache(maxsize=4)
def _load(path: str, stamp: float) -> api.Results:
    return api.load_results(path)


def opened() -> tuple[api.Results | None, str]:
    """The results at ``results_dir`` (cached), or None with the reason."""
    path = Path(results_dir.value).expanduser()
    manifest = path / "manifest.json"
    if not path.exists():  # e.g. results/default before the first `python run.py`
        return None, (f"no results in {path} yet: run `python run.py` (the default batch) "
                      "or choose a results directory above")  # fmt: skip
    try:
        results = _load(str(path.resolve()), manifest.stat().st_mtime if manifest.exists() else 0)
    except Exception as exc:  # BatchError, unreadable Parquet: shown, not raised
        return None, f"cannot open {path}: {str(exc).splitlines()[0] if str(exc) else exc!r}"
    return results, ""


def point_labels(results: api.Results) -> list[str]:
    """The design points' choices: "id: name=value, ...", numbers in short form and names
    (a library's scenarios, categorical values) as they are."""
    labels = [ALL_POINTS]
    for point_id, *values in results.points.itertuples(index=False):
        pairs = zip(results.parameters, values, strict=True)
        labels.append(f"{point_id}: " + ", ".join(f"{p.split('.')[-1]}={_short(v)}"
                                                  for p, v in pairs))  # fmt: skip
    return labels


def _short(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return str(value)


def selected() -> api.Results | None:
    results, _ = opened()
    if results is None or point_choice.value == ALL_POINTS:
        return results
    try:
        return results.point(int(point_choice.value.split(":")[0]))
    except (KeyError, ValueError):
        return results


@solara.component
def ResultsPicker():
    """Directory picker and input, design-point picker, run counts of the chosen points."""
    results, error = opened()
    with solara.Column():
        RootInput()
        DirectoryPicker(results_dir, ("batch",), "Results directory")
        if results is None:
            (solara.Info if error.startswith("no results in") else solara.Warning)(error)
            return
        labels = point_labels(results)
        if point_choice.value not in labels:
            point_choice.set(ALL_POINTS)
        solara.Select("Design point", value=point_choice, values=labels)
        chosen = selected()
        shown = len(chosen.runs) if chosen is not None else 0
        solara.Text(f"{shown:,} of {len(results.runs):,} runs · {len(labels) - 1} design points")
        ReportDownload(results_dir.value)


def _results_figure(draw, name: str, width: float = 5.6, height: float = 4.1):
    results = selected()
    if results is None:
        return solara.Text("open a results directory")

    def make() -> Figure:
        fig = Figure(figsize=(width, height), layout="constrained", dpi=90)
        draw(results, fig.subplots())
        wrap_titles(fig, width)
        return fig

    stem = Path(results_dir.value).name
    point = "all" if point_choice.value == ALL_POINTS else point_choice.value.split(":")[0]
    key = [results_dir.value, point_choice.value, _stamp(Path(results_dir.value))]
    return FigureWithDownload(make, f"{stem}_{name}_{point}.png", key)


def wrap_titles(fig: Figure, width: float) -> None:
    """Wrap axes titles longer than the figure (``width`` inches) is wide (a cut title hid
    counts), at the characters a line holds in the title's own font size (about 10 an
    inch at 12 pt), keeping that size."""
    for axes in fig.axes:
        for loc, text in (("center", axes.title), ("left", getattr(axes, "_left_title", None)),
                          ("right", getattr(axes, "_right_title", None))):  # fmt: skip
            if text is None or not text.get_text():
                continue
            size = text.get_fontsize()
            chars = int(width * 10 * 12 / size)
            title = text.get_text()
            if len(max(title.splitlines(), key=len)) > chars:
                lines = [textwrap.fill(line, chars) for line in title.splitlines()]
                axes.set_title("\n".join(lines), loc=loc, fontsize=size)


@solara.component
def ResultsProbability():
    return _results_figure(lambda r, ax: api.plot_probability(r, ax=ax), "probability")


@solara.component
def ResultsTiming():
    return _results_figure(lambda r, ax: api.plot_time_to_formation(r, ax=ax), "timing")


@solara.component
def ResultsConfigurations():
    draw = lambda r, ax: api.plot_configurations(r, ax=ax, top=5, legend="below")  # noqa: E731
    return _results_figure(draw, "configurations", 5.6, 5.0)


def summary_or_error(path: str, stamp: float) -> tuple[object, object, str]:
    """(full table, shown table, error) of the directory's summary."""
    from sim.report.batch import summary_tables

    try:
        raw, shown = summary_tables(path)
    except Exception as exc:  # shown as one line
        return None, None, str(exc).splitlines()[0] if str(exc) else repr(exc)
    return raw, shown, ""


def _stamp(path: Path) -> float:
    manifest = path / "manifest.json"
    return manifest.stat().st_mtime if manifest.exists() else 0.0


@solara.component
def ResultsTable():
    """The summary table of ``run.py summary`` with a CSV download (full precision)."""
    path = Path(results_dir.value).expanduser()
    key = [str(path), _stamp(path)]
    raw, shown, error = solara.use_memo(lambda: summary_or_error(*key), key)
    if error or raw is None:
        return solara.Text("" if opened()[0] is None else error)
    with solara.Column():
        Table(shown, "Outcomes per design point", f"python run.py summary {path}")
        solara.FileDownload(
            raw.to_csv(index=False), filename=f"{path.name}_summary.csv",
            label="Download the table (CSV)", mime_type="text/csv",
        )  # fmt: skip


@solara.component
def ResultsPage():
    with solara.Columns([1, 3]):
        with solara.Card("Results", margin=0):
            ResultsPicker()
        if opened()[0] is None:  # the picker says why; no empty cards beside it
            solara.Text("The figures and the table of a batch show here once one is open.",
                        style={"color": "#666"})  # fmt: skip
            return
        with solara.Column():
            with solara.Columns([1, 1]):
                with solara.Card(margin=0):
                    ResultsProbability()
                with solara.Card(margin=0):
                    ResultsTiming()
            with solara.Card(margin=0):
                ResultsTable()
            with solara.Columns([1, 1]), solara.Card(margin=0):
                ResultsConfigurations()


__all__ = ["ALL_POINTS", "DEFAULT_RESULTS", "ResultsPage", "point_choice", "results_dir"]
