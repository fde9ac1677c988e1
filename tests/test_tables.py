"""The fast paths give the same bits as the direct computation they replace.

* the per-configuration table (sim/rules/configs.py) against applying moves and computing
  the configuration's terms directly;
* draws filled into preallocated arrays against one run's draws;
* outcome columns and run_table against the per-run outcome rows.
"""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import pandas as pd
import pytest

from sim.records import optional_columns
from sim.rules import draws as draws_module
from sim.rules.compile import compile_params
from sim.rules.decisions import evaluate_moves
from sim.rules.draws import DrawBuffers, draw, draw_many
from sim.rules.drivers import initial_drivers
from sim.rules.pacts import apply_moves, valid_moves
from sim.rules.utility import CONFIG_TERMS, attributes, config_terms
from sim.runner import run_many, run_table


@pytest.fixture(scope="module")
def params(default_scenario):
    return compile_params(default_scenario)


def test_the_default_scenario_has_a_table_of_81_configurations(params):
    table = params.configs
    assert table is not None and table.levels.shape == (81, 4)
    assert (table.index(table.levels) == np.arange(81)).all()


def test_a_large_pact_space_has_no_table(four_states_scenario):
    assert compile_params(four_states_scenario).configs is None  # 3 ** 11 configurations


def test_table_transitions_are_the_applied_moves(params):
    table, sp = params.configs, params.space
    for c, levels in enumerate(table.levels):
        after = apply_moves(levels, sp)  # (M, P)
        valid = valid_moves(levels, sp)
        assert (table.valid[c] == valid).all()
        assert (table.levels[table.result[c, valid]] == after[valid]).all()
        # raises always land on a configuration, valid or not (talks read their value)
        raises = sp.kind == 0
        assert (table.levels[table.result[c, raises]] == after[raises]).all()


def test_table_terms_are_bit_identical_to_direct_terms(params):
    table = params.configs
    for c in (0, 17, 40, 80):
        one = config_terms(table.levels[c][None], params)
        for name in CONFIG_TERMS:
            assert np.array_equal(getattr(one, name)[0], getattr(table.terms, name)[c])


def test_evaluate_moves_with_and_without_table_agree_bitwise(params):
    rng = np.random.default_rng(3)
    b = 300
    levels = params.configs.levels[rng.integers(0, 81, b)]
    x, _ = initial_drivers(params, (b,))
    attrs = attributes(x + rng.normal(0.0, 0.2, x.shape), params)
    fast = evaluate_moves(levels, attrs, params)
    slow = evaluate_moves(levels, attrs, replace(params, configs=None))
    assert (fast.valid == slow.valid).all()
    used = np.broadcast_to(fast.valid[..., None], fast.utility.shape)
    assert np.array_equal(fast.utility[used], slow.utility[used])


@pytest.mark.parametrize("seeds", [[5, 11, 2024], list(range(100, 250))])
def test_draw_many_equals_each_runs_draws(params, seeds):
    """Every run's draws, for a few runs and for blocks of them (draws._BLOCK runs are
    drawn before each copy into the round-major arrays; 150 runs: two blocks and a rest)."""
    assert len(seeds) <= 3 or len(seeds) > 2 * draws_module._BLOCK
    many = draw_many(seeds, params, 7)
    for k, seed in enumerate(seeds):
        one = draw(np.random.default_rng(seed), params, 7)
        for f in fields(one):
            assert np.array_equal(getattr(many, f.name)[k], getattr(one, f.name)), f.name


def test_draw_buffers_are_reused_and_refilled(params):
    """DrawBuffers: a second call of the same shapes fills the same arrays with its own
    runs' draws (each run's, as draw gives them), a new shape gets new arrays."""
    buffers = DrawBuffers()
    first = draw_many([1, 2, 3], params, 7, buffers)
    second = draw_many([5, 11, 2024], params, 7, buffers)
    assert second.z.base is first.z.base  # the same memory, refilled
    for k, seed in enumerate([5, 11, 2024]):
        one = draw(np.random.default_rng(seed), params, 7)
        for f in fields(one):
            assert np.array_equal(getattr(second, f.name)[k], getattr(one, f.name)), f.name
    other = draw_many([1, 2], params, 7, buffers)
    assert other.z.base is not second.z.base


def test_run_table_equals_the_outcome_rows(default_scenario):
    seeds = list(range(40))
    want = pd.DataFrame([r.outcome for r in run_many(default_scenario, seeds)])
    got = run_table(default_scenario, seeds)
    assert list(got.columns) == list(want.columns)
    p = compile_params(default_scenario)
    for col in got.columns:
        if col in optional_columns(p):
            a = got[col].astype("float64").to_numpy()
            b = pd.to_numeric(want[col]).astype("float64").to_numpy()
            assert np.array_equal(a, b, equal_nan=True), col
        else:
            assert got[col].tolist() == want[col].tolist() or np.array_equal(
                got[col].to_numpy(), want[col].to_numpy(), equal_nan=True
            ), col


def test_draw_buffers_leave_numpys_huge_page_setting_as_it_was():
    """draws._small_pages turns numpy's huge-page request off for its own allocation only:
    the setting is restored whatever it was, and the array has the shape asked for."""
    from numpy._core.multiarray import _set_madvise_hugepage

    before = _set_madvise_hugepage(True)
    try:
        for setting in (True, False):
            _set_madvise_hugepage(setting)
            a = draws_module._small_pages((3, 700_000))  # 16 MiB: numpy would ask for them
            assert a.shape == (3, 700_000) and a.dtype == np.float64
            assert _set_madvise_hugepage(setting) is setting  # (returns the one it replaces)
    finally:
        _set_madvise_hugepage(before)


def test_draw_many_of_no_runs_is_empty(params):
    d = draw_many([], params, 7)
    assert d.z.shape == (0, 7, len(params.drivers.names)) and d.u_start.shape[0] == 0
