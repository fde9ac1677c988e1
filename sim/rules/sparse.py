"""Valuing only what a move can change: the utilities of the states a move touches.

In a world of many states a move changes one pact (two when a member leaves a pact of
three or more: the rest keep theirs), and so the rows of the pair strengths of that pact's
members only. State i's utility (:mod:`sim.rules.utility`) reads the configuration
through

* its own rows of the pair strengths (commitment, entanglement: supply, exposure, its
  support and support shares, economy, dependence, the commitment of its leverage),
* the alignment weights of the pacts containing it (deterrence, and its us_ties and
  counter-balancing rows, which are 0 for the pacts it is not in),
* and, for leverage, the support shares of the clients it has a stake in.

So a move leaves every other state's utility exactly as in the status quo (the same
inputs in the same order give the same bits). :func:`effect_utilities` computes the
status quo for every state and each other effect for the states it touches only
(:func:`touched`), with the same elementwise products and sums as
:func:`sim.rules.utility.utility_given` on each state's row; tests/test_sparse.py checks
it gives the same bits as valuing every state. With a US player every state's threat and
counter-balancing also read every pact's weight (:mod:`sim.rules.players`): the rows are
then computed for the touched states only and the player's terms for every state. Issue
23's "value only what can change" for large worlds: in the 8-state benchmark world a move
touches about a third of the states, in northeast_asia_2024 about half.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.rules import players
from sim.rules.arrays import small_sum
from sim.rules.context import Context
from sim.rules.params import Params
from sim.rules.players import NO_PLAYER
from sim.rules.utility import Attributes, saturate, share_denominator

if TYPE_CHECKING:
    from sim.rules.configs import SeenTerms

MIN_PACTS = 8
"""Pact spaces at least this large are valued sparsely (deterrence then sums over each
state's own pacts, :func:`sim.rules.utility._deterrence`, as here)."""

MAX_TOUCHED = 0.6
"""...and only where a move touches at most this share of the states on average: the
gathers of the states' rows cost more than they save where most states are touched
(4 states, every subset: 0.81, 0.9-0.97x; 6 states declared: 0.53, 1.07-1.38x; 8 states
declared: 0.38, 1.36-1.6x; lockstep CPU time, this valuation against the whole one)."""


def applies(p: Params) -> bool:
    """Whether moves of ``p``'s worlds are valued for the states they touch only: a large
    pact space without a configuration table, one scenario (not stacked), moves that touch
    few of the states (:data:`MAX_TOUCHED`)."""
    return (
        p.configs is None
        and not p.stacked
        and p.space.n_pacts >= MIN_PACTS
        and float(touched(p).mean()) <= MAX_TOUCHED
    )


def touched(p: Params) -> np.ndarray:
    """``(M, N)`` bool: the states whose utility move m can change
    (:func:`sim.rules.pacts.touched_states`, computed once per ``p``)."""
    return p.touched


class Pairs(NamedTuple):
    """The (effect, state) pairs valued, effect-major: ``effect (Q,)`` columns of the
    effects valued, ``state (Q,)``, and ``source (E, N)``: the pair holding state k's row
    at effect e (its own pair if touched, else the status quo's)."""

    effect: np.ndarray
    state: np.ndarray
    source: np.ndarray


def pairs(mask: np.ndarray, status_quo: int) -> Pairs:
    """:class:`Pairs` of ``mask (E, N)`` (which states each effect touches; the status quo
    column ``status_quo`` must be all True)."""
    effect, state = np.nonzero(mask)
    source = np.full(mask.shape, -1, dtype=np.intp)
    source[effect, state] = np.arange(len(effect))
    source = np.where(mask, source, source[status_quo][None, :])
    return Pairs(effect, state, source)


def effect_utilities(cache: SeenTerms, pos: np.ndarray, attrs: Attributes, p: Params,
                     ctx: Context, mask: np.ndarray, status_quo: int) -> np.ndarray:  # fmt: skip
    """``(B, E, N)``: the utility of every state at each effect's configuration, the
    configuration's terms gathered from the configurations met (``cache``, its rows
    ``(C, ...)``) at ``pos (B, E)``; state i's row at effect e computed only where
    ``mask[e, i]`` (:func:`touched`), else the status quo's (column ``status_quo``).
    ``attrs`` and ``ctx`` are the runs' ``(B, ...)``. Without a US player an untouched
    state's utility is the status quo's; with one, every state's threat and
    counter-balancing read every pact's weight (:mod:`sim.rules.players`), so the rows are
    spread to every (effect, state) and the player's terms added there."""
    pr = pairs(mask, status_quo)
    t = _row_terms(cache, pos[:, pr.effect], pr, attrs, p, ctx)  # (B, Q) each
    s = pr.state
    if p.player == NO_PLAYER:
        u = _finish(t, attrs.threat[:, s], attrs.us_stake[:, s], None, s, p, ctx)  # (B, Q)
        out = np.repeat(u[:, pr.source[status_quo]][:, None, :], mask.shape[0], axis=1)
        out[:, pr.effect, pr.state] = u
        return out
    full = RowTerms(*(x[:, pr.source] for x in t))  # (B, E, N): untouched rows unchanged
    affinity = ctx.affinity[:, None]
    pushed = p.reactivity * players.rival_alignment(
        cache.terms_held().weight[pos], affinity, p.space.membership
    )  # (B, E, N), as players.player_terms
    threat = np.minimum(attrs.threat[:, None] + pushed, 1.0)
    return _finish(full, threat, attrs.us_stake[:, None], pushed, slice(None), p, ctx)


class RowTerms(NamedTuple):
    """What each (effect, state) pair's utility reads from the state's row, ``(B, Q)``
    each, before the US player's terms (:func:`_finish` adds them)."""

    deterrence: np.ndarray  # saturated deterrence of the state's pacts (x threat later)
    supply: np.ndarray  # goods through pacts and actions, weighted by affinity
    exposure: np.ndarray  # entanglement x partners' conflict risk, pacts and actions
    seen: np.ndarray  # visible alignment with US adversaries, pacts and actions
    tie: np.ndarray  # affinity + commitment with the US player (0 without one)
    leverage: np.ndarray
    dependence: np.ndarray
    cb: np.ndarray  # counter-balancing aimed at the state (pacts and actions)
    economy: np.ndarray


def _row_terms(cache: SeenTerms, cfg: np.ndarray, pr: Pairs, attrs: Attributes,
               p: Params, ctx: Context) -> RowTerms:  # fmt: skip
    """The :class:`RowTerms` of state ``pr.state[q]`` at configuration ``cfg[:, q]``: the
    parts of :func:`sim.rules.utility.settled` and :func:`~sim.rules.utility.terms_with`
    on that state's row, in the same order. A row ``[i, j]`` is laid out partner first,
    ``(N, B, Q)``, so its sums over partners add contiguous slices (in the same order as
    :func:`~sim.rules.arrays.small_sum` on ``[..., i, j]``)."""
    rows = cache.terms_held()
    s = pr.state
    n = p.n_states
    flat = cfg * n + s  # (B, Q) row of each pair in a table's (C x N) rows

    def row(x: np.ndarray) -> np.ndarray:  # (B, N, N) per run -> (N, B, Q) pairs' rows
        return np.take(np.ascontiguousarray(np.moveaxis(x, -1, 0)), s, axis=2)

    def table_row(field: str) -> np.ndarray:  # a (C, N, N) field of the rows -> (N, B, Q)
        return np.take(cache.partner_first(field), flat, axis=1)

    def table_entry(x: np.ndarray) -> np.ndarray:  # (C, N) table -> (B, Q)
        return np.take(x.reshape(-1), flat)

    commit = table_row("commit")  # (N, B, Q)
    aff, gv, coop = ctx.affinity, attrs.goods, ctx.coop
    trade = p.trade_share * attrs.trade_need[..., :, None]
    deterrence = _deterrence(rows.weight, cfg, ctx.co_capability, s, p)
    supply = small_sum(commit * row(aff * gv), axis=0)
    risk = attrs.conflict_risk.T[:, :, None]  # [j] = conflict risk of j, (N, B, 1)
    exposure = small_sum(table_row("entangle") * risk, axis=0)
    sup = commit * row(gv + trade)
    economy = attrs.trade_need[:, s] * small_sum(commit * row(ctx.affinity_trade), axis=0)
    seen = table_entry(rows.us_ties)
    cb = table_entry(rows.cb_member)
    if coop is not None:
        supply = supply + small_sum(aff * coop.flow, axis=-1)[:, s]
        exposure = exposure + coop.exposure[:, s]
        seen = seen + coop.seen_us[:, s]
        sup = sup + row(coop.flow)
        cb = cb + p.reactivity * coop.seen_cb[:, s]
        economy = economy + coop.economy[:, s]
    den = share_denominator(np.moveaxis(sup, 0, -1))  # (B, Q)
    leverage, dependence = _influence_sums(sup, den, commit, pr, p)
    tie = np.zeros(den.shape)
    if p.player != NO_PLAYER:  # players.tie_with_player on the rows
        tie = aff[:, s, p.player] + commit[p.player]
        tie[:, s == p.player] = 0.0
    return RowTerms(deterrence, supply, exposure, seen, tie, leverage, dependence, cb, economy)


def _finish(t: RowTerms, threat: np.ndarray, us_stake: np.ndarray, pushed, s, p: Params,
            ctx: Context) -> np.ndarray:  # fmt: skip
    """The utility from the rows' terms, as :func:`sim.rules.utility.terms_with` and
    :func:`~sim.rules.utility.weigh` combine them: over pairs ``(B, Q)`` (``s`` the
    pairs' states, no player) or over ``(B, E, N)`` (``s`` every state, ``pushed`` the
    US player's reaction on each state, :func:`sim.rules.players.player_terms`)."""
    security = threat * t.deterrence + saturate(t.supply)
    security -= p.entrapment_aversion[s] * t.exposure
    if pushed is None:
        us_ties = -us_stake * p.reactivity * t.seen
        cb = t.cb
    else:
        affinity = ctx.affinity[:, None]
        us_ties = players.us_ties(us_stake, t.tie, t.seen, p.reactivity, affinity, p.player)
        cb = t.cb + pushed
    influence = t.leverage - p.presence[s] * cb - p.autonomy[s] * t.dependence
    total = security * p.weights[s, 0]
    for k, part in enumerate((us_ties, influence, t.economy), start=1):
        total += part * p.weights[s, k]
    return total


def _deterrence(weight: np.ndarray, cfg: np.ndarray, co_cap: np.ndarray, s: np.ndarray,
                p: Params) -> np.ndarray:  # fmt: skip
    """``(B, Q)``: saturate(sum over the pacts containing the pair's state of weight x its
    co-members' capability), pacts in index order (the sum of
    :func:`sim.rules.utility._deterrence` for large pact spaces)."""
    out = np.zeros(cfg.shape)
    membership = p.space.membership
    for i in np.unique(s):
        q = np.flatnonzero(s == i)
        pacts = np.flatnonzero(membership[:, i])
        if len(pacts):
            c = cfg[:, q]
            acc = weight[c, pacts[0]] * co_cap[:, pacts[0], i, None]
            for k in pacts[1:]:
                acc = acc + weight[c, k] * co_cap[:, k, i, None]
            out[:, q] = acc
    return saturate(out)


def _influence_sums(sup, den, commit, pr: Pairs, p: Params) -> tuple[np.ndarray, np.ndarray]:
    """``(leverage, dependence)``, ``(B, Q)`` each, as :func:`sim.rules.utility._leverage`
    and :func:`~sim.rules.utility._dependence` (``sup``, ``commit`` rows partner first,
    ``(N, B, Q)``): the clients' shares read from the rows of the same effect
    (``pr.source``)."""
    leverage, dependence = np.zeros(den.shape), np.zeros(den.shape)
    for i, k, stake in p.stake_pairs:
        q = np.flatnonzero(pr.state == i)
        src = pr.source[pr.effect[q], k]
        leverage[:, q] += stake * commit[k][:, q] * (sup[i][:, src] / den[:, src])
    for i, j, asymmetry in p.dependence_pairs:
        q = np.flatnonzero(pr.state == i)
        share = sup[j][:, q] / den[:, q]
        dependence[:, q] += share * share * asymmetry
    return leverage, dependence
