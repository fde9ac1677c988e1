"""Designs over any value type (integers, months, level names) and named scenarios."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.batch.session import run_batch
from sim.config import ConfigError
from sim.experiment import load_experiment

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "configs" / "scenarios"
HEAD = f"""
scenario = "{SCENARIOS / "korea_2024.toml"}"
rounds = 6
replicates = 2
root_seed = 3
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(HEAD + text)
    return path


TYPED = """
[design]
kind = "grid"
[design.parameters]
"drivers.rus_war.switch_from" = [12, 24]
"initial_pacts.CHN-RUS" = ["partnership", "treaty"]
"""


def test_integer_and_category_grid_keeps_types(tmp_path):
    exp = load_experiment(write(tmp_path, TYPED))
    assert exp.design.points == [
        {"drivers.rus_war.switch_from": 12, "initial_pacts.CHN-RUS": "partnership"},
        {"drivers.rus_war.switch_from": 12, "initial_pacts.CHN-RUS": "treaty"},
        {"drivers.rus_war.switch_from": 24, "initial_pacts.CHN-RUS": "partnership"},
        {"drivers.rus_war.switch_from": 24, "initial_pacts.CHN-RUS": "treaty"},
    ]
    run_batch(exp, tmp_path / "out", workers=1, progress=False)
    runs = pd.read_parquet(tmp_path / "out" / "runs")
    assert runs["drivers.rus_war.switch_from"].dtype == "int64"
    assert pd.api.types.is_string_dtype(runs["initial_pacts.CHN-RUS"])
    assert len(runs) == 8


def test_months_as_design_values(tmp_path):
    text = '[design]\nkind = "grid"\n[design.parameters]\n'
    text += '"drivers.rus_war.switch_from" = ["2025-01", "2026-07"]\n'
    exp = load_experiment(write(tmp_path, text))
    assert [p["drivers.rus_war.switch_from"] for p in exp.design.points] == ["2025-01", "2026-07"]


def test_month_before_start_in_design_is_one_line_error(tmp_path):
    text = '[design]\nkind = "grid"\n[design.parameters]\n'
    text += '"drivers.rus_war.switch_from" = ["2023-12"]\n'
    with pytest.raises(ConfigError) as err:
        load_experiment(write(tmp_path, text))
    assert err.value.field == "design.parameters.drivers.rus_war.switch_from"
    assert "not before the start" in str(err.value)


def test_category_not_allowed_names_the_parameter(tmp_path):
    text = TYPED.replace('"treaty"]', '"alliance"]')
    with pytest.raises(ConfigError) as err:
        load_experiment(write(tmp_path, text))
    assert err.value.field == "design.parameters.initial_pacts.CHN-RUS"
    assert err.value.got == "alliance" and "a level in" in str(err.value)


def test_mixed_value_types_rejected(tmp_path):
    text = '[design]\nkind = "grid"\n[design.parameters]\n"us.reactivity" = [0.1, "high"]\n'
    with pytest.raises(ConfigError, match="values of one type"):
        load_experiment(write(tmp_path, text))


def test_integers_mixed_with_floats_become_floats(tmp_path):
    text = '[design]\nkind = "grid"\n[design.parameters]\n"us.reactivity" = [0, 0.5]\n'
    exp = load_experiment(write(tmp_path, text))
    assert [p["us.reactivity"] for p in exp.design.points] == [0.0, 0.5]
    assert all(isinstance(p["us.reactivity"], float) for p in exp.design.points)


SCEN = f"""
[design]
kind = "scenarios"
scenarios = ["{SCENARIOS / "korea_2024.toml"}", "{SCENARIOS / "ceasefire_never.toml"}"]
"""


def test_scenarios_design_crossed_with_a_parameter(tmp_path):
    text = SCEN + '[design.parameters]\n"us.reactivity" = [0.1, 0.3]\n'
    exp = load_experiment(write(tmp_path, text))
    assert exp.parameters == ["scenario", "us.reactivity"]
    assert [tuple(p.values()) for p in exp.design.points] == [
        ("korea_2024", 0.1), ("korea_2024", 0.3),
        ("ceasefire_never", 0.1), ("ceasefire_never", 0.3),
    ]  # fmt: skip
    assert exp.variants["ceasefire_never"]["drivers"]["rus_war"]["switch_hazard"] == 0.0
    run_batch(exp, tmp_path / "out", workers=1, progress=False)
    runs = pd.read_parquet(tmp_path / "out" / "runs")
    assert list(runs.groupby("point_id")["scenario"].first()) == [
        "korea_2024", "korea_2024", "ceasefire_never", "ceasefire_never",
    ]  # fmt: skip
    # the same seeds in every scenario (common random numbers)
    assert runs.groupby("point_id")["seed"].apply(tuple).nunique() == 1


def test_scenario_variant_changes_the_hash(tmp_path):
    a = load_experiment(write(tmp_path, SCEN))
    b_text = SCEN.replace("ceasefire_never", "ceasefire_2025")
    b = load_experiment(write(tmp_path, b_text))
    assert a.hash() != b.hash()


def test_missing_scenario_file_in_design(tmp_path):
    text = '[design]\nkind = "scenarios"\nscenarios = ["nowhere.toml"]\n'
    with pytest.raises(ConfigError) as err:
        load_experiment(write(tmp_path, text))
    assert err.value.field == "design.scenarios.0"


def test_shipped_library_experiment_loads():
    exp = load_experiment(ROOT / "configs" / "experiments" / "library.toml")
    # Nine scenarios: the eight of v2's library plus china_cool_2024.
    assert exp.parameters == ["scenario"] and exp.n_points == 9


def test_manifest_stores_the_merged_scenario_and_hash_uses_it(tmp_path):
    import json

    child = tmp_path / "child.toml"
    child.write_text(f'base = "{SCENARIOS / "korea_2024.toml"}"\nname = "child"\n')
    text = HEAD.replace(str(SCENARIOS / "korea_2024.toml"), str(child))
    text += '[design]\nkind = "grid"\n[design.parameters]\n"us.reactivity" = [0.1]\n'
    path = tmp_path / "exp.toml"
    path.write_text(text)
    exp = load_experiment(path)
    run_batch(exp, tmp_path / "out", workers=1, progress=False)
    stored = json.loads((tmp_path / "out" / "manifest.json").read_text())["scenario"]
    assert "base" not in stored and stored["name"] == "child"
    assert stored["states"]["CHN"]["weights"]["us_ties"] == 0.45  # from the base
    child.write_text(child.read_text() + "[us]\nreactivity = 0.2\n")
    assert load_experiment(path).hash() != exp.hash()  # a change in the child changes it


LHS_TYPED = """
[design]
kind = "lhs"
samples = 4
[design.parameters]
"drivers.rus_war.switch_from" = { low = 12, high = 15, integer = true }
"initial_pacts.CHN-RUS" = { values = ["partnership", "treaty"] }
"us.reactivity" = { low = 0.0, high = 0.6 }
"""


def test_lhs_over_integers_and_categories_is_stratified(tmp_path):
    exp = load_experiment(write(tmp_path, LHS_TYPED))
    rounds = [p["drivers.rus_war.switch_from"] for p in exp.design.points]
    levels = [p["initial_pacts.CHN-RUS"] for p in exp.design.points]
    assert sorted(rounds) == [12, 13, 14, 15]  # 4 strata of 12..15: each value once
    assert all(isinstance(r, int) for r in rounds)
    assert sorted(levels) == ["partnership", "partnership", "treaty", "treaty"]
    assert all(0.0 <= p["us.reactivity"] <= 0.6 for p in exp.design.points)
    run_batch(exp, tmp_path / "out", workers=1, progress=False)
    runs = pd.read_parquet(tmp_path / "out" / "runs")
    assert runs["drivers.rus_war.switch_from"].dtype == "int64"


def test_plain_lhs_keeps_its_points_and_record(tmp_path):
    from sim.design.lhs import lhs_points
    from sim.design.spec import design_dump

    text = '[design]\nkind = "lhs"\nsamples = 5\n[design.parameters]\n'
    text += '"us.reactivity" = { low = 0.0, high = 0.6 }\n'
    exp = load_experiment(write(tmp_path, text))
    assert exp.design.points == lhs_points({"us.reactivity": (0.0, 0.6)}, 5, 3)
    assert design_dump(exp.spec.design)["parameters"] == {
        "us.reactivity": {"low": 0.0, "high": 0.6}
    }


def test_categories_only_in_lhs(tmp_path):
    text = LHS_TYPED.replace('"lhs"', '"morris"')
    with pytest.raises(ConfigError, match="categories and integers only in an lhs design"):
        load_experiment(write(tmp_path, text))
