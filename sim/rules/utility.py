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

from dataclasses import dataclass

import numpy as np

from sim.rules.params import Params


@dataclass(frozen=True)
class Attributes:
    """State attributes after drivers' effects: ``(..., N)`` each, needs ``(..., N, G)``."""

    threat: np.ndarray
    conflict_risk: np.ndarray
    us_stake: np.ndarray
    trade_need: np.ndarray
    needs: np.ndarray  # (..., N, G)

    def expand(self) -> Attributes:
        """Insert a broadcast axis before the state axis (e.g. for candidate moves)."""
        return Attributes(
            threat=self.threat[..., None, :],
            conflict_risk=self.conflict_risk[..., None, :],
            us_stake=self.us_stake[..., None, :],
            trade_need=self.trade_need[..., None, :],
            needs=self.needs[..., None, :, :],
        )


def attributes(drivers: np.ndarray, p: Params) -> Attributes:
    """State attributes given driver values ``drivers[..., D]``, clipped to [0, 1]."""

    def shifted(name: str) -> np.ndarray:
        shift = (drivers[..., :, None] * p.effect_attr[name]).sum(axis=-2)
        return np.clip(p.base[name] + shift, 0.0, 1.0)

    needs = p.needs + (drivers[..., :, None, None] * p.effect_needs).sum(axis=-3)
    return Attributes(
        threat=shifted("threat"),
        conflict_risk=shifted("conflict_risk"),
        us_stake=shifted("us_stake"),
        trade_need=shifted("trade_need"),
        needs=np.clip(needs, 0.0, 1.0),
    )


def pair_strength(levels: np.ndarray, membership: np.ndarray, by_level: np.ndarray) -> np.ndarray:
    """Strongest tie between each pair of states over the pacts they share.

    ``by_level[levels]`` gives each pact's strength (commitment or entanglement); the result
    ``[..., i, j]`` is the maximum over pacts containing both i and j, 0 on the diagonal.
    """
    strength = by_level[levels]  # (..., P)
    both = membership[:, :, None] & membership[:, None, :]  # (P, N, N)
    out = (strength[..., :, None, None] * both).max(axis=-3)
    n = membership.shape[1]
    out[..., np.arange(n), np.arange(n)] = 0.0
    return out


def saturate(x: np.ndarray) -> np.ndarray:
    """Diminishing returns, sign-preserving and bounded: x / (1 + |x|)."""
    return x / (1.0 + np.abs(x))


def goods_value(attrs: Attributes, p: Params) -> np.ndarray:
    """``[..., i, j]``: value to state i of the goods partner j offers (needs . offers)."""
    return (attrs.needs[..., :, None, :] * p.offers).sum(axis=-1)


def support(commit: np.ndarray, attrs: Attributes, p: Params) -> np.ndarray:
    """``[..., k, j]``: external support client k receives from partner j.

    Goods j offers that k needs, plus trade (k's trade share with j times its need for
    trade), counted at the commitment of their strongest shared pact.
    """
    trade = p.trade_share * attrs.trade_need[..., :, None]
    return commit * (goods_value(attrs, p) + trade)


def support_share(sup: np.ndarray) -> np.ndarray:
    """``[..., k, j]``: share of k's external support from j (0 where k has none)."""
    total = sup.sum(axis=-1, keepdims=True)
    return np.divide(sup, total, out=np.zeros_like(sup), where=total > 0)


def visibility(p: Params) -> np.ndarray:
    """``(P,)``: how visible each pact is to the US: 1 for two members, more for blocs."""
    return p.visibility


def alignment(levels: np.ndarray, p: Params) -> np.ndarray:
    """``[..., P, N]``: visible anti-US alignment each pact attributes to each member.

    commitment x visibility x mean hostility of the member's co-members.
    """
    return alignment_weight(levels, p)[..., :, None] * p.co_hostility


def alignment_weight(levels: np.ndarray, p: Params) -> np.ndarray:
    """``[..., P]``: commitment x visibility of each pact (0 where inactive)."""
    return p.commitment[levels] * p.visibility


def co_capability(p: Params) -> np.ndarray:
    """``(P, N)``: affinity-weighted capability of each member's co-members (vs the US bloc)."""
    return p.co_capability


def counterbalancing(levels: np.ndarray, p: Params) -> np.ndarray:
    """``(...)``: US counter-balancing provoked by the configuration.

    reactivity x sum over pacts of commitment x visibility x mean hostility of its members.
    """
    return p.reactivity * (alignment_weight(levels, p) * p.mean_hostility).sum(axis=-1)


def _over_pacts(weight: np.ndarray, per_member: np.ndarray) -> np.ndarray:
    """``sum_p weight[..., p] * per_member[p, i]`` without BLAS, so every batch shape sums
    in the same order and one run gives bit-identical results alone or in a batch."""
    return (weight[..., :, None] * per_member).sum(axis=-2)


def terms(levels: np.ndarray, attrs: Attributes, p: Params) -> np.ndarray:
    """Unweighted utility terms ``[..., N, T]`` (T = security, us_ties, influence, economy)."""
    commit = pair_strength(levels, p.space.membership, p.commitment)  # (..., N, N)
    entangle = pair_strength(levels, p.space.membership, p.entanglement)
    gv = goods_value(attrs, p)  # (..., N, N)

    # Deterrence sums over pacts: a visible bloc pools its members' capability.
    weight = alignment_weight(levels, p)  # (..., P)
    deterrence = _over_pacts(weight, p.co_capability)
    supply = (p.affinity * commit * gv).sum(axis=-1)
    entrapment = p.entrapment_aversion * (entangle * attrs.conflict_risk[..., None, :]).sum(axis=-1)
    security = attrs.threat * saturate(deterrence) + saturate(supply) - entrapment

    us_ties = -attrs.us_stake * p.reactivity * _over_pacts(weight, p.co_hostility)

    share = support_share(support(commit, attrs, p))  # [k, j]
    leverage = (p.stakes * np.swapaxes(share, -1, -2)).sum(axis=-1)  # sum_k stakes[i,k] share[k,i]
    dependence = (share**2 * p.asymmetry).sum(axis=-1)  # concentration on stronger patrons
    cb = p.reactivity * (weight * p.mean_hostility).sum(axis=-1)[..., None]
    influence = leverage - p.presence * cb - p.autonomy * dependence

    economy = attrs.trade_need * (commit * p.affinity * p.trade_share).sum(axis=-1)
    return np.stack([security, us_ties, influence, economy], axis=-1)


def weighted_terms(levels: np.ndarray, attrs: Attributes, p: Params) -> np.ndarray:
    """Terms multiplied by each state's weights, ``[..., N, T]``."""
    return terms(levels, attrs, p) * p.weights


def utility(levels: np.ndarray, attrs: Attributes, p: Params) -> np.ndarray:
    """Total utility ``[..., N]``: the weighted sum of terms."""
    return weighted_terms(levels, attrs, p).sum(axis=-1)
