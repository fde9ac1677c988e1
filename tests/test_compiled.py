"""The compiled utility of tabulated configurations (sim/rules/compiled.py) gives the same
bits as the numpy definition (sim.rules.utility.utility_given on the gathered rows), row
by row, with and without actions in force, for one scenario and for stacked points."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sim.config import build_scenario, load_raw, load_scenario
from sim.rules import compiled, compiled_actions, compiled_moves, compiled_relations
from sim.rules.act import in_force, priced_actions
from sim.rules.actions import (
    action_costs,
    action_values,
    cooperation,
    one_action,
    partner_hostility,
    with_one,
)
from sim.rules.arrays import runwise, small_sum, weighted_rows
from sim.rules.compile import compile_params
from sim.rules.context import context
from sim.rules.relations import update_affinity
from sim.rules.round import Proposal, relation_events
from sim.rules.stack import stack_params, take_runs
from sim.rules.utility import attributes, goods_value, utility_given
from tests.conftest import DEFAULT_SCENARIO, FOUR_STATES

ROWS = 400
OTHER = [  # a second point that varies what the kernel reads per run
    "states.CHN.weights.us_ties=0.01",
    "us.reactivity=0.2",
    "states.PRK.trade_share.CHN=0.3",
    "states.PRK.autonomy=0",
    "states.CHN.stakes.PRK=0",
    "states.RUS.entrapment_aversion=0.9",
]


def _batch(p, runs: int, seed: int, actions: bool):
    """Random attributes, relations and actions in force for ``runs`` runs of ``p``, and
    random (configuration, run) rows."""
    rng = np.random.default_rng(seed)
    n, d = p.n_states, len(p.drivers.names)
    attrs = attributes(rng.uniform(0, 1, (runs, d)), p)
    affinity = rng.uniform(-1, 1, (runs, n, n))
    levels = p.configs.levels[rng.integers(0, len(p.configs.levels), runs)]
    coop = None
    if actions:
        on = rng.random((runs, n, n, p.actions.n_kinds)) < 0.4
        coop = in_force(on, priced_actions(levels, attrs, p), attrs, p)
    ctx = context(affinity, p, coop)
    run = rng.integers(0, runs, ROWS)
    cfg = rng.integers(0, len(p.configs.levels), ROWS) + (p.configs.offset[run] if p.stacked else 0)
    return attrs, ctx, cfg, run


def _numpy(p, attrs, ctx, cfg, run):
    """utility_given on the gathered rows: the definition."""
    ct = p.configs.terms.take(cfg)
    return utility_given(ct, attrs.take(run), take_runs(p, run), ctx.take(run))


@pytest.fixture(scope="module")
def default():
    return compile_params(load_scenario(DEFAULT_SCENARIO))


@pytest.mark.parametrize("actions", [False, True])
def test_table_utility_is_utility_given_bit_for_bit(default, actions):
    attrs, ctx, cfg, run = _batch(default, 50, 1, actions)
    fast = compiled.table_utility(cfg, run, attrs, default, ctx)
    assert fast.shape == (ROWS, default.n_states)
    np.testing.assert_array_equal(fast, _numpy(default, attrs, ctx, cfg, run))


def test_stacked_points_read_their_own_parameters(default):
    other = compile_params(load_scenario(DEFAULT_SCENARIO, OTHER))
    p = stack_params([default, other], [20, 30])
    attrs, ctx, cfg, run = _batch(p, 50, 2, actions=True)
    fast = compiled.table_utility(cfg, run, attrs, p, ctx)
    np.testing.assert_array_equal(fast, _numpy(p, attrs, ctx, cfg, run))
    # and the second point's rows differ from what the first point's parameters give
    alone = compiled.table_utility(cfg - p.configs.offset[run], run, attrs, default, ctx)
    assert not np.array_equal(fast[run >= 20], alone[run >= 20])


def test_actions_of_candidate_rows_replace_the_runs_own(default):
    """An open action is valued with its own actions in force (``coop_run``), not the
    run's: the candidate path of sim.rules.act."""
    attrs, ctx, cfg, run = _batch(default, 50, 3, actions=True)
    rng = np.random.default_rng(4)
    n, k = default.n_states, default.actions.n_kinds
    levels = default.configs.levels[np.zeros(50, dtype=int)]
    on = rng.random((ROWS, n, n, k)) < 0.4
    priced = priced_actions(levels, attrs, default)
    coop_c = in_force(on, tuple(x[run] if x is not None else None for x in priced),
                      attrs.take(run), default)  # fmt: skip
    fast = compiled.table_utility(cfg, run, attrs, default, ctx, coop_c, np.arange(ROWS))
    want = utility_given(default.configs.terms.take(cfg), attrs.take(run), default,
                         ctx.take(run, coop=False).with_coop(coop_c))  # fmt: skip
    np.testing.assert_array_equal(fast, want)
    assert not np.array_equal(fast, compiled.table_utility(cfg, run, attrs, default, ctx))


@pytest.mark.parametrize("association", ["0", "0.5"])
def test_an_added_action_is_with_one_of_the_runs_actions(association):
    """The month's open actions (sim.rules.act): each candidate row adds one action
    (actions.one_action) to its run's actions in force, as actions.with_one does (the
    hostility read into it with and without guilt by association)."""
    default = compile_params(load_scenario(DEFAULT_SCENARIO, [f"us.association={association}"]))
    attrs, ctx, cfg, run = _batch(default, 50, 6, actions=True)
    a = default.actions
    rng = np.random.default_rng(7)
    ijk = a.slots[rng.integers(0, len(a.slots), ROWS)]
    levels = default.configs.levels[np.zeros(50, dtype=int)]
    value, cost, partner = priced_actions(levels, attrs, default)
    assert (partner is None) == (association == "0")
    one = one_action(run, ijk, value, cost, a, default.hostility, attrs.conflict_risk, partner)
    added = compiled.Added(ijk, value, cost, partner)
    fast = compiled.table_utility(cfg, run, attrs, default, ctx, added=added)
    runs_ctx = ctx.take(run, coop=False).with_coop(with_one(ctx.coop, run, one))
    want = utility_given(default.configs.terms.take(cfg), attrs.take(run), default, runs_ctx)
    np.testing.assert_array_equal(fast, want)
    assert not np.array_equal(fast, compiled.table_utility(cfg, run, attrs, default, ctx))


def test_eight_pacts_or_more_sum_deterrence_over_members_only():
    """Four states at one level: 11 pacts, a 2,048-row table, and utility._deterrence's
    members-only sum (the branch for 8 pacts or more)."""
    raw = load_raw(FOUR_STATES)
    raw["levels"] = raw["levels"][:1]
    first = raw["levels"][0]["name"]
    raw["initial_pacts"] = {key: first for key in raw.get("initial_pacts", {})}
    p = compile_params(build_scenario(raw, "four states, one level"))
    assert p.space.n_pacts >= 8 and compiled.applies(p)
    attrs, ctx, cfg, run = _batch(p, 30, 5, actions=p.actions.n_kinds > 0)
    fast = compiled.table_utility(cfg, run, attrs, p, ctx)
    np.testing.assert_array_equal(fast, _numpy(p, attrs, ctx, cfg, run))


@pytest.mark.parametrize("association", [0.0, 0.5])
def test_compiled_cooperation_is_cooperation_bit_for_bit(default, association):
    """sim/rules/compiled_actions.py: the actions in force as utility terms, one scenario
    and stacked points, with and without guilt by association."""
    other = compile_params(load_scenario(DEFAULT_SCENARIO, OTHER))
    for p in (default, stack_params([default, other], [20, 30])):
        rng = np.random.default_rng(8)
        n, k = p.n_states, p.actions.n_kinds
        attrs = attributes(rng.uniform(0, 1, (50, len(p.drivers.names))), p)
        levels = p.configs.levels[rng.integers(0, len(p.configs.levels), 50)]
        value, cost, _ = priced_actions(levels, attrs, p)
        on = rng.random((50, n, n, k)) < 0.5
        partner = None
        if association:
            commit = rng.uniform(0, 1, (50, n, n)) * (1 - np.eye(n))
            partner = partner_hostility(p.hostility, commit, association)
        args = (on, value, cost, p.actions, p.hostility, attrs.conflict_risk, partner)
        fast, want = compiled_actions.cooperation(*args), cooperation(*args)
        for name in ("flow", "economy", "seen_us", "seen_cb", "exposure"):
            np.testing.assert_array_equal(getattr(fast, name), getattr(want, name), name)
        assert np.any(fast.flow) and np.any(fast.exposure)


def test_rows_of_the_same_configuration_and_run_are_shared(default):
    """A row marked as a copy (``source``: the same configuration, run and actions) gets
    the bits the row computes, and consecutive rows of one configuration and run (the
    month's open actions of a run) reuse its settled parts: same values as alone."""
    attrs, ctx, cfg, run = _batch(default, 50, 9, actions=True)
    cfg = cfg % 4  # few configurations: many rows share one with their run
    order = np.lexsort((cfg, run))  # rows of a run and configuration next to each other
    cfg, run = cfg[order], run[order]
    want = _numpy(default, attrs, ctx, cfg, run)
    first: dict[tuple[int, int], int] = {}
    pairs = zip(cfg.tolist(), run.tolist(), strict=True)
    source = np.array([first.setdefault(key, r) for r, key in enumerate(pairs)])
    source[source == np.arange(ROWS)] = -1
    assert (source >= 0).sum() > 50
    shared = compiled.table_utility(cfg, run, attrs, default, ctx, source=source)
    np.testing.assert_array_equal(shared, want)
    np.testing.assert_array_equal(compiled.table_utility(cfg, run, attrs, default, ctx), want)


def test_compiled_prices_are_action_values_and_costs(default):
    """sim/rules/compiled_actions.priced: every action's value and cost this month, one
    scenario and stacked points (per-run amounts, offers, trade shares and costs)."""
    other = compile_params(
        load_scenario(
            DEFAULT_SCENARIO, [*OTHER, "actions.munitions.cost=0.02", "actions.aid.amount=0.2"]
        )
    )
    for p in (default, stack_params([default, other], [20, 30])):
        rng = np.random.default_rng(10)
        n = p.n_states
        attrs = attributes(rng.uniform(0, 1, (50, len(p.drivers.names))), p)
        commit = rng.uniform(0, 1, (50, n, n)) * (1 - np.eye(n))
        a = p.actions
        value, cost = compiled_actions.priced(a, attrs.needs, attrs.trade_need, p.offers,
                                              p.trade_share, commit)  # fmt: skip
        want = action_values(a, attrs.needs, attrs.trade_need, p.offers, p.trade_share)
        np.testing.assert_array_equal(value, want)
        np.testing.assert_array_equal(cost, action_costs(a, commit))
        assert np.any(value) and np.any(cost)


def test_compiled_co_capability_is_the_pooled_capability(default):
    """sim.rules.context.context's pooled capability of co-members, compiled: the numpy
    sum over the batch (utility's deterrence reads it), one scenario and stacked."""
    other = compile_params(load_scenario(DEFAULT_SCENARIO, ["states.CHN.capability=0.3"]))
    for p in (default, stack_params([default, other], [20, 30])):
        affinity = np.random.default_rng(11).uniform(-1, 1, (50, p.n_states, p.n_states))
        m = p.space.membership
        rel_cap = p.capability / runwise(p.us_capability, p, 1)
        want = np.where(m, small_sum(m[:, None, :] * affinity[:, None, :, :]
                                     * runwise(rel_cap, p, 1)[..., None, :], -1), 0.0)  # fmt: skip
        got = compiled_actions.co_capability(affinity, m, rel_cap)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(context(affinity, p).co_capability, want)
        assert np.any(got < 0) and np.any(got > 0)


def test_runs_valued_in_place_are_the_batch_rows(default):
    """compiled.move_utilities of some runs read in place (update_rows: the runs whose
    configuration changed) gives those runs' rows of the whole batch's valuation, on
    every valid move; and each valid move's utility is utility_given of its result."""
    attrs, ctx, _, _ = _batch(default, 60, 12, actions=True)
    rng = np.random.default_rng(12)
    table = default.configs
    levels = table.levels[rng.integers(0, len(table.levels), 60)]
    whole_u, whole_valid = compiled_moves.move_utilities(levels, np.arange(60), attrs, default, ctx)
    rows = np.array([3, 17, 18, 42])
    u, valid = compiled_moves.move_utilities(levels[rows], rows, attrs, default, ctx)
    np.testing.assert_array_equal(valid, whole_valid[rows])
    np.testing.assert_array_equal(u[valid], whole_u[rows][valid])
    results = table.result[table.index(levels)]  # (B, M)
    b, m = np.nonzero(whole_valid)
    want = _numpy(default, attrs, ctx, results[b, m], b)
    np.testing.assert_array_equal(whole_u[b, m], want)


@pytest.mark.parametrize("with_loss", [False, True])
def test_compiled_relations_are_update_affinity_of_the_events(default, with_loss):
    """sim/rules/compiled_relations.py: next month's relations from random events (actions
    in force, pacts signed, walk-outs, refusals, defections), one scenario and stacked
    points with their own rates, as round.relation_events and update_affinity give."""
    other = compile_params(load_scenario(DEFAULT_SCENARIO, [
        "relation_dynamics.drift=0.2", "relation_dynamics.refusal=0.05"]))  # fmt: skip
    for p in (default, stack_params([default, other], [100, 100])):
        rng = np.random.default_rng(13)
        b, n, k, n_p = 200, p.n_states, p.actions.n_kinds, p.space.n_pacts
        affinity = rng.uniform(-1, 1, (b, n, n)) * (1 - np.eye(n))
        on = rng.random((b, n, n, k)) < 0.3
        signed, walked = rng.random((b, n_p)) < 0.2, rng.random((b, n_p, n)) < 0.2
        move = rng.integers(0, p.space.n_moves, b)
        proposer = rng.integers(0, n, b)
        refused = (rng.random((b, n)) < 0.3) & (np.arange(n) != proposer[:, None])
        acts = (rng.random(b) < 0.3) & (move > 0)
        loss = rng.uniform(0, 0.01, (b, n, n)) if with_loss else None
        pr = Proposal(proposer, move, np.zeros((b, n)), np.zeros(b, bool), refused, acts)
        ev = relation_events(p, on, signed, walked, pr, acts)
        want = update_affinity(affinity, p.affinity, ev, p.relations, loss)
        got = compiled_relations.next_affinity(affinity, p, on, signed, walked, proposer,
                                               refused, acts, move, loss)  # fmt: skip
        np.testing.assert_array_equal(got, want)
        assert np.any(ev.defected) and np.any(ev.walked) and np.any(ev.refused)


def test_compiled_attributes_are_the_weighted_rows_and_goods(default):
    """utility.attributes of a batch, compiled: clip(base + drivers . effect) and the
    goods' value (needs . offers), as arrays.weighted_rows and utility.goods_value sum
    them, one scenario and stacked points with their own loadings and offers."""
    other = compile_params(load_scenario(DEFAULT_SCENARIO, [
        "states.PRK.needs.technology=0", "drivers.rus_war.sigma=0.2"]))  # fmt: skip
    for p in (default, stack_params([default, other], [150, 150])):
        drivers = np.random.default_rng(14).uniform(-0.5, 1.5, (300, len(p.drivers.names)))
        base, effect = p.attribute_rows
        want = np.clip(base + weighted_rows(drivers, effect), 0.0, 1.0)
        got = compiled_actions.attribute_rows(drivers, base, effect)
        np.testing.assert_array_equal(got, want)
        assert np.any(got == 0.0) or np.any(got == 1.0)  # the clip is exercised
        attrs = attributes(drivers, p)
        np.testing.assert_array_equal(attrs.goods, goods_value(replace(attrs, goods=None), p))
