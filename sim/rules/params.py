"""The arrays the rules read: a compiled scenario (:func:`sim.rules.compile.compile_params`).

The rules never see the config objects: they take a :class:`Params` of arrays indexed by
state (N), good (G), driver (D), level (L + 1, index 0 = no pact) and pact (P), with the
drivers, shocks and negotiation protocol in small records of their own. Everything
derived once per scenario (visibility, co-member sums, the pair table) is computed here,
so the rules hold no caches.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from sim.config import TERMS, Scenario
from sim.rules.actions import ActionParams
from sim.rules.feedback import FeedbackParams
from sim.rules.pacts import LOWER, RAISE, PactSpace, pair_table
from sim.rules.relations import RelationParams


@dataclass(frozen=True)
class DriverParams:
    """Exogenous series (D,): x[t+1] = clip(x + theta (mu - x) + sigma z, low, high)."""

    names: tuple[str, ...]
    initial: np.ndarray
    mean: np.ndarray
    mean_after: np.ndarray  # mean after the one-way regime switch
    theta: np.ndarray
    sigma: np.ndarray
    hazard: np.ndarray  # switch probability per round from ``switch_from``
    switch_from: np.ndarray  # int
    low: np.ndarray
    high: np.ndarray
    effect_attr: dict[str, np.ndarray]  # attribute -> (D, N) loading
    effect_needs: np.ndarray  # (D, N, G) loading on needs


@dataclass(frozen=True)
class ShockParams:
    """Jumps added to drivers (S,): scheduled (``round`` >= 0) or random (``prob`` > 0)."""

    driver: np.ndarray  # int
    add: np.ndarray
    round: np.ndarray  # int, -1 for random shocks
    prob: np.ndarray  # 0 for scheduled shocks

    @cached_property
    def random(self) -> np.ndarray:
        """Indices of the random shocks, in scenario order (the same in every run)."""
        first_run = self.round[0] if self.round.ndim == 2 else self.round  # stacked: (B, S)
        return np.flatnonzero(first_run < 0)


@dataclass(frozen=True)
class NegotiationParams:
    """The bargaining protocol: logit noise, costs, eagerness and talk durations."""

    temperature: float
    formation_cost: float
    exit_threshold: float
    eagerness: float
    refusal_memory: int  # months a refused raise is not proposed again (0: no memory)
    action_temperature: float  # logit noise of the action choices
    action_review: int  # months before a declined action is considered again
    talks_min: np.ndarray  # (L + 1,) int months of talks to reach each level
    talks_max: np.ndarray  # (L + 1,) int


@dataclass(frozen=True)
class Params:
    """Every number the rules use, as arrays."""

    codes: tuple[str, ...]
    goods: tuple[str, ...]
    level_names: tuple[str, ...]
    space: PactSpace
    target: int  # pact index of the target coalition
    target_level: int  # minimum level that counts as the target pact having formed
    # states (N,)
    capability: np.ndarray
    hostility: np.ndarray
    base: dict[str, np.ndarray]  # attribute -> (N,) base value (threat, conflict_risk, ...)
    presence: np.ndarray
    autonomy: np.ndarray
    entrapment_aversion: np.ndarray
    recognition: np.ndarray
    offers: np.ndarray  # (N, G)
    needs: np.ndarray  # (N, G) base needs
    trade_share: np.ndarray  # (N, N) [i, j] share of i's trade with j
    stakes: np.ndarray  # (N, N) [i, k] value to i of leverage over k
    affinity: np.ndarray  # (N, N) symmetric, diagonal 0
    weights: np.ndarray  # (N, T)
    # levels (L+1,)
    commitment: np.ndarray
    entanglement: np.ndarray
    # United States
    us_capability: float
    reactivity: float
    bloc_visibility: float
    drivers: DriverParams
    shocks: ShockParams
    negotiation: NegotiationParams
    actions: ActionParams  # cooperation below the pact (model v3)
    relations: RelationParams  # how affinity remembers (model v3)
    feedback: FeedbackParams  # drivers that respond (model v3)
    # -- derived once per scenario ---------------------------------------------------------
    affinity_trade: np.ndarray  # (N, N) affinity x trade share (economy term)
    visibility: np.ndarray  # (P,) 1 for a bilateral, + bloc_visibility per extra member
    mean_hostility: np.ndarray  # (P,) mean hostility toward the US of each pact's members
    per_pact_rows: np.ndarray  # (P, 2N) co_hostility | member_hostility
    asymmetry: np.ndarray  # (N, N) [i, j] how much stronger j is than i, >= 0
    pair_table: np.ndarray  # (K, N*N) pacts holding each ordered pair, padded with P
    # per-configuration tables: a sim.rules.configs.ConfigTable, or None (typed Any here so
    # that params, which every rule reads, imports no rule module)
    configs: Any = None
    # without a table (too many configurations): a sim.rules.configs.SeenTerms cache of the
    # configurations met so far, or None (stacked points, or codes too long)
    seen: Any = None
    # Runs of several design points stacked (sim.rules.stack): every value above carries a
    # leading run axis (B, ...), scalars are (B,); names, the pact space and tables' keys
    # are shared. False: one scenario's values for every run of the batch.
    stacked: bool = False
    # The US player's state index (sim/rules/players.py), NO_PLAYER (-1): none, the United
    # States is the reaction function only.
    player: int = -1
    # How much of a partner's alignment the United States reads into cooperation with it
    # (sim.rules.actions.partner_hostility; 0: only the partner's own hostility).
    association: float = 0.0

    @property
    def n_states(self) -> int:
        return len(self.codes)

    @property
    def temperature(self) -> float:
        return self.negotiation.temperature

    @cached_property
    def move_cost(self) -> np.ndarray:
        """``(M,)`` (stacked ``(B, M)``) what a move costs each state that takes it, once:
        the formation cost for a raise (paid by every member), the exit threshold for
        lowering or leaving (the audience and reputation costs of breaking a commitment;
        Leeds & Savun 2007); read-only."""
        kind, neg = self.space.kind, self.negotiation
        formation, exit_ = (np.asarray(x, dtype=float) for x in (neg.formation_cost,
                                                                 neg.exit_threshold))  # fmt: skip
        if self.stacked:
            formation, exit_ = formation[:, None], exit_[:, None]
        cost = np.where(kind == RAISE, formation, np.where(kind >= LOWER, exit_, 0.0))
        cost.flags.writeable = False
        return cost

    @cached_property
    def attribute_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Base values ``(A,)`` and driver loadings ``(D, A)`` of every attribute side by
        side: threat, conflict_risk, us_stake, trade_need (N each), then needs (N x G)."""
        d = self.drivers
        names = ("threat", "conflict_risk", "us_stake", "trade_need")
        lead = self.needs.shape[:-2]  # (B,) when stacked
        needs = self.needs.reshape((*lead, -1))
        base = np.concatenate([*(self.base[a] for a in names), needs], axis=-1)
        n_d = len(d.names)
        if not n_d:
            return base, np.zeros((*lead, 0, base.shape[-1]))
        loads = [d.effect_attr[a] for a in names]
        loads.append(d.effect_needs.reshape((*lead, n_d, -1)))
        return base, np.concatenate(loads, axis=-1)

    @cached_property
    def stake_pairs(self) -> tuple[tuple[int, int, float | np.ndarray], ...]:
        """``(i, k, stakes[i, k])`` for the nonzero stakes, in index order (stacked: the
        pairs nonzero in any run, each run's value ``(B,)``, 0 adds nothing)."""
        nonzero = self.stakes != 0
        if self.stacked:
            nonzero = nonzero.any(axis=0)
        return tuple(
            (int(i), int(k), self.stakes[..., i, k])
            for i, k in zip(*np.nonzero(nonzero), strict=True)
        )

    @cached_property
    def dependence_pairs(self) -> tuple[tuple[int, int, float], ...]:
        """``(i, j, asymmetry[i, j])`` for states that value autonomy and their stronger
        partners (asymmetry > 0), in index order (stacked: as :attr:`stake_pairs`)."""
        autonomy, asymmetry = self.autonomy != 0, self.asymmetry != 0
        if self.stacked:
            autonomy, asymmetry = autonomy.any(axis=0), asymmetry.any(axis=0)
        return tuple(
            (int(i), int(j), self.asymmetry[..., i, j])
            for i in np.flatnonzero(autonomy)
            for j in np.flatnonzero(asymmetry[i])
        )


def initial_levels(s: Scenario, space: PactSpace) -> np.ndarray:
    """Levels at round 0 from ``initial_pacts``: ``(P,)`` int8."""
    level_of = {name: i for i, name in enumerate(s.level_names)}
    out = np.zeros(space.n_pacts, dtype=np.int8)  # levels are small; int8 keeps gathers fast
    for key, level in s.initial_pacts.items():
        out[space.index(key.split("-"))] = level_of[level]
    return out


def initial_talks(s: Scenario, space: PactSpace) -> dict[int, tuple[int, int]]:
    """Talks under way at round 0: pact index -> (level, round opened)."""
    level_of = {name: i for i, name in enumerate(s.level_names)}
    return {
        space.index(key.split("-")): (level_of[talk.level], talk.opened)
        for key, talk in s.initial_talks.items()
    }


def initial_affinity(s: Scenario, p: Params) -> np.ndarray:
    """Affinity at round 0 ``(N, N)``: each relation's ``initial`` value, else its baseline."""
    out = np.array(p.affinity, dtype=float)
    idx = {c: i for i, c in enumerate(p.codes)}
    for key, rel in s.relations.items():
        if rel.initial is not None:
            a, b = (idx[c] for c in key.split("-"))
            out[..., a, b] = out[..., b, a] = rel.initial
    return out


def initial_actions(s: Scenario, p: Params) -> dict[tuple[int, int, int], int]:
    """Actions in force at round 0: (actor, recipient, kind) -> months left."""
    idx = {c: i for i, c in enumerate(p.codes)}
    kinds = {k: i for i, k in enumerate(p.actions.names)}
    out = {}
    for key, months in s.initial_actions.items():
        kind, _, dyad = key.partition(".")
        actor, recipient = dyad.split(">")
        out[(idx[actor], idx[recipient], kinds[kind])] = months
    return out


__all__ = [
    "TERMS",
    "DriverParams",
    "NegotiationParams",
    "Params",
    "ShockParams",
    "initial_actions",
    "initial_affinity",
    "initial_levels",
    "initial_talks",
    "pair_table",
]
