"""Pieces the results pages share: a picker of the result directories found (by kind), a
table in the report's HTML, a matplotlib figure with its PNG download, an error line.

The picker lists what :func:`sim.report.kinds.find_results` finds under ``results/`` and
under any folder typed in "Look for results under" (per session).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import solara
from matplotlib.figure import Figure

from sim.report.kinds import Found, find_results

DEFAULT_ROOT = "results"
results_root = solara.reactive(DEFAULT_ROOT)  # Solara keeps one value per session

TABLE_CSS = """
.summary-table .scroll { overflow-x: auto; }
.summary-table table { border-collapse: collapse; font-size: 0.8em; }
.summary-table th, .summary-table td { border: 1px solid #ccc; padding: 2px 6px; }
.summary-table th { background: #f0f0f0; }
.summary-table h2 { font-size: 1.05em; margin: 0.2em 0; }
"""


def found(root: str, kinds: tuple[str, ...]) -> list[Found]:
    """Result directories of ``kinds`` under ``results/`` and ``root``, by path."""
    roots = dict.fromkeys([DEFAULT_ROOT, root or DEFAULT_ROOT])
    hits = {f.path: f for r in roots for f in find_results(Path(r).expanduser())}
    return [hits[p] for p in sorted(hits) if hits[p].kind in kinds]


@solara.component
def RootInput():
    solara.InputText("Look for results under", value=results_root, continuous_update=False)


@solara.component
def DirectoryPicker(value: solara.Reactive[str], kinds: tuple[str, ...], label: str):
    """A select of the directories found (with their kind) and a text field for any path."""
    refresh = solara.use_reactive(0)
    items = solara.use_memo(lambda: found(results_root.value, kinds),
                            [results_root.value, refresh.value, kinds])  # fmt: skip
    by_label = {f.label: f.path for f in items}
    shown = next((k for k, p in by_label.items() if p == value.value), None)
    solara.Select(f"{label} found ({len(items)})", values=list(by_label), value=shown,
                  on_value=lambda v: v and value.set(by_label[v]))  # fmt: skip
    solara.InputText(label, value=value, continuous_update=False)
    solara.Button("Look again", icon_name="mdi-refresh", text=True, small=True,
                  on_click=lambda: refresh.set(refresh.value + 1))  # fmt: skip


def table_html(frame: pd.DataFrame, title: str, command: str, note: str = "") -> str:
    from sim.report.html import TableItem
    from sim.report.html import table_html as render

    return render(TableItem(title, frame, command, note))


@solara.component
def Table(
    frame: pd.DataFrame,
    title: str,
    command: str,
    note: str = "",
    csv: str = "",
    raw: pd.DataFrame | None = None,
):
    """A table as the report shows it, with a CSV download when ``csv`` names the file (of
    ``raw``, the full-precision table, when given)."""
    solara.Style(TABLE_CSS)
    solara.HTML(tag="div", unsafe_innerHTML=table_html(frame, title, command, note),
                classes=["summary-table"])  # fmt: skip
    if csv:
        data = (frame if raw is None else raw).to_csv(index=False)
        solara.FileDownload(data, filename=csv, mime_type="text/csv",
                            label=f"Download {csv}")  # fmt: skip


def png(fig: Figure, dpi: int = 110) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


@solara.component
def FigureWithDownload(draw: Callable[[], Figure], filename: str, key: list):
    """A figure drawn once per ``key`` (a PNG image) with a PNG download of it."""
    import matplotlib.pyplot as plt

    def make() -> tuple[bytes, str]:
        try:
            fig = draw()
        except (ValueError, KeyError) as exc:  # e.g. nothing to draw: one line
            return b"", str(exc).splitlines()[0] if str(exc) else repr(exc)
        try:
            return png(fig), ""
        finally:
            plt.close(fig)

    data, error = solara.use_memo(make, key)
    if error:
        solara.Text(error)
        return
    solara.Image(data, width="100%")
    solara.FileDownload(data, filename=filename, mime_type="image/png",
                        label=f"Download {filename}")  # fmt: skip


@solara.component
def ErrorLine(text: str):
    if text:
        solara.Error(text, dense=True)


@solara.component
def ReportDownload(path: str):
    """The directory's ``run.py report`` page as a download (built when clicked)."""

    def build() -> str:
        from sim.commands.report import build_report
        from sim.report.html import render

        return render(build_report(Path(path)))

    solara.FileDownload(build, filename=f"{Path(path).name}_report.html", mime_type="text/html",
                        label="Report (HTML)")  # fmt: skip


__all__ = ["DirectoryPicker", "ErrorLine", "FigureWithDownload", "ReportDownload", "RootInput",
           "Table", "found", "png", "results_root"]  # fmt: skip
