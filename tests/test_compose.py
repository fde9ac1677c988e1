"""Scenario composition (`base = ...`, deep merge) and months as rounds (sim.config, sim.dates)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config import ConfigError, build_scenario, deep_merge, load_raw, load_scenario
from sim.dates import as_dated, months_between

BASE = Path(__file__).resolve().parents[1] / "configs" / "scenarios" / "korea_2024.toml"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_deep_merge_tables_merge_arrays_and_scalars_replace():
    base = {"a": {"x": 1, "y": {"p": 1, "q": 2}}, "arr": [1, 2], "s": "base"}
    over = {"a": {"y": {"q": 3}}, "arr": [9], "s": "over", "new": True}
    assert deep_merge(base, over) == {
        "a": {"x": 1, "y": {"p": 1, "q": 3}},
        "arr": [9],
        "s": "over",
        "new": True,
    }
    assert base["a"]["y"]["q"] == 2  # inputs untouched


def test_child_overrides_only_what_differs(tmp_path):
    child = write(
        tmp_path,
        "child.toml",
        f'base = "{BASE}"\nname = "child"\n[drivers.rus_war]\nswitch_hazard = 0.5\n',
    )
    scen = load_scenario(child)
    base = load_scenario(BASE)
    assert scen.name == "child"
    assert scen.drivers["rus_war"].switch_hazard == 0.5
    assert scen.drivers["rus_war"].mean_after == base.drivers["rus_war"].mean_after  # merged
    assert scen.states == base.states
    assert "base" not in load_raw(child)


def test_relative_base_chains_and_empty_array_drops_shocks(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path, "root.toml", BASE.read_text())
    write(tmp_path / "sub", "mid.toml", 'base = "../root.toml"\nname = "mid"\nshocks = []\n')
    leaf = write(tmp_path / "sub", "leaf.toml", 'base = "mid.toml"\nrounds = 24\n')
    scen = load_scenario(leaf)
    assert (scen.name, scen.rounds, scen.shocks) == ("mid", 24, [])


def test_cycle_of_bases_is_one_line_error_naming_the_files(tmp_path):
    write(tmp_path, "a.toml", 'base = "b.toml"\n')
    write(tmp_path, "b.toml", 'base = "a.toml"\n')
    with pytest.raises(ConfigError) as err:
        load_raw(tmp_path / "a.toml")
    msg = str(err.value)
    assert "a.toml -> b.toml -> a.toml" in msg and "\n" not in msg


def test_unknown_base_is_one_line_error(tmp_path):
    path = write(tmp_path, "x.toml", 'base = "missing.toml"\n')
    with pytest.raises(ConfigError) as err:
        load_raw(path)
    assert err.value.field == "base" and err.value.got == "missing.toml"
    assert str(path) in str(err.value)


def test_months_between_hand_computed():
    assert months_between("2024-01", "2025-01") == 12
    assert months_between("2024-01", "2025-04") == 15
    assert months_between("2025-06", "2025-04") == -2
    assert months_between("2023-11", "2024-02") == 3


def dated(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        "dated.toml",
        f'base = "{BASE}"\ncheckpoints = ["2025-07"]\n'
        '[drivers.rus_war]\nswitch_from = "2025-01"\n'
        '[[shocks]]\ndriver = "us_china_tension"\nround = "2025-04"\nadd = 0.15\n',
    )


def test_dates_resolve_against_start(tmp_path):
    scen = load_scenario(dated(tmp_path))
    assert scen.drivers["rus_war"].switch_from == 12  # 2025-01 from 2024-01
    assert scen.shocks[0].round == 15  # 2025-04
    assert scen.checkpoints == [18]  # 2025-07


def test_moving_start_keeps_events_on_their_dates(tmp_path):
    # (not before 2023-09: the base's talks under way opened then, and must not be later)
    scen = load_scenario(dated(tmp_path), ["start=2023-09"])
    assert scen.drivers["rus_war"].switch_from == 16  # 2023-09 + 16 = 2025-01
    assert scen.shocks[0].round == 19
    assert scen.checkpoints == [22]
    assert scen.initial_talks["RUS-PRK"].opened == 0


def test_date_before_start_is_one_line_error(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_scenario(dated(tmp_path), ["start=2025-02"])
    assert err.value.field == "drivers.rus_war.switch_from"
    assert "not before the start (2025-02)" in str(err.value)


def test_date_in_override_names_the_override():
    raw = load_raw(BASE)
    with pytest.raises(ConfigError) as err:
        build_scenario(raw, "s.toml", {"shocks.0.round": "2023-12"})
    assert "--set shocks.0.round" in err.value.file
    scen = build_scenario(raw, "s.toml", {"shocks.0.round": "2026-01"})
    assert scen.shocks[0].round == 24


def test_malformed_month_is_an_error():
    with pytest.raises(ConfigError, match="a round or a month 'YYYY-MM'"):
        build_scenario(load_raw(BASE), "s.toml", {"drivers.rus_war.switch_from": "2025-13"})


def test_round_registry_can_allow_months_before_the_start(monkeypatch):
    from sim import dates

    monkeypatch.setitem(dates.ROUND_FIELDS, ("talks", "*", "opened"), True)
    data = {"start": "2024-01", "talks": {"a": {"opened": "2023-10"}}, "checkpoints": [3]}
    assert dates.resolve_dates(data, "s.toml")["talks"]["a"]["opened"] == -3
    data = {"start": "2024-01", "checkpoints": ["2023-10"]}
    with pytest.raises(ConfigError, match="not before the start"):
        dates.resolve_dates(data, "s.toml")


def test_talks_opened_before_the_start_as_a_month():
    raw = load_raw(BASE)
    scen = build_scenario(raw, "s.toml", {"initial_talks.RUS-PRK.opened": "2023-09"})
    assert scen.initial_talks["RUS-PRK"].opened == -4  # 2023-09 is 4 months before 2024-01
    with pytest.raises(ConfigError) as err:  # after the start: the field's own rule (<= 0)
        build_scenario(raw, "s.toml", {"initial_talks.RUS-PRK.opened": "2024-03"})
    assert err.value.field == "initial_talks.RUS-PRK.opened"


def test_talks_opened_after_a_moved_start_are_named_by_month():
    """docs/scenarios.md: `--set start=2023-07` said 'expected a number <= 0, got 2' of the
    month 2023-09 the file gives; the month and the start are named."""
    with pytest.raises(ConfigError) as err:
        load_scenario(BASE, ["start=2023-07"])
    assert str(err.value).endswith(
        "field 'initial_talks.RUS-PRK.opened': expected a month not after the start "
        "(2023-07), got '2023-09'"
    )
    assert load_scenario(BASE, ["start=2023-10"]).initial_talks["RUS-PRK"].opened == -1
    # a round written as a number keeps the round's message
    with pytest.raises(ConfigError, match=r"expected a number <= 0, got 2$"):
        build_scenario(load_raw(BASE), "s.toml", {"initial_talks.RUS-PRK.opened": 2})


def test_another_error_of_a_month_field_names_the_month_and_its_round():
    err = ConfigError("s.toml", "occasions.0.at", "expected a round below 24", 30)
    dated = as_dated(err, {"occasions.0.at": "2026-07"}, "2024-01")
    assert (
        str(dated)
        == "s.toml: field 'occasions.0.at': expected a round below 24 (round 30), got '2026-07'"
    )
    assert as_dated(err, {}, "2024-01") is err
