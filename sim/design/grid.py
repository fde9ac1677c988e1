"""``kind = "grid"`` (every combination of the listed values) and ``kind = "scenarios"``
(named scenario files side by side, optionally crossed with a grid).

The first parameter varies slowest (file order); named scenarios slowest of all. The
design column ``scenario`` holds each file's name without ``.toml``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from sim.config import build_scenario, load_raw
from sim.design.kind import DesignContext, DesignKind, DesignPoints, Point, Resolved
from sim.design.spec import DesignTable, Value, value_kind
from sim.errors import ConfigError


class GridDesign(DesignTable):
    """``kind = "grid"``: every combination of the listed values (of any one type per
    parameter: numbers, strings such as a level name or a month, booleans), crossed with
    the named scenarios if ``scenarios`` is given.

    ``kind = "scenarios"``: the ``scenarios`` (files, relative to the experiment file) side
    by side, crossed with ``parameters`` if any.
    """

    kind: Literal["grid", "scenarios"]
    parameters: dict[str, Annotated[list[Value], Field(min_length=1)]] = Field(default_factory=dict)
    scenarios: Annotated[list[str], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _factors(self) -> GridDesign:
        if self.kind == "scenarios" and not self.scenarios:
            raise ValueError("a list of scenario files in 'scenarios' for kind = 'scenarios'")
        if self.kind == "grid" and not self.parameters:
            raise ValueError("at least 1 parameter in 'parameters' for kind = 'grid'")
        for name, values in self.parameters.items():
            kinds = {value_kind(v) for v in values}
            if len(kinds) > 1:
                raise ValueError(f"values of one type for {name!r} (got {sorted(kinds)})")
        return self


def _uniform(values: Sequence[Any]) -> list[Any]:
    """One type per parameter: integers mixed with floats become floats; others kept."""
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if len(numbers) == len(values) and any(isinstance(v, float) for v in values):
        return [float(v) for v in values]
    return list(values)


def grid_points(
    parameters: Mapping[str, Sequence[Any]], scenarios: Sequence[str] = ()
) -> list[Point]:
    """Cartesian product of the listed values (any type), the first parameter varying
    slowest; with ``scenarios``, the scenario name varies slowest of all."""
    names = list(parameters)
    combos = list(itertools.product(*(_uniform(parameters[name]) for name in names)))
    points = [dict(zip(names, combo, strict=True)) for combo in combos]
    if not scenarios:
        return points
    return [{"scenario": s, **p} for s in scenarios for p in points]


def load_variants(file: Path, scenarios: list[str] | None) -> dict[str, dict] | None:
    """The named scenarios of a design, merged onto their bases, by file name (no .toml)."""
    if not scenarios:
        return None
    out: dict[str, dict] = {}
    for i, entry in enumerate(scenarios):
        path = Path(entry) if Path(entry).is_absolute() else file.resolve().parent / entry
        if not path.is_file():
            raise ConfigError(
                str(file), f"design.scenarios.{i}", "expected an existing scenario file", entry
            )
        if path.stem in out:
            raise ConfigError(
                str(file), f"design.scenarios.{i}", "expected distinct file names", entry
            )
        out[path.stem] = load_raw(path)
        build_scenario(out[path.stem], str(path))  # its own error names its file
    return out


class Grid(DesignKind):
    """Every combination of the listed values (crossed with named scenarios, if any)."""

    name = "grid"
    model = GridDesign
    size_field = "design.parameters"

    def validate(self, design: GridDesign, file: str) -> None:
        """Each parameter lists distinct values (a repeat would run a point twice)."""
        for name, values in design.parameters.items():
            seen: set[float] = set()
            for v in values:
                if v in seen:
                    raise ConfigError(
                        file,
                        f"design.parameters.{name}",
                        f"expected distinct values, got {v!r} twice",
                    )
                seen.add(v)

    def size(self, design: GridDesign) -> int:
        return math.prod(len(v) for v in design.parameters.values())

    def resolve(self, design: GridDesign, ctx: DesignContext) -> Resolved:
        variants = load_variants(ctx.file, design.scenarios)
        points = grid_points(dict(design.parameters), list(variants or ()))
        return Resolved(design, DesignPoints(points), variants=variants)


class Scenarios(Grid):
    """Named scenario files side by side (crossed with a grid of ``parameters``, if any)."""

    name = "scenarios"


GRID = Grid()
SCENARIOS = Scenarios()
