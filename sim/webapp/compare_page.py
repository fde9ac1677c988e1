"""The "Compare" page: a batch's design points, or a batch beside a second one, or the
what-if library (``results/library``: the library scenarios side by side), with the table
and figures of ``run.py compare`` (its code: :func:`sim.commands.compare.build` and
``display``; :mod:`sim.plots.compare`) and CSV / PNG downloads.
"""

from __future__ import annotations

from pathlib import Path

import solara

from sim.webapp.widgets import (
    DirectoryPicker,
    ErrorLine,
    FigureWithDownload,
    Table,
    found,
    results_root,
)

LIBRARY = "results/library"
LIBRARY_RUN = "python run.py batch configs/experiments/library.toml --out results/library"
POINTS_ONLY = "its design points (no second directory)"

first_dir = solara.reactive("results/default")
second_dir = solara.reactive(POINTS_ONLY)


def _stamp(path: str) -> float:
    manifest = Path(path) / "manifest.json"
    return manifest.stat().st_mtime if manifest.exists() else 0.0


def comparison(dirs: tuple[str, ...]):
    """(groups, table, curves, error line) of ``run.py compare DIRS``."""
    from sim.analysis import BatchError
    from sim.commands.compare import build

    try:
        groups, table, curves = build([Path(d) for d in dirs])
    except (BatchError, OSError, ValueError) as exc:
        return None, None, None, str(exc).splitlines()[0] if str(exc) else repr(exc)
    return groups, table, curves, ""


def command(dirs: tuple[str, ...]) -> str:
    return "python run.py compare " + " ".join(dirs)


def subtitle(groups, table) -> str:
    paired = all(table[table["group"] == g.label]["paired"].all() for g in groups[1:])
    shared = "seeds shared: paired differences" if paired else "unpaired differences"
    return f"reference '{groups[0].label}' · {shared}"


@solara.component
def CompareChoice():
    near = str(Path(first_dir.value).parent)  # a second batch beside the first is listed
    batches = [f.path for f in found(results_root.value, ("batch",))]
    batches += [f.path for f in found(near, ("batch",)) if f.path not in batches]
    with solara.Column():
        DirectoryPicker(first_dir, ("batch",), "Reference batch")
        others = [POINTS_ONLY, *[b for b in batches if b != first_dir.value]]
        solara.Select("Compare with", values=others, value=second_dir)
        if Path(LIBRARY).is_dir():
            solara.Button("The what-if library", on_click=lambda: (
                first_dir.set(LIBRARY), second_dir.set(POINTS_ONLY)))  # fmt: skip
        else:
            solara.Text(f"The what-if library is not run yet: start 'library' on the Run a "
                        f"batch page, or {LIBRARY_RUN}",
                        style={"font-size": "0.8em", "color": "#555"})  # fmt: skip


@solara.component
def CompareView(dirs: tuple[str, ...]):
    from sim.analysis.compare import figure_pacts, flat_measures, flat_note, without
    from sim.commands.compare import display
    from sim.plots.compare import Curves, plot_end_forest, plot_formation_curves

    key = [dirs, *(_stamp(d) for d in dirs)]
    groups, table, curves, error = solara.use_memo(lambda: comparison(dirs), key)
    if error:
        ErrorLine(error)
        return
    sub = subtitle(groups, table)
    never = figure_pacts(groups).note(groups[0].info)  # many pacts: the flat ones named
    sub += f"\n{never}" if never else ""
    n = ", ".join(f"{g.label} n={len(g.runs)}" for g in groups)
    stem = "_".join(Path(d).name for d in dirs)
    with solara.Card(margin=0):
        if curves:
            info = groups[0].info
            FigureWithDownload(lambda: plot_formation_curves(Curves(curves, info), sub),
                               f"{stem}_compare_curves.png", key)  # fmt: skip
        else:
            solara.Text("every pact is active at the start: no formation curves")
    flat = flat_measures(table, groups[0].info)  # many pacts: 0% or 100% in every group
    note = (f"Runs: {n}. P: 95% Wilson interval; difference from the reference in percentage "
            "points (pp), 95% Newcombe interval.")  # fmt: skip
    if flat:
        note += (f" Left out (kept in the CSV): {len(flat)} measures at 0% in every group or "
                 "at 100% in every group, named under the figure below.")  # fmt: skip
    forest_sub = f"reference '{groups[0].label}'" + (f"\n{flat_note(table, flat)}" if flat else "")
    with solara.Card(margin=0):
        Table(display(without(table, flat)), f"Side by side (reference: {groups[0].label})",
              command(dirs), note, csv=f"{stem}_compare.csv", raw=table)  # fmt: skip
    with solara.Card(margin=0):
        FigureWithDownload(lambda: plot_end_forest(without(table, flat), forest_sub),
                           f"{stem}_compare_end.png", key)  # fmt: skip


@solara.component
def ComparePage():
    dirs = (first_dir.value,) if second_dir.value == POINTS_ONLY else (
        first_dir.value, second_dir.value)  # fmt: skip
    with solara.Columns([1, 3]):
        with solara.Card("Compare", margin=0):
            CompareChoice()
        with solara.Column():
            CompareView(dirs)


__all__ = ["ComparePage", "comparison", "first_dir", "second_dir"]
