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
