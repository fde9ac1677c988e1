"""Headline parameters (sim.headline): the same keywords for every shipped scenario in the
Python API, the command line (``--set``) and the app, derived from each scenario."""

from __future__ import annotations

import json

import pytest
from runcli import main

import sim
from sim.config import ConfigError, load_scenario
from sim.scenarios import scenario_headlines, scenario_names, scenario_path

NAMES = scenario_names()


def _get(scenario, path: str):
    node = scenario
    for key in path.split("."):
        node = node[key] if isinstance(node, dict) else getattr(node, key)
    return node


def _new_value(low: float, high: float, old: float) -> float:
    """A value inside the slider range that differs from ``old`` (a quarter or 3/4 up)."""
    quarter = low + (high - low) / 4
    return quarter if abs(quarter - old) > 1e-9 else low + 3 * (high - low) / 4


def test_every_scenario_is_a_library_scenario_or_the_base():
    assert len(NAMES) == 11 and "ceasefire_never" in NAMES  # nine use base = korea_2024


@pytest.mark.parametrize("name", NAMES)
def test_every_headline_parameter_of_every_scenario_sets_its_field(name):
    base = sim.load(name)
    heads = scenario_headlines(name)
    assert {h.key for h in heads} >= {"chn_us_ties", "prk_security", "temperature"}
    for h in heads:
        new = _new_value(h.low, h.high, _get(base, h.path))
        changed = sim.load(name, **{h.key: new})
        assert _get(changed, h.path) == pytest.approx(new), h.key
        assert changed.name == base.name


@pytest.mark.parametrize("name", NAMES)
def test_every_scenario_runs_through_the_api_with_all_headline_parameters(name):
    values = {h.key: _new_value(h.low, h.high, _get(sim.load(name), h.path))
              for h in scenario_headlines(name)}  # fmt: skip
    frame = sim.simulate(name, seed=1, rounds=4, **values)
    assert len(frame) == 4 and (frame["seed"] == 1).all()


def test_a_switching_driver_gives_its_hazard_keyword():
    keys = {h.key for h in scenario_headlines("sanctions_lifted")}
    assert {"rus_war_hazard", "sanctions_hazard"} <= keys
    assert (
        sim.load("sanctions_lifted", sanctions_hazard=0.1).drivers["sanctions"].switch_hazard == 0.1
    )


def test_cli_set_takes_headline_parameters_as_the_api(capsys):
    path = scenario_path("ceasefire_never")
    by_cli = load_scenario(path, ["chn_us_ties=0.2", "rus_war_hazard=0.05"])
    assert by_cli == sim.load("ceasefire_never", chn_us_ties=0.2, rus_war_hazard=0.05)
    argv = ["simulate", "--scenario", str(path), "--seed", "1", "--rounds", "3", "--json"]
    assert main([*argv, "--set", "chn_us_ties=0.2"]) == 0
    assert json.loads(capsys.readouterr().out)["scenario"] == "ceasefire_never"


def test_an_unknown_keyword_lists_the_scenarios_headline_parameters(capsys):
    with pytest.raises(ConfigError, match=r"field 'chn_trade'.*chn_us_ties.*rus_war_hazard"):
        sim.load("ceasefire_never", chn_trade=0.1)
    assert main(["simulate", "--set", "chn_trade=0.1"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "chn_trade" in err and "us_reactivity" in err
