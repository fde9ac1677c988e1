"""Compile a validated :class:`~sim.config.Scenario` into numpy arrays for the rules.

The rules never see the config objects: they take a :class:`Params` of arrays indexed by
state (N), good (G), driver (D), level (L + 1, index 0 = no pact) and pact (P).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.config import ATTRIBUTES, TERMS, Scenario
from sim.rules.pacts import PactSpace, build_pact_space


@dataclass(frozen=True)
class Params:
    """Every number the rules use, as arrays."""

    codes: tuple[str, ...]
    goods: tuple[str, ...]
    drivers: tuple[str, ...]
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
    # drivers (D,)
    drv_initial: np.ndarray
    drv_mean: np.ndarray
    drv_mean_after: np.ndarray
    drv_theta: np.ndarray
    drv_sigma: np.ndarray
    drv_hazard: np.ndarray
    drv_from: np.ndarray
    drv_low: np.ndarray
    drv_high: np.ndarray
    effect_attr: dict[str, np.ndarray]  # attribute -> (D, N) loading
    effect_needs: np.ndarray  # (D, N, G) loading on needs
    # shocks
    shock_driver: np.ndarray  # (S,)
    shock_add: np.ndarray  # (S,)
    shock_round: np.ndarray  # (S,) -1 for random shocks
    shock_prob: np.ndarray  # (S,) 0 for scheduled shocks
    # negotiation
    temperature: float
    formation_cost: float
    exit_threshold: float
    eagerness: float

    # -- constants derived once per scenario (cached; used every round) -----------------
    @cached_property
    def affinity_trade(self) -> np.ndarray:
        """``(N, N)``: affinity x trade share, the economy term's per-partner weight."""
        return self.affinity * self.trade_share

    @cached_property
    def visibility(self) -> np.ndarray:
        """``(P,)``: 1 for a bilateral pact, plus ``bloc_visibility`` per extra member."""
        return 1.0 + self.bloc_visibility * (self.space.sizes - 2)

    @cached_property
    def co_capability(self) -> np.ndarray:
        """``(P, N)``: affinity-weighted capability of a member's co-members (vs the US bloc)."""
        m = self.space.membership
        rel_cap = self.capability / self.us_capability
        per = (m[:, None, :] * self.affinity[None, :, :] * rel_cap[None, None, :]).sum(axis=-1)
        return np.where(m, per, 0.0)

    @cached_property
    def co_hostility(self) -> np.ndarray:
        """``(P, N)``: mean hostility toward the US of a member's co-members (0 if not a member)."""
        m = self.space.membership
        k = self.space.sizes[:, None] - 1
        others = (m @ self.hostility)[:, None] - self.hostility[None, :]
        return np.where(m, others / k, 0.0)

    @cached_property
    def mean_hostility(self) -> np.ndarray:
        """``(P,)``: mean hostility toward the US of each pact's members."""
        return (self.space.membership @ self.hostility) / self.space.sizes

    @cached_property
    def member_hostility(self) -> np.ndarray:
        """``(P, N)``: each pact's mean hostility, for its members only (0 elsewhere)."""
        return np.where(self.space.membership, self.mean_hostility[:, None], 0.0)

    @cached_property
    def per_pact_rows(self) -> np.ndarray:
        """``(P, 3N)``: co_capability | co_hostility | member_hostility, summed in one pass."""
        return np.concatenate([self.co_capability, self.co_hostility, self.member_hostility], 1)

    @cached_property
    def asymmetry(self) -> np.ndarray:
        """``(N, N)``: [i, j] how much stronger j is than i, (c_j - c_i) / (c_j + c_i), >= 0."""
        c = self.capability
        return np.clip((c[None, :] - c[:, None]) / (c[None, :] + c[:, None]), 0.0, None)

    @property
    def n_states(self) -> int:
        return len(self.codes)

    @property
    def n_random_shocks(self) -> int:
        return int((self.shock_round < 0).sum())


def compile_params(s: Scenario) -> Params:
    """Turn a scenario into arrays (pure; no randomness)."""
    codes = s.codes
    n, goods, drivers = len(codes), tuple(s.goods), tuple(s.drivers)
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
    offers = np.zeros((n, len(goods)))
    needs = np.zeros((n, len(goods)))
    trade = np.zeros((n, n))
    stakes = np.zeros((n, n))
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

    space = build_pact_space(codes, s.level_names)
    level_of = {name: i for i, name in enumerate(s.level_names)}
    commitment = np.array([0.0, *(lv.commitment for lv in s.levels)])
    entanglement = np.array([0.0, *(lv.entanglement for lv in s.levels)])

    d_list = [s.drivers[d] for d in drivers]
    nd = len(d_list)
    effect_attr = {a: np.zeros((nd, n)) for a in ATTRIBUTES}
    effect_needs = np.zeros((nd, n, len(goods)))
    for k, d in enumerate(d_list):
        for path, coef in d.effects.items():
            parts = path.split(".")
            if parts[1] == "needs":
                effect_needs[k, idx[parts[0]], gidx[parts[2]]] += coef
            else:
                effect_attr[parts[1]][k, idx[parts[0]]] += coef
    dpos = {d: k for k, d in enumerate(drivers)}

    def arr(values, dtype=float):
        return np.array(list(values), dtype=dtype)

    return Params(
        codes=codes,
        goods=goods,
        drivers=drivers,
        level_names=s.level_names,
        space=space,
        target=space.index(tuple(s.target)),
        target_level=level_of[s.target_level] if s.target_level else 1,
        capability=cap,
        hostility=hostility,
        base=base,
        presence=arr(st.presence for st in states),
        autonomy=arr(st.autonomy for st in states),
        entrapment_aversion=arr(st.entrapment_aversion for st in states),
        recognition=arr(st.recognition for st in states),
        offers=offers,
        needs=needs,
        trade_share=trade,
        stakes=stakes,
        affinity=affinity,
        weights=np.array([st.weights.as_tuple() for st in states]),
        commitment=commitment,
        entanglement=entanglement,
        us_capability=us_bloc,
        reactivity=s.us.reactivity,
        bloc_visibility=s.us.bloc_visibility,
        drv_initial=arr(d.initial for d in d_list),
        drv_mean=arr(d.mean for d in d_list),
        drv_mean_after=arr(d.mean if d.mean_after is None else d.mean_after for d in d_list),
        drv_theta=arr(d.theta for d in d_list),
        drv_sigma=arr(d.sigma for d in d_list),
        drv_hazard=arr(d.switch_hazard for d in d_list),
        drv_from=arr((d.switch_from for d in d_list), int),
        drv_low=arr(d.low for d in d_list),
        drv_high=arr(d.high for d in d_list),
        effect_attr=effect_attr,
        effect_needs=effect_needs,
        shock_driver=arr((dpos[sh.driver] for sh in s.shocks), int),
        shock_add=arr(sh.add for sh in s.shocks),
        shock_round=arr((-1 if sh.round is None else sh.round for sh in s.shocks), int),
        shock_prob=arr(0.0 if sh.probability is None else sh.probability for sh in s.shocks),
        temperature=s.negotiation.temperature,
        formation_cost=s.negotiation.formation_cost,
        exit_threshold=s.negotiation.exit_threshold,
        eagerness=s.negotiation.eagerness,
    )


def initial_levels(s: Scenario, space: PactSpace) -> np.ndarray:
    """Levels at round 0 from ``initial_pacts``: ``(P,)`` int."""
    level_of = {name: i for i, name in enumerate(s.level_names)}
    out = np.zeros(space.n_pacts, dtype=np.int8)  # levels are small; int8 keeps gathers fast
    for key, level in s.initial_pacts.items():
        out[space.index(key.split("-"))] = level_of[level]
    return out


__all__ = ["TERMS", "Params", "compile_params", "initial_levels"]
