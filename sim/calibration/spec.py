"""Calibration files: scenario, priors over dotted scenario paths, targets, SMC settings.

A calibration file (TOML, see ``configs/calibration/``) is validated like an experiment
file: any problem raises :class:`sim.errors.ConfigError` naming the file and the dotted
field, before anything is written. Priors are checked by building the scenario at their
bounds; target statistics by one short pilot run (the columns must exist in ``runs``).
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.config import ConfigError, apply_overrides, build_scenario, read_toml
from sim.errors import describe, first_error

NEVER = "never"  # observed value of a first_round/switch_round statistic that never happened
# Statistics summed over a whole run (times an action was taken, months in force): read at
# the run's last month only, never at an earlier date.
CUMULATIVE = ("action_count.", "action_months.")


class _Frozen(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)


class Prior(_Frozen):
    """``uniform {low, high}``, ``loguniform {low, high}`` (low > 0) or
    ``normal {mean, sd, low, high}`` (truncated to [low, high]); ``integer = true`` rounds
    the drawn values (the inference runs on the continuous value, the model gets the
    rounded one: use low = 5.5, high = 12.5 for equal weights on 6..12)."""

    dist: Literal["uniform", "loguniform", "normal"]
    low: float
    high: float
    mean: float | None = None
    sd: Annotated[float, Field(gt=0)] | None = None
    integer: bool = False  # values rounded to the nearest whole number (e.g. talk months)

    @model_validator(mode="after")
    def _valid(self) -> Prior:
        if not self.low < self.high:
            raise ValueError(f"low < high (got low={self.low}, high={self.high})")
        if self.dist == "loguniform" and self.low <= 0:
            raise ValueError(f"low > 0 for a loguniform prior (got {self.low})")
        normal = self.dist == "normal"
        if normal != (self.mean is not None and self.sd is not None):
            raise ValueError("mean and sd with dist = 'normal' (and only then)")
        return self


class Target(_Frozen):
    """A statistic of the runs table with its observed value and tolerance.

    Without ``at_least``: scored run by run (a run matches when
    ``|value - observed| <= tolerance``); the record is reproduced when one run matches
    every such target. With ``at_least``: scored per parameter set (the share of its runs
    that match must be at least ``at_least``). ``date`` (``YYYY-MM``): the month by which the
    record settles the target (what a hindcast with an earlier cutoff must not see).
    """

    name: str = Field(min_length=1)
    statistic: str = Field(min_length=1)
    observed: float | Literal["never"]
    tolerance: Annotated[float, Field(ge=0)]
    at_least: Annotated[float, Field(gt=0, le=1)] | None = None
    date: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = None
    note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _ints_as_floats(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for key in ("observed", "tolerance", "at_least"):
                if type(data.get(key)) is int:
                    data[key] = float(data[key])
        return data


class Smc(_Frozen):
    """ABC-SMC settings (docs/calibration.md)."""

    population: Annotated[int, Field(ge=4)] = 200
    ess_fraction: Annotated[float, Field(gt=0, lt=1)] = 0.5
    max_generations: Annotated[int, Field(ge=1)] = 12
    budget: Annotated[int, Field(ge=1)] = 400_000
    kernel: Literal["diagonal", "multivariate"] = "diagonal"  # perturbation kernel (priors.py)
    # top-ups after a step that leaves a thin pool (smc.py; docs/calibration.md "Top-ups"):
    # a pool is thin below top_up_fraction x the required ESS (ess_fraction x population)
    top_up: bool = True
    top_up_fraction: Annotated[float, Field(gt=0, le=1)] = 0.5


class CalibrationSpec(_Frozen):
    """The calibration file as written."""

    scenario: str
    rounds: Annotated[int, Field(ge=1, le=1200)]
    replicates: Annotated[int, Field(ge=1)]
    root_seed: Annotated[int, Field(ge=0)]
    engine: str | None = None
    scenario_overrides: dict[str, Any] = {}
    smc: Smc = Smc()
    priors: dict[str, Prior] = Field(min_length=1)
    targets: list[Target] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> CalibrationSpec:
        names = [t.name for t in self.targets]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"unique target names (repeated: {', '.join(dup)})")
        return self


@dataclass(frozen=True)
class Calibration:
    """A validated calibration: resolved scenario (overrides applied), priors, targets."""

    file: Path
    spec: CalibrationSpec
    scenario_path: Path
    scenario_raw: dict[str, Any]  # with scenario_overrides applied

    @property
    def parameters(self) -> list[str]:
        return list(self.spec.priors)

    def identity(self) -> dict[str, Any]:
        """What makes two calibrations the same: not file locations, the engine (same rows)
        or the stopping limits (budget, max_generations: raising them and rerunning goes on
        from the generations already run)."""
        spec = self.spec.model_dump(mode="json", exclude={"engine"})
        spec["smc"].pop("budget")
        spec["smc"].pop("max_generations")
        if spec["smc"]["kernel"] == "diagonal":  # the default hashes as before it existed
            spec["smc"].pop("kernel")
        spec.pop("scenario")
        for target in spec["targets"]:  # undated targets hash as before dates existed
            if target.get("date") is None:
                target.pop("date", None)
        return {"spec": spec, "scenario_content": self.scenario_raw}

    def hash(self) -> str:
        text = json.dumps(self.identity(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _flatten_priors(node: Any, prefix: str = "") -> dict[str, Any]:
    """``[priors]`` as ``{dotted path: table}``: quoted dotted keys or nested tables."""
    if not isinstance(node, dict):
        return {prefix: node}
    if "dist" in node or not node:
        return {prefix: node}
    out: dict[str, Any] = {}
    for key, value in node.items():
        out.update(_flatten_priors(value, f"{prefix}.{key}" if prefix else key))
    return out


def parse_spec(raw: dict[str, Any], file: str) -> CalibrationSpec:
    """Validate the raw TOML mapping of a calibration file."""
    data = dict(raw)
    if isinstance(data.get("priors"), dict) and data["priors"]:  # {}: "at least one prior"
        data["priors"] = _flatten_priors(data["priors"])
    try:
        return CalibrationSpec.model_validate(data)
    except ValidationError as exc:
        err = first_error(exc)
        unknown = "unknown field (not part of a calibration file; check the spelling)"
        field, expected, got = describe(err, unknown)
        raise ConfigError(file, field, expected, got) from None


def _check_priors(file: str, spec: CalibrationSpec, raw: dict, source: str) -> None:
    """Build the scenario at each prior's bounds (and mean): a bad path or value is named."""
    for path, prior in spec.priors.items():
        if "." not in path:
            raise ConfigError(file, f"priors.{path}", "expected a dotted scenario path", path)
        for value in (prior.low, prior.high):
            value = round(value) if prior.integer else value
            try:
                build_scenario(raw, source, {path: value})
            except ConfigError as err:
                expected = f"{err.expected} (scenario {source}, at {value})"
                raise ConfigError(file, f"priors.{path}", expected) from None


def _check_targets(file: str, cal: Calibration, runner: str) -> None:
    """One pilot run: every target statistic must be a column of ``runs``."""
    from sim.batch.worker import resolve

    run_many = resolve(runner)
    scenario = build_scenario(cal.scenario_raw, str(cal.scenario_path))
    engine = cal.spec.engine or "lockstep"
    (out,) = run_many(scenario, [cal.spec.root_seed], cal.spec.rounds, engine=engine)
    columns = sorted(out.outcome)
    for i, target in enumerate(cal.spec.targets):
        if target.statistic not in out.outcome:
            close = difflib.get_close_matches(target.statistic, columns, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ConfigError(
                file,
                f"targets.{i}.statistic",
                f"expected a column of the runs table (docs/results_schema.md){hint}",
                target.statistic,
            )
        _check_cumulative(file, i, target, scenario.start, cal.spec.rounds)
        if target.observed == NEVER and not target.statistic.startswith(
            ("first_round.", "switch_round.", "target_round")
        ):
            raise ConfigError(
                file,
                f"targets.{i}.observed",
                "a number ('never' only for first_round.* / switch_round.* statistics)",
                target.observed,
            )


def load_calibration(path: str | Path, runner: str = "sim.runner:run_many") -> Calibration:
    """Read and fully validate a calibration file; raises :class:`ConfigError`."""
    from sim.config import load_raw
    from sim.experiment import check_engine, scenario_file

    file = Path(path)
    raw = read_toml(file)
    spec = parse_spec(raw, str(file))
    check_engine(str(file), spec.engine)
    scenario_path = scenario_file(file, spec.scenario)
    source = str(scenario_path)
    base = load_raw(scenario_path)  # merged onto its bases, as batches do
    try:
        merged = apply_overrides(base, spec.scenario_overrides, source)
        build_scenario(merged, source)
    except ConfigError as err:
        field = f"scenario_overrides ({err.field})" if err.field else "scenario_overrides"
        raise ConfigError(str(file), field, err.expected, err.got) from None
    if spec.rounds > build_scenario(merged, source).rounds:
        raise ConfigError(str(file), "rounds", "at most the scenario's rounds", spec.rounds)
    _check_priors(str(file), spec, merged, source)
    cal = Calibration(file.resolve(), spec, scenario_path, merged)
    _check_targets(str(file), cal, runner)
    return cal


def _check_cumulative(file: str, i: int, target: Target, start: str, rounds: int) -> None:
    """A statistic summed over the whole run (``action_count.*``, ``action_months.*``) is
    read at the calibration's last month: a target dated earlier would compare a count to
    the record's end with the record's count at its date (and a hindcast cutoff before that
    date would fit it anyway), so it is refused."""
    from sim.dates import months_between

    if target.date is None or not target.statistic.startswith(CUMULATIVE):
        return
    if months_between(start, target.date) != rounds - 1:
        raise ConfigError(
            file,
            f"targets.{i}.date",
            f"the calibration's last month ({rounds} rounds from {start}) for a count over "
            "the whole run (action_count.*, action_months.*)",
            target.date,
        )
