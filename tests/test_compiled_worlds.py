"""The compiled utility (sim/rules/compiled.py) in worlds too large to tabulate (the
configurations met, ``Params.seen``) and with a US player (sim/rules/players.py): the
same bits as the numpy definition, row by row, with and without actions in force."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from sim.config import build_scenario, load_raw
from sim.rules import compiled, compiled_moves, players
from sim.rules.act import _utility_with, in_force, priced_actions
from sim.rules.actions import one_action, with_one
from sim.rules.compile import compile_params
from sim.rules.context import context
from sim.rules.pacts import apply_moves, valid_moves
from sim.rules.stack import stack_params, take_runs
from sim.rules.utility import attributes, utility_given
from sim.runner import run_table

SIX = ROOT / "configs" / "scenarios" / "northeast_asia_2024.toml"
RUNS, ROWS = 40, 300
SMALL = ["CHN-RUS", "CHN-PRK", "RUS-PRK", "USA-KOR", "USA-JPN", "CHN-RUS-PRK", "USA-KOR-JPN"]
"""A pact space small enough for a configuration table (3^7 configurations)."""


def _six(player: bool = True, pacts: list[str] | None = None, reactivity: float | None = None):
    """northeast_asia_2024, with or without its US player, its pact space as declared or
    only ``pacts`` (a space small enough for a configuration table), and its US
    ``reactivity`` if given."""
    raw = load_raw(SIX)
    if not player:
        del raw["us"]["player"]
    if reactivity is not None:
        raw["us"]["reactivity"] = reactivity
    if pacts is not None:
        raw["pacts"] = pacts
        raw["initial_pacts"] = {k: v for k, v in raw["initial_pacts"].items() if k in pacts}
        raw.pop("talks", None)
    return compile_params(build_scenario(raw, "six states"))


@pytest.fixture(scope="module")
def six():
    return _six()


def _levels(p, rng, rows: int) -> np.ndarray:
    """Random configurations, each pact inactive half the time."""
    n_levels = len(p.level_names)
    levels = rng.integers(1, n_levels, (rows, p.space.n_pacts))  # 0 is "none"
    return np.where(rng.random(levels.shape) < 0.5, 0, levels)


def _batch(p, seed: int, actions: bool):
    """Random attributes, relations and actions in force for RUNS runs, their
    configurations and random (configuration, run) rows of ``compiled.held_terms``."""
    rng = np.random.default_rng(seed)
    n = p.n_states
    attrs = attributes(rng.uniform(0, 1, (RUNS, len(p.drivers.names))), p)
    levels = _levels(p, rng, RUNS)
    coop = None
    if actions:
        on = rng.random((RUNS, n, n, p.actions.n_kinds)) < 0.3
        coop = in_force(on, priced_actions(levels, attrs, p), attrs, p)
    ctx = context(rng.uniform(-1, 1, (RUNS, n, n)), p, coop)
    run = rng.integers(0, RUNS, ROWS)
    configs = _levels(p, rng, ROWS)
    cfg = compiled.rows_of(configs, p, run)
    return attrs, ctx, levels, configs, cfg, run


def _numpy(p, attrs, ctx, cfg, run, coop=None):
    """utility_given on the gathered rows: the definition."""
    ct = compiled.held_terms(p).take(cfg)
    rctx = ctx.take(run) if coop is None else ctx.take(run, coop=False).with_coop(coop)
    return utility_given(ct, attrs.take(run), take_runs(p, run), rctx)


def test_the_kernel_serves_seen_configurations_and_us_players(six):
    assert six.configs is None and six.seen is not None and six.player >= 0
    assert compiled.applies(six) and compiled.applies(_six(player=False))
    small = _six(pacts=SMALL)
    assert small.configs is not None and small.player >= 0 and compiled.applies(small)
    neither = replace(six, seen=None)  # codes too long for int64: numpy's valuation
    assert not compiled.applies(neither)
    with pytest.raises(ValueError, match="configurations met"):
        compiled.table_utility(np.zeros(1, int), np.zeros(1, int), None, neither, None)


@pytest.mark.parametrize("actions", [False, True])
@pytest.mark.parametrize("player", [True, False])
def test_seen_configurations_are_utility_given_bit_for_bit(actions, player):
    p = _six(player=player)
    attrs, ctx, _, _, cfg, run = _batch(p, 1, actions)
    fast = compiled.table_utility(cfg, run, attrs, p, ctx)
    want = _numpy(p, attrs, ctx, cfg, run)
    np.testing.assert_array_equal(fast, want)
    if player:  # the player's terms are there: without them the rows differ
        q = _six(player=False)
        _, _, _, configs, _, _ = _batch(q, 1, actions)
        without = compiled.table_utility(compiled.rows_of(configs, q), run, attrs, q, ctx)
        assert (fast[:, p.player] != without[:, p.player]).mean() > 0.9


def test_a_table_with_a_us_player_and_stacked_points(six):
    """A pact space small enough to tabulate, with the US player: one scenario and two
    stacked points with their own reactivity (the player's pushed terms read it)."""
    one, other = _six(pacts=SMALL), _six(pacts=SMALL, reactivity=0.9)
    assert other.reactivity != one.reactivity
    for p in (one, stack_params([one, other], [20, 20])):
        attrs, ctx, _, _, cfg, run = _batch(p, 2, actions=True)
        np.testing.assert_array_equal(
            compiled.table_utility(cfg, run, attrs, p, ctx), _numpy(p, attrs, ctx, cfg, run)
        )


def test_an_added_action_with_a_us_player(six):
    """The month's open actions (sim.rules.act._utility_with), each added to its run's
    actions in force: the compiled rows are the numpy definition's."""
    attrs, ctx, levels, _, _, run = _batch(six, 3, actions=True)
    a = six.actions
    rng = np.random.default_rng(4)
    ijk = a.slots[rng.integers(0, len(a.slots), ROWS)]
    priced = priced_actions(levels, attrs, six)
    fast = _utility_with(run, ijk, priced, levels, attrs, ctx, six)
    one = one_action(run, ijk, *priced[:2], a, six.hostility, attrs.conflict_risk, priced[2])
    cfg = compiled.rows_of(levels, six)[run]
    want = _numpy(six, attrs, ctx, cfg, run, coop=with_one(ctx.coop, run, one))
    np.testing.assert_array_equal(fast, want)
    # What take_actions asks for: the actor's and the recipient's utility, the same bits;
    # every other state is not computed (NaN)
    pair = _utility_with(run, ijk, priced, levels, attrs, ctx, six, pair_only=True)
    read = np.zeros(pair.shape, dtype=bool)
    read[np.arange(ROWS)[:, None], ijk[:, :2]] = True
    np.testing.assert_array_equal(pair[read], want[read])
    assert np.isnan(pair[~read]).all() and not np.isnan(want).any()


@pytest.mark.parametrize("player", [True, False])
def test_every_move_of_a_seen_world_is_valued_as_its_result(player):
    """compiled.move_utilities without a table: each valid move's utility is
    utility_given of its result; an invalid one is the run's status quo; a subset of runs
    read in place gives the whole batch's rows."""
    p = _six(player=player)
    attrs, ctx, levels, _, _, _ = _batch(p, 5, actions=True)
    u, valid = compiled_moves.move_utilities(levels, np.arange(RUNS), attrs, p, ctx)
    np.testing.assert_array_equal(valid, valid_moves(levels, p.space))
    b, m = np.nonzero(valid)
    after = apply_moves(levels, p.space)[b, m]
    want = _numpy(p, attrs, ctx, compiled.rows_of(after, p), b)
    np.testing.assert_array_equal(u[b, m], want)
    b, m = np.nonzero(~valid)
    assert len(b) and np.array_equal(u[b, m], u[b, 0])
    rows = np.array([1, 7, 8, 30])
    sub, sub_valid = compiled_moves.move_utilities(levels[rows], rows, attrs, p, ctx)
    np.testing.assert_array_equal(sub[sub_valid], u[rows][sub_valid])


@pytest.fixture(scope="module")
def eight():
    """The 8-state benchmark world (benchmarks/bench_states.py: 28 bilaterals and two
    trilaterals, no player)."""
    from benchmarks.bench_states import TRILATERALS, world

    codes = ("CHN", "RUS", "PRK", "USA", "KOR", "JPN", "MNG", "VNM")
    return build_scenario(world(codes, ["bilaterals", *TRILATERALS]), "eight states")


@pytest.mark.parametrize("name", ["six", "eight"])
def test_runs_are_the_same_rows_compiled_or_in_numpy(name, eight, monkeypatch):
    """Whole runs (moves, actions, talks, relations), valued by the kernel or by numpy's
    definition: the same runs table, bit for bit."""
    scenario = eight if name == "eight" else build_scenario(load_raw(SIX), "six")
    seeds = list(range(30))
    got = run_table(scenario, seeds, 18)
    monkeypatch.setattr(compiled, "applies", lambda p: False)
    pd.testing.assert_frame_equal(got, run_table(scenario, seeds, 18))


def test_rivals_alignment_sums_pacts_in_index_order():
    """players.rival_alignment, hand-computed: two pacts of weights 0.5 and 2 against
    state 2, rivalry 0.3 and 0.1 (no matrix product: BLAS sums in an order of its own)."""
    m = np.array([[1, 1, 0], [1, 1, 0]], dtype=bool)
    a = np.zeros((3, 3))
    a[0, 2], a[1, 2] = -0.4, -0.2  # rivalry of both pacts on state 2: (0.4 + 0.2) / 2
    r = players.rival_alignment(np.array([0.5, 2.0]), a, m)
    np.testing.assert_allclose(r, [0.0, 0.0, 0.75], rtol=1e-15, atol=0)
    rng = np.random.default_rng(6)
    w, aff = rng.random((50, 17)), rng.uniform(-1, 1, (50, 6, 6))
    mem = rng.random((17, 6)) < 0.4
    mem[:, 0] = True
    riv = players.rivalry(aff, mem)
    want = w[:, 0, None] * riv[:, 0]
    for q in range(1, 17):
        want = want + w[:, q, None] * riv[:, q]
    np.testing.assert_array_equal(players.rival_alignment(w, aff, mem), want)


@pytest.mark.parametrize("player", [True, False])
def test_the_states_read_have_the_bits_of_computing_every_state(six, player):
    """table_utility with ``need``: the states asked for get the bits computing all gives
    them, the others NaN, also when consecutive rows of one configuration and run ask for
    different states (the settled terms kept from the row before must be extended)."""
    p = six if player else _six(player=False)
    attrs, ctx, _, _, cfg, run = _batch(p, 21, actions=True)
    cfg, run = np.repeat(cfg, 3), np.repeat(run, 3)  # runs of three equal rows
    need = np.random.default_rng(22).random((len(cfg), p.n_states)) < 0.3
    full = compiled.table_utility(cfg, run, attrs, p, ctx)
    part = compiled.table_utility(cfg, run, attrs, p, ctx, need=need)
    np.testing.assert_array_equal(part[need], full[need])
    assert np.isnan(part[~need]).all() and need.any() and (~need).any()


def test_a_month_not_observed_values_each_result_for_the_states_that_read_it(six):
    """compiled_moves.move_utilities(full=False): every state a month's decisions read
    (PactSpace.effect_need: movers, consenting and pact members, everyone for the status
    quo) has the full valuation's bits; a state outside a bilateral is not valued for it."""
    attrs, ctx, levels, _, _, _ = _batch(six, 23, actions=True)
    rows = np.arange(RUNS)
    u_full, valid = compiled_moves.move_utilities(levels, rows, attrs, six, ctx)
    u_part, valid_part = compiled_moves.move_utilities(levels, rows, attrs, six, ctx, full=False)
    sp = six.space
    need = sp.effect_need[sp.effect]  # (M, N)
    read = np.broadcast_to(need, u_full.shape)
    np.testing.assert_array_equal(valid_part, valid)
    np.testing.assert_array_equal(u_part[read], u_full[read])
    skipped = ~read & valid[..., None]  # an invalid move copies its row's status quo
    assert np.isnan(u_part[skipped]).all() and skipped.any() and need[0].all()
    m = sp.labels.index("form CHN-RUS " + six.level_names[1])  # a bilateral
    assert need[m].tolist() == [c in ("CHN", "RUS") for c in six.codes]


@pytest.mark.parametrize("scenario", ["korea_2024", "northeast_asia_2024"])
def test_a_month_not_observed_makes_the_same_decisions_as_an_observed_one(scenario):
    """play_round(value_end=False) values each move only for the states that read it and
    merges re-valued rows in place: from the same state and draws, every month of 24 ends
    in the same state (bits) with the same decisions as the fully valued month."""
    from dataclasses import fields

    from sim.config import load_scenario
    from sim.rules.draws import draw_many
    from sim.rules.params import initial_actions, initial_affinity, initial_levels, initial_talks
    from sim.rules.round import initial_state, play_round
    from sim.rules.schedule import compile_schedule

    s = load_scenario(ROOT / "configs" / "scenarios" / f"{scenario}.toml")
    schedule = compile_schedule(s)
    p = schedule.first
    d = draw_many(list(range(300)), p, 24)
    state = initial_state(initial_levels(s, p.space), initial_talks(s, p.space), p,
                          d.u_start, initial_actions(s, p), initial_affinity(s, p))  # fmt: skip
    moved = 0
    for t in range(24):
        full, out_full = play_round(state, t, d.at(t), schedule.at(t), value_end=True)
        part, out_part = play_round(state, t, d.at(t), schedule.at(t), value_end=False)
        for f in fields(full):
            np.testing.assert_array_equal(getattr(part, f.name), getattr(full, f.name), f.name)
        for name in ("proposer", "move", "accepted", "refused", "signed", "walked", "taken"):
            np.testing.assert_array_equal(getattr(out_part, name), getattr(out_full, name))
        moved += int((out_full.move > 0).sum())
        state = full
    assert moved > 100
