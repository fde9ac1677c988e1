"""Cooperation below the pact: actions a state takes toward a partner (docs/model.md 3.8).

An action kind k (the scenario's ``[actions.*]``) from actor i to recipient j is in force
for ``duration`` months after it is taken. While in force it

* delivers ``amount`` x the actor's offer of the kind's good, valued at the recipient's
  need of it (``value[i, j, k]``): the recipient's external support from the actor and,
  weighted by their affinity, its security (supply), as a pact's goods do (arms as an
  alternative to alliances: Yarhi-Milo, Lanoszka & Cooper 2016);
* costs the actor ``cost`` a month, less ``pact_discount`` x the commitment of the pair's
  strongest pact, and earns it ``payment`` x the value, paid by the recipient (specific
  reciprocity, Keohane 1986): both in the economy term;
* is seen by the outside powers with ``visibility``, costing both parties US ties and
  drawing counter-balancing as a pact of that weight would;
* exposes the actor to the recipient's conflict risk by ``entanglement`` (troops);
* moves the pair's affinity by ``trust`` a month (:mod:`sim.rules.relations`; a costly
  signal, Fearon 1997).

Each month every action not in force is open to its actor: the actor takes it and the
recipient accepts it, each with the logit probability of its own utility change, the
same quantal response as every pact decision. All functions take a leading batch axis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.rules.arrays import small_sum
from sim.rules.logit import accept_probability

if TYPE_CHECKING:
    from sim.config import Scenario


NO_GOOD, TRADE_GOOD = -1, -2


@dataclass(frozen=True)
class ActionParams:
    """The repertoire, ``K`` kinds; per-run arrays gain a leading run axis when stacked."""

    names: tuple[str, ...]
    good: np.ndarray  # (K,) int: good index, NO_GOOD, or TRADE_GOOD
    slots: np.ndarray  # (S, 3) int (actor, recipient, kind) the scenario's dyads allow
    allowed: np.ndarray  # (N, N, K) bool [actor, recipient, kind]: a slot, good offered
    min_level: np.ndarray  # (K,) int lowest level of the pair's strongest pact
    cameo: tuple[str, ...]  # (K,) CAMEO quad class
    goldstein: np.ndarray  # (K,) Goldstein (1992) weight
    duration: np.ndarray  # (K,) int months
    amount: np.ndarray  # (K,)
    cost: np.ndarray  # (K,) [utility / month]
    pact_discount: np.ndarray  # (K,)
    payment: np.ndarray  # (K,)
    visibility: np.ndarray  # (K,)
    entanglement: np.ndarray  # (K,)
    trust: np.ndarray  # (K,) affinity per month in force
    # occasions (docs/model.md 3.15): round, the (guest, host, kind) actions each invites,
    # and its bonus (per run when stacked)
    occasion_at: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # (O,)
    occasion_slots: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0, 0), bool))
    occasion_bonus: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (O,) [utility]

    @property
    def n_kinds(self) -> int:
        return len(self.names)

    def key(self, i: int, j: int, k: int, codes: tuple[str, ...]) -> str:
        """``KIND.ACTOR>RECIPIENT``."""
        return f"{self.names[k]}.{codes[i]}>{codes[j]}"


def compile_actions(s: Scenario, codes: tuple[str, ...], offers: np.ndarray) -> ActionParams:
    """The scenario's actions as arrays (``offers[N, G]`` decides which actors can give)."""
    n = len(codes)
    idx = {c: i for i, c in enumerate(codes)}
    gidx = {g: i for i, g in enumerate(s.goods)}
    level_of = {name: i for i, name in enumerate(s.level_names)}
    kinds = list(s.actions.values())
    structural = np.zeros((n, n, len(kinds)), dtype=bool)
    good = np.full(len(kinds), NO_GOOD, dtype=int)
    for k, a in enumerate(kinds):
        if a.good == "trade":
            good[k] = TRADE_GOOD
        elif a.good:
            good[k] = gidx[a.good]
        if a.dyads:
            for d in a.dyads:
                actor, recipient = d.split(">")
                structural[idx[actor], idx[recipient], k] = True
        else:
            structural[..., k] = ~np.eye(n, dtype=bool)
    allowed = structural.copy()
    for k in range(len(kinds)):
        if good[k] >= 0:  # an actor with nothing of the good to offer cannot give it
            allowed[..., k] &= (offers[:, good[k]] > 0)[:, None]

    def arr(name: str, dtype: type = float) -> np.ndarray:
        return np.array([getattr(a, name) for a in kinds], dtype=dtype)

    return ActionParams(
        names=tuple(s.actions),
        good=good,
        slots=np.argwhere(structural),
        allowed=allowed,
        min_level=np.array([level_of[a.min_level] for a in kinds], dtype=int),
        cameo=tuple(a.cameo for a in kinds),
        goldstein=arr("goldstein"),
        duration=arr("duration", int),
        amount=arr("amount"),
        cost=arr("cost"),
        pact_discount=arr("pact_discount"),
        payment=arr("payment"),
        visibility=arr("visibility"),
        entanglement=arr("entanglement"),
        trust=arr("trust"),
        **_occasions(s, idx, allowed),
    )


def _occasions(s: Scenario, idx: dict[str, int], allowed: np.ndarray) -> dict[str, np.ndarray]:
    """The scenario's occasions as :class:`ActionParams` fields: each invites the actions
    of its kinds from each guest to the host that the repertoire allows."""
    kinds = list(s.actions)
    slots = np.zeros((len(s.occasions), *allowed.shape), dtype=bool)
    for o, occ in enumerate(s.occasions):
        for g in occ.guests:
            for kind in occ.kinds:
                k = kinds.index(kind)
                slots[o, idx[g], idx[occ.host], k] = allowed[idx[g], idx[occ.host], k]
    return {
        "occasion_at": np.array([occ.at for occ in s.occasions], dtype=int),
        "occasion_slots": slots,
        "occasion_bonus": np.array([occ.bonus for occ in s.occasions], dtype=float),
    }


def occasion_bonus(a: ActionParams, t: int) -> np.ndarray | None:
    """``(N, N, K)``, or ``(B, N, N, K)`` when stacked: the bonus of each action invited
    by an occasion of round ``t`` (summed if two coincide); None when none falls in ``t``."""
    now = np.flatnonzero(a.occasion_at == t)
    if not len(now):
        return None
    slots = a.occasion_slots[now].astype(float)  # (O', N, N, K)
    bonus = a.occasion_bonus[..., now]  # (O',) or (B, O')
    return np.tensordot(bonus, slots, axes=([-1], [0]))


def structural_dyads(s: Scenario) -> list[tuple[str, int, int]]:
    """``(kind, actor, recipient)`` allowed by the actions' ``dyads`` alone (whatever the
    offers): the columns of the runs table, the same at every design point."""
    codes = s.codes
    out = []
    for kind, a in s.actions.items():
        pairs = [tuple(d.split(">")) for d in a.dyads] or [
            (x, y) for x in codes for y in codes if x != y
        ]
        out.extend((kind, codes.index(x), codes.index(y)) for x, y in pairs)
    return out


@dataclass(frozen=True)
class Cooperation:
    """What the actions in force add to the utility terms, ``(..., N)`` or ``(..., N, N)``."""

    flow: np.ndarray  # (..., N, N) [client j, patron i]: support j receives from i
    economy: np.ndarray  # (..., N) payments received - paid - costs [utility]
    seen_us: np.ndarray  # (..., N) visibility x the other party's hostility (us_ties)
    seen_cb: np.ndarray  # (..., N) visibility x the pair's mean hostility (counter-balancing)
    exposure: np.ndarray  # (..., N) entanglement x the recipient's conflict risk


def action_values(a: ActionParams, needs: np.ndarray, trade_need: np.ndarray,
                  offers: np.ndarray, trade_share: np.ndarray) -> np.ndarray:  # fmt: skip
    """``(B, N, N, K)`` [actor i, recipient j, kind k]: value delivered by one action,
    amount x (j's need of the good x i's offer of it); for ``trade`` (aid, trade opening)
    amount x j's trade need x j's trade share with i (opening trade with a partner one
    barely trades with is worth little; North Korea's trade is ~98% with China); 0 for an
    action without a good. ``needs (B, N, G)``, ``trade_need (B, N)``, ``offers (N, G)``
    and ``trade_share (N, N)`` [j, i], or with a leading run axis (stacked)."""
    g = np.maximum(a.good, 0)
    recipient_need = needs[..., g]  # (B, N(j), K)
    offer = offers[..., g]  # (N(i), K) or (B, N(i), K)
    if offer.ndim == 2:
        offer = offer[None]
    per_good = offer[:, :, None, :] * recipient_need[:, None, :, :]  # (B, i, j, K)
    share = np.swapaxes(trade_share, -1, -2)  # [i, j]: j's share of its trade with i
    trade = trade_need[:, None, :] * (share if share.ndim == 3 else share[None])
    trade = np.broadcast_to(trade[..., None], per_good.shape)
    value = np.where(a.good == TRADE_GOOD, trade, np.where(a.good == NO_GOOD, 0.0, per_good))
    return _per_kind(a.amount, value) * value


def _per_kind(x: np.ndarray, like: np.ndarray) -> np.ndarray:
    """A per-kind value ``(K,)`` or stacked ``(B, K)`` aligned with ``like (B, N, N, K)``."""
    return x if x.ndim == 1 else x[:, None, None, :]


def action_costs(a: ActionParams, commit: np.ndarray) -> np.ndarray:
    """``(B, N, N, K)``: monthly cost to the actor, discounted by the pair's pact
    commitment ``commit (B, N, N)``."""
    like = np.broadcast_to(commit[..., None], (*commit.shape, a.n_kinds))
    return _per_kind(a.cost, like) * (1.0 - _per_kind(a.pact_discount, like) * like)


def partner_hostility(hostility: np.ndarray, commit: np.ndarray, association) -> np.ndarray:
    """``(B, N, N)`` [i, j]: the hostility toward the US read into i's cooperation with j:
    j's own, plus ``association`` x the hostility of j's pact allies other than i, each at
    the commitment of its strongest pact with j::

        H[i, j] = h_j + association x (sum_k C[j, k] h_k - C[j, i] h_i)

    Guilt by association: a partner allied with a US adversary makes cooperation with it
    read as alignment with that adversary too (the bloc logic of the us_ties term, 3.3,
    applied to actions; Walt 1987's aggregate threat). ``hostility (N,)`` or stacked
    ``(B, N)``, ``commit (B, N, N)`` (0 on the diagonal), ``association`` a scalar or
    ``(B,)``."""
    h = np.broadcast_to(hostility, commit.shape[:-1])  # (B, N)
    allies = small_sum(commit * h[..., None, :], axis=-1)  # (B, N) [j]: sum_k C[j, k] h_k
    others = allies[..., None, :] - np.swapaxes(commit, -1, -2) * h[..., :, None]  # [i, j]
    a = np.asarray(association)
    a = a if a.ndim == 0 else a[:, None, None]
    return h[..., None, :] + a * others


def cooperation(on: np.ndarray, value: np.ndarray, cost: np.ndarray, a: ActionParams,
                hostility: np.ndarray, risk: np.ndarray,
                partner: np.ndarray | None = None) -> Cooperation:  # fmt: skip
    """The contributions of the actions ``on (..., N, N, K)`` [actor, recipient, kind].

    ``value``, ``cost``: :func:`action_values`, :func:`action_costs`; ``hostility (N,)``
    or stacked ``(B, N)``; ``risk (B, N)`` conflict risk this round; ``partner (B, N, N)``
    the hostility read into each pair's cooperation (:func:`partner_hostility`; None: the
    other party's own)."""
    w = on.astype(float)
    delivered = w * value  # (..., i, j, K)
    flow = np.swapaxes(small_sum(delivered, axis=-1), -1, -2)  # (..., j, i)
    paid = small_sum(delivered * _per_kind(a.payment, value), axis=-1)  # (..., i, j)
    spent = small_sum(small_sum(w * cost, axis=-1), axis=-1)  # (..., i)
    economy = small_sum(paid, axis=-1) - small_sum(paid, axis=-2) - spent
    seen = small_sum(w * _per_kind(a.visibility, value), axis=-1)  # (..., i, j)
    seen = seen + np.swapaxes(seen, -1, -2)  # either direction involves both
    other = hostility[..., None, :]  # (..., 1, N): the other party's hostility
    pair = 0.5 * (hostility[..., :, None] + other)  # (..., N, N) the pair's mean
    seen_us = small_sum(seen * (other if partner is None else partner), axis=-1)
    seen_cb = small_sum(seen * pair, axis=-1)
    ent = small_sum(w * _per_kind(a.entanglement, value), axis=-1)  # (..., i, j)
    exposure = small_sum(ent * risk[..., None, :], axis=-1)
    return Cooperation(flow=flow, economy=economy, seen_us=seen_us, seen_cb=seen_cb,
                       exposure=exposure)  # fmt: skip


def open_actions(a: ActionParams, act_left: np.ndarray, top_level: np.ndarray) -> np.ndarray:
    """``(B, N, N, K)``: actions that may be taken now: allowed, not in force, and the
    pair's strongest pact ``top_level (B, N, N)`` at least the kind's ``min_level``."""
    level_ok = top_level[..., None] >= _per_kind(a.min_level, act_left)
    return a.allowed & (act_left <= 0) & level_ok


def open_pairs(open_: np.ndarray, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, slot)``: every (run, slot) whose action is open now, run-major."""
    by_slot = open_[:, slots[:, 0], slots[:, 1], slots[:, 2]]  # (B, S)
    rows, slot = np.nonzero(by_slot)
    return rows, slot


@dataclass(frozen=True)
class OneAction:
    """What one more action adds to its run's :class:`Cooperation`, for each candidate
    ``c`` (``(C,)`` each): its value to the recipient's support from the actor, the
    actor's payment less cost and the recipient's payment, the visibility the US reads
    into each party's cooperation and the counter-balancing it draws, and the actor's
    exposure to the recipient's conflict risk."""

    actor: np.ndarray  # (C,) int
    recipient: np.ndarray  # (C,) int
    value: np.ndarray  # flow[recipient, actor] += value
    actor_economy: np.ndarray  # economy[actor] += payment - cost
    payment: np.ndarray  # economy[recipient] -= payment
    seen_actor: np.ndarray  # seen_us[actor] += visibility x the hostility read into it
    seen_recipient: np.ndarray  # seen_us[recipient] += ...
    seen_cb: np.ndarray  # seen_cb[actor] and seen_cb[recipient] += visibility x pair
    exposure: np.ndarray  # exposure[actor] += entanglement x the recipient's risk


def one_action(rows: np.ndarray, ijk: np.ndarray, value: np.ndarray, cost: np.ndarray,
               a: ActionParams, hostility: np.ndarray, risk: np.ndarray,
               partner: np.ndarray | None = None) -> OneAction:  # fmt: skip
    """The :class:`OneAction` of each pair ``c`` (run ``rows[c]``, action ``ijk[c]`` =
    actor, recipient, kind): what :func:`cooperation` adds for it, term by term (one
    action adds its value to one flow, its payment and cost to two economies, its
    visibility to two states and its entanglement to the actor)."""
    c = np.arange(len(rows))
    i, j, k = ijk.T
    h = np.broadcast_to(hostility, risk.shape)[rows]  # (C, N)
    v = value[rows, i, j, k]
    pay = v * _kind(a.payment, k, rows)
    vis = _kind(a.visibility, k, rows)
    read_ij, read_ji = (
        (h[c, j], h[c, i]) if partner is None else (partner[rows, i, j], partner[rows, j, i])
    )
    pair = 0.5 * (h[c, i] + h[c, j])
    return OneAction(
        actor=i, recipient=j, value=v, actor_economy=pay - cost[rows, i, j, k], payment=pay,
        seen_actor=vis * read_ij,  # the hostility the US reads into the pair's cooperation
        seen_recipient=vis * read_ji, seen_cb=vis * pair,
        exposure=_kind(a.entanglement, k, rows) * risk[rows, j],
    )  # fmt: skip


def with_one(base: Cooperation, rows: np.ndarray, one: OneAction) -> Cooperation:
    """For each candidate ``c``: run ``rows[c]``'s ``base`` with the action of
    :func:`one_action` also in force, ``(C, ...)``."""
    c = np.arange(len(rows))
    i, j = one.actor, one.recipient
    flow, economy, seen_us, seen_cb, exposure = (  # fancy indexing copies
        x[rows] for x in (base.flow, base.economy, base.seen_us, base.seen_cb, base.exposure)
    )
    flow[c, j, i] += one.value
    economy[c, i] += one.actor_economy
    economy[c, j] -= one.payment
    seen_us[c, i] += one.seen_actor
    seen_us[c, j] += one.seen_recipient
    seen_cb[c, i] += one.seen_cb
    seen_cb[c, j] += one.seen_cb
    exposure[c, i] += one.exposure
    return Cooperation(flow, economy, seen_us, seen_cb, exposure)


def decide(gain_actor: np.ndarray, gain_recipient: np.ndarray, temperature, u: np.ndarray
           ) -> np.ndarray:  # fmt: skip
    """Taken: the actor takes it and the recipient accepts it, independently, each with the
    logit probability of its own utility change; one uniform ``u`` per action decides both
    at once (taken iff ``u`` < P(actor) x P(recipient))."""
    both = accept_probability(gain_actor, 0.0, temperature)
    both = both * accept_probability(gain_recipient, 0.0, temperature)
    return u < both


def _kind(x: np.ndarray, k: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Kinds ``k``'s values for runs ``rows`` (per run when stacked)."""
    return x[k] if x.ndim == 1 else x[rows, k]
