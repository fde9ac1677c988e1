"""``kind = "lhs"``: a Latin hypercube of ``samples`` points (scipy.stats.qmc), seeded
from the experiment's root seed, scaled to each parameter's ``[low, high]``; integer
ranges and choices are mapped from the same unit cube."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.design.kind import DesignContext, DesignKind, DesignPoints, Point, Resolved, as_points
from sim.design.spec import SampledDesign, sampled_parameters


def lhs_points(ranges: Mapping[str, tuple[float, float]], samples: int, seed: int) -> list[Point]:
    """A Latin hypercube of ``samples`` points scaled to the ranges; same seed, same design."""
    from scipy.stats import qmc

    names = list(ranges)
    lows = [lo for lo, _ in ranges.values()]
    highs = [hi for _, hi in ranges.values()]
    unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(seed)).random(samples)
    return as_points(names, qmc.scale(unit, lows, highs))


def lhs_mixed_points(specs: Mapping[str, Any], samples: int, seed: int) -> list[Point]:
    """A Latin hypercube over real ranges ``(low, high)``, integer ranges ``{"low", "high",
    "integer": True}`` (whole numbers low..high, equally likely) and choices ``{"values":
    [...]}`` (equally likely): the unit cube of :func:`lhs_points`, each column mapped."""
    from scipy.stats import qmc

    names = list(specs)
    unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(seed)).random(samples)
    columns = [_map_unit(specs[name], unit[:, j]) for j, name in enumerate(names)]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _map_unit(spec: Any, u: np.ndarray) -> list[Any]:
    if isinstance(spec, dict) and "values" in spec:
        values = list(spec["values"])
        return [values[min(int(x * len(values)), len(values) - 1)] for x in u]
    if isinstance(spec, dict):
        lo, hi = int(np.ceil(spec["low"])), int(np.floor(spec["high"]))
        return [min(lo + int(x * (hi - lo + 1)), hi) for x in u]
    lo, hi = spec
    return [float(v) for v in lo + u * (hi - lo)]


class Lhs(DesignKind):
    """A Latin hypercube: each outcome is plotted against each parameter."""

    name = "lhs"
    model = SampledDesign
    sampled = True

    def resolve(self, design: SampledDesign, ctx: DesignContext) -> Resolved:
        params = sampled_parameters(design)
        if any(isinstance(v, dict) for v in params.values()):
            points = lhs_mixed_points(params, design.samples, ctx.root_seed)
        else:
            points = lhs_points(params, design.samples, ctx.root_seed)
        return Resolved(design, DesignPoints(points))


LHS = Lhs()
