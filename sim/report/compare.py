"""Report of a comparison directory (``run.py compare ... --out DIR``; by default
``BATCH/compare``): the comparison table (as ``run.py compare`` prints it), its figures
(embedded), and, when the directory sits in the batch it compares, that batch's experiment,
seeds, versions and commit and its warnings."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sim.batch.manifest import now
from sim.report.common import ReportError, embedded
from sim.report.html import Report, TableItem
from sim.report.kinds import result_kind

FIGURES = ("compare_curves.png", "compare_differences.png", "compare_end.png")


def _heading(path: Path) -> tuple[str, str]:
    """(title line, explanatory paragraph) of compare.md ('' if missing)."""
    try:
        text = (path / "compare.md").read_text(encoding="utf-8")
    except OSError:
        return "", ""
    parts = [p.strip() for p in text.split("\n\n")]
    title = parts[0].lstrip("# ") if parts and parts[0].startswith("#") else ""
    return title, parts[1] if len(parts) > 1 and not parts[1].startswith("|") else ""


def _sources(path: Path) -> tuple[list[str], str | None] | None:
    """(batches compared, --reference) from the folder's compare_sources.json, or None."""
    try:
        raw = json.loads((path / "compare_sources.json").read_text(encoding="utf-8"))
        batches = [str(b) for b in raw["batches"]]
        return batches, raw.get("reference")
    except (OSError, ValueError, KeyError, TypeError):
        return None


def comparison_report(
    cmp_dir: str | Path, display: Callable[[pd.DataFrame], pd.DataFrame]
) -> Report:
    """The report of a comparison directory (ReportError if it has no readable compare.csv);
    ``display``: the table as ``run.py compare`` prints it (the command passes its own)."""
    from sim.report.batch import facts, warnings

    path = Path(cmp_dir)
    try:
        table = pd.read_csv(path / "compare.csv", dtype={"group": str})
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path / 'compare.csv'}: unreadable ({exc})") from None
    recorded = _sources(path)  # the batches run.py compare read (None: an older folder)
    if recorded is not None:
        batches, reference = recorded
        source = Path(batches[0]) if len(batches) == 1 else None
        ref = f" --reference {reference}" if reference else ""
        command = f"python run.py compare {' '.join(batches)}{ref} --out {path}"
    else:  # before the sources were recorded: the batch the folder sits in, if any
        source = path.parent if result_kind(path.parent) == "batch" else None
        found = [f"python run.py compare {source} --out {path}"] if source else []
        command = (found or [f"python run.py compare DIR [DIR ...] --out {path}"])[0]
    if source is not None and result_kind(source) != "batch":
        source = None
    title, note = _heading(path)
    notes, info, blocks = [], [("Comparison directory", str(path))], []
    if source is not None:
        manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
        from sim.analysis import load_batch

        notes = warnings(manifest, load_batch(source, with_series=False).runs)
        info += [(k, v) for k, v in facts(manifest, source) if k != "Report written"]
        exp = json.dumps(manifest.get("experiment") or {}, indent=2, default=str)
        blocks.append(("The experiment compared (from its manifest.json)", exp))
    elif recorded is not None:
        info.append(("Batches compared", ", ".join(recorded[0])))
    else:
        notes.append("note: the compared directories are not recorded in a comparison "
                     "directory outside a batch; the command below names them DIR")  # fmt: skip
    info.append(("Report written", now()))
    figures = [path / name for name in FIGURES if (path / name).is_file()]
    tables = [TableItem("Outcomes side by side", display(table), command, note)]
    batches = recorded[0] if recorded is not None else [str(source)] if source else []
    groups = group_descriptions([Path(b) for b in batches])
    if len(groups):
        tables.insert(0, TableItem("What each group is (the scenarios' descriptions)", groups,
                                   command))  # fmt: skip
    return Report(
        title=title or f"Comparison in {path}",
        subtitle=f"{table['group'].nunique()} groups · {len(table)} rows",
        warnings=notes,
        facts=info,
        tables=tables,
        figures=embedded(figures, command),
        blocks=blocks,
    )


def group_descriptions(batches: list[Path]) -> pd.DataFrame:
    """``group, description``: each group of the comparison (the groups ``run.py compare``
    makes of these batches, :func:`sim.analysis.compare.groups_from_batches`) with the
    description of the scenario it played, so that a shared report says what each what-if
    changes; groups whose scenario has no description get no row."""
    from sim.analysis import BatchError, load_batch
    from sim.analysis.compare import groups_from_batches

    try:
        loaded = [load_batch(b, with_series=False) for b in batches]
    except BatchError:
        return pd.DataFrame(columns=["group", "description"])
    described: dict[str, str] = {}
    for batch in loaded:
        m = batch.manifest
        for s in [m.get("scenario") or {}, *(m.get("scenarios") or {}).values()]:
            if isinstance(s, dict) and s.get("name"):
                described.setdefault(str(s["name"]), str(s.get("description") or ""))
    rows = [(g.label, d) for g in groups_from_batches(loaded)
            if (d := described.get(g.scenario, ""))]  # fmt: skip
    return pd.DataFrame(rows, columns=["group", "description"])


__all__ = ["comparison_report", "group_descriptions"]
