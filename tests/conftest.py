"""Shared test paths, scenario fixtures and reading a batch's runs table.

Paths are module constants (``from conftest import DEFAULT_SCENARIO``) because
``parametrize`` needs them at collection time; loaded scenarios are fixtures, built once
per session (they are frozen, so sharing them is safe).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.config import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
RUN_PY = ROOT / "run.py"
DEFAULT_SCENARIO = ROOT / "configs" / "scenarios" / "korea_2024.toml"
EXPERIMENTS = ROOT / "configs" / "experiments"
DEFAULT_EXPERIMENT = EXPERIMENTS / "default.toml"
FOUR_STATES = ROOT / "tests" / "fixtures" / "four_states.toml"


def runs_table(out: Path) -> pd.DataFrame:
    """A batch's ``runs`` table from ``out``, in run_id order."""
    return pd.read_parquet(out / "runs").sort_values("run_id").reset_index(drop=True)


@pytest.fixture(scope="session")
def default_scenario() -> Scenario:
    """The default scenario (configs/scenarios/korea_2024.toml), validated."""
    return load_scenario(DEFAULT_SCENARIO)


@pytest.fixture(scope="session")
def four_states_scenario() -> Scenario:
    """The four-state test scenario (tests/fixtures/four_states.toml), validated."""
    return load_scenario(FOUR_STATES)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the numba kernels (sim/rules/compiled*.py) once, in the controlling process
    before xdist starts its workers: on a fresh checkout each process would otherwise
    compile them (about 4 s of CPU) until the first one has cached them, in bursts that
    starve the timing tests of the other worker. A no-op (about 1 s) once cached."""
    if hasattr(session.config, "workerinput"):  # an xdist worker: already compiled
        return
    from sim.lockstep import run_lockstep

    run_lockstep(load_scenario(DEFAULT_SCENARIO), [0, 1], 3)
