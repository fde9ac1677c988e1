"""The month's cooperation actions (docs/model.md 3.8): what each action is worth and
costs this month, the actions in force as utility terms, and which open actions are taken.

Pure functions over a leading batch axis, called by :func:`sim.rules.round.play_round`.
"""

from __future__ import annotations

import numpy as np

from sim.rules import compiled, compiled_actions, compiled_take
from sim.rules.actions import (
    one_action,
    partner_hostility,
    with_one,
)
from sim.rules.kernel_args import logistic
from sim.rules.params import Params
from sim.rules.stack import take_runs
from sim.rules.strength import pair_strength
from sim.rules.utility import (
    Attributes,
    ConfigTerms,
    config_terms,
    settled,
    terms_with,
    weigh,
)


def priced_actions(levels: np.ndarray, attrs: Attributes, p: Params):
    """``(value, cost, partner)`` of every action this month, ``(B, N, N, K)`` each (costs
    at the month's opening configuration) and the hostility read into each pair's
    cooperation ``(B, N, N)`` at that configuration (None without association,
    :func:`~sim.rules.actions.partner_hostility`); None when the scenario has no actions."""
    a = p.actions
    if a.n_kinds == 0:
        return None
    commit = pair_strength(levels, p.pair_table, p.commitment, p.stacked)
    value, cost = compiled_actions.priced(  # action_values, action_costs
        a, attrs.needs, attrs.trade_need, p.offers, p.trade_share, commit
    )
    partner = None
    if np.any(p.association):
        partner = partner_hostility(p.hostility, commit, p.association)
    return value, cost, partner


def in_force(on: np.ndarray, priced: tuple, attrs: Attributes, p: Params):
    """The :class:`~sim.rules.actions.Cooperation` of the actions ``on``
    (:func:`sim.rules.actions.cooperation`, compiled)."""
    value, cost, partner = priced
    return compiled_actions.cooperation(on, value, cost, p.actions, p.hostility,
                                        attrs.conflict_risk, partner)  # fmt: skip


def take_actions(act_left, waiting, levels, attrs, ctx, p, u_act, priced, u0, bonus=None):
    """Every action open to its actor is taken iff the actor and the recipient each agree
    (logit on its own utility change with the action added, at the end-of-month
    configuration with the actions in force, ``u0 (B, N)``;
    :func:`~sim.rules.actions.decide`). Only the (run, action) pairs open now are valued;
    an action declined (``waiting (B, N, N, K)``) is not open until the scenario's
    ``action_review`` months have passed, unless an occasion of the month invites it:
    ``bonus`` (:func:`~sim.rules.actions.occasion_bonus`, None: no occasion) is then added
    to both sides' gains. Returns ``(taken, declined)``, ``(B, N, N, K)`` each."""
    a = p.actions
    declined = np.zeros(act_left.shape, dtype=bool)
    if priced is None:
        return declined, declined
    level_ids = np.arange(len(p.level_names))
    if p.stacked:
        level_ids = np.broadcast_to(level_ids, p.commitment.shape)
    top = pair_strength(levels, p.pair_table, level_ids, per_run=p.stacked)  # (B, N, N)
    taken = np.zeros(act_left.shape, dtype=bool)
    rows, slot, ijk = compiled_take.open_slots(a, act_left, top, waiting, bonus)  # open_pairs
    if len(rows):
        u = _utility_with(rows, ijk, priced, levels, attrs, ctx, p, pair_only=True)  # (C, N)
        temperature = p.negotiation.action_temperature
        if p.stacked:
            temperature = np.asarray(temperature)[rows]
        x = compiled_take.gains(u, u0, rows, ijk, bonus, temperature)
        agree = logistic(x)  # logit.accept_probability at cost 0
        compiled_take.record(agree, rows, slot, ijk, u_act, taken, declined)  # decide
    return taken, declined


def _utility_with(rows, ijk, priced, levels, attrs, ctx, p, pair_only=False):
    """``(C, N)``: utility of runs ``rows`` (at ``levels``) with the action ``ijk``
    (actor, recipient, kind) added to their actions in force (``priced``: this month's
    values, costs and partner hostility, :func:`priced_actions`). ``pair_only``: compiled,
    only the actor's and the recipient's (what the decision reads; the others NaN).

    What the actions do not change (:class:`~sim.rules.utility.Settled`) is computed once
    per run: for the whole batch when most runs weigh actions (then gathered), else for
    the rows alone; either way each value is the same elementwise product."""
    table = p.configs
    if compiled.applies(p):  # read from the table and the runs' rows, no gathers
        if table is not None:  # each run's row once, then the candidates' (fewer lookups)
            cfg = compiled.rows_of(levels, p, np.arange(len(levels)))[rows]
        else:  # only the configurations of runs with candidates are added to those met
            cfg = compiled.rows_of(levels[rows], p, rows)
        added = compiled.Added(ijk, *priced)
        return compiled.table_utility(cfg, rows, attrs, p, ctx, added=added, pair_only=pair_only)
    value, cost, partner = priced
    one = one_action(rows, ijk, value, cost, p.actions, p.hostility, attrs.conflict_risk,
                     partner)  # fmt: skip
    coop_c = with_one(ctx.coop, rows, one)
    if table is not None:
        ct = _table_terms(levels, p)
    else:
        ct = config_terms(levels, p) if p.seen is None else p.seen.take(levels, p)
    if 2 * len(rows) > len(levels):
        base = settled(ct, attrs, p, ctx).take(rows)
    else:
        base = settled(ct.take(rows), attrs.take(rows), take_runs(p, rows),
                       ctx.take(rows, coop=False))  # fmt: skip
    sub = take_runs(p, rows)
    at = Attributes(attrs.threat[rows], None, attrs.us_stake[rows], None, None)  # read
    ct_c = ConfigTerms(ct.commit[rows], None, None, ct.us_ties[rows], ct.cb_member[rows])
    parts = terms_with(base, ct_c, at, sub, ctx.affinity[rows], coop_c)
    return weigh(parts, at, sub)


def _table_terms(levels: np.ndarray, p: Params):
    table = p.configs
    return table.terms.take(table.offset + table.index(levels))
