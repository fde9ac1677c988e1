"""The scenario library (configs/scenarios/*.toml on top of korea_2024.toml) loads and runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config import load_raw, load_scenario, read_toml
from sim.runner import run_many

FOLDER = Path(__file__).resolve().parents[1] / "configs" / "scenarios"
LIBRARY = sorted(p for p in FOLDER.glob("*.toml") if read_toml(p).get("base"))
NAMES = {
    "ceasefire_2025",
    "ceasefire_never",
    "us_china_detente",
    "us_china_rupture",
    "kim_xi_summit",
    "sanctions_lifted",
    "us_prk_summit",
}


def test_library_is_complete():
    assert {p.stem for p in LIBRARY} >= NAMES


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_library_scenario_loads_differs_and_runs(path):
    scen = load_scenario(path)
    base = load_scenario(FOLDER / "korea_2024.toml")
    assert scen.name == path.stem
    assert load_raw(path) != load_raw(FOLDER / "korea_2024.toml")
    assert scen.states.keys() == base.states.keys()
    outs = run_many(scen, [1, 2, 3], 12)
    assert [o.seed for o in outs] == [1, 2, 3]
    assert all("target_formed" in o.outcome for o in outs)


def test_library_dates_resolved_hand_computed():
    assert load_scenario(FOLDER / "ceasefire_2025.toml").drivers["rus_war"].switch_from == 12
    rupture = load_scenario(FOLDER / "us_china_rupture.toml")
    assert [s.round for s in rupture.shocks] == [15, None, 36]  # 2025-04, random, 2027-01
    assert load_scenario(FOLDER / "sanctions_lifted.toml").drivers["sanctions"].switch_from == 24
