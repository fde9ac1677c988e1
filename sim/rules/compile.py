"""Compile a validated :class:`~sim.config.Scenario` into the arrays of
:class:`~sim.rules.params.Params` (pure; no randomness).

Everything derived once per scenario (visibility, co-member sums, the pair table, the
configuration table) is computed here, so the rules hold no caches.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sim.config import ATTRIBUTES, Scenario
from sim.rules.actions import compile_actions
from sim.rules.configs import SeenTerms, build_config_table
from sim.rules.feedback import compile_feedback
from sim.rules.pacts import PactSpace, build_pact_space
from sim.rules.params import DriverParams, NegotiationParams, Params, ShockParams
from sim.rules.relations import RelationParams


def _derived(space: PactSpace, cap, hostility, us_cap, bloc_visibility) -> dict:
    """Per-pact constants the utility reads every round (see docs/model.md 3.3)."""
    m = space.membership
    visibility = 1.0 + bloc_visibility * (space.sizes - 2)
    k = space.sizes[:, None] - 1
    co_hostility = np.where(m, ((m @ hostility)[:, None] - hostility[None, :]) / k, 0.0)
    mean_hostility = (m @ hostility) / space.sizes
    member_hostility = np.where(m, mean_hostility[:, None], 0.0)
    asymmetry = np.clip((cap[None, :] - cap[:, None]) / (cap[None, :] + cap[:, None]), 0.0, None)
    return {
        "visibility": visibility,
        "mean_hostility": mean_hostility,
        "per_pact_rows": np.concatenate([co_hostility, member_hostility], 1),
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

    It fills every field of :class:`Params` once, in field order, so a reader can check
    each array against the scenario field it comes from; the state tables, the drivers,
    the negotiation and the per-pact constants have helpers of their own."""
    codes = s.codes
    n, goods = len(codes), tuple(s.goods)
    idx = {c: i for i, c in enumerate(codes)}
    gidx = {g: i for i, g in enumerate(goods)}
    states = [s.states[c] for c in codes]
    cap = np.array([st.capability for st in states])
    hostility = np.array([st.hostility for st in states])
    us_bloc = s.us.capability + s.us.allies_capability
    offers, needs, trade, stakes, affinity = _state_tables(s, states, idx, gidx)
    space = build_pact_space(codes, s.level_names, s.declared_pacts)
    level_of = {name: i for i, name in enumerate(s.level_names)}
    p = Params(
        codes=codes,
        goods=goods,
        level_names=s.level_names,
        space=space,
        target=space.index(tuple(s.target)),
        target_level=level_of[s.target_level] if s.target_level else 1,
        capability=cap,
        hostility=hostility,
        base=_base_attributes(states, hostility * us_bloc / (us_bloc + cap)),
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
        shocks=_shock_params(s),
        negotiation=_negotiation_params(s),
        actions=compile_actions(s, codes, offers),
        relations=RelationParams(**s.relation_dynamics.model_dump()),
        feedback=compile_feedback(s, space),
        affinity_trade=affinity * trade,
        **_derived(space, cap, hostility, us_bloc, s.us.bloc_visibility),
        player=-1 if s.us.player is None else idx[s.us.player],
        association=s.us.association,
    )
    table = build_config_table(p)
    n_levels, n_pacts = len(p.level_names), space.n_pacts
    seen = SeenTerms(n_levels, n_pacts) if SeenTerms.usable(n_levels, n_pacts) else None
    return replace(p, configs=table, seen=None if table is not None else seen)


def _base_attributes(states: list, derived_threat: np.ndarray) -> dict[str, np.ndarray]:
    """Each attribute before drivers, ``(N,)``. Base threat (Walt 1987): intentions
    (hostility) times the opposing bloc's share of the capability in the dyad
    (``derived_threat``), unless the scenario states it."""
    threat = [d if st.threat is None else st.threat
              for d, st in zip(derived_threat, states, strict=True)]  # fmt: skip
    return {
        "threat": np.array(threat),
        "conflict_risk": np.array([st.conflict_risk for st in states]),
        "us_stake": np.array([st.us_stake for st in states]),
        "trade_need": np.array([st.trade_need for st in states]),
    }


def _state_tables(s: Scenario, states: list, idx: dict, gidx: dict) -> tuple:
    """``(offers, needs, trade_share, stakes, affinity)``: ``(N, G)``, ``(N, G)`` and
    ``(N, N)`` tables of the states' and relations' fields."""
    n, g = len(idx), len(gidx)
    offers, needs = np.zeros((n, g)), np.zeros((n, g))
    trade, stakes = np.zeros((n, n)), np.zeros((n, n))
    for i, st in enumerate(states):
        for good, v in st.offers.items():
            offers[i, gidx[good]] = v
        for good, v in st.needs.items():
            needs[i, gidx[good]] = v
        for c, v in st.trade_share.items():
            trade[i, idx[c]] = v
        for c, v in st.stakes.items():
            stakes[i, idx[c]] = v
    affinity = np.zeros((n, n))
    for key, rel in s.relations.items():
        a, b = (idx[c] for c in key.split("-"))
        affinity[a, b] = affinity[b, a] = rel.affinity
    return offers, needs, trade, stakes, affinity


def _shock_params(s: Scenario) -> ShockParams:
    dpos = {d: k for k, d in enumerate(s.drivers)}
    return ShockParams(
        driver=np.array([dpos[sh.driver] for sh in s.shocks], dtype=int),
        add=np.array([sh.add for sh in s.shocks], dtype=float),
        round=np.array([-1 if sh.round is None else sh.round for sh in s.shocks], dtype=int),
        prob=np.array([sh.probability or 0.0 for sh in s.shocks], dtype=float),
    )


def _negotiation_params(s: Scenario) -> NegotiationParams:
    neg = s.negotiation
    action_temperature = neg.temperature if neg.action_temperature is None else (
        neg.action_temperature
    )  # fmt: skip
    return NegotiationParams(
        temperature=neg.temperature,
        formation_cost=neg.formation_cost,
        exit_threshold=neg.exit_threshold,
        eagerness=neg.eagerness,
        refusal_memory=neg.refusal_memory,
        action_review=neg.action_review,
        action_temperature=action_temperature,
        talks_min=np.array([0, *(lv.talks_min for lv in s.levels)]),
        talks_max=np.array([0, *(lv.talks_max for lv in s.levels)]),
    )
