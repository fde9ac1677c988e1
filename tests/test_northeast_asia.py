"""The draft six-state scenario (configs/scenarios/northeast_asia_2024.toml) loads and runs.

Hand-checked: its declared space (15 bilaterals + CHN-RUS-PRK + USA-KOR-JPN: 17 pacts,
88 moves), the pacts in force and the talks under way in January 2024; the two engines
give the same rows per seed; ``run.py simulate`` tells a timeline in which the United
States, South Korea and Japan propose.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT
from runcli import main

from sim.config import load_scenario
from sim.rules.compile import compile_params
from sim.rules.params import initial_levels, initial_talks
from sim.runner import run_many, run_table

SCENARIO = ROOT / "configs" / "scenarios" / "northeast_asia_2024.toml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIO)


def test_six_states_and_the_declared_space(scenario):
    p = compile_params(scenario)
    assert p.codes == ("CHN", "RUS", "PRK", "USA", "KOR", "JPN")
    assert (p.space.n_pacts, p.space.n_moves) == (17, 88)
    assert p.space.keys[-2:] == ("CHN-RUS-PRK", "USA-KOR-JPN")
    assert p.space.keys[p.target] == "CHN-RUS-PRK"
    assert p.configs is None  # 3 ** 17 configurations: computed directly


def test_pacts_and_talks_of_january_2024(scenario):
    p = compile_params(scenario)
    levels = dict(zip(p.space.keys, initial_levels(scenario, p.space).tolist(), strict=True))
    active = {k: v for k, v in levels.items() if v}
    # 1 = partnership, 2 = treaty
    assert active == {"CHN-RUS": 1, "CHN-PRK": 2, "USA-KOR": 2, "USA-JPN": 2, "USA-KOR-JPN": 1}
    talks = initial_talks(scenario, p.space)
    assert talks == {p.space.keys.index("RUS-PRK"): (2, -4)}  # treaty, opened 2023-09


def test_cinc_values_as_documented(scenario):
    caps = {c: st.capability for c, st in scenario.states.items()}
    assert caps == {
        "CHN": 0.23062,
        "RUS": 0.03647,
        "PRK": 0.01344,
        "USA": 0.13306,
        "KOR": 0.02326,
        "JPN": 0.03297,
    }


def test_both_engines_give_the_same_rows(scenario):
    seeds = [3, 11, 2024]
    mesa = pd.DataFrame([r.outcome for r in run_many(scenario, seeds, 12, engine="mesa")])
    lock = pd.DataFrame([r.outcome for r in run_many(scenario, seeds, 12, engine="lockstep")])
    assert list(mesa.columns) == list(lock.columns)
    for col in mesa.columns:
        a, b = mesa[col].tolist(), lock[col].tolist()
        assert a == b or pd.Series(a).equals(pd.Series(b)), col


def test_the_us_allies_keep_their_treaties_over_a_short_horizon(scenario):
    table = run_table(scenario, list(range(40)), 12)
    assert (table["level_end.USA-JPN"] == 2).mean() > 0.9
    assert (table["level_end.USA-KOR"] == 2).mean() > 0.9


def test_simulate_tells_the_other_side_acting(capsys):
    assert main(["simulate", "--scenario", str(SCENARIO), "--seed", "3"]) == 0
    out = capsys.readouterr().out
    for code in ("USA", "KOR", "JPN"):
        assert f"{code} proposes" in out
