"""The experiment file's schema: designs (grid, scenarios, sampled, posterior) and the
file itself, as frozen pydantic models (strict types, unknown fields refused)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from sim.calibration.posterior import PosteriorDesign

KINDS = ("grid", "scenarios", "lhs", "sobol", "morris", "posterior")


class _Frozen(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)


class Range(_Frozen):
    """Bounds of a sampled parameter (lhs, sobol, morris); ``integer = true`` (lhs only)
    samples whole numbers low..high, each with equal probability."""

    low: float
    high: float
    integer: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low < self.high:
            raise ValueError(f"low < high (got low={self.low}, high={self.high})")
        return self


Value = int | float | str | bool  # a design value: number, month, level name, switch, ...


class Choice(_Frozen):
    """A categorical sampled parameter (lhs only): each value with equal probability."""

    values: Annotated[list[Value], Field(min_length=1)]

    @model_validator(mode="after")
    def _one_type(self) -> Choice:
        kinds = {_value_kind(v) for v in self.values}
        if len(kinds) > 1:
            raise ValueError(f"values of one type (got {sorted(kinds)})")
        return self


class GridDesign(_Frozen):
    """``kind = "grid"``: every combination of the listed values (of any one type per
    parameter: numbers, strings such as a level name or a month, booleans), crossed with
    the named scenarios if ``scenarios`` is given.

    ``kind = "scenarios"``: the ``scenarios`` (files, relative to the experiment file) side
    by side, crossed with ``parameters`` if any. The design column ``scenario`` holds each
    file's name without ``.toml``.
    """

    kind: Literal["grid", "scenarios"]
    parameters: dict[str, Annotated[list[Value], Field(min_length=1)]] = {}
    scenarios: Annotated[list[str], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _factors(self) -> GridDesign:
        if self.kind == "scenarios" and not self.scenarios:
            raise ValueError("a list of scenario files in 'scenarios' for kind = 'scenarios'")
        if self.kind == "grid" and not self.parameters:
            raise ValueError("at least 1 parameter in 'parameters' for kind = 'grid'")
        for name, values in self.parameters.items():
            kinds = {_value_kind(v) for v in values}
            if len(kinds) > 1:
                raise ValueError(f"values of one type for {name!r} (got {sorted(kinds)})")
        return self


def design_dump(design: BaseModel) -> dict[str, Any]:
    """The design as JSON; ``scenarios`` only when given (so older hashes stay valid)."""
    out = design.model_dump(mode="json")
    if out.get("scenarios", 0) is None:
        del out["scenarios"]
    params = out.get("parameters")  # a list of names for a posterior design
    for spec in params.values() if isinstance(params, dict) else ():  # `integer` only when set
        if isinstance(spec, dict) and spec.get("integer") is False:
            del spec["integer"]
    return out


def _value_kind(v: Value) -> str:
    if isinstance(v, bool):
        return "boolean"
    return "number" if isinstance(v, int | float) else "string"


def _spec_kind(value: Any) -> str:
    has_values = isinstance(value, dict | Choice) and (
        isinstance(value, Choice) or "values" in value
    )
    return "choice" if has_values else "range"


# A range `{ low, high }`, or a choice `{ values = [...] }` (tags keep errors on the right one)
SampledSpec = Annotated[
    Annotated[Range, Tag("range")] | Annotated[Choice, Tag("choice")], Discriminator(_spec_kind)
]


class SampledDesign(_Frozen):
    """``kind = "lhs"``, ``"sobol"`` or ``"morris"``: sampled points in ranges.

    lhs: ``samples`` points; sobol: base sample N (a power of 2); morris: N trajectories
    of D + 1 points on a ``num_levels`` grid (Morris 1991, via SALib).
    """

    kind: Literal["lhs", "sobol", "morris"]
    samples: Annotated[int, Field(ge=1)]
    parameters: dict[str, SampledSpec] = Field(min_length=1)
    second_order: bool = False
    num_levels: Annotated[int, Field(ge=2)] | None = None

    @model_validator(mode="after")
    def _sobol_rules(self) -> SampledDesign:
        if self.kind != "sobol" and self.second_order:
            raise ValueError("second_order only with kind = 'sobol'")
        if self.kind != "morris" and self.num_levels is not None:
            raise ValueError("num_levels only with kind = 'morris'")
        if self.num_levels is not None and self.num_levels % 2:
            raise ValueError("num_levels an even number for a Morris design")
        if self.kind == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"samples a power of 2 for a Sobol design (got {self.samples})")
        if self.kind == "sobol" and self.second_order and len(self.parameters) < 2:
            raise ValueError("at least 2 parameters for second-order Sobol indices")
        typed = [n for n, r in self.parameters.items() if isinstance(r, Choice) or r.integer]
        if typed and self.kind != "lhs":
            raise ValueError(f"categories and integers only in an lhs design ({typed[0]!r})")
        return self


class ExperimentSpec(_Frozen):
    """The experiment file as written (scenario path not yet resolved)."""

    scenario: str
    rounds: Annotated[int, Field(ge=1, le=1200)] | None = None
    replicates: Annotated[int, Field(ge=1)]
    root_seed: Annotated[int, Field(ge=0)]
    engine: str | None = None  # preferred engine; None: the batch default (lockstep)
    design: GridDesign | SampledDesign | PosteriorDesign
