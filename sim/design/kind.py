"""What every design kind provides: :class:`DesignKind`, and the typed objects it takes
and returns (:class:`DesignContext`, :class:`Resolved`, :class:`DesignPoints`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from sim.design.spec import DesignTable
from sim.errors import ConfigError

Point = dict[str, Any]


@dataclass(frozen=True)
class DesignPoints:
    """Design points in order (``point_id`` = index) and, for Sobol and Morris, the SALib
    problem."""

    points: list[Point]
    problem: dict[str, Any] | None = field(default=None)


@dataclass(frozen=True)
class DesignContext:
    """What a kind may read to make its points: the experiment file (relative paths are
    relative to it) and the root seed (sampled designs are seeded from it)."""

    file: Path
    root_seed: int


@dataclass(frozen=True)
class Resolved:
    """A design made concrete: the design as run (fields filled in when loaded, e.g. a
    posterior's digest), its points, named scenarios (name -> merged mapping) the points
    refer to, overrides applied to the base scenario, and whether each point has its own
    replicate seeds (else replicate k has the same seed at every point)."""

    design: DesignTable
    points: DesignPoints
    variants: dict[str, dict[str, Any]] | None = None
    scenario_overrides: dict[str, Any] = field(default_factory=dict)
    own_seeds: bool = False


class DesignKind:
    """One kind of design. A kind module defines a subclass and one instance, and
    :mod:`sim.design.registry` lists it. Class attributes say what the analysis of its
    batches needs; methods validate, size and make the points."""

    name: ClassVar[str] = ""  # the ``kind`` of the experiment file
    model: ClassVar[type[DesignTable]] = DesignTable  # the schema of its ``[design]`` table
    aliases: ClassVar[tuple[str, ...]] = ()  # other names found in older manifests
    size_field: ClassVar[str] = "design.samples"  # the field an oversized design names
    sensitivity: ClassVar[str | None] = None  # the indices it is built for (run.py sensitivity)
    sampled: ClassVar[bool] = False  # points spread over ranges: outcomes against parameters
    forecast: ClassVar[bool] = False  # points from a posterior: conditioned on its record

    def validate(self, design: Any, file: str) -> None:
        """Rules of this kind beyond its model's fields (:class:`ConfigError` naming the
        field of ``file``; :func:`rule_broken` for a rule about the whole table)."""

    def size(self, design: Any) -> int:
        """Number of points, computed without making them (oversized designs are refused
        before any memory is spent on them)."""
        return int(design.samples)

    def resolve(self, design: Any, ctx: DesignContext) -> Resolved:
        """The points of a validated design (``ConfigError`` if it names a missing file)."""
        raise NotImplementedError

    def record(self, design: dict[str, Any], points: DesignPoints) -> dict[str, Any]:
        """The manifest's ``design``: ``design`` (the stored table with ``points``) and what
        the analysis needs beyond it (the SALib problem, ...)."""
        return design


def salib_problem(ranges: dict[str, tuple[float, float]]) -> dict[str, Any]:
    """The SALib problem dict for parameters with ``(low, high)`` bounds, in file order."""
    return {
        "num_vars": len(ranges),
        "names": list(ranges),
        "bounds": [[float(lo), float(hi)] for lo, hi in ranges.values()],
    }


def as_points(names: list[str], sample: np.ndarray) -> list[Point]:
    """Rows of a sample as points (floats), named in order."""
    return [{n: float(v) for n, v in zip(names, row, strict=True)} for row in sample]


def rule_broken(file: str, rule: str) -> ConfigError:
    """The error for a design that breaks a rule of its kind (named like a model's rule)."""
    return ConfigError(file, "design", f"expected: {rule}")
