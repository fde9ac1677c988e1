"""``kind = "morris"``: Morris (1991) screening trajectories from SALib, ``samples * (D +
1)`` points on a ``num_levels`` grid, in the order ``SALib.analyze.morris.analyze`` expects;
the manifest keeps the problem and the number of levels for the analysis."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.design.kind import (
    DesignContext,
    DesignKind,
    DesignPoints,
    Resolved,
    as_points,
    rule_broken,
    salib_problem,
)
from sim.design.spec import SampledDesign, ranges_only, sampled_parameters

MORRIS_LEVELS = 4
"""Grid levels of a Morris design unless the experiment sets ``num_levels``."""


def morris_points(
    ranges: Mapping[str, tuple[float, float]], trajectories: int, num_levels: int, seed: int
) -> DesignPoints:
    """Morris (1991) trajectories from SALib: ``trajectories * (D + 1)`` points, in the order
    ``SALib.analyze.morris.analyze(problem, X, Y, num_levels=...)`` expects."""
    from SALib.sample import morris

    problem = salib_problem(dict(ranges))
    sample = morris.sample(dict(problem), trajectories, num_levels=num_levels, seed=seed)
    return DesignPoints(as_points(problem["names"], sample), problem)


def num_levels(design: dict[str, Any]) -> int:
    """The grid levels of a stored Morris design (the default where none is stored)."""
    return int(design.get("num_levels") or MORRIS_LEVELS)


class Morris(DesignKind):
    """Morris screening trajectories (``run.py sensitivity``: mu*, sigma)."""

    name = "morris"
    model = SampledDesign
    sensitivity = "morris"

    def validate(self, design: SampledDesign, file: str) -> None:
        if design.num_levels is not None and design.num_levels % 2:
            raise rule_broken(file, "num_levels an even number for a Morris design")
        try:
            ranges_only(design)
        except ValueError as exc:
            raise rule_broken(file, str(exc)) from None

    def size(self, design: SampledDesign) -> int:
        return design.samples * (len(design.parameters) + 1)

    def resolve(self, design: SampledDesign, ctx: DesignContext) -> Resolved:
        params = sampled_parameters(design)
        levels = design.num_levels or MORRIS_LEVELS
        return Resolved(design, morris_points(params, design.samples, levels, ctx.root_seed))

    def record(self, design: dict[str, Any], points: DesignPoints) -> dict[str, Any]:
        out = {**design, "problem": points.problem, "calc_second_order": design["second_order"]}
        out["num_levels"] = num_levels(design)
        return out


MORRIS = Morris()
