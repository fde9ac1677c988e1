"""The report of a batch results directory: the summary table, every figure ``run.py plot``
draws (embedded), the experiment and scenario, seeds, versions and commit from the manifest,
and warnings (an incomplete batch, failed runs). Each figure and table names the command
that reproduces it. No backend is chosen here (the command line chooses Agg).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis import BatchError, detect_design, load_batch
from sim.analysis.checks import incomplete
from sim.batch.manifest import now
from sim.report.html import FigureItem, Report, TableItem

PACKAGES = ("python", "trilateral-sim", "mesa", "numpy", "pandas", "pyarrow", "scipy")


def _seeds(manifest: dict[str, Any]) -> str:
    """The replicate seeds in a line: root seed, count, range (the same at every point,
    or one list per point)."""
    seeds = manifest.get("seeds") or []
    root = manifest.get("root_seed")
    nested = bool(seeds) and isinstance(seeds[0], list)
    flat = [s for point in seeds for s in point] if nested else list(seeds)
    if not flat:
        return f"root seed {root}"
    where = "own seeds per design point" if nested else "the same at every design point"
    return (
        f"root seed {root}; {len(flat):,} replicate seed(s) ({where}), "
        f"from {min(flat)} to {max(flat)}"
    )


def facts(manifest: dict[str, Any], path: Path) -> list[tuple[str, str]]:
    """Label -> text rows of the experiment and its provenance, from the manifest."""
    exp = manifest.get("experiment") or {}
    scenario = manifest.get("scenario") or {}
    design = manifest.get("design") or {}
    versions = manifest.get("versions") or {}
    params = ", ".join(design.get("parameters") or []) or "none"
    return [
        ("Results directory", str(path)),
        ("Experiment", str(exp.get("name", path.name))),
        ("Scenario", f"{scenario.get('name', '?')}: {scenario.get('description', '')}"),
        ("Design", f"{design.get('kind', '?')}, {len(design.get('points') or [])} point(s); "
                   f"parameters: {params}"),
        ("Runs", f"{manifest.get('runs_done', '?')} of {manifest.get('runs_total', '?')} done, "
                 f"{manifest.get('runs_failed', 0)} failed"),
        ("Seeds", _seeds(manifest)),
        ("Model version", str(manifest.get("model_version", "?"))),
        ("Engine", str(manifest.get("engine", "?"))),
        ("Code commit", str(manifest.get("git_commit") or "unknown (not a git checkout)")),
        ("Started / finished", f"{manifest.get('started')} / {manifest.get('finished')}"),
        ("Versions", ", ".join(f"{k} {versions[k]}" for k in PACKAGES if versions.get(k))),
        ("Report written", now()),
    ]  # fmt: skip


def warnings(manifest: dict[str, Any], runs: pd.DataFrame) -> list[str]:
    out = [w for w in [incomplete(manifest)] if w]
    failed = int((runs["status"] != "ok").sum()) if "status" in runs else 0
    if failed:
        out.append(f"warning: {failed:,} run(s) failed; probabilities are over the others")
    return out


def summary_tables(batch_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The summary of a batch: (full-precision table, as ``run.py summary`` prints it)."""
    from sim.analysis import summary_table
    from sim.analysis.display import summary_view
    from sim.analysis.ties import initial_pacts

    batch = load_batch(batch_dir, with_series=False)
    design = detect_design(batch)
    started = initial_pacts(batch.manifest, batch.info)
    table = summary_table(batch, design)
    shown, _ = summary_view(table, batch.info, batch.runs, list(design.varying), started)
    return table, shown


def figures(batch_dir: Path, command_dir: str) -> list[FigureItem]:
    """Every figure ``run.py plot`` draws for the batch, as PNG bytes."""
    from sim.plots.forecast import forecast_figures
    from sim.plots.report import batch_figures

    batch = load_batch(batch_dir)
    if batch.ok_runs.empty:
        raise BatchError(f"every run in {batch.path} failed; nothing to report")
    design = detect_design(batch)
    with tempfile.TemporaryDirectory(prefix="report-") as tmp:
        out = Path(tmp)
        paths = batch_figures(batch, design, out, "png") + forecast_figures(batch, out, "png")
        return [
            FigureItem(
                p.stem.replace("_", " "),
                p.read_bytes(),
                f"python run.py plot {command_dir}  # writes {command_dir}/plots/{p.name}",
                about_figure(p.stem),
            )
            for p in paths
        ]


ABOUT = {  # figure file stem (or its start) -> what it shows (docs/analysis.md has more)
    "pact_probability": "the share of runs in which each pact ever formed and in which it is "
    "active at the end, per design point, with 95% Wilson intervals",
    "time_to_formation": "the probability that each pact has formed by each month "
    "(Kaplan–Meier), per design point",
    "configurations": "the share of runs in each configuration of pacts, month by month",
    "utility": "each state's utility month by month: the median over runs with the bands "
    "holding 50% and 90% of them",
    "support_share": "each state's share of its external support from each partner, month "
    "by month: median over runs and bands",
    "outcome_vs_parameters": "per design point, the share of runs in which the pact formed, "
    "against each sampled parameter",
    "forecast": "the probability that each pact has reached each level by each month, over "
    "the posterior's parameter sets",
}


def about_figure(stem: str) -> str:
    """One sentence on what the figure ``stem`` shows ('' for one not listed)."""
    for key, text in ABOUT.items():
        if stem == key or stem.startswith(key + "_") or stem.endswith("_" + key):
            return text
    return ""


def batch_report(batch_dir: str | Path, table: pd.DataFrame | None = None) -> Report:
    """The report of a batch directory; ``table``: the summary as shown by ``run.py
    summary`` (the command supplies it). Raises :class:`BatchError` for a bad directory."""
    path = Path(batch_dir)
    batch = load_batch(path, with_series=False)
    manifest, shown = batch.manifest, str(batch_dir)
    tables = []
    if table is not None:
        note = "P = share of successful runs in which the pact was ever active (still active "
        note += "at the end, for pacts active at the start); P(... at end): active after the "
        note += "last month; tied A-B: some pact holding both is active at the end; 95% Wilson "
        note += "intervals; median formation month among runs where the trilateral formed."
        if table["point"].astype(str).str.endswith("*").any():
            note += " * = the design point at the scenario's own values."
        tables.append(
            TableItem("Outcomes per design point", table, f"python run.py summary {shown}", note)
        )
    exp = json.dumps(manifest.get("experiment") or {}, indent=2, default=str)
    return Report(
        title=f"Experiment '{batch.name}'",
        subtitle=batch.subtitle(),
        warnings=warnings(manifest, batch.runs),
        facts=facts(manifest, path),
        tables=tables,
        figures=figures(path, shown),
        blocks=[("The experiment as run (from manifest.json)", exp)],
    )


__all__ = ["batch_report", "facts", "figures", "summary_tables", "warnings"]
