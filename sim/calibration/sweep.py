"""Do the priors cover every region where the answer changes? Sweep each prior's parameter
just past its bounds and flag a change of outcome there.

For each parameter (the others at the scenario's values) the outcomes are computed at the
prior's bound and at values past it: ``bound -/+ 10%, 25%, 50%`` of the prior's width
(uniform, normal; below a positive lower bound clipped at zero, so zero is always tried),
``bound / or x 1.5, 3, 10`` (log-uniform), ``bound -/+ 1, 2, 3``
(integer); a value the scenario rejects (outside the model's domain, e.g. a negative
weight) ends that side's sweep. Outcomes: P(trilateral pact ever within the scenario's
rounds) and each target's share of runs within tolerance, over the same seeds at every
value (common random numbers, so a difference is the parameter's effect, not seed noise).
A parameter is flagged when an outcome moves by more than ``flip`` between the bound and a
value past it: the prior then excludes a region where the answer changes, and the record
never gets to say whether that region is plausible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.spec import Calibration, Prior
from sim.calibration.targets import distance, target_values
from sim.config import ConfigError, build_scenario
from sim.runner import scenario_info

TRILATERAL = "P(trilateral ever)"
FLIP = 0.25  # an outcome share moving by more than this past a bound is a flip


@dataclass(frozen=True)
class SweepPoint:
    parameter: str
    side: str  # "low" | "high"
    value: float
    outcomes: dict[str, float]


def outside_values(prior: Prior) -> dict[str, list[float]]:
    """Per side, the bound then the values past it (nearest first)."""
    if prior.integer:
        low, high = round(prior.low + 0.5), round(prior.high - 0.5)  # the whole values held
        return {"low": [low, low - 1, low - 2, low - 3], "high": [high, high + 1, high + 2,
                high + 3]}  # fmt: skip
    if prior.dist == "loguniform":
        f = (1.5, 3.0, 10.0)
        return {"low": [prior.low, *(prior.low / x for x in f)],
                "high": [prior.high, *(prior.high * x for x in f)]}  # fmt: skip
    w = prior.high - prior.low
    f = (0.1, 0.25, 0.5)
    low = [prior.low - x * w for x in f]
    if prior.low > 0:  # a positive bound: the sweep reaches zero (the usual domain edge)
        low = sorted({max(v, 0.0) for v in low}, reverse=True)
    return {"low": [prior.low, *low], "high": [prior.high, *(prior.high + x * w for x in f)]}


def outcomes(
    cal: Calibration, point: dict, seeds: list[int], run_many, rounds: int | None = None
) -> dict[str, float]:
    """Outcome shares at one parameter value over ``rounds`` (default: the scenario's;
    at least the calibration's); raises ConfigError outside the model's domain."""
    scenario = build_scenario(cal.scenario_raw, str(cal.scenario_path), point)
    engine = cal.spec.engine or "lockstep"
    rounds = max(rounds or scenario.rounds, cal.spec.rounds)
    outs = run_many(scenario, seeds, rounds, engine=engine)
    runs = pd.DataFrame([o.outcome for o in outs])
    target = scenario_info(scenario)["target"]
    tri = pd.to_numeric(runs.get(f"first_round.{target}"), errors="coerce")
    shares = {TRILATERAL: float(tri.notna().mean())}
    for t in cal.spec.targets:
        d = distance(target_values(runs, t, cal.spec.rounds), t, cal.spec.rounds)
        shares[t.name] = float((d <= 1.0).mean())
    return shares


def sweep(
    cal: Calibration,
    seeds: list[int],
    runner: str = "sim.runner:run_many",
    rounds: int | None = None,
) -> list[SweepPoint]:
    """Every parameter's sweep past its bounds: a list of :class:`SweepPoint`."""
    from sim.batch.worker import resolve

    run_many = resolve(runner)
    points = []
    for name, prior in cal.spec.priors.items():
        for side, values in outside_values(prior).items():
            for value in values:
                value = int(value) if prior.integer else float(value)
                try:
                    shares = outcomes(cal, {name: value}, seeds, run_many, rounds)
                except ConfigError:
                    break  # outside the model's domain: nothing further on this side
                points.append(SweepPoint(name, side, value, shares))
    return points


def flips(points: list[SweepPoint], flip: float = FLIP) -> list[str]:
    """Lines naming each parameter, side and outcome that moves by more than ``flip``
    between the bound (first value of each side) and a value past it."""
    lines = []
    groups: dict[tuple[str, str], list[SweepPoint]] = {}
    for p in points:
        groups.setdefault((p.parameter, p.side), []).append(p)
    for (name, side), pts in groups.items():
        bound, past = pts[0], pts[1:]
        for p in past:
            for key, share in p.outcomes.items():
                if abs(share - bound.outcomes[key]) > flip:
                    lines.append(f"{name} ({side}): {key} {bound.outcomes[key]:.2f} at the "
                                 f"bound {bound.value:g}, {share:.2f} at {p.value:g}")  # fmt: skip
                    break
            else:
                continue
            break
    return lines


def sweep_table(points: list[SweepPoint]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"parameter": p.parameter, "side": p.side, "value": p.value, **p.outcomes} for p in points]
    )


def seeds_for(n: int, root: int = 20240619) -> list[int]:
    return [int(s) for s in np.random.SeedSequence(root).generate_state(n, dtype=np.uint32)]
