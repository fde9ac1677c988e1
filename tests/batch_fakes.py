"""Run functions for batch tests, injected by import path (``--runner batch_fakes:...``).

They wrap the real ``sim.runner.run_many`` and raise for chosen runs, so tests can check
that a failing run is recorded and the rest of its chunk and batch still completes.
"""

from __future__ import annotations

from typing import Any

from sim.runner import run_many as real_run_many
from sim.seeds import replicate_seeds

FAIL_ROOT_SEED = 99
FAIL_REPLICATE = 1
FAIL_SEED = replicate_seeds(FAIL_ROOT_SEED, FAIL_REPLICATE + 1)[FAIL_REPLICATE]


def _us_ties(scenario: Any) -> float:
    return float(scenario.states["CHN"].weights.us_ties)


def fail_one(scenario: Any, seeds: list[int], rounds: int, **kwargs: Any) -> list[Any]:
    """Raise for replicate FAIL_REPLICATE of root seed 99 at the point where us_ties == 0."""
    if FAIL_SEED in seeds and _us_ties(scenario) == 0.0:
        raise ValueError(f"injected failure for seed {FAIL_SEED}")
    return real_run_many(scenario, seeds, rounds, **kwargs)


def fail_point(scenario: Any, seeds: list[int], rounds: int, **kwargs: Any) -> list[Any]:
    """Raise for every run of the point where us_ties == 0."""
    if _us_ties(scenario) == 0.0:
        raise ValueError("injected failure for the whole point")
    return real_run_many(scenario, seeds, rounds, **kwargs)
