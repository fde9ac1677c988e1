"""The Mesa model and the lockstep engine: determinism, agreement, and a four-state scenario."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pandas as pd
import pytest
from handmade import three_raw, two_raw
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from property import DEFAULT_SCENARIO, FOUR_STATES, ROOT, four_states_raw, scenarios
from runcli import main

from sim.config import build_scenario, load_scenario
from sim.rules.compile import compile_params
from sim.runner import model_series, run_many, run_model


def same(a: object, b: object) -> bool:
    """Equality where NaN equals NaN (outcome dicts hold NaN support shares)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def assert_same_outcome(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    diff = {k: (a[k], b[k]) for k in a if not same(a[k], b[k])}
    assert not diff


@pytest.fixture(scope="module")
def default():
    return load_scenario(DEFAULT_SCENARIO)


@pytest.fixture(scope="module")
def four():
    return load_scenario(FOUR_STATES)


# -- determinism ---------------------------------------------------------------------------


def test_same_seed_same_run(default):
    a, b = run_model(default, 5), run_model(default, 5)
    (ra,) = run_many(default, [5], series=True)
    assert_same_outcome(ra.outcome, run_many(default, [5])[0].outcome)
    pd.testing.assert_frame_equal(model_series(a), model_series(b), check_exact=True)
    # run_many's series are the single run's without the per-state preferred configurations
    single = model_series(a)
    assert [c for c in single if not c.startswith("preferred.")] == list(ra.series)
    pd.testing.assert_frame_equal(ra.series, single[list(ra.series)], check_exact=True)
    assert [e.text for e in a.events] == [e.text for e in b.events]


def test_simulate_json_identical_across_processes():
    cmd = [sys.executable, str(ROOT / "run.py"), "simulate", "--json", "--seed", "3"]
    outs = [subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True) for _ in "ab"]
    assert outs[0].stdout == outs[1].stdout
    assert json.loads(outs[0].stdout)["seed"] == 3


def test_different_seeds_differ(default):
    runs = run_many(default, list(range(20)), engine="lockstep")
    keys = [k for k in runs[0].outcome if k.startswith(("first_round.", "rounds_active."))]
    discrete = {tuple(r.outcome[k] for k in keys) for r in runs}
    assert len(discrete) >= 2  # the pact histories differ in some runs
    # continuous drivers: every run ends with a different utility
    assert len({r.outcome["utility_end.CHN"] for r in runs}) == 20


# -- the two engines agree -----------------------------------------------------------------


def _engines_agree(scenario, seeds, rounds=None):
    mesa = run_many(scenario, seeds, rounds, series=True, engine="mesa")
    lock = run_many(scenario, seeds, rounds, series=True, engine="lockstep")
    for a, b in zip(mesa, lock, strict=True):
        assert a.seed == b.seed
        assert_same_outcome(a.outcome, b.outcome)
        pd.testing.assert_frame_equal(a.series, b.series, check_exact=True)
    return mesa


def test_engines_agree_default(default):
    runs = _engines_agree(default, [0, 1, 2, 3, 4, 5, 17, 123456789])
    # the comparison covers runs where something happens
    assert any(r.outcome["formed.RUS-PRK"] for r in runs)


def test_engines_agree_four_states(four):
    runs = _engines_agree(four, [0, 1, 2, 3, 4, 5])
    assert any(r.outcome["formed.CHN-KOR"] for r in runs)


# -- four states ---------------------------------------------------------------------------


def test_four_state_fixture_enumerates_eleven_pacts(four):
    p = compile_params(four)
    assert p.codes == ("CHN", "RUS", "PRK", "KOR")
    assert len(p.space.keys) == 11  # 6 bilaterals + 4 of three + 1 of four
    assert len(set(p.space.keys)) == 11
    assert sorted(p.space.sizes.tolist()) == [2] * 6 + [3] * 4 + [4]
    assert p.space.keys[p.target] == "CHN-RUS-PRK"
    # the rivalry is in the compiled relations
    kor, prk = p.codes.index("KOR"), p.codes.index("PRK")
    assert p.affinity[kor, prk] == p.affinity[prk, kor] == -0.9

    runs = run_many(four, [0, 1, 2], rounds=12)
    for r in runs:
        o = r.outcome
        assert o["rounds"] == 12
        for key in p.space.keys:
            assert f"formed.{key}" in o and f"rounds_active.{key}" in o
        for client in p.codes:
            for patron in p.codes:
                if client != patron:
                    assert f"support_share_end.{client}.{patron}" in o
        assert o["target_formed"] == (o["level_end.CHN-RUS-PRK"] > 0 or o["formed.CHN-RUS-PRK"])


def test_four_state_target_is_configurable():
    scenario = load_scenario(FOUR_STATES, ['target=["CHN", "KOR"]'])
    p = compile_params(scenario)
    assert p.space.keys[p.target] == "CHN-KOR"
    runs = run_many(scenario, [0, 1, 2, 3], rounds=12, engine="lockstep")
    for r in runs:
        assert r.outcome["target_formed"] == r.outcome["formed.CHN-KOR"]
        assert r.outcome["target_round"] == r.outcome["first_round.CHN-KOR"]
    assert any(r.outcome["target_formed"] for r in runs)


def test_four_state_simulate_json(capsys):
    assert main(["simulate", "--scenario", str(FOUR_STATES), "--seed", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rounds"] == 24
    assert len(report["pacts"]) == 11
    assert {"-".join(x["members"]) for x in report["pacts"]} >= {"PRK-KOR", "CHN-RUS-PRK-KOR"}
    assert report["trilateral"] == "CHN-RUS-PRK"
    assert set(report["final_utility"]) == {"CHN", "RUS", "PRK", "KOR"}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenario=st.one_of(scenarios(), scenarios(four_states_raw())),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_engines_agree_on_random_scenarios(scenario, seed):
    _engines_agree(scenario, [seed, seed + 1], rounds=10)


@pytest.mark.parametrize("variant", ["three", "two", "one-level", "no-goods"])
def test_engines_agree_without_drivers(variant):
    """Hand-made scenarios with no drivers and no shocks (empty driver and shock axes)."""
    raw = two_raw() if variant == "two" else three_raw()
    if variant == "one-level":
        raw["levels"] = raw["levels"][:1]
    if variant == "no-goods":  # and no relations: nothing to gain, nothing forms
        raw["goods"], raw["relations"] = [], {}
        for state in raw["states"].values():
            state["offers"], state["needs"] = {}, {}
    raw["rounds"] = 12
    runs = _engines_agree(build_scenario(raw, f"<{variant}>"), [0, 1, 2])
    # something forms in each run, except without goods or relations
    assert all(bool(r.outcome["final_pacts"]) == (variant != "no-goods") for r in runs)


def test_engines_agree_on_a_large_batch(default):
    """128 runs in lockstep take the batched (sliced) reductions; one Mesa run does not."""
    seeds = list(range(1000, 1128))
    mesa = run_many(default, seeds, 24, engine="mesa")
    lock = run_many(default, seeds, 24, engine="lockstep")
    for a, b in zip(mesa, lock, strict=True):
        assert_same_outcome(a.outcome, b.outcome)


def test_unknown_engine_is_refused(default):
    with pytest.raises(ValueError, match="unknown engine"):
        run_many(default, [0], engine="warp")
