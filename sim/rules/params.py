"""Compile a validated :class:`~sim.config.Scenario` into numpy arrays for the rules.

The rules never see the config objects: they take a :class:`Params` of arrays indexed by
state (N), good (G), driver (D), level (L + 1, index 0 = no pact) and pact (P), with the
drivers, shocks and negotiation protocol in small records of their own. Everything
derived once per scenario (visibility, co-member sums, the pair table) is computed here,
so the rules hold no caches.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from sim.config import ATTRIBUTES, TERMS, Scenario
from sim.rules.configs import ConfigTable, build_config_table
from sim.rules.pacts import PactSpace, build_pact_space, pair_table


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
    # -- derived once per scenario ---------------------------------------------------------
    affinity_trade: np.ndarray  # (N, N) affinity x trade share (economy term)
    visibility: np.ndarray  # (P,) 1 for a bilateral, + bloc_visibility per extra member
    mean_hostility: np.ndarray  # (P,) mean hostility toward the US of each pact's members
    per_pact_rows: np.ndarray  # (P, 3N) co_capability | co_hostility | member_hostility
    asymmetry: np.ndarray  # (N, N) [i, j] how much stronger j is than i, >= 0
    pair_table: np.ndarray  # (K, N*N) pacts holding each ordered pair, padded with P
    configs: ConfigTable | None = None  # per-configuration tables (sim.rules.configs)
    # Runs of several design points stacked (sim.rules.stack): every value above carries a
    # leading run axis (B, ...), scalars are (B,); names, the pact space and tables' keys
    # are shared. False: one scenario's values for every run of the batch.
    stacked: bool = False

    @property
    def n_states(self) -> int:
        return len(self.codes)

    @property
    def temperature(self) -> float:
        return self.negotiation.temperature

    @cached_property
    def move_cost(self) -> np.ndarray:
        """``(M,)`` cost of each move (:func:`sim.rules.decisions.move_costs`), once."""
        from sim.rules.decisions import _move_costs

        cost = _move_costs(self)
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


def _derived(space: PactSpace, cap, hostility, affinity, us_cap, bloc_visibility) -> dict:
    """Per-pact constants the utility reads every round (see docs/model.md 3.3)."""
    m = space.membership
    visibility = 1.0 + bloc_visibility * (space.sizes - 2)
    rel_cap = cap / us_cap
    per = (m[:, None, :] * affinity[None, :, :] * rel_cap[None, None, :]).sum(axis=-1)
    co_capability = np.where(m, per, 0.0)  # affinity-weighted co-members' capability
    k = space.sizes[:, None] - 1
    co_hostility = np.where(m, ((m @ hostility)[:, None] - hostility[None, :]) / k, 0.0)
    mean_hostility = (m @ hostility) / space.sizes
    member_hostility = np.where(m, mean_hostility[:, None], 0.0)
    asymmetry = np.clip((cap[None, :] - cap[:, None]) / (cap[None, :] + cap[:, None]), 0.0, None)
    return {
        "visibility": visibility,
        "mean_hostility": mean_hostility,
        "per_pact_rows": np.concatenate([co_capability, co_hostility, member_hostility], 1),
        "asymmetry": asymmetry,
        "pair_table": space.pair_table,
    }


def _driver_params(s: Scenario, idx: dict, gidx: dict, n: int) -> DriverParams:
    d_list = [s.drivers[d] for d in s.drivers]
    nd, ng = len(d_list), len(s.goods)
    effect_attr = {a: np.zeros((nd, n)) for a in ATTRIBUTES}
    effect_needs = np.zeros((nd, n, ng))
    for k, d in enumerate(d_list):
        for path, coef in d.effects.items():
            parts = path.split(".")
            if parts[1] == "needs":
                effect_needs[k, idx[parts[0]], gidx[parts[2]]] += coef
            else:
                effect_attr[parts[1]][k, idx[parts[0]]] += coef

    def arr(values, dtype=float):
        return np.array(list(values), dtype=dtype)

    return DriverParams(
        names=tuple(s.drivers),
        initial=arr(d.initial for d in d_list),
        mean=arr(d.mean for d in d_list),
        mean_after=arr(d.mean if d.mean_after is None else d.mean_after for d in d_list),
        theta=arr(d.theta for d in d_list),
        sigma=arr(d.sigma for d in d_list),
        hazard=arr(d.switch_hazard for d in d_list),
        switch_from=arr((d.switch_from for d in d_list), int),
        low=arr(d.low for d in d_list),
        high=arr(d.high for d in d_list),
        effect_attr=effect_attr,
        effect_needs=effect_needs,
    )


def compile_params(s: Scenario) -> Params:
    """Turn a scenario into arrays (pure; no randomness).

    Long on purpose: it fills every field of :class:`Params` once, in field order, so a
    reader can check each array against the scenario field it comes from; the drivers and
    the per-pact constants have helpers of their own."""
    codes = s.codes
    n, goods = len(codes), tuple(s.goods)
    idx = {c: i for i, c in enumerate(codes)}
    gidx = {g: i for i, g in enumerate(goods)}
    states = [s.states[c] for c in codes]
    cap = np.array([st.capability for st in states])
    hostility = np.array([st.hostility for st in states])
    us_bloc = s.us.capability + s.us.allies_capability
    # Base threat (Walt 1987): intentions (hostility) times the opposing bloc's share of
    # the capability in the dyad, unless the scenario states it.
    derived = hostility * us_bloc / (us_bloc + cap)
    threat = np.array(
        [d if st.threat is None else st.threat for d, st in zip(derived, states, strict=True)]
    )
    base = {
        "threat": threat,
        "conflict_risk": np.array([st.conflict_risk for st in states]),
        "us_stake": np.array([st.us_stake for st in states]),
        "trade_need": np.array([st.trade_need for st in states]),
    }
    offers, needs = np.zeros((n, len(goods))), np.zeros((n, len(goods)))
    trade, stakes = np.zeros((n, n)), np.zeros((n, n))
    for i, st in enumerate(states):
        for g, v in st.offers.items():
            offers[i, gidx[g]] = v
        for g, v in st.needs.items():
            needs[i, gidx[g]] = v
        for c, v in st.trade_share.items():
            trade[i, idx[c]] = v
        for c, v in st.stakes.items():
            stakes[i, idx[c]] = v
    affinity = np.zeros((n, n))
    for key, rel in s.relations.items():
        a, b = (idx[c] for c in key.split("-"))
        affinity[a, b] = affinity[b, a] = rel.affinity

    space = build_pact_space(codes, s.level_names, s.declared_pacts)
    level_of = {name: i for i, name in enumerate(s.level_names)}
    dpos = {d: k for k, d in enumerate(s.drivers)}
    neg = s.negotiation
    p = Params(
        codes=codes,
        goods=goods,
        level_names=s.level_names,
        space=space,
        target=space.index(tuple(s.target)),
        target_level=level_of[s.target_level] if s.target_level else 1,
        capability=cap,
        hostility=hostility,
        base=base,
        presence=np.array([st.presence for st in states]),
        autonomy=np.array([st.autonomy for st in states]),
        entrapment_aversion=np.array([st.entrapment_aversion for st in states]),
        recognition=np.array([st.recognition for st in states]),
        offers=offers,
        needs=needs,
        trade_share=trade,
        stakes=stakes,
        affinity=affinity,
        weights=np.array([st.weights.as_tuple() for st in states]),
        commitment=np.array([0.0, *(lv.commitment for lv in s.levels)]),
        entanglement=np.array([0.0, *(lv.entanglement for lv in s.levels)]),
        us_capability=us_bloc,
        reactivity=s.us.reactivity,
        bloc_visibility=s.us.bloc_visibility,
        drivers=_driver_params(s, idx, gidx, n),
        shocks=ShockParams(
            driver=np.array([dpos[sh.driver] for sh in s.shocks], dtype=int),
            add=np.array([sh.add for sh in s.shocks], dtype=float),
            round=np.array([-1 if sh.round is None else sh.round for sh in s.shocks], dtype=int),
            prob=np.array([sh.probability or 0.0 for sh in s.shocks], dtype=float),
        ),
        negotiation=NegotiationParams(
            temperature=neg.temperature,
            formation_cost=neg.formation_cost,
            exit_threshold=neg.exit_threshold,
            eagerness=neg.eagerness,
            talks_min=np.array([0, *(lv.talks_min for lv in s.levels)]),
            talks_max=np.array([0, *(lv.talks_max for lv in s.levels)]),
        ),
        affinity_trade=affinity * trade,
        **_derived(space, cap, hostility, affinity, us_bloc, s.us.bloc_visibility),
    )
    return replace(p, configs=build_config_table(p))


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


__all__ = [
    "TERMS",
    "DriverParams",
    "NegotiationParams",
    "Params",
    "ShockParams",
    "compile_params",
    "initial_levels",
    "initial_talks",
    "pair_table",
]
