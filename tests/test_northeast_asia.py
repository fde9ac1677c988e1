"""The six-state scenario (configs/scenarios/northeast_asia_2024.toml) loads and runs.

Hand-checked: its declared space (15 bilaterals + CHN-RUS-PRK + USA-KOR-JPN: 17 pacts,
88 moves), the pacts in force, the talks under way and the actions in force in January
2024, the US player; summits only between the pairs that met or could (not North Korea
with the US and its allies, not Russia with Japan or South Korea); the two engines give
the same rows per seed; ``run.py simulate`` tells a timeline in which the United States,
South Korea and Japan propose and act; configs/calibration/northeast_asia_2024.toml
targets every record row of docs/record_counter_bloc.md.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import ROOT
from runcli import main

from sim.config import load_scenario
from sim.rules.compile import compile_params
from sim.rules.params import initial_actions, initial_levels, initial_talks
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


def test_the_united_states_is_the_player_and_exercises_at_the_start(scenario):
    p = compile_params(scenario)
    assert p.player == p.codes.index("USA")
    assert {"exercise", "deployment"} <= set(p.actions.names)
    assert initial_actions(scenario, p) == {
        (2, 1, p.actions.names.index("munitions")): 3,  # PRK>RUS shells, autumn 2023
        (3, 4, p.actions.names.index("exercise")): 1,  # USA>KOR, Jeju 2024-01-15
        (3, 5, p.actions.names.index("exercise")): 1,  # USA>JPN, the same exercise
    }


def test_summits_only_between_the_pairs_that_met_or_could(scenario):
    from sim.rules.actions import structural_dyads

    codes = scenario.codes
    summits = {(codes[a], codes[b]) for k, a, b in structural_dyads(scenario) if k == "summit"}
    pairs = {frozenset(d) for d in summits}
    assert len(summits) == 2 * len(pairs) == 20  # both ways, 10 of the 15 pairs
    for rivals in ("PRK-USA", "PRK-KOR", "PRK-JPN", "RUS-JPN", "RUS-KOR"):
        assert frozenset(rivals.split("-")) not in pairs
    table = run_table(scenario, list(range(20)), 36)
    assert "action_count.summit.PRK>USA" not in table.columns  # can never be taken
    assert (table["action_count.summit.USA>KOR"] > 0).all()


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
    # ... and act, not only react: exercises and deployments of their own
    for action in ("deployment", "technology"):
        assert f"USA -> KOR: {action} (" in out
    assert re.search(r"JPN -> KOR: \w+ \(", out)  # Japan's own actions toward Korea
    assert re.search(r"KOR -> (USA|JPN): \w+ \(", out)  # ... and Korea's


def test_the_single_run_plot_folds_the_pacts_that_never_move(scenario):
    import matplotlib

    matplotlib.use("Agg")
    from sim.plots.single import MAX_PACT_ROWS, plot_single_run
    from sim.runner import model_series, run_model, scenario_info

    series = model_series(run_model(scenario, 3, 12, detail=False))
    fig = plot_single_run(series, scenario_info(scenario))
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    # rows: the pacts active in the run, the target, and one row for the rest
    assert len(labels) <= MAX_PACT_ROWS + 1 < 17
    assert "CHN–RUS–PRK (trilateral)" in labels
    assert "USA–KOR–JPN" in labels
    folded = [lab for lab in labels if "others, never active" in lab]
    assert len(folded) == 1 and int(folded[0].split()[0]) == 17 - (len(labels) - 1)


def test_the_facts_script_prints_the_tables(capsys):
    import importlib.util

    path = ROOT / "scripts" / "scenario_facts.py"
    spec = importlib.util.spec_from_file_location("scenario_facts", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    args = [
        "--scenario",
        str(SCENARIO),
        "--seeds",
        "4",
        "--set",
        'checkpoints=["2025-07","2025-12"]',
    ]
    assert module.main(args) == 0
    out = capsys.readouterr().out
    for row in ("F1 P(trilateral ever)", "F5 share PRK from CHN", "| USA-KOR-JPN |",
                "US-ROK treaty holds", "exercise.USA>KOR"):  # fmt: skip
        assert row in out


def test_the_calibration_targets_every_record_row_of_the_other_side():
    import re

    from sim.calibration.spec import load_calibration

    doc = (ROOT / "docs" / "record_counter_bloc.md").read_text(encoding="utf-8")
    table = doc.split("## Record rows for a calibration", 1)[1].split("\n\n")[2]
    rows = set(re.findall(r"`((?:min|max)_level_r23\.[A-Z-]+)`", table))
    assert len(rows) == 9  # US-ROK, US-Japan, Camp David min and max, five pacts never formed
    cal = load_calibration(ROOT / "configs" / "calibration" / "northeast_asia_2024.toml")
    assert rows <= {t.statistic for t in cal.spec.targets}
