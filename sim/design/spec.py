"""The experiment file's schema: the design tables shared by several kinds and the file
itself, as frozen pydantic models (strict types, unknown fields refused).

Rules that belong to one kind (a Sobol sample a power of 2, ...) live in its module
(:meth:`sim.design.kind.DesignKind.validate`); a model here checks only what its fields
say about themselves.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator


class Frozen(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)


class DesignTable(Frozen):
    """The ``[design]`` table of an experiment file: every kind's model derives from this
    (its ``kind`` a literal naming the kind or kinds it serves)."""

    kind: str


class Range(Frozen):
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


def value_kind(v: Value) -> str:
    """``"boolean"``, ``"number"`` or ``"string"``: values of one parameter share one."""
    if isinstance(v, bool):
        return "boolean"
    return "number" if isinstance(v, int | float) else "string"


class Choice(Frozen):
    """A categorical sampled parameter (lhs only): each value with equal probability."""

    values: Annotated[list[Value], Field(min_length=1)]

    @model_validator(mode="after")
    def _one_type(self) -> Choice:
        kinds = {value_kind(v) for v in self.values}
        if len(kinds) > 1:
            raise ValueError(f"values of one type (got {sorted(kinds)})")
        return self


def _spec_kind(value: Any) -> str:
    has_values = isinstance(value, dict | Choice) and (
        isinstance(value, Choice) or "values" in value
    )
    return "choice" if has_values else "range"


# A range `{ low, high }`, or a choice `{ values = [...] }` (tags keep errors on the right one)
SampledSpec = Annotated[
    Annotated[Range, Tag("range")] | Annotated[Choice, Tag("choice")], Discriminator(_spec_kind)
]


class SampledDesign(DesignTable):
    """``kind = "lhs"``, ``"sobol"`` or ``"morris"``: sampled points in ranges.

    lhs: ``samples`` points; sobol: base sample N (a power of 2); morris: N trajectories
    of D + 1 points on a ``num_levels`` grid (Morris 1991, via SALib). One model for the
    three, so the stored design (and an experiment's hash) has the same fields for each.
    """

    kind: Literal["lhs", "sobol", "morris"]
    samples: Annotated[int, Field(ge=1)]
    parameters: dict[str, SampledSpec] = Field(min_length=1)
    second_order: bool = False
    num_levels: Annotated[int, Field(ge=2)] | None = None

    @model_validator(mode="after")
    def _own_fields(self) -> SampledDesign:
        if self.kind != "sobol" and self.second_order:
            raise ValueError("second_order only with kind = 'sobol'")
        if self.kind != "morris" and self.num_levels is not None:
            raise ValueError("num_levels only with kind = 'morris'")
        return self


def ranges_only(design: SampledDesign) -> None:
    """Refuse categories and integers (they have no meaning in a Sobol or Morris sample)."""
    typed = [n for n, r in design.parameters.items() if isinstance(r, Choice) or r.integer]
    if typed:
        raise ValueError(f"categories and integers only in an lhs design ({typed[0]!r})")


def sampled_parameters(design: SampledDesign) -> dict[str, Any]:
    """``(low, high)`` per real range; a dict for an integer range or a choice."""
    out: dict[str, Any] = {}
    for name, spec in design.parameters.items():
        if isinstance(spec, Choice):
            out[name] = {"values": list(spec.values)}
        elif spec.integer:
            out[name] = {"low": spec.low, "high": spec.high, "integer": True}
        else:
            out[name] = (spec.low, spec.high)
    return out


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


class ExperimentSpec(Frozen):
    """The experiment file as written (scenario path not yet resolved); ``design`` is the
    model of its kind (:func:`sim.experiment.parse_spec` validates it by the registry)."""

    scenario: str
    rounds: Annotated[int, Field(ge=1, le=1200)] | None = None
    replicates: Annotated[int, Field(ge=1)]
    root_seed: Annotated[int, Field(ge=0)]
    engine: str | None = None  # preferred engine; None: the batch default (lockstep)
    design: DesignTable
