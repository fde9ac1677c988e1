"""Experiment files: a scenario, a design over scenario parameters, replicates and a root seed.

An experiment file (TOML, see ``configs/experiments/``) is validated like a scenario: any
problem raises :class:`sim.config.ConfigError` naming the file and the dotted field, and
every design point is checked by building the scenario with its overrides, so a batch
never starts (or writes anything) with a point the model would reject.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.config import (
    SCENARIO_FACTOR,
    ConfigError,
    Scenario,
    apply_overrides,
    build_scenario,
    load_raw,
    read_toml,
    split_path,
    split_point,
)
from sim.design.kind import DesignContext, DesignPoints
from sim.design.registry import KINDS, file_kind, kind_of
from sim.design.spec import ExperimentSpec, design_dump
from sim.errors import describe, first_error
from sim.seeds import replicate_seeds


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: resolved scenario, design points and replicate seeds."""

    file: Path
    spec: ExperimentSpec
    scenario_path: Path
    scenario_raw: dict[str, Any]
    rounds: int
    design: DesignPoints
    seeds: list[int]
    variants: dict[str, dict[str, Any]] | None = None  # scenario name -> merged mapping

    @property
    def parameters(self) -> list[str]:
        """Design columns of ``runs``, in file order (``scenario`` first, if a factor)."""
        factor = [SCENARIO_FACTOR] if self.variants else []
        return factor + list(self.spec.design.parameters)

    def base_scenario(self) -> Scenario:
        """The scenario the design's overrides apply to (built from ``scenario_raw``)."""
        return build_scenario(self.scenario_raw, str(self.scenario_path))

    @property
    def n_points(self) -> int:
        return len(self.design.points)

    @property
    def runs_total(self) -> int:
        return self.n_points * self.spec.replicates

    def resolved(self, series: bool = False) -> dict[str, Any]:
        """The experiment as run (JSON-able): absolute scenario path, rounds filled in."""
        return {
            "file": str(self.file),
            "scenario": str(self.scenario_path),
            "rounds": self.rounds,
            "replicates": self.spec.replicates,
            "root_seed": self.spec.root_seed,
            "engine": self.spec.engine,
            "series": series,
            "design": design_dump(self.spec.design),
        }

    def identity(self, series: bool = False) -> dict[str, Any]:
        """What makes two batches the same: everything but file locations and the engine
        (engines give identical rows for the same seed; the choice is about speed)."""
        out = self.resolved(series)
        del out["file"], out["scenario"], out["engine"]
        out["scenario_content"] = self.scenario_raw
        if self.variants:
            out["scenarios_content"] = self.variants
        return out

    def hash(self, series: bool = False) -> str:
        """SHA-256 of :meth:`identity` as canonical JSON."""
        text = json.dumps(self.identity(series), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _pydantic_error(exc: ValidationError, file: str, prefix: str = "") -> ConfigError:
    unknown = "unknown field (not part of an experiment file; check the spelling)"
    err = first_error(exc)
    if "parameters" in err["loc"]:  # drop the union tag of a sampled parameter's spec
        i = err["loc"].index("parameters") + 2
        if err["loc"][i : i + 1] in (("range",), ("choice",)):
            err = {**err, "loc": err["loc"][:i] + err["loc"][i + 1 :]}
    return ConfigError(file, *describe(err, unknown, prefix))


MAX_POINTS = 100_000  # design points: each is checked, stored in the manifest, planned
MAX_REPLICATES = 1_000_000  # seeds per point: all derived up front and stored
MAX_RUNS = 100_000_000  # points x replicates (a million runs take ~15 min on 2 cores)


def normalise_parameters(raw: dict[str, Any], file: str) -> dict[str, Any]:
    """``raw`` with design parameter paths in one spelling (segments stripped, quotes only
    where needed), so ``"a.b"``, ``"a.b "`` and ``'a."b"'`` are one field; two spellings of
    one field are an error (they would make two design columns for one setting)."""
    design = raw.get("design")
    params = design.get("parameters") if isinstance(design, dict) else None
    if not isinstance(params, dict):
        return raw
    out: dict[str, Any] = {}
    spelt: dict[str, str] = {}  # canonical path -> the name as written
    for name, value in params.items():
        canonical = _canonical(name, file)
        if canonical in out:
            raise ConfigError(
                file,
                f"design.parameters.{name}",
                f"expected each parameter once (it is the same field as {spelt[canonical]!r})",
            )
        out[canonical], spelt[canonical] = value, name
    return {**raw, "design": {**design, "parameters": out}}


def _canonical(name: str, file: str) -> str:
    try:
        keys = [k.strip() for k in split_path(name, file)]
    except ConfigError:
        raise ConfigError(
            file, f"design.parameters.{name}", "expected a dotted scenario path", name
        ) from None
    return ".".join(f'"{k}"' if "." in k or not k else k for k in keys)


def check_size(spec: ExperimentSpec, file: str) -> None:
    """Refuse designs too big to plan, before building them (numbers and limits named)."""
    kind = kind_of(spec.design.kind)
    points = kind.size(spec.design)
    if points > MAX_POINTS:
        expected = f"expected a design of at most {MAX_POINTS:,} points; this one has {points:,}"
        raise ConfigError(file, kind.size_field, expected)
    if spec.replicates > MAX_REPLICATES:
        expected = f"expected at most {MAX_REPLICATES:,} replicates"
        raise ConfigError(file, "replicates", expected, spec.replicates)
    runs = points * spec.replicates
    if runs > MAX_RUNS:
        expected = (
            f"expected at most {MAX_RUNS:,} runs (design points x replicates); "
            f"this is {points:,} x {spec.replicates:,} = {runs:,}"
        )
        raise ConfigError(file, "replicates", expected)


def parse_spec(raw: dict[str, Any], file: str) -> ExperimentSpec:
    """Validate the raw TOML mapping of an experiment file: the design by the model and
    the rules of its kind, then the file."""
    raw = normalise_parameters(raw, file)
    design = raw.get("design")
    if isinstance(design, dict):
        kind = file_kind(design.get("kind"))
        if kind is None:
            expected = f"expected one of {', '.join(KINDS)}"
            raise ConfigError(file, "design.kind", expected, design.get("kind"))
        try:
            table = kind.model.model_validate(design)
        except ValidationError as exc:
            raise _pydantic_error(exc, file, "design") from None
        kind.validate(table, file)
        raw = {**raw, "design": table}
    try:
        return ExperimentSpec.model_validate(raw)
    except ValidationError as exc:
        raise _pydantic_error(exc, file) from None


def _check_points(
    exp_file: str,
    scenario_raw: dict,
    source: str,
    points: list[dict],
    variants: dict[str, dict] | None = None,
) -> None:
    """Build the scenario at every design point; name the point and parameter on failure."""
    for name in points[0] if points else ():
        if "." not in name and not (variants and name == SCENARIO_FACTOR):
            raise ConfigError(
                exp_file, f"design.parameters.{name}", "expected a dotted scenario path", name
            )
    build_scenario(scenario_raw, source)  # the scenario itself: its own error names its file
    for i, point in enumerate(points):
        raw, overrides = split_point(scenario_raw, variants, point)
        try:
            build_scenario(raw, source, overrides)
        except ConfigError as err:
            if err.field in point:
                expected = f"{err.expected} (design point {i}, scenario {source})"
                raise ConfigError(
                    exp_file, f"design.parameters.{err.field}", expected, point[err.field]
                ) from None
            raise ConfigError(exp_file, f"design point {i} ({point})", str(err)) from None


def check_engine(file: str, engine: str | None, field: str = "engine") -> None:
    """An engine the runner knows (None: the default); raises :class:`ConfigError`."""
    if engine is None:
        return
    from sim.runner import ENGINES

    if engine not in ENGINES:
        raise ConfigError(file, field, f"expected one of {', '.join(ENGINES)}", engine)


def scenario_file(file: Path, name: str) -> Path:
    """The scenario a file (experiment, calibration) names, relative to that file; a
    missing one is a :class:`ConfigError` naming the file's ``scenario`` field."""
    path = Path(name)
    if not path.is_absolute():
        path = file.resolve().parent / path
    path = path.resolve()
    if not path.is_file():
        raise ConfigError(str(file), "scenario", "expected an existing file", name)
    return path


def load_experiment(path: str | Path) -> Experiment:
    """Read and fully validate an experiment file; raises :class:`ConfigError`."""
    file = Path(path)
    raw = read_toml(file)
    spec = parse_spec(raw, str(file))
    check_size(spec, str(file))
    check_engine(str(file), spec.engine)
    scenario_path = scenario_file(file, spec.scenario)
    scenario_raw = load_raw(scenario_path)  # merged onto its bases: what is run and stored
    source = str(scenario_path)
    made = kind_of(spec.design.kind).resolve(spec.design, DesignContext(file, spec.root_seed))
    if made.scenario_overrides:  # e.g. a posterior's checkpoints
        scenario_raw = apply_overrides(scenario_raw, made.scenario_overrides, source)
    _check_points(str(file), scenario_raw, source, made.points.points, made.variants)
    if made.design is not spec.design:  # fields filled in when loaded
        spec = spec.model_copy(update={"design": made.design})
    rounds = spec.rounds or build_scenario(scenario_raw, source).rounds
    n, reps = len(made.points.points), spec.replicates
    if made.own_seeds:
        flat = replicate_seeds(spec.root_seed, n * reps)
        seeds: list[int] | list[list[int]] = [flat[i * reps : (i + 1) * reps] for i in range(n)]
    else:
        seeds = replicate_seeds(spec.root_seed, reps)
    return Experiment(
        file=file.resolve(),
        spec=spec,
        scenario_path=scenario_path,
        scenario_raw=scenario_raw,
        rounds=rounds,
        design=made.points,
        seeds=seeds,
        variants=made.variants,
    )
