"""The actions compiled (numba): their month's values and costs
(:func:`sim.rules.actions.action_values`, :func:`~sim.rules.actions.action_costs`) and
the actions in force as utility terms (:func:`sim.rules.actions.cooperation`).

Twice a month every run's actions in force become utility terms (at the month's start for
the decisions, at its end for the record): a dozen numpy passes over ``(B, N, N, K)``
arrays, here one loop per run with the same operations in the same order (sums over kinds
and partners in index order, as :func:`sim.rules.arrays.small_sum` adds them). The numpy
functions stay the definition (docs/model.md 3.8); ``tests/test_compiled.py`` checks
them bit for bit, with and without association, for one scenario and stacked points.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.rules.actions import NO_GOOD, TRADE_GOOD, ActionParams, Cooperation
from sim.rules.kernel_args import at, per_run


def cooperation(on: np.ndarray, value: np.ndarray, cost: np.ndarray, a: ActionParams,
                hostility: np.ndarray, risk: np.ndarray,
                partner: np.ndarray | None = None) -> Cooperation:  # fmt: skip
    """What :func:`sim.rules.actions.cooperation` gives, for a batch ``(B, N, N, K)``."""
    b, n = on.shape[0], on.shape[1]
    out = Cooperation(flow=np.empty((b, n, n)), economy=np.empty((b, n)),
                      seen_us=np.empty((b, n)), seen_cb=np.empty((b, n)),
                      exposure=np.empty((b, n)))  # fmt: skip
    _cooperation(
        np.ascontiguousarray(on), np.ascontiguousarray(value, dtype=float),
        np.ascontiguousarray(cost, dtype=float), per_run(a.payment, 1), per_run(a.visibility, 1),
        per_run(a.entanglement, 1), per_run(hostility, 1), np.ascontiguousarray(risk),
        partner is not None,
        np.zeros((1, n, n)) if partner is None else np.ascontiguousarray(partner),
        out.flow, out.economy, out.seen_us, out.seen_cb, out.exposure,
    )  # fmt: skip
    return out


@njit(cache=True)
def _cooperation(on, value, cost, payment, visibility, entanglement, hostility, risk,
                 has_partner, partner, flow, economy, seen_us, seen_cb, exposure):  # fmt: skip
    """actions.cooperation run by run (its names in the comments)."""
    n_runs, n, _, n_kinds = on.shape
    paid, seen0, ent = np.empty((n, n)), np.empty((n, n)), np.empty((n, n))
    spent = np.empty(n)
    for b in range(n_runs):
        pb, vb, eb = at(payment, b), at(visibility, b), at(entanglement, b)
        for i in range(n):
            s_spent = 0.0
            for j in range(n):
                d_flow = d_paid = d_cost = d_seen = d_ent = 0.0
                for k in range(n_kinds):
                    w = 1.0 if on[b, i, j, k] else 0.0
                    delivered = w * value[b, i, j, k]
                    if k == 0:
                        d_flow, d_paid = delivered, delivered * payment[pb, 0]
                        d_cost, d_seen = w * cost[b, i, j, 0], w * visibility[vb, 0]
                        d_ent = w * entanglement[eb, 0]
                    else:
                        d_flow += delivered
                        d_paid += delivered * payment[pb, k]
                        d_cost += w * cost[b, i, j, k]
                        d_seen += w * visibility[vb, k]
                        d_ent += w * entanglement[eb, k]
                flow[b, j, i] = d_flow  # swapped: [client j, patron i]
                paid[i, j], seen0[i, j], ent[i, j] = d_paid, d_seen, d_ent
                s_spent = d_cost if j == 0 else s_spent + d_cost
            spent[i] = s_spent
        hb = at(hostility, b)
        for i in range(n):
            received, given = paid[i, 0], paid[0, i]
            for j in range(1, n):
                received += paid[i, j]
                given += paid[j, i]
            economy[b, i] = received - given - spent[i]
            s_us = s_cb = s_exp = 0.0
            for j in range(n):
                seen = seen0[i, j] + seen0[j, i]  # either direction involves both
                read = partner[b, i, j] if has_partner else hostility[hb, j]
                pair = 0.5 * (hostility[hb, i] + hostility[hb, j])
                if j == 0:
                    s_us, s_cb, s_exp = seen * read, seen * pair, ent[i, 0] * risk[b, 0]
                else:
                    s_us += seen * read
                    s_cb += seen * pair
                    s_exp += ent[i, j] * risk[b, j]
            seen_us[b, i], seen_cb[b, i], exposure[b, i] = s_us, s_cb, s_exp


def priced(a: ActionParams, needs: np.ndarray, trade_need: np.ndarray, offers: np.ndarray,
           trade_share: np.ndarray, commit: np.ndarray) -> tuple[np.ndarray, ...]:  # fmt: skip
    """``(value, cost)``, ``(B, N, N, K)`` each: :func:`sim.rules.actions.action_values`
    and :func:`~sim.rules.actions.action_costs` at the pairs' commitment ``commit``."""
    b, n, _ = commit.shape
    value, cost = np.empty((b, n, n, a.n_kinds)), np.empty((b, n, n, a.n_kinds))
    _priced(
        a.good.astype(np.int64), per_run(a.amount, 1), per_run(a.cost, 1),
        per_run(a.pact_discount, 1), per_run(offers, 2), np.ascontiguousarray(needs),
        np.ascontiguousarray(trade_need), per_run(trade_share, 2),
        np.ascontiguousarray(commit, dtype=float), value, cost,
    )  # fmt: skip
    return value, cost


@njit(cache=True)
def _priced(good, amount, cost_k, discount, offers, needs, trade_need, trade_share, commit,
            value, cost):  # fmt: skip
    """actions.action_values: amount x (the actor's offer x the recipient's need of the
    good; for trade the recipient's trade need x its share of trade with the actor; 0
    without a good); actions.action_costs: cost x (1 - pact_discount x commitment)."""
    n_runs, n, _, n_kinds = value.shape
    for b in range(n_runs):
        ob, tb = at(offers, b), at(trade_share, b)
        ab, cb, db = at(amount, b), at(cost_k, b), at(discount, b)
        for i in range(n):
            for j in range(n):
                for k in range(n_kinds):
                    g = good[k]
                    if g == TRADE_GOOD:
                        v = trade_need[b, j] * trade_share[tb, j, i]
                    elif g == NO_GOOD:
                        v = 0.0
                    else:
                        v = offers[ob, i, g] * needs[b, j, g]
                    value[b, i, j, k] = amount[ab, k] * v
                    cost[b, i, j, k] = cost_k[cb, k] * (1.0 - discount[db, k] * commit[b, i, j])


def co_capability(affinity: np.ndarray, membership: np.ndarray, rel_cap: np.ndarray
                  ) -> np.ndarray:  # fmt: skip
    """``(B, P, N)``: what :func:`sim.rules.context.context` pools for deterrence, the
    affinity-weighted capability of each member's co-members (0 for non-members);
    ``rel_cap`` the capabilities relative to the US, ``(N,)`` or stacked ``(B, N)``."""
    b, n, _ = affinity.shape
    out = np.empty((b, membership.shape[0], n))
    _co_capability(np.ascontiguousarray(affinity, dtype=float), membership,
                   per_run(rel_cap, 1), out)  # fmt: skip
    return out


@njit(cache=True)
def _co_capability(affinity, membership, rel_cap, out):
    """sum_k (member_qk x A[i, k]) x rel_cap[k] over k in order, where i is a member."""
    n_runs, n_pacts, n = out.shape
    for b in range(n_runs):
        rb = at(rel_cap, b)
        for q in range(n_pacts):
            for i in range(n):
                if not membership[q, i]:
                    out[b, q, i] = 0.0
                    continue
                acc = 0.0
                for k in range(n):
                    term = ((1.0 if membership[q, k] else 0.0) * affinity[b, i, k]) * rel_cap[rb, k]
                    acc = term if k == 0 else acc + term
                out[b, q, i] = acc


def attribute_rows(drivers: np.ndarray, base: np.ndarray, effect: np.ndarray) -> np.ndarray:
    """``(B, X)``: clip(base + sum_d drivers[:, d] x effect[d], 0, 1), drivers in index
    order (:func:`sim.rules.utility.attributes` with :func:`sim.rules.arrays.weighted_rows`);
    ``base (X,)``, ``effect (D, X)``, or stacked with a leading run axis."""
    out = np.empty((drivers.shape[0], base.shape[-1]))
    _attribute_rows(np.ascontiguousarray(drivers, dtype=float), per_run(base, 1),
                    per_run(effect, 2), out)  # fmt: skip
    return out


@njit(cache=True)
def _attribute_rows(drivers, base, effect, out):
    n_runs, n_drivers = drivers.shape
    for b in range(n_runs):
        bb, eb = at(base, b), at(effect, b)
        for x in range(out.shape[1]):
            acc = 0.0
            for d in range(n_drivers):
                term = drivers[b, d] * effect[eb, d, x]
                acc = term if d == 0 else acc + term
            out[b, x] = min(max(base[bb, x] + acc, 0.0), 1.0)


def goods_value(needs: np.ndarray, offers: np.ndarray) -> np.ndarray:
    """``(B, N, N)`` [i, j]: sum_g needs[:, i, g] x offers[j, g], goods in index order
    (:func:`sim.rules.utility.goods_value`); ``offers (N, G)`` or stacked."""
    b, n, _ = needs.shape
    out = np.empty((b, n, offers.shape[-2]))
    _goods_value(np.ascontiguousarray(needs, dtype=float), per_run(offers, 2), out)
    return out


@njit(cache=True)
def _goods_value(needs, offers, out):
    n_runs, n, n_goods = needs.shape
    for b in range(n_runs):
        ob = at(offers, b)
        for i in range(n):
            for j in range(out.shape[2]):
                acc = 0.0
                for g in range(n_goods):
                    term = needs[b, i, g] * offers[ob, j, g]
                    acc = term if g == 0 else acc + term
                out[b, i, j] = acc
