"""Read a batch directory (runs, series, manifest) and describe its scenario and design.

Only the stored tables are read (docs/results_schema.md); the model is never run here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calendar import round_date as add_months  # re-exported by sim.analysis
from sim.files import PathError, read_regular
from sim.results_schema import is_outcome_or_bookkeeping


class BatchError(ValueError):
    """A batch directory that cannot be analysed; the message is meant for the user."""


@dataclass(frozen=True)
class ScenarioInfo:
    """What the plots need to know about the scenario (manifest["scenario_info"]).

    pacts are keys ("A-B", member codes); target is the key of the target pact;
    levels name the levels 1, 2, ... (0 is "no pact").
    """

    states: tuple[str, ...]
    pacts: tuple[str, ...]
    target: str
    levels: tuple[str, ...]
    start: str
    checkpoints: tuple[int, ...]
    state_names: tuple[tuple[str, str], ...] = ()
    units: tuple[tuple[str, str], ...] = ()  # design parameter -> unit

    def param_label(self, path: str) -> str:
        """Axis label of a design parameter: its dotted path and unit, e.g. '... [1/month]'."""
        unit = dict(self.units).get(path)
        return f"{path} [{unit}]" if unit else path

    def state_label(self, code: str) -> str:
        """'Name (CODE)' when the scenario names the state, else the code."""
        name = dict(self.state_names).get(code)
        return f"{name} ({code})" if name and name != code else code

    def date(self, round_: int) -> str:
        """Calendar month 'YYYY-MM' of a round (round 0 = start month)."""
        return add_months(self.start, round_)

    def level_name(self, level: int) -> str:
        """Name of an integer level (0 = 'none')."""
        if level <= 0:
            return "none"
        return self.levels[level - 1] if level - 1 < len(self.levels) else f"level {level}"

    def pact_label(self, key: str) -> str:
        """Readable pact name, e.g. 'A–B–C (trilateral)' for the target pact A-B-C."""
        label = key.replace("-", "–")
        return f"{label} (trilateral)" if key == self.target else label

    @property
    def other_pacts(self) -> tuple[str, ...]:
        """Every possible pact except the target one (the bilaterals by default)."""
        return tuple(p for p in self.pacts if p != self.target)

    @classmethod
    def from_manifest(cls, manifest: dict) -> ScenarioInfo:
        """From manifest["scenario_info"] as :func:`sim.runner.scenario_info` writes it
        (levels with "none" first), plus the design parameters' ``units``."""
        si = manifest.get("scenario_info")
        need = ("states", "pacts", "target", "levels", "start")
        if not isinstance(si, dict) or any(k not in si for k in need):
            raise BatchError(
                f"manifest.json lacks scenario_info with {', '.join(need)} "
                "(write batches with run.py batch)"
            )
        return cls(
            states=tuple(si["states"]),
            pacts=tuple(si["pacts"]),
            target=str(si["target"]),
            levels=tuple(si["levels"][1:]),
            start=str(si["start"]),
            checkpoints=tuple(int(c) for c in si.get("checkpoints", ())),
            state_names=tuple((si.get("state_names") or {}).items()),
            units=tuple((si.get("units") or {}).items()),
        )


@dataclass(frozen=True)
class Design:
    """The batch's design as seen by the plots.

    shape: 'single' (one point), 'sweep' (one varying parameter), 'grid2' (two),
    'many' (more, or scattered), 'sobol' or 'morris' (SALib designs).
    """

    kind: str
    parameters: tuple[str, ...]
    varying: tuple[str, ...]
    shape: str
    n_points: int


@dataclass
class Batch:
    """A loaded batch directory."""

    path: Path
    manifest: dict
    runs: pd.DataFrame
    series: pd.DataFrame | None
    info: ScenarioInfo

    @property
    def name(self) -> str:
        """Experiment name from the manifest (the directory name as fallback)."""
        exp = self.manifest.get("experiment") or {}
        name = exp.get("name") if isinstance(exp, dict) else None
        return str(name or self.path.name)

    @property
    def ok_runs(self) -> pd.DataFrame:
        """Runs whose status is 'ok' (failed runs carry no outcomes)."""
        return self.runs[self.runs["status"] == "ok"]

    def subtitle(self, runs: int | None = None, extra: str = "") -> str:
        """'Experiment <name> · n = <runs> runs · ...' for figure subtitles."""
        n = len(self.ok_runs) if runs is None else runs
        text = f"experiment '{self.name}' · n = {n:,} runs"
        n_points = self.runs["point_id"].nunique()
        if n_points > 1:
            text += f" over {n_points} design points"
        return f"{text} · {extra}" if extra else text


def _read_parts(directory: Path) -> pd.DataFrame:
    """All part-*.parquet files of a table; part by part if their schemas differ."""
    try:
        return pd.read_parquet(directory)
    except Exception:  # e.g. an all-null column typed `null` in one part only
        parts = []
        for part in sorted(directory.glob("*.parquet")):
            try:
                parts.append(pd.read_parquet(part))
            except Exception as exc:  # a corrupt or foreign file: say which
                raise BatchError(f"cannot read {part}: {exc}") from None
        return pd.concat(parts, ignore_index=True)


def load_batch(path: str | Path, with_series: bool = True) -> Batch:
    """Read DIR/runs, DIR/manifest.json and (if present and asked for) DIR/series."""
    path = Path(path)
    if not path.is_dir():
        raise BatchError(f"batch directory not found: {path}")
    mpath = path / "manifest.json"
    try:
        manifest = json.loads(read_regular(mpath)) if mpath.exists() else {}
    except (json.JSONDecodeError, PathError) as exc:
        raise BatchError(f"cannot read {mpath}: {exc}") from None
    if not isinstance(manifest, dict):
        raise BatchError(f"cannot read {mpath}: not a manifest (a JSON object expected)")
    runs_dir = path / "runs"
    if not runs_dir.exists() or not any(runs_dir.glob("*.parquet")):
        raise BatchError(f"no runs table in {path} (expected {runs_dir}/part-*.parquet)")
    runs = _read_parts(runs_dir)
    if runs.empty:
        raise BatchError(f"the runs table in {path} has no rows")
    if "status" not in runs:
        runs["status"] = "ok"
    runs = runs.sort_values("run_id").reset_index(drop=True)
    series = None
    sdir = path / "series"
    if with_series and sdir.exists() and any(sdir.glob("*.parquet")):
        series = _read_parts(sdir)
        ok_ids = runs.loc[runs["status"] == "ok", "run_id"]
        series = series[series["run_id"].isin(ok_ids)]  # failed runs carry no outcomes
        series = series.sort_values(["run_id", "round"]).reset_index(drop=True)
    info = ScenarioInfo.from_manifest(manifest)
    return Batch(path, manifest, runs, series, info)


def load_checked(path: str | Path, with_series: bool = True) -> Batch:
    """:func:`load_batch` after the checks ``summary`` and ``plot`` make
    (:func:`sim.batch.integrity.check_results`): its warnings (a batch incomplete or still
    running) go to stderr, and corrupt, foreign or duplicate parts or an unreadable manifest
    raise :class:`BatchError`, since every figure read from them would be wrong."""
    import sys

    from sim.batch.integrity import ResultsError, check_results

    try:
        for line in check_results(path):
            print(line, file=sys.stderr)
    except ResultsError as exc:
        raise BatchError(str(exc)) from None
    return load_batch(path, with_series)


def _names(raw: Any) -> list[str]:
    """Parameter paths from a list of strings, a list of dicts, or a dict keyed by path."""
    if isinstance(raw, dict):
        return [str(k) for k in raw]
    out = []
    for item in raw or []:
        if isinstance(item, dict):
            out.append(str(item.get("path") or item.get("name")))
        else:
            out.append(str(item))
    return out


def design_parameters(manifest: dict, runs: pd.DataFrame) -> list[str]:
    """Design parameter columns of `runs`, from the manifest or else by elimination."""
    design = manifest.get("design") or {}
    names = (["scenario"] if design.get("scenarios") else []) + _names(design.get("parameters"))
    names += [n for n in _names((design.get("problem") or {}).get("names")) if n not in names]
    found = [n for n in names if n in runs.columns]
    if found:
        return found
    return [
        c
        for c in runs.columns
        if not is_outcome_or_bookkeeping(c) and pd.api.types.is_numeric_dtype(runs[c])
    ]


def detect_design(batch: Batch) -> Design:
    """Classify the design so the plots fit it (line / heat map / ranked dots)."""
    from sim.design.registry import kind_of

    runs = batch.runs
    kind = str((batch.manifest.get("design") or {}).get("kind") or "").lower()
    params = design_parameters(batch.manifest, runs)
    per_point = runs.groupby("point_id")[params].first() if params else None
    varying = [p for p in params if per_point[p].nunique(dropna=False) > 1]
    n_points = int(runs["point_id"].nunique())
    if kind_of(kind).sensitivity:  # a SALib design: its own figures
        shape = str(kind_of(kind).sensitivity)
    elif n_points <= 1 or not varying:
        shape = "single"
    elif len(varying) == 1:
        shape = "sweep"
    elif len(varying) == 2:
        cells = int(np.prod([per_point[p].nunique() for p in varying]))
        shape = "grid2" if cells <= 2 * n_points else "many"
    else:
        shape = "many"
    return Design(kind or shape, tuple(params), tuple(varying), shape, n_points)


def short_name(path: str, parts: int = 3) -> str:
    """Last components of a dotted path, for legends ('A.weights.us_ties')."""
    return ".".join(path.split(".")[-parts:])
