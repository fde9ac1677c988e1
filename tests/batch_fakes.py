"""Run functions for batch tests, injected by import path (``--runner batch_fakes:...``).

They wrap the real ``sim.runner.run_many`` and raise for chosen runs, so tests can check
that a failing run is recorded and the rest of its chunk and batch still completes.
"""

from __future__ import annotations

import os
import signal
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


DIE_ONCE_ENV = "TRILATERAL_TEST_DIE_ONCE"


def die_once(scenario: Any, seeds: list[int], rounds: int, **kwargs: Any) -> list[Any]:
    """The first chunk to find the file named by $TRILATERAL_TEST_DIE_ONCE removes it and
    SIGKILLs its own worker process (as the OOM killer would); every other call runs."""
    marker = os.environ.get(DIE_ONCE_ENV)
    if marker:
        try:
            os.unlink(marker)  # exactly one process succeeds
        except FileNotFoundError:
            pass
        else:
            os.kill(os.getpid(), signal.SIGKILL)
    return real_run_many(scenario, seeds, rounds, **kwargs)


def die_on_seed(scenario: Any, seeds: list[int], rounds: int, **kwargs: Any) -> list[Any]:
    """SIGKILL the worker process whenever it runs FAIL_SEED at the point us_ties == 0."""
    if FAIL_SEED in seeds and _us_ties(scenario) == 0.0:
        os.kill(os.getpid(), signal.SIGKILL)
    return real_run_many(scenario, seeds, rounds, **kwargs)
