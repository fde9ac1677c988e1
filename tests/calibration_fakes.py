"""A cheap stochastic simulator with a known likelihood, for the calibration recovery test.

Injected as the run function (``runner="calibration_fakes:binomial"``), it reads two
scenario numbers as parameters and returns two counts per run:
``hits_a ~ Binomial(N_A, negotiation.temperature)`` and
``hits_b ~ Binomial(N_B, negotiation.formation_cost)``. With a uniform prior the exact
posterior of each parameter given one observed count k is Beta(k + 1, N - k + 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.runner import RunOutput

N_A, N_B = 20, 12


def binomial(scenario: Any, seeds: list[int], rounds: int, **kwargs: Any) -> list[RunOutput]:
    a = float(scenario.negotiation.temperature)
    b = float(scenario.negotiation.formation_cost)
    out = []
    for seed in seeds:
        rng = np.random.default_rng(int(seed))
        row = {"rounds": rounds, "hits_a": int(rng.binomial(N_A, a)),
               "hits_b": int(rng.binomial(N_B, b))}  # fmt: skip
        out.append(RunOutput(int(seed), row))
    return out


# Every prior family, an integer parameter, a nonzero tolerance, an ``at_least`` target
# and a "never happened" statistic, each target reading its own parameter (independent
# draws within a run), so the exact posterior factorises into one-dimensional ones:
FAMILY_N_A, FAMILY_N_B, FAMILY_P_D = 20, 12, 0.5


def families(scenario: Any, seeds: list[int], rounds: int, **kwargs: Any) -> list[RunOutput]:
    """``hits_a ~ Bin(20, temperature)``, ``hits_b ~ Bin(12, formation_cost)``,
    ``first_round.fake`` = first round of a Bernoulli(exit_threshold) event per round (NaN if
    not within ``rounds``), ``hit_c ~ Bernoulli(us.reactivity)``,
    ``hits_d ~ Bin(levels[1].talks_max, 0.5)``."""
    a = float(scenario.negotiation.temperature)
    b = float(scenario.negotiation.formation_cost)
    h = float(scenario.negotiation.exit_threshold)
    c = float(scenario.us.reactivity)
    n = int(scenario.levels[1].talks_max)
    out = []
    for seed in seeds:
        rng = np.random.default_rng(int(seed))
        first = int(rng.geometric(h)) - 1  # rounds 0, 1, ...
        row = {"rounds": rounds, "hits_a": int(rng.binomial(FAMILY_N_A, a)),
               "hits_b": int(rng.binomial(FAMILY_N_B, b)),
               "first_round.fake": float(first) if first < rounds else float("nan"),
               "hit_c": int(rng.uniform() < c),
               "hits_d": int(rng.binomial(n, FAMILY_P_D))}  # fmt: skip
        out.append(RunOutput(int(seed), row))
    return out
