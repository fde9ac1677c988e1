"""Shared test paths and scenario fixtures.

Paths are module constants (``from conftest import DEFAULT_SCENARIO``) because
``parametrize`` needs them at collection time; loaded scenarios are fixtures, built once
per session (they are frozen, so sharing them is safe).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
RUN_PY = ROOT / "run.py"
DEFAULT_SCENARIO = ROOT / "configs" / "scenarios" / "korea_2024.toml"
EXPERIMENTS = ROOT / "configs" / "experiments"
DEFAULT_EXPERIMENT = EXPERIMENTS / "default.toml"
FOUR_STATES = ROOT / "tests" / "fixtures" / "four_states.toml"


@pytest.fixture(scope="session")
def default_scenario() -> Scenario:
    """The default scenario (configs/scenarios/korea_2024.toml), validated."""
    return load_scenario(DEFAULT_SCENARIO)


@pytest.fixture(scope="session")
def four_states_scenario() -> Scenario:
    """The four-state test scenario (tests/fixtures/four_states.toml), validated."""
    return load_scenario(FOUR_STATES)
