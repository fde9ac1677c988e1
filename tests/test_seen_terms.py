"""Configurations met so far (sim.rules.configs.SeenTerms) and deterrence over the pacts a
state is in (sim.rules.utility._deterrence): speed-ups for large pact spaces that must
change no value (docs/model.md 3.14, issue 23's "value only what can change")."""

from __future__ import annotations

import pickle
from dataclasses import replace

import numpy as np
import pytest
from conftest import ROOT

from sim.config import load_scenario
from sim.rules import compiled, compiled_moves, decisions
from sim.rules.compile import compile_params
from sim.rules.configs import SeenTerms
from sim.rules.context import context
from sim.rules.utility import _deterrence, attributes, config_terms

SIX = ROOT / "configs" / "scenarios" / "northeast_asia_2024.toml"


@pytest.fixture(scope="module")
def six():
    return compile_params(load_scenario(SIX))


def test_a_large_space_gets_a_cache_and_a_small_one_a_table(six):
    assert six.configs is None and isinstance(six.seen, SeenTerms)
    small = compile_params(load_scenario(ROOT / "configs" / "scenarios" / "korea_2024.toml"))
    assert small.configs is not None and small.seen is None


def test_gathered_rows_are_the_computed_bits(six):
    rng = np.random.default_rng(7)
    configs = rng.integers(0, 3, size=(5, 4, six.space.n_pacts)).astype(np.int8)
    cache = SeenTerms(3, six.space.n_pacts)
    got = cache.take(configs, six)
    want = config_terms(configs, six)
    for f in ("commit", "entangle", "weight", "us_ties", "cb_member"):
        assert getattr(got, f).shape == getattr(want, f).shape
        assert np.array_equal(getattr(got, f), getattr(want, f)), f
    assert len(cache.codes) == len(np.unique(configs.reshape(-1, six.space.n_pacts), axis=0))


def test_a_configuration_is_computed_once_and_codes_stay_sorted(six, monkeypatch):
    import sim.rules.configs as configs_module

    calls = []
    real = configs_module.config_terms

    def counting(levels, p):
        calls.append(len(levels))
        return real(levels, p)

    monkeypatch.setattr(configs_module, "config_terms", counting)
    cache = SeenTerms(3, six.space.n_pacts)
    a = np.zeros((3, six.space.n_pacts), dtype=np.int8)
    a[1, 0], a[2, 5] = 1, 2  # three configurations: none, pact 0 at 1, pact 5 at 2
    cache.take(a, six)
    cache.take(a[::-1], six)  # the same three again: nothing computed
    b = a.copy()
    b[0, 16] = 1  # one new configuration (code 3^16), two old ones
    cache.take(b, six)
    assert calls == [3, 1]
    assert np.all(np.diff(cache.codes) > 0)
    # the code of a configuration is levels @ 3^k: pact 0 at 1 -> 1, pact 5 at 2 -> 2 x 243
    assert list(cache.codes) == [0, 1, 486, 3**16]


def test_pickling_drops_the_rows(six):
    cache = SeenTerms(3, six.space.n_pacts)
    cache.take(np.zeros((2, six.space.n_pacts), dtype=np.int8), six)
    again = pickle.loads(pickle.dumps(cache))
    assert again.terms is None and len(again.codes) == 0
    assert np.array_equal(again.radix, cache.radix)


def test_codes_must_fit_in_int64():
    assert SeenTerms.usable(3, 39) and not SeenTerms.usable(3, 40)


def test_deterrence_over_members_only_by_hand():
    # 8 pacts, 2 states; state 0 is in pacts 0 and 5, state 1 in pact 7 only
    m = np.zeros((8, 2), dtype=bool)
    m[[0, 5], 0] = True
    m[7, 1] = True
    w = np.array([[0.5, 9.0, 9.0, 9.0, 9.0, 1.0, 9.0, 2.0]])  # weights of pacts not joined
    co = np.zeros((1, 8, 2))
    co[0, 0, 0], co[0, 5, 0], co[0, 7, 1] = 0.4, -0.1, 0.3  # a non-member's co-cap is 0
    # state 0: 0.5 x 0.4 + 1 x -0.1 = 0.1 -> 0.1 / 1.1; state 1: 2 x 0.3 = 0.6 -> 0.6 / 1.6
    got = _deterrence(w, co, m)
    np.testing.assert_allclose(got, [[0.1 / 1.1, 0.6 / 1.6]], rtol=1e-15)
    assert np.array_equal(got, _deterrence(w, co))  # the same bits as every pact's sum


def test_deterrence_over_members_gives_the_dense_bits_on_six_states(six):
    rng = np.random.default_rng(3)
    w = rng.random((40, 6, six.space.n_pacts)) * rng.integers(0, 2, (40, 6, 1))
    members = six.space.membership
    co = np.where(members, rng.normal(size=(40, 1, *members.shape)), 0.0)
    assert np.array_equal(_deterrence(w, co, members), _deterrence(w, co))


def test_the_cache_refuses_a_negative_level(six):
    cache = SeenTerms(3, six.space.n_pacts)
    bad = np.zeros((1, six.space.n_pacts), dtype=np.int8)
    bad[0, 2] = -1
    with pytest.raises(ValueError, match="negative level"):
        cache.positions(bad, six)


@pytest.mark.parametrize("kernel", [True, False])
def test_an_invalid_move_never_caches_another_configurations_row(six, kernel, monkeypatch):
    """Regression: lowering a pact not in force gave levels with a -1, whose code is
    another configuration's (base L + 1); cached first, that row was computed from the
    wrong levels and served to the valid configuration later (8-state benchmark world).
    Both valuations: the compiled one and numpy's."""
    if not kernel:
        monkeypatch.setattr(compiled, "applies", lambda p: False)
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


def test_a_configurations_code_is_its_levels_in_base_l_plus_one(six):
    """configs._codes, hand-computed (levels 1, 2, 0 in base 3: 1 + 2 x 3 + 0 x 9 = 7), and
    the positions of a batch already met are found without recomputing any row."""
    from sim.rules.configs import _codes

    levels = np.array([[1, 2, 0], [0, 0, 2]], dtype=np.int8)
    assert _codes(levels, np.array([1, 3, 9])).tolist() == [7, 18]
    cache = SeenTerms(3, six.space.n_pacts)
    rng = np.random.default_rng(3)
    configs = rng.integers(0, 3, (4, 5, six.space.n_pacts)).astype(np.int8)
    first = cache.positions(configs, six)
    assert first.shape == (4, 5)
    np.testing.assert_array_equal(cache.codes[first], configs.astype(np.int64) @ cache.radix)
    rows = cache.terms_held()
    np.testing.assert_array_equal(cache.positions(configs[::-1], six), first[::-1])
    assert cache.terms_held() is rows  # nothing new: no row computed, none moved


@pytest.mark.parametrize("world", ["six", "four_states_all_subsets"])
def test_moved_codes_are_the_codes_of_apply_moves(six, world):
    """compiled._moved_codes gives, for every move and configuration, the code of
    pacts.apply_moves's result where the move is valid and of the configuration itself
    where it is not (a leave with a second pact receiving the old level included)."""
    from sim.rules.configs import _codes
    from sim.rules.pacts import LOWER, apply_moves, valid_moves

    p = six
    if world == "four_states_all_subsets":
        p = compile_params(load_scenario(ROOT / "tests" / "fixtures" / "four_states.toml"))
    sp = p.space
    rng = np.random.default_rng(11)
    levels = rng.integers(0, 3, (300, sp.n_pacts)).astype(np.int8)
    levels[rng.random(levels.shape) < 0.6] = 0
    valid = valid_moves(levels, sp)
    moves = np.arange(sp.n_moves, dtype=np.int64)
    radix = 3 ** np.arange(sp.n_pacts, dtype=np.int64)
    got = np.empty((len(levels), sp.n_moves), dtype=np.int64)
    compiled_moves._moved_codes(levels, moves, valid, sp.pact.astype(np.int64),
                          sp.other.astype(np.int64), sp.kind == LOWER,
                          sp.value.astype(np.int64), radix, got)  # fmt: skip
    after = np.where(valid[..., None], apply_moves(levels, sp), levels[:, None, :])
    want = _codes(np.ascontiguousarray(after.reshape(-1, sp.n_pacts)), radix)
    np.testing.assert_array_equal(got.reshape(-1), want)
    assert (sp.other >= 0).any() and valid[:, sp.other >= 0].any()  # a second pact is moved


def test_codes_decode_to_their_levels_and_positions_of_codes_are_positions(six):
    from sim.rules.configs import _codes

    rng = np.random.default_rng(12)
    configs = rng.integers(0, 3, (200, six.space.n_pacts)).astype(np.int8)
    held = SeenTerms(3, six.space.n_pacts)
    code = _codes(configs, held.radix)
    np.testing.assert_array_equal(held.decode(code), configs)
    assert held.decode(np.array([7]))[0, :3].tolist() == [1, 2, 0]  # 7 = 1 + 2 x 3
    by_levels, by_codes = SeenTerms(3, six.space.n_pacts), SeenTerms(3, six.space.n_pacts)
    np.testing.assert_array_equal(
        by_codes.positions_of(code, six), by_levels.positions(configs, six)
    )
    for f in ("commit", "entangle", "weight", "us_ties", "cb_member"):
        assert np.array_equal(getattr(by_codes.terms, f), getattr(by_levels.terms, f)), f
