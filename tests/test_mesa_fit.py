"""The model as Mesa users expect it: keyword construction, DataCollector, mesa.batch_run.

Rule: ``DiplomacyModel(scenario=NAME|PATH|Scenario, seed=, **headline)`` builds the same
run as the scenario object with the overrides applied; the DataCollector's row ``t`` is
the series row ``t``; ``mesa.batch_run`` reproduces the batch engine's outcomes for the
same seeds (on Mesa 3.3 and 3.5).
"""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

from sim.config import TERMS, ConfigError, load_scenario
from sim.model import DiplomacyModel
from sim.runner import model_series, run_many
from sim.scenarios import (
    config_dir,
    headline_paths,
    resolve_scenario,
    scenario_names,
    scenario_path,
)

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_FILE = ROOT / "configs" / "scenarios" / "korea_2024.toml"


# -- scenario resolution -------------------------------------------------------------------


def test_shipped_configs_found_as_package_resources():
    assert "korea_2024" in scenario_names()
    assert (config_dir() / "experiments" / "default.toml").is_file()
    assert scenario_path("korea_2024").read_bytes() == SCENARIO_FILE.read_bytes()


def test_name_path_and_object_give_the_same_scenario():
    base = load_scenario(SCENARIO_FILE)
    assert resolve_scenario("korea_2024") == base
    assert resolve_scenario(str(SCENARIO_FILE)) == base
    assert resolve_scenario(base) is base


def test_headline_keywords_map_to_dotted_paths():
    raw = {
        "states": {"CHN": {}, "RUS": {}, "PRK": {}},
        "drivers": {"war": {"mean": 0.8, "mean_after": 0.1}, "trade": {"mean": 0.5}},
    }
    paths = headline_paths(raw)
    assert paths["chn_us_ties"] == "states.CHN.weights.us_ties"
    assert paths["prk_regional_influence"] == "states.PRK.weights.regional_influence"
    assert paths["temperature"] == "negotiation.temperature"
    assert paths["war_hazard"] == "drivers.war.switch_hazard"  # a driver with a switch
    assert "trade_hazard" not in paths  # no mean_after: no switch
    assert paths["us_reactivity"] == "us.reactivity"
    assert "usa_us_ties" not in paths and "chn_trade" not in paths
    assert len(paths) == 3 * 4 + 3  # 3 states x 4 terms, temperature, war, us_reactivity


def test_overrides_from_an_object_equal_overrides_from_the_file():
    base = load_scenario(SCENARIO_FILE)
    over = {"chn_us_ties": 0.2, "negotiation.formation_cost": 0.02}
    a = resolve_scenario(base, over)
    b = load_scenario(
        SCENARIO_FILE, ["states.CHN.weights.us_ties=0.2", "negotiation.formation_cost=0.02"]
    )
    assert a == b
    assert a.states["CHN"].weights.us_ties == 0.2


def test_bad_names_and_values_raise_config_errors():
    with pytest.raises(ConfigError, match=r"korea_2099.*one of \[.*'korea_2024'"):
        resolve_scenario("korea_2099")
    with pytest.raises(ConfigError, match=r"field 'chn_usties'.*headline parameter"):
        resolve_scenario("korea_2024", {"chn_usties": 0.1})
    with pytest.raises(ConfigError, match=r"negotiation\.temperature"):
        resolve_scenario("korea_2024", {"temperature": 0.0})  # must be > 0


# -- the Mesa model ------------------------------------------------------------------------


def test_keyword_construction_equals_object_construction():
    by_kw = DiplomacyModel("korea_2024", seed=3, rounds=24, chn_us_ties=0.1).run()
    sc = load_scenario(SCENARIO_FILE, ["states.CHN.weights.us_ties=0.1"])
    by_obj = DiplomacyModel(sc, rng=3, rounds=24).run()
    pd.testing.assert_frame_equal(model_series(by_kw), model_series(by_obj))
    assert [e.text for e in by_kw.events] == [e.text for e in by_obj.events]


def test_seed_and_rng_are_synonyms_and_must_agree():
    a = DiplomacyModel(seed=5, rounds=6).run()
    b = DiplomacyModel(rng=5, rounds=6).run()
    assert np.array_equal(a.history().levels, b.history().levels)
    with pytest.raises(ValueError, match="disagree"):
        DiplomacyModel(seed=5, rng=6)


def test_running_turns_false_exactly_at_the_horizon():
    model = DiplomacyModel(seed=1, rounds=3)
    assert len(model.agents) == 4  # three states and the United States
    for _ in range(2):
        model.step()
        assert model.running
    model.step()
    assert not model.running and model.round == 3


def test_datacollector_rows_are_the_series_rows():
    model = DiplomacyModel(seed=7, rounds=30).run()
    series = model_series(model)
    table = model.datacollector.get_model_vars_dataframe()
    assert len(table) == 30
    assert table["round"].tolist() == series["round"].tolist()
    assert table["date"].tolist() == series["date"].tolist()
    for col in [c for c in series if c.startswith(("level.", "driver."))]:
        np.testing.assert_array_equal(table[col].to_numpy(), series[col].to_numpy(), col)
    np.testing.assert_array_equal(table["counterbalancing"], series["counterbalancing"])
    target = model.params.space.keys[model.params.target]
    active = series[f"level.{target}"] >= model.params.target_level
    assert table["target_active"].tolist() == active.tolist()
    assert table["target_formed"].tolist() == active.cummax().tolist()


def test_agent_reporters_are_utility_terms_and_support_shares():
    model = DiplomacyModel(seed=7, rounds=12).run()
    series = model_series(model)
    agents = model.datacollector.get_agent_vars_dataframe()
    last = agents.xs(agents.index.get_level_values(0).max(), level=0).set_index("code")
    end = series.iloc[-1]
    for code in model.params.codes:
        for term in TERMS:
            assert last.loc[code, f"utility.{term}"] == end[f"utility.{code}.{term}"]
        assert last.loc[code, "utility"] == pytest.approx(end[f"utility.{code}.total"])
        for patron in model.params.codes:
            want = np.nan if patron == code else end[f"support_share.{code}.{patron}"]
            np.testing.assert_equal(last.loc[code, f"support_share.{patron}"], want)
    assert np.isnan(last.loc["US", "utility"])


# -- mesa.batch_run ------------------------------------------------------------------------


def test_mesa_batch_run_reproduces_the_batch_engine():
    """Same seeds, same outcomes: mesa.batch_run over DiplomacyModel vs run_many(lockstep).

    Seeds go in ``parameters["rng"]``: Mesa 3.3 passes it through; Mesa 3.5 also passes
    its own ``seed=None``, which the model ignores when ``rng`` is given.
    """
    seeds, rounds, ties = [11, 12, 13, 14], 36, [0.0, 0.45]
    rows = mesa.batch_run(
        DiplomacyModel,
        parameters={"scenario": "korea_2024", "rng": seeds, "chn_us_ties": ties,
                    "rounds": rounds, "detail": False},
        max_steps=200,
        display_progress=False,
    )  # fmt: skip
    got = pd.DataFrame(rows).drop_duplicates("RunId")
    assert len(got) == len(seeds) * len(ties)
    formed = 0
    for value in ties:
        scenario = resolve_scenario("korea_2024", {"chn_us_ties": value})
        for out in run_many(scenario, seeds, rounds, engine="lockstep"):
            row = got[(got["rng"] == out.seed) & (got["chn_us_ties"] == value)].iloc[0]
            assert row["round"] == rounds - 1
            assert row["target_formed"] == out.outcome["target_formed"]
            formed += bool(row["target_formed"])
            for key in scenario.initial_pacts | {"CHN-RUS-PRK": 0, "RUS-PRK": 0}:
                assert row[f"level.{key}"] == out.outcome[f"level_end.{key}"], key
    assert 0 < formed < len(got)  # both outcomes occur, so the comparison can fail


# -- packaging: the configs travel with the package -----------------------------------------


def test_package_data_pattern_covers_every_shipped_config():
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = meta["tool"]["setuptools"]["package-data"]["sim"]
    shipped = {p for pat in patterns for p in (ROOT / "sim").glob(pat)}
    on_disk = set((ROOT / "sim" / "configs").glob("*/*.toml"))
    assert on_disk and shipped == on_disk
    assert len(on_disk) == len(list((ROOT / "configs").glob("*/*.toml")))


def test_configs_are_found_outside_a_checkout(tmp_path):
    """A copy of the package laid out as a wheel installs it (symlink resolved), run
    from elsewhere, still finds the default scenario by name."""
    import shutil
    import subprocess
    import sys

    shutil.copytree(ROOT / "sim", tmp_path / "site" / "sim", symlinks=False)
    shutil.copytree(ROOT / "agents", tmp_path / "site" / "agents")
    site = tmp_path / "site"
    code = (
        f"import sys; sys.path.insert(0, {str(site)!r}); import sim.scenarios as s;"
        "print(s.scenario_path('korea_2024'));"
        "s.resolve_scenario('korea_2024', {'chn_us_ties': 0.2})"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert out.stdout.strip() == str(site / "sim" / "configs" / "scenarios" / "korea_2024.toml")
