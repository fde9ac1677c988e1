"""The utility of configurations, compiled (numba): the lockstep engine's hot loop.

Every move's result and every open action are valued by :func:`table_utility`: one
compiled loop over (configuration, run) rows that reads the configuration's terms from a
table of them and the runs' rows where they are, instead of gathering them into arrays
first and running the utility's numpy expressions over those (about 40 passes over
memory). The table is the configuration table (``Params.configs``, small pact spaces) or,
for pact spaces too large to tabulate, the configurations met so far (``Params.seen``,
one scenario); with a US player, the kernel adds the player's terms
(:mod:`sim.rules.players`).

It computes :func:`sim.rules.utility.settled`, :func:`~sim.rules.utility.terms_with` and
:func:`~sim.rules.utility.weigh` term by term, with the same operations in the same
order, so it gives the same bits as :func:`~sim.rules.utility.utility_given` on the
gathered terms (numba compiles without fast-math: no reassociation, no fused
multiply-add); ``tests/test_compiled.py`` checks this equality on random rows, with and
without actions in force, for one scenario and for stacked design points. The numpy
functions stay the definition (docs/model.md 3.1-3.2) and serve every other case.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.rules.actions import Cooperation
from sim.rules.arrays import runwise
from sim.rules.context import Context
from sim.rules.kernel_args import at, per_run
from sim.rules.params import Params
from sim.rules.players import NO_PLAYER, rivalry
from sim.rules.utility import CONFIG_TERMS, Attributes, ConfigTerms, goods_value


class Added(NamedTuple):
    """The month's open actions, one added to each row (:func:`table_utility`): ``ijk
    (R, 3)`` actor, recipient, kind, and the month's prices (``value``, ``cost`` ``(B, N,
    N, K)``, ``partner`` ``(B, N, N)`` or None: :func:`sim.rules.act.priced_actions`)."""

    ijk: np.ndarray
    value: np.ndarray
    cost: np.ndarray
    partner: np.ndarray | None


def applies(p: Params) -> bool:
    """The scenario's moves and actions are valued by :func:`table_utility`: it has a
    configuration table, or (one scenario, not stacked points) the configurations met."""
    return p.configs is not None or (p.seen is not None and not p.stacked)


def held_terms(p: Params) -> ConfigTerms:
    """The table :func:`table_utility` reads configurations' terms from: the configuration
    table's, or the configurations met so far (rows valid until ``p.seen`` meets more)."""
    return p.configs.terms if p.configs is not None else p.seen.terms_held()


def rows_of(levels: np.ndarray, p: Params, run: np.ndarray | None = None) -> np.ndarray:
    """The rows of :func:`held_terms` of configurations ``levels (..., P)`` (the seen ones
    added first); with ``run`` (same leading shape), a stacked table's offsets of those
    runs included, as :func:`table_utility` reads ``cfg``."""
    if p.configs is None:
        return p.seen.positions(levels, p)
    here = p.configs.index(levels)
    offset = p.configs.offset
    return here if run is None else here + (offset[run] if np.ndim(offset) else offset)


def table_utility(
    cfg: np.ndarray,
    run: np.ndarray,
    attrs: Attributes,
    p: Params,
    ctx: Context,
    coop: Cooperation | None = None,
    coop_run: np.ndarray | None = None,
    added: Added | None = None,
    source: np.ndarray | None = None,
    need: np.ndarray | None = None,
) -> np.ndarray:
    """Total utility ``(..., N)`` of the configurations ``cfg`` (rows of
    :func:`held_terms`, a configuration table's offset included) in the runs ``run`` (same
    shape) of a batch whose attributes and context are ``attrs`` and ``ctx`` ``(B, ...)``,
    with the actions in force of row ``coop_run`` of ``coop`` (None: ``ctx.coop``, run by
    run) and, for each entry of a 1-D ``cfg``, the action ``added.ijk`` added
    (:func:`sim.rules.actions.one_action` and :func:`~sim.rules.actions.with_one`): what
    :func:`sim.rules.utility.utility_given` gives on the gathered rows. ``source`` (same
    shape as ``cfg``, flat index or -1): an entry that is a copy of another (the same
    configuration, run and actions). ``need`` (bool ``(K, N)``; entry r of the flattened
    ``cfg`` reads row ``r % K``): the states whose utility is read; the others are not
    computed (NaN). Each state's utility is computed on its own, so the states
    computed have the bits computing all would give them."""
    if not applies(p):
        raise ValueError(
            "table_utility needs a configuration table or the configurations met (one scenario)"
        )
    n = p.n_states
    shape = np.shape(cfg)
    if coop is None:
        coop, coop_run = ctx.coop, run
    shared, params = _scenario_args(p)
    terms = held_terms(p)
    table = (_floats(getattr(terms, f)) for f in CONFIG_TERMS)
    if p.player == NO_PLAYER:
        player = [False, 0, np.zeros((1, 1, 1))]
    else:  # players.rival_alignment reads each pact's rivalry, per run
        player = [True, p.player, _rivalry(ctx, p)]
    gv = goods_value(attrs, p) if attrs.goods is None else attrs.goods
    out = np.empty((int(np.prod(shape)), n))
    _table_utility(
        _ints(cfg), _ints(run), _ints(coop_run), *table,
        *(_floats(x) for x in (attrs.threat, attrs.conflict_risk, attrs.us_stake,
                               attrs.trade_need, gv, ctx.affinity, ctx.affinity_trade,
                               ctx.co_capability)),
        *shared, *_coop_args(coop, n), *params, *_added_args(added, attrs, p), *player,
        np.zeros(0, dtype=np.int64) if source is None else _ints(source), *_need_args(need),
        out,
    )  # fmt: skip
    return out.reshape(*shape, n)


def _rivalry(ctx: Context, p: Params) -> np.ndarray:
    """:func:`~sim.rules.players.rivalry` of ``ctx``'s relations, computed once per
    context and kept with it (the month's moves, talks and actions are valued in the same
    context; its arrays are not changed in place)."""
    kept = vars(ctx).get("_rivalry")
    if kept is None or kept[0] is not p.space.membership:
        kept = vars(ctx)["_rivalry"] = (
            p.space.membership,
            rivalry(ctx.affinity, p.space.membership),
        )
    return kept[1]


def _need_args(need: np.ndarray | None) -> list:
    """The kernel's ``need`` ``(K, N)`` (a placeholder if None)."""
    if need is None:
        return [np.zeros((0, 1), dtype=bool)]
    need = np.ascontiguousarray(need, dtype=bool)
    return [need.reshape(-1, need.shape[-1])]


def _coop_args(coop: Cooperation | None, n: int) -> list:
    """The kernel's arguments for the actions in force (placeholders if none)."""
    if coop is None:
        nothing = np.zeros((1, 1))
        return [False, np.zeros((1, n, n)), nothing, nothing, nothing, nothing]
    fields = (coop.flow, coop.exposure, coop.seen_us, coop.seen_cb, coop.economy)
    return [True, *(_floats(x) for x in fields)]


def _added_args(added: Added | None, attrs: Attributes, p: Params) -> list:
    """The kernel's arguments for the action added to each row (placeholders if none)."""
    if added is None:
        one = [False, np.zeros((1, 3), dtype=np.int64), *(np.zeros((1, 1, 1, 1)),) * 2]
        return one + [np.zeros((1, 1))] * 5 + [False, np.zeros((1, 1, 1))]
    a = p.actions
    one = [True, np.ascontiguousarray(added.ijk, dtype=np.int64), _floats(added.value),
           _floats(added.cost), per_run(a.payment, 1), per_run(a.visibility, 1),
           per_run(a.entanglement, 1), per_run(p.hostility, 1),
           _floats(attrs.conflict_risk), added.partner is not None]  # fmt: skip
    one.append(np.zeros((1, 1, 1)) if added.partner is None else _floats(added.partner))
    return one


def _scenario_args(p: Params) -> tuple[tuple, tuple]:
    """The kernel's arguments that depend on ``p`` alone (the trade shares and
    membership, the states' parameters and the stake and dependence pairs), laid out once
    per ``p`` and kept with it (as its cached properties are)."""
    cached = vars(p).get("_compiled_args")
    if cached is not None:
        return cached
    shared = (per_run(p.trade_share, 2), p.space.membership)
    params = [per_run(p.entrapment_aversion, 1), per_run(runwise(p.reactivity, p, 1), 1),
              per_run(p.presence, 1), per_run(p.autonomy, 1),
              per_run(np.swapaxes(p.weights, -1, -2), 2)]  # fmt: skip
    for group in (p.stake_pairs, p.dependence_pairs):
        values = np.zeros((1, 0))
        if group:
            values = np.stack([np.asarray(q[2], dtype=float) for q in group], axis=-1)
        first, second = ([q[x] for q in group] for x in (0, 1))
        params += [np.array(first, dtype=np.int64), np.array(second, dtype=np.int64),
                   per_run(values, 1)]  # fmt: skip
    cached = (shared, tuple(params))
    vars(p)["_compiled_args"] = cached
    return cached


def _ints(x) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.int64).reshape(-1)


def _floats(x) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=float)


@njit(cache=True, error_model="numpy")  # no zero-division checks: every divisor is >= 1 or > 0
def _table_utility(
    cfg, run, coop_run,
    t_commit, t_entangle, t_weight, t_us_ties, t_cb_member,  # the table, (C, ...)
    threat, risk, us_stake, trade_need, goods, affinity, aff_trade, co_cap,  # (B, ...)
    trade_share, membership,
    has_coop, flow, c_exposure, seen_us, seen_cb, c_economy,  # (rows of coop_run, ...)
    aversion, react, presence, autonomy, weights,  # (1 or B, ...)
    stake_i, stake_k, stake_v, dep_i, dep_j, dep_v,
    has_one, ijk, value, cost, payment, visibility, entanglement, hostility, conflict_risk,
    has_partner, partner,  # the action ijk[r] added to row r's (actions.one_action)
    has_player, player, riv,  # a US player, and players.rivalry (B, P, N)
    source, need, out,
):  # fmt: skip
    """``out[r] (N,)``: utility of configuration ``cfg[r]`` in run ``run[r]`` with the
    actions of row ``coop_run[r]``: settled, the shares, then the terms and their weighed
    sum (utility.terms_with, utility.weigh) in the numpy functions' order. One function:
    numba calls cost more than a row's arithmetic (106 ns a row written out, 251-330 ns
    with the parts as functions, inlined or not), so it is exempt from the length limit
    (tests/test_layout.py). A row whose ``source[r]`` >= 0 is a copy of that row (the
    same configuration in the same run, with the same actions); the settled parts of
    consecutive rows of the same configuration and run are computed once."""
    n = threat.shape[-1]
    sup, sup0 = np.empty((n, n)), np.empty((n, n))
    last_c, last_b = -1, -1
    den, lev, dep = np.empty(n), np.empty(n), np.empty(n)
    det, supply, exposure, economy = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    fl = np.empty((n, n))  # the row's actions in force (with the added one)
    with_trade, supplied = np.empty((n, n)), np.empty((n, n))  # run b's products
    l_exp, l_seen, l_cb, l_eco = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    pushed = np.zeros(n)  # players.player_terms: reactivity x rival_alignment
    done = np.zeros(n, dtype=np.bool_)  # states whose settled terms are computed for (c, b)
    has_need = need.shape[0] > 0
    last_q = -1  # the row of actions in force copied into fl, l_*
    for r in range(out.shape[0]):
        if source.shape[0] and source[r] >= 0:
            continue
        c, b, q = cfg[r], run[r], coop_run[r]
        if has_coop and (has_one or q != last_q):  # (an added action changes them)
            last_q = q
            for i in range(n):
                for j in range(n):
                    fl[i, j] = flow[q, i, j]
                l_exp[i], l_seen[i] = c_exposure[q, i], seen_us[q, i]
                l_cb[i], l_eco[i] = seen_cb[q, i], c_economy[q, i]
        if has_one:  # actions.one_action, then actions.with_one
            i, j, k = ijk[r, 0], ijk[r, 1], ijk[r, 2]
            hb = at(hostility, b)
            v = value[b, i, j, k]
            pay = v * payment[at(payment, b), k]
            vis = visibility[at(visibility, b), k]
            read_ij = partner[b, i, j] if has_partner else hostility[hb, j]
            read_ji = partner[b, j, i] if has_partner else hostility[hb, i]
            pair = 0.5 * (hostility[hb, i] + hostility[hb, j])
            fl[j, i] += v
            l_eco[i] += pay - cost[b, i, j, k]
            l_eco[j] -= pay
            l_seen[i] += vis * read_ij
            l_seen[j] += vis * read_ji
            l_cb[i] += vis * pair
            l_cb[j] += vis * pair
            l_exp[i] += entanglement[at(entanglement, b), k] * conflict_risk[b, j]
        rr = react[at(react, b), 0]
        if b != last_b:  # the run's products the configurations' terms multiply
            ts = at(trade_share, b)
            for i in range(n):
                for j in range(n):
                    trade = trade_share[ts, i, j] * trade_need[b, i]
                    with_trade[i, j] = goods[b, i, j] + trade  # utility.support's factor
                    supplied[i, j] = affinity[b, i, j] * goods[b, i, j]  # utility.supply's
        if c != last_c or b != last_b:  # utility.settled: support for every state
            for i in range(n):
                done[i] = False
                for j in range(n):  # utility.support
                    sup[i, j] = t_commit[c, i, j] * with_trade[i, j]
                    sup0[i, j] = sup[i, j]
            last_c, last_b = c, b
        else:  # the same configuration and run as the row before
            for i in range(n):
                for j in range(n):
                    sup[i, j] = sup0[i, j]
        for i in range(n):  # the rest of settled, for the states read not yet computed
            if done[i] or (has_need and not need[r % need.shape[0], i]):
                continue
            done[i] = True
            thr = threat[b, i]
            if has_player:  # players.rival_alignment: pacts in index order
                acc = t_weight[c, 0] * riv[b, 0, i]
                for k in range(1, t_weight.shape[-1]):
                    acc = acc + t_weight[c, k] * riv[b, k, i]
                pushed[i] = rr * acc
                thr = min(thr + pushed[i], 1.0)
            # utility._deterrence: pacts in index order; with 8 or more, those
            # containing i only (the others add exactly +0.0)
            acc = 0.0
            first = True
            for k in range(t_weight.shape[-1]):
                if t_weight.shape[-1] >= 8 and not membership[k, i]:
                    continue
                if first:
                    acc = t_weight[c, k] * co_cap[b, k, i]
                    first = False
                else:
                    acc = acc + t_weight[c, k] * co_cap[b, k, i]
            det[i] = thr * (acc / (1.0 + abs(acc)))
            s_sup = t_commit[c, i, 0] * supplied[i, 0]
            s_ex = t_entangle[c, i, 0] * risk[b, 0]
            s_eco = t_commit[c, i, 0] * aff_trade[b, i, 0]
            for j in range(1, n):
                s_sup += t_commit[c, i, j] * supplied[i, j]
                s_ex += t_entangle[c, i, j] * risk[b, j]
                s_eco += t_commit[c, i, j] * aff_trade[b, i, j]
            supply[i], exposure[i], economy[i] = s_sup, s_ex, trade_need[b, i] * s_eco
        # utility.terms_with: the shares of support with the actions' flow
        for k in range(n):
            if has_coop:
                for j in range(n):
                    sup[k, j] = sup[k, j] + fl[k, j]
            acc = sup[k, 0]
            for j in range(1, n):
                acc += sup[k, j]
            den[k] = acc if acc > 0 else 1.0  # utility.share_denominator
        for i in range(n):
            lev[i] = 0.0
            dep[i] = 0.0
        for s in range(stake_i.shape[0]):  # utility._leverage, pairs in index order
            i, k = stake_i[s], stake_k[s]
            lev[i] += stake_v[at(stake_v, b), s] * t_commit[c, i, k] * (sup[k, i] / den[k])
        for s in range(dep_i.shape[0]):  # utility._dependence
            i, j = dep_i[s], dep_j[s]
            share = sup[i, j] / den[i]
            dep[i] += share * share * dep_v[at(dep_v, b), s]
        pb, w = at(aversion, b), at(weights, b)
        for i in range(n):
            if has_need and not need[r % need.shape[0], i]:
                out[r, i] = np.nan  # not read
                continue
            sp, ex, eco = supply[i], exposure[i], economy[i]
            seen, cb = t_us_ties[c, i], t_cb_member[c, i]
            if has_coop:
                acc = affinity[b, i, 0] * fl[i, 0]
                for j in range(1, n):
                    acc += affinity[b, i, j] * fl[i, j]
                sp = sp + acc
                ex = ex + l_exp[i]
                seen = seen + l_seen[i]
                cb = cb + rr * l_cb[i]
                eco = eco + l_eco[i]
            security = det[i] + sp / (1.0 + abs(sp))
            security -= aversion[pb, i] * ex
            if not has_player:
                us = -us_stake[b, i] * rr * seen
            elif i == player:  # players.us_ties: 0 for the player itself
                us = 0.0
            else:  # players.us_ties with players.tie_with_player
                tie = affinity[b, i, player] + t_commit[c, i, player]
                us = us_stake[b, i] * (tie - rr * seen * (1.0 + affinity[b, i, player]))
            if has_player:  # the alignment its rivals formed (players.player_terms)
                cb = cb + pushed[i]
            influence = lev[i] - presence[at(presence, b), i] * cb
            influence = influence - autonomy[at(autonomy, b), i] * dep[i]
            total = security * weights[w, 0, i]  # utility.weigh: in term order
            total += us * weights[w, 1, i]
            total += influence * weights[w, 2, i]
            total += eco * weights[w, 3, i]
            out[r, i] = total
    for r in range(source.shape[0]):  # the copies
        if source[r] >= 0:
            for i in range(out.shape[1]):
                out[r, i] = out[source[r], i]
