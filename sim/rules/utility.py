"""Utility terms of each state for a configuration of pacts: pure functions over arrays.

Shapes: ``levels[..., P]`` (any leading batch axes, e.g. runs x candidate moves) and state
attributes ``attrs.*[..., N]`` broadcastable against them. Every function returns arrays
with the same leading axes.

Grounding
---------
* security: balance of threat (Walt 1987): a partner's capability and the goods it
  supplies (munitions for a state at war) count against the threat the state faces, with
  diminishing returns; alliance security dilemma (Snyder 1984): a pact's commitment level
  lowers abandonment risk (more of the partner's support counts) while its entanglement
  exposes the member to the partner's conflict risk (entrapment).
* us_ties: visible alignment with US adversaries costs ties with the United States; a
  bloc of three or more is more visible than a bilateral tie.
* regional_influence: leverage over clients (a patron's share of the client's external
  support, which falls when a second patron appears), minus exposure to the
  counter-balancing of US allies, minus the autonomy lost by depending on one stronger
  patron (security-autonomy trade-off of asymmetric alliances, Morrow 1991).
* economy: trade secured with partners, weighted by trade shares (North Korea ~98% with
  China).
* relations: every term that values a partner is scaled by the pairwise affinity
  (propensities in Axelrod & Bennett 1993's landscape theory), so rivals gain little or
  lose from sharing a pact.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sim.rules import compiled_actions, players
from sim.rules.actions import Cooperation
from sim.rules.arrays import per_run, runwise, small_sum, weighted_rows
from sim.rules.context import Context, baseline_context
from sim.rules.params import Params
from sim.rules.strength import _strength, pair_strength, pair_strengths


@dataclass(frozen=True)
class Attributes:
    """State attributes after drivers' effects: ``(..., N)`` each, needs ``(..., N, G)``."""

    threat: np.ndarray
    conflict_risk: np.ndarray
    us_stake: np.ndarray
    trade_need: np.ndarray
    needs: np.ndarray  # (..., N, G)
    # (..., N, N) goods_value of these needs, computed once a round (None: on demand)
    goods: np.ndarray | None = None

    def take(self, rows: np.ndarray) -> Attributes:
        """The attributes of some runs of a batch (first axis)."""
        return Attributes(
            threat=self.threat[rows],
            conflict_risk=self.conflict_risk[rows],
            us_stake=self.us_stake[rows],
            trade_need=self.trade_need[rows],
            needs=self.needs[rows],
            goods=None if self.goods is None else self.goods[rows],
        )

    def expand(self) -> Attributes:
        """Insert a broadcast axis before the state axis (e.g. for candidate moves)."""
        return Attributes(
            threat=self.threat[..., None, :],
            conflict_risk=self.conflict_risk[..., None, :],
            us_stake=self.us_stake[..., None, :],
            trade_need=self.trade_need[..., None, :],
            needs=self.needs[..., None, :, :],
            goods=None if self.goods is None else self.goods[..., None, :, :],
        )


def attributes(drivers: np.ndarray, p: Params) -> Attributes:
    """State attributes given driver values ``drivers[..., D]``: base + sum over drivers of
    value x loading, clipped to [0, 1]. Every attribute in one product with the rows of
    :attr:`Params.attribute_rows` (each entry adds the same terms in the same order as
    one product per attribute would)."""
    base, effect = p.attribute_rows
    batch = drivers.ndim == 2  # a batch: the same sums compiled (compiled_actions)
    flat = (compiled_actions.attribute_rows(drivers, base, effect) if batch
            else np.clip(base + weighted_rows(drivers, effect), 0.0, 1.0))  # fmt: skip
    n = p.n_states
    own = np.ascontiguousarray if batch else np.asarray  # a batch's columns as arrays of
    attrs = Attributes(  # their own: the kernels read them without a copy each
        threat=own(flat[..., :n]),
        conflict_risk=own(flat[..., n : 2 * n]),
        us_stake=own(flat[..., 2 * n : 3 * n]),
        trade_need=own(flat[..., 3 * n : 4 * n]),
        needs=flat[..., 4 * n :].reshape((*drivers.shape[:-1], *p.needs.shape[-2:])),
    )
    gv = compiled_actions.goods_value(attrs.needs, p.offers) if batch else goods_value(attrs, p)
    return replace(attrs, goods=gv)  # read by every valuation


def saturate(x: np.ndarray) -> np.ndarray:
    """Diminishing returns, sign-preserving and bounded: x / (1 + |x|)."""
    return x / (1.0 + np.abs(x))


def goods_value(attrs: Attributes, p: Params) -> np.ndarray:
    """``[..., i, j]``: value to state i of the goods partner j offers (needs . offers)."""
    return small_sum(attrs.needs[..., :, None, :] * runwise(p.offers, p, 1), axis=-1)


def support(
    commit: np.ndarray, attrs: Attributes, p: Params, gv: np.ndarray | None = None
) -> np.ndarray:
    """``[..., k, j]``: external support client k receives from partner j.

    Goods j offers that k needs (``gv``: :func:`goods_value`, if already computed), plus
    trade (k's trade share with j times its need for trade), counted at the commitment of
    their strongest shared pact.
    """
    trade = p.trade_share * attrs.trade_need[..., :, None]
    return commit * ((goods_value(attrs, p) if gv is None else gv) + trade)


def support_shares(
    levels: np.ndarray, attrs: Attributes, p: Params, ctx: Context | None = None
) -> np.ndarray:
    """``[..., k, j]``: share of k's external support from j in configuration ``levels``
    (with the goods the actions in force deliver, if any)."""
    commit = pair_strength(levels, p.pair_table, p.commitment, p.stacked)
    sup = support(commit, attrs, p)
    coop = None if ctx is None else ctx.coop
    return support_share(sup if coop is None else sup + coop.flow)


def support_share(sup: np.ndarray) -> np.ndarray:
    """``[..., k, j]``: share of k's external support from j (0 where k has none)."""
    denominator = share_denominator(sup)
    out = np.empty(np.broadcast_shapes(sup.shape, (*denominator.shape, 1)))
    for j in range(sup.shape[-1]):  # column by column: long rows for numpy's inner loop
        np.divide(sup[..., j], denominator, out=out[..., j])
    return out


def alignment_weight(levels: np.ndarray, p: Params) -> np.ndarray:
    """``[..., P]``: commitment x visibility of each pact (0 where inactive)."""
    return _strength(p.commitment, levels, p.stacked) * p.visibility


def counterbalancing(levels: np.ndarray, p: Params, ctx: Context | None = None) -> np.ndarray:
    """``(...)``: US counter-balancing provoked by the configuration.

    reactivity x (sum over pacts of commitment x visibility x mean hostility of its
    members + the same for the visible actions in force, each counted once).
    """
    reactivity = runwise(p.reactivity, p, 0)
    seen = small_sum(alignment_weight(levels, p) * p.mean_hostility, axis=-1)
    if ctx is not None and ctx.coop is not None:  # seen_cb counts each action for both
        seen = seen + 0.5 * small_sum(ctx.coop.seen_cb, axis=-1)
    return reactivity * seen


def share_denominator(sup: np.ndarray) -> np.ndarray:
    """``[..., k]``: client k's total support, 1 where it has none (support is >= 0: a zero
    total means every entry is 0, and dividing by 1 gives 0)."""
    total = small_sum(sup, axis=-1)
    return np.where(total > 0, total, 1.0)


def _leverage(sup: np.ndarray, den: np.ndarray, commit: np.ndarray, p: Params) -> np.ndarray:
    """``[..., i]``: sum_k stakes[i, k] * commit[i, k] * share[k, i], over the nonzero
    stakes only: a patron's hold over a client is its share of the client's external
    support, counted at the firmness of their tie (a sole patron still gains hold by
    turning a partnership into a treaty).

    ``share[k, i] = sup[k, i] / den[k]``, :func:`support_share`'s entries divided only where
    a stake reads them. Skipping zero stakes changes no sum (adding 0.0 is exact)."""
    out = np.zeros(den.shape)
    for i, k, stake in p.stake_pairs:
        out[..., i] += stake * commit[..., i, k] * (sup[..., k, i] / den[..., k])
    return out


def _dependence(sup: np.ndarray, den: np.ndarray, p: Params) -> np.ndarray:
    """``[..., i]``: sum_j share[i, j]^2 * asymmetry[i, j], for states that value autonomy
    (the term is multiplied by autonomy, so other states' rows are never used), over the
    stronger partners only (asymmetry > 0; adding the zero terms would change nothing);
    ``share[i, j] = sup[i, j] / den[i]`` as in :func:`_leverage`."""
    out = np.zeros(den.shape)
    for i, j, asymmetry in p.dependence_pairs:
        share = sup[..., i, j] / den[..., i]
        out[..., i] += share * share * asymmetry
    return out


@dataclass(frozen=True)
class ConfigTerms:
    """What the utility reads from a configuration alone (no attributes, no relations),
    ``(..., P)``, ``(..., N)`` or ``(..., N, N)``; a table of them over every configuration
    lets the hot loop gather instead of recomputing (:mod:`sim.rules.configs`)."""

    commit: np.ndarray  # (..., N, N) commitment of each pair's strongest shared pact
    entangle: np.ndarray  # (..., N, N) entanglement of it
    weight: np.ndarray  # (..., P) commitment x visibility of each pact (alignment weight)
    us_ties: np.ndarray  # (..., N) visible alignment with US adversaries
    cb_member: np.ndarray  # (..., N) counter-balancing aimed at each state

    def take(self, idx: np.ndarray) -> ConfigTerms:
        """Rows ``idx`` (any shape) of a table over configurations (first axis)."""
        return ConfigTerms(*(np.take(getattr(self, f), idx, axis=0) for f in CONFIG_TERMS))


CONFIG_TERMS = ("commit", "entangle", "weight", "us_ties", "cb_member")
"""The fields of :class:`ConfigTerms`, in order (tables of them are built field by field)."""


def config_terms(levels: np.ndarray, p: Params) -> ConfigTerms:
    """The configuration's part of the utility, for ``levels[..., P]``."""
    commit, entangle = pair_strengths(
        levels, p.pair_table, p.commitment, p.entanglement, per_run=p.stacked
    )  # (..., N, N)
    weight = alignment_weight(levels, p)  # (..., P)
    n = p.n_states
    per_pact = weighted_rows(weight, p.per_pact_rows)  # us_ties | cb, (..., 2N)
    return ConfigTerms(
        commit=commit,
        entangle=entangle,
        weight=weight,
        us_ties=per_pact[..., :n],
        cb_member=runwise(p.reactivity, p, 1) * per_pact[..., n:],
    )


def _deterrence(weight: np.ndarray, co_cap: np.ndarray, membership: np.ndarray | None = None
                ) -> np.ndarray:  # fmt: skip
    """``(..., N)``: saturate(sum_p weight[p] x co_capability[p, i]), pacts in index order.

    With ``membership (P, N)`` and many pacts (8 or more), state i's sum runs over the
    pacts containing i only: a non-member's co-capability is exactly 0 and the weights are
    >= 0, so each skipped term is +0.0 and skipping it changes no sum (six states: 17
    pacts, about 3 per state)."""
    if membership is None or weight.shape[-1] < 8:
        acc = weight[..., 0, None] * co_cap[..., 0, :]
        for q in range(1, weight.shape[-1]):
            acc = acc + weight[..., q, None] * co_cap[..., q, :]
        return saturate(acc)
    n = co_cap.shape[-1]
    out = np.zeros((*np.broadcast_shapes(weight.shape[:-1], co_cap.shape[:-2]), n))
    for i in range(n):
        pacts = np.flatnonzero(membership[:, i])
        if len(pacts):
            acc = weight[..., pacts[0]] * co_cap[..., pacts[0], i]
            for q in pacts[1:]:
                acc = acc + weight[..., q] * co_cap[..., q, i]
            out[..., i] = acc
    return saturate(out)


def term_arrays(
    levels: np.ndarray, attrs: Attributes, p: Params, ctx: Context | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four unweighted terms, each ``[..., N]``: security, us_ties, influence, economy."""
    return terms_given(config_terms(levels, p), attrs, p, ctx)


def terms_given(
    ct: ConfigTerms, attrs: Attributes, p: Params, ctx: Context | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`term_arrays` from the configuration's terms ``ct``, the attributes and the
    run's context (relations, actions in force; the scenario's baseline if None)."""
    ctx = baseline_context(p) if ctx is None else ctx
    return terms_with(settled(ct, attrs, p, ctx), ct, attrs, p, ctx.affinity, ctx.coop)


@dataclass(frozen=True)
class Settled:
    """The parts of the terms that the actions in force do not change, ``(..., N)`` or
    ``(..., N, N)``: computed once for a run and reused for each action it weighs
    (:func:`terms_with` adds the actions; the sums are the same, in the same order)."""

    deterrence: np.ndarray  # (..., N) threat x deterrence of the pacts
    supply: np.ndarray  # (..., N) goods through pacts, weighted by affinity
    exposure: np.ndarray  # (..., N) entanglement x partners' conflict risk
    support: np.ndarray  # (..., N, N) support through pacts [client, patron]
    economy: np.ndarray  # (..., N) trade secured through pacts
    player: players.PlayerTerms | None  # a US player's terms (None: the reaction function)

    def take(self, rows: np.ndarray) -> Settled:
        """The parts of some runs of a batch (first axis)."""
        pl = self.player
        pl = None if pl is None else players.PlayerTerms(*(x[rows] for x in vars(pl).values()))
        return Settled(self.deterrence[rows], self.supply[rows], self.exposure[rows],
                       self.support[rows], self.economy[rows], pl)  # fmt: skip


def settled(ct: ConfigTerms, attrs: Attributes, p: Params, ctx: Context) -> Settled:
    """The :class:`Settled` parts of the terms for ``ct``, ``attrs`` and ``ctx``."""
    commit = ct.commit
    gv = goods_value(attrs, p) if attrs.goods is None else attrs.goods  # (..., N, N)
    risk = per_run(attrs.conflict_risk[..., None, :], gv)  # [i, j] = conflict risk of j
    pl = None  # a US player's terms (sim/rules/players.py), None: the reaction function
    if p.player != players.NO_PLAYER:
        react = runwise(p.reactivity, p, 1)
        pl = players.player_terms(
            attrs.threat, ct.weight, commit, ctx.affinity, p.space.membership, react, p.player
        )
    threat = attrs.threat if pl is None else pl.threat
    return Settled(
        deterrence=threat * _deterrence(ct.weight, ctx.co_capability, p.space.membership),
        supply=small_sum(commit * (ctx.affinity * gv), axis=-1),
        exposure=small_sum(ct.entangle * risk, axis=-1),
        support=support(commit, attrs, p, gv),
        economy=attrs.trade_need * small_sum(commit * ctx.affinity_trade, axis=-1),
        player=pl,
    )


def terms_with(
    base: Settled,
    ct: ConfigTerms,
    attrs: Attributes,
    p: Params,
    affinity: np.ndarray,
    coop: Cooperation | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four terms from the :class:`Settled` parts and the actions in force ``coop``
    (weighted by ``affinity (..., N, N)`` where they deliver goods)."""
    supply, exposure = base.supply, base.exposure
    if coop is not None:  # goods delivered by actions, weighted by affinity
        supply = supply + small_sum(affinity * coop.flow, axis=-1)
        exposure = exposure + coop.exposure
    security = base.deterrence + saturate(supply)
    security -= per_run(p.entrapment_aversion, attrs.threat) * exposure

    seen = ct.us_ties if coop is None else ct.us_ties + coop.seen_us
    pl = base.player
    if pl is None:
        us_ties = -attrs.us_stake * runwise(p.reactivity, p, 1) * seen
    else:
        react = runwise(p.reactivity, p, 1)
        us_ties = players.us_ties(attrs.us_stake, pl.tie, seen, react, affinity, p.player)

    sup = base.support
    sup = sup if coop is None else sup + coop.flow  # [k, j]
    den = share_denominator(sup)  # share[k, j] = sup[k, j] / den[k]
    leverage = _leverage(sup, den, ct.commit, p)  # sum_k stakes[i, k] C[i, k] share[k, i]
    dependence = _dependence(sup, den, p)  # sum_j share[i, j]^2 * asymmetry[i, j]
    presence, autonomy = (per_run(v, attrs.threat) for v in (p.presence, p.autonomy))
    cb = ct.cb_member
    if coop is not None:
        cb = cb + runwise(p.reactivity, p, 1) * coop.seen_cb
    if pl is not None:  # the reaction i expects, and what its rivals already formed
        cb = cb + pl.cb
    influence = leverage - presence * cb - autonomy * dependence

    economy = base.economy if coop is None else base.economy + coop.economy
    return security, us_ties, influence, economy


def terms(
    levels: np.ndarray, attrs: Attributes, p: Params, ctx: Context | None = None
) -> np.ndarray:
    """Unweighted utility terms ``[..., N, T]`` (T = security, us_ties, influence, economy)."""
    return np.stack(term_arrays(levels, attrs, p, ctx), axis=-1)


def weighted_terms(
    levels: np.ndarray, attrs: Attributes, p: Params, ctx: Context | None = None
) -> np.ndarray:
    """Terms multiplied by each state's weights, ``[..., N, T]``."""
    return terms(levels, attrs, p, ctx) * runwise(p.weights, p, 0)


def utility(
    levels: np.ndarray, attrs: Attributes, p: Params, ctx: Context | None = None
) -> np.ndarray:
    """Total utility ``[..., N]``: the weighted sum of terms (summed in term order)."""
    return utility_given(config_terms(levels, p), attrs, p, ctx)


def utility_given(
    ct: ConfigTerms, attrs: Attributes, p: Params, ctx: Context | None = None
) -> np.ndarray:
    """:func:`utility` from the configuration's terms ``ct`` (e.g. gathered from a table)."""
    return weigh(terms_given(ct, attrs, p, ctx), attrs, p)


def weigh(parts: tuple[np.ndarray, ...], attrs: Attributes, p: Params) -> np.ndarray:
    """Total utility ``(..., N)`` of the four terms: weighted, summed in term order."""
    weights = per_run(np.swapaxes(p.weights, -1, -2), attrs.threat[..., None, :])  # (..., T, N)
    total = parts[0] * weights[..., 0, :]
    for t in range(1, len(parts)):
        total += parts[t] * weights[..., t, :]
    return total
