"""One self-contained HTML page from figures, tables and facts: figures embedded as base64
PNG, styles inline, no script and no link to anything outside the file (it opens offline
and can be mailed). Pure: values in, text out; every string is escaped.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 1100px; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; font-size: 1.25em; }
.sub { color: #555; margin-top: 0; }
.warning { background: #fff4e0; border-left: 4px solid #e69500; padding: 0.5em 0.8em; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.9em; color: #444; }
code, pre { background: #f4f4f4; font-size: 0.88em; } pre { padding: 0.6em; overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.6em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } .scroll { overflow-x: auto; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
"""


@dataclass(frozen=True)
class FigureItem:
    """A PNG figure with its title and the command that draws it again."""

    title: str
    png: bytes
    command: str
    about: str = ""  # what the figure shows, one sentence for the caption


@dataclass(frozen=True)
class TableItem:
    """A table (shown as text cells) with its title and the command that writes it."""

    title: str
    frame: pd.DataFrame
    command: str
    note: str = ""


@dataclass(frozen=True)
class Report:
    """What a report page holds, in order: title and subtitle, warnings, facts (label ->
    text), tables, figures, and blocks of preformatted text (e.g. the experiment)."""

    title: str
    subtitle: str
    warnings: Sequence[str] = ()
    facts: Sequence[tuple[str, str]] = ()
    tables: Sequence[TableItem] = ()
    figures: Sequence[FigureItem] = ()
    blocks: Sequence[tuple[str, str]] = field(default_factory=tuple)


def _e(text: object) -> str:
    return html.escape(str(text))


def figure_html(item: FigureItem) -> str:
    data = base64.b64encode(item.png).decode("ascii")
    return (
        f'<figure><img alt="{_e(item.title)}" src="data:image/png;base64,{data}">'
        f"<figcaption><b>{_e(item.title)}</b>"
        + (f": {_e(item.about)}" if item.about else "")
        + f". Reproduce with <code>{_e(item.command)}</code>"
        "</figcaption></figure>"
    )


def table_html(item: TableItem) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in item.frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>"
        for row in item.frame.itertuples(index=False)
    )
    note = f"<p>{_e(item.note)}</p>" if item.note else ""
    return (
        f"<h2>{_e(item.title)}</h2>{note}<div class='scroll'><table><thead><tr>{head}</tr>"
        f"</thead><tbody>{rows}</tbody></table></div>"
        f"<p>Reproduce with <code>{_e(item.command)}</code></p>"
    )


def facts_html(facts: Sequence[tuple[str, str]]) -> str:
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    return f"<dl class='facts'>{rows}</dl>"


def render(report: Report) -> str:
    """The page as one HTML string."""
    parts = [
        "<!DOCTYPE html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_e(report.title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(report.title)}</h1><p class='sub'>{_e(report.subtitle)}</p>",
    ]
    parts += [f"<p class='warning'>{_e(w)}</p>" for w in report.warnings]
    if report.facts:
        parts += ["<h2>Experiment and provenance</h2>", facts_html(report.facts)]
    parts += [table_html(t) for t in report.tables]
    if report.figures:
        parts.append("<h2>Figures</h2>")
        parts += [figure_html(f) for f in report.figures]
    parts += [f"<h2>{_e(title)}</h2><pre>{_e(text)}</pre>" for title, text in report.blocks]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


__all__ = ["FigureItem", "Report", "TableItem", "figure_html", "render", "table_html"]
