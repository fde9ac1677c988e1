"""Valuing only the states a move touches (sim/rules/sparse.py), and the configurations an
invalid move never reaches (sim.rules.configs.SeenTerms): speed-ups for large worlds that
must change no value (issue 23's "value only what can change")."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from sim.config import build_scenario, load_raw
from sim.rules import decisions, sparse
from sim.rules.act import in_force, priced_actions
from sim.rules.compile import compile_params
from sim.rules.configs import SeenTerms
from sim.rules.context import context
from sim.rules.decisions import evaluate_moves
from sim.rules.pacts import touched_states
from sim.rules.utility import attributes, config_terms
from sim.runner import run_table

SIX = ROOT / "configs" / "scenarios" / "northeast_asia_2024.toml"


def _no_player():
    """northeast_asia_2024 with the United States as the reaction function, not a player
    (every pact then reads only its members' rows: the sparse valuation applies)."""
    raw = load_raw(SIX)
    del raw["us"]["player"]
    return build_scenario(raw, "six states, no player")


@pytest.fixture(scope="module")
def scenario():
    return _no_player()


@pytest.fixture(scope="module")
def six(scenario):
    return compile_params(scenario)


def _move(p, label: str) -> int:
    return p.space.labels.index(label)


def _states(p, row: np.ndarray) -> set[str]:
    return {c for c, t in zip(p.space.codes, row, strict=True) if t}


@pytest.fixture(scope="module")
def with_player():
    return compile_params(build_scenario(load_raw(SIX), "six"))


def test_sparse_valuation_applies_to_large_worlds_where_moves_touch_few(six, with_player):
    assert sparse.applies(six) and sparse.applies(with_player)
    small = compile_params(build_scenario(load_raw(ROOT / "configs/scenarios/korea_2024.toml"),
                                          "three"))  # fmt: skip
    assert not sparse.applies(small)  # a configuration table instead
    everyone = replace(six, stakes=np.ones_like(six.stakes))  # every move touches all
    assert float(sparse.touched(six).mean()) <= sparse.MAX_TOUCHED
    assert not sparse.applies(everyone)


def test_a_move_touches_its_members_and_the_states_with_a_stake_in_them(six):
    stakes = np.zeros_like(six.stakes)
    code = {c: i for i, c in enumerate(six.space.codes)}
    stakes[code["KOR"], code["CHN"]] = 0.4  # South Korea's leverage reads China's shares
    p = replace(six, stakes=stakes)
    t = sparse.touched(p)
    assert _states(p, t[_move(p, "form CHN-RUS partnership")]) == {"CHN", "RUS", "KOR"}
    assert _states(p, t[_move(p, "form USA-JPN partnership")]) == {"USA", "JPN"}
    # leaving a trilateral: the pact of the other two receives its level
    assert _states(p, t[_move(p, "PRK leaves CHN-RUS-PRK")]) == {"CHN", "RUS", "PRK", "KOR"}
    assert t[0].all()  # the status quo: every state, the reference of the others


def test_pairs_read_an_untouched_state_from_the_status_quo():
    mask = np.array([[True, True, True], [True, False, True], [False, True, False]])
    pr = sparse.pairs(mask, status_quo=0)
    assert pr.effect.tolist() == [0, 0, 0, 1, 1, 2]
    assert pr.state.tolist() == [0, 1, 2, 0, 2, 1]
    assert pr.source.tolist() == [[0, 1, 2], [3, 1, 4], [0, 5, 2]]


def _batch(p, runs: int, seed: int, actions: bool = True):
    """A batch of runs in random valid configurations, with moved drivers and relations
    and random actions in force (none if not ``actions``)."""
    rng = np.random.default_rng(seed)
    n_levels = len(p.level_names)
    levels = rng.integers(0, n_levels, size=(runs, p.space.n_pacts)).astype(np.int8)
    x = np.clip(p.drivers.initial + rng.normal(0, 0.2, (runs, len(p.drivers.names))), 0, 1)
    attrs = attributes(x, p)
    affinity = np.clip(p.affinity + rng.normal(0, 0.3, (runs, p.n_states, p.n_states)), -1, 1)
    affinity[:, np.arange(p.n_states), np.arange(p.n_states)] = 0.0
    priced = priced_actions(levels, attrs, p)
    on = rng.random(priced[0].shape) < 0.2
    ctx = context(affinity, p, in_force(on, priced, attrs, p) if actions else None)
    return levels, attrs, ctx


def _dense(monkeypatch, *args):
    with monkeypatch.context() as m:
        m.setattr(sparse, "applies", lambda p: False)
        return evaluate_moves(*args)


@pytest.fixture(scope="module")
def eight():
    """The 8-state benchmark world (benchmarks/bench_states.py: 28 bilaterals and two
    trilaterals, no player; a move touches about a third of the states)."""
    from benchmarks.bench_states import TRILATERALS, world

    codes = ("CHN", "RUS", "PRK", "USA", "KOR", "JPN", "MNG", "VNM")
    raw = world(codes, ["bilaterals", *TRILATERALS])
    return compile_params(build_scenario(raw, "eight states"))


@pytest.mark.parametrize(("runs", "actions"), [(1, True), (60, True), (60, False)])
@pytest.mark.parametrize("name", ["six", "eight", "with_player"])
def test_sparse_valuation_gives_the_whole_valuations_bits(name, runs, actions, request,
                                                          monkeypatch):  # fmt: skip
    """One run is the Mesa model's row; without actions the context has none in force."""
    p = request.getfixturevalue(name)
    levels, attrs, ctx = _batch(p, runs, seed=3, actions=actions)
    calls = []
    real = sparse.effect_utilities
    monkeypatch.setattr(sparse, "effect_utilities", lambda *a: calls.append(1) or real(*a))
    got = evaluate_moves(levels, attrs, p, ctx)
    assert calls  # the sparse path was taken
    want = _dense(monkeypatch, levels, attrs, p, ctx)
    valid = got.valid[..., None] & np.ones(got.utility.shape, bool)
    assert np.array_equal(got.valid, want.valid)
    assert np.array_equal(got.utility[valid], want.utility[valid])


def test_with_a_us_player_untouched_states_still_read_its_reaction(with_player, monkeypatch):
    """Every state's threat and counter-balancing read every pact's weight through the US
    player (sim.rules.players): the same bits as the whole valuation, and an untouched
    state's value does move with a pact it is not in."""
    levels, attrs, ctx = _batch(with_player, 60, seed=5)
    got = evaluate_moves(levels, attrs, with_player, ctx)
    want = _dense(monkeypatch, levels, attrs, with_player, ctx)
    valid = got.valid[..., None] & np.ones(got.utility.shape, bool)
    assert np.array_equal(got.utility[valid], want.utility[valid])
    untouched = ~sparse.touched(with_player)[None] & got.valid[..., None]
    moved = got.utility != got.utility[:, :1, :]
    assert (moved & untouched).any()


def test_leaving_a_stakeholder_out_changes_values(six, monkeypatch):
    """The rule broken on purpose: without the stakeholders a member's move leaves a
    state's leverage at the status quo's, and the values differ from the whole valuation."""
    levels, attrs, ctx = _batch(six, 60, seed=3)
    want = _dense(monkeypatch, levels, attrs, six, ctx)
    members_only = touched_states(six.space, np.zeros_like(six.stakes))  # no stakeholders
    assert (sparse.touched(six) & ~members_only).any()  # the scenario has such states
    monkeypatch.setattr(sparse, "touched", lambda p: members_only)
    got = evaluate_moves(levels, attrs, six, ctx)
    valid = got.valid[..., None] & np.ones(got.utility.shape, bool)
    assert not np.array_equal(got.utility[valid], want.utility[valid])


def test_runs_are_the_same_rows_valued_sparsely_or_whole(scenario, monkeypatch):
    seeds = list(range(40))
    got = run_table(scenario, seeds, 12)
    monkeypatch.setattr(sparse, "applies", lambda p: False)
    pd.testing.assert_frame_equal(got, run_table(scenario, seeds, 12))


def test_the_cache_refuses_a_negative_level(six):
    cache = SeenTerms(3, six.space.n_pacts)
    bad = np.zeros((1, six.space.n_pacts), dtype=np.int8)
    bad[0, 2] = -1
    with pytest.raises(ValueError, match="negative level"):
        cache.positions(bad, six)


def test_an_invalid_move_never_caches_another_configurations_row(six, monkeypatch):
    """Regression: lowering a pact not in force gave levels with a -1, whose code is
    another configuration's (base L + 1); cached first, that row was computed from the
    wrong levels and served to the valid configuration later (8-state benchmark world)."""
    monkeypatch.setattr(sparse, "applies", lambda p: False)  # the whole valuation's path
    p = replace(six, seen=SeenTerms(len(six.level_names), six.space.n_pacts))
    levels = np.zeros((2, p.space.n_pacts), dtype=np.int8)
    levels[0, 1] = 1  # run 0: lowering pact 0 (at 0) is invalid; its -1 would read as ...
    levels[1, 0] = 2  # run 1: lowering pact 0 is valid (so valued in this batch), and run
    # 1 sits in the twin configuration, met after run 0's invalid move
    twin = levels[1:].copy()  # ... run 1's configuration's code (-1 + 3 = 2 + 0)
    code = levels[:1].astype(np.int64) @ p.seen.radix
    assert code - 1 == twin.astype(np.int64) @ p.seen.radix
    x = np.broadcast_to(p.drivers.initial, (2, len(p.drivers.names)))
    affinity = np.broadcast_to(p.affinity, (2, p.n_states, p.n_states))
    decisions.evaluate_moves(levels, attributes(x, p), p, context(affinity, p))
    got = p.seen.take(twin, p)
    assert np.array_equal(got.commit, config_terms(twin, p).commit)
