"""Tiny hand-made scenarios (raw dicts) whose utilities the tests compute by hand.

Three states: two patrons PA and PB, and a client CL that both court. No drivers, so the
attributes are the base values. The US bloc's capability is U = 0.3 + 0.1 = 0.4.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from sim.config import Scenario, build_scenario
from sim.rules.compile import compile_params
from sim.rules.params import Params
from sim.rules.utility import Attributes, attributes

_THREE: dict[str, Any] = {
    "name": "hand3",
    "start": "2024-01",
    "rounds": 6,
    "goods": ["arms"],
    "levels": [
        {"name": "partnership", "commitment": 0.5, "entanglement": 0.2},
        {"name": "treaty", "commitment": 1.0, "entanglement": 1.0},
    ],
    "target": ["PA", "PB", "CL"],
    "states": {
        "PA": {
            "name": "Patron A",
            "capability": 0.2,
            "hostility": 0.5,
            "threat": 0.5,
            "conflict_risk": 0.4,
            "us_stake": 0.6,
            "trade_need": 0.5,
            "presence": 0.2,
            "entrapment_aversion": 1.0,
            "autonomy": 0.0,
            "offers": {"arms": 0.8},
            "needs": {"arms": 0.5},
            "trade_share": {"PB": 0.2, "CL": 0.1},
            "stakes": {"CL": 1.0},
            "weights": {"security": 1.0, "us_ties": 1.0, "regional_influence": 1.0, "economy": 1.0},
        },
        "PB": {
            "name": "Patron B",
            "capability": 0.1,
            "hostility": 1.0,
            # threat omitted: derived as hostility * U / (U + capability) = 0.4 / 0.5 = 0.8
            "conflict_risk": 0.5,
            "us_stake": 0.2,
            "trade_need": 0.4,
            "presence": 0.0,
            "entrapment_aversion": 0.5,
            "autonomy": 0.0,
            "offers": {"arms": 0.6},
            "needs": {"arms": 0.25},
            "trade_share": {"PA": 0.5},
            "stakes": {"CL": 0.5},
            "weights": {"security": 1.0, "us_ties": 1.0, "regional_influence": 1.0, "economy": 1.0},
        },
        "CL": {
            "name": "Client",
            "capability": 0.05,
            "hostility": 1.0,
            "threat": 1.0,
            "conflict_risk": 0.2,
            "us_stake": 0.0,
            "trade_need": 1.0,
            "presence": 0.5,
            "entrapment_aversion": 0.0,
            "autonomy": 0.5,
            "offers": {"arms": 0.5},
            "needs": {"arms": 1.0},
            "trade_share": {"PA": 0.5, "PB": 0.25},
            "stakes": {},
            "weights": {"security": 1.0, "us_ties": 1.0, "regional_influence": 1.0, "economy": 1.0},
        },
    },
    "relations": {
        "PA-PB": {"affinity": 0.5},
        "PA-CL": {"affinity": 1.0},
        "PB-CL": {"affinity": 0.5},
    },
    "us": {"capability": 0.3, "allies_capability": 0.1, "reactivity": 0.5, "bloc_visibility": 2.0},
    "negotiation": {
        "temperature": 0.1,
        "formation_cost": 0.05,
        "exit_threshold": 0.02,
        "eagerness": 0.0,
    },
}


def three_raw() -> dict[str, Any]:
    """A fresh copy of the three-state raw dict."""
    return copy.deepcopy(_THREE)


def two_raw() -> dict[str, Any]:
    """Two states PA and CL (PB removed): a single possible pact PA-CL."""
    raw = three_raw()
    del raw["states"]["PB"]
    del raw["states"]["PA"]["trade_share"]["PB"]
    del raw["states"]["CL"]["trade_share"]["PB"]
    raw["relations"] = {"PA-CL": {"affinity": 1.0}}
    raw["target"] = ["PA", "CL"]
    return raw


def compile_raw(raw: dict[str, Any]) -> tuple[Scenario, Params, Attributes]:
    """Validate, compile, and take the attributes with no drivers."""
    s = build_scenario(raw, "<handmade>")
    p = compile_params(s)
    return s, p, attributes(np.zeros(len(p.drivers.names)), p)


def levels_of(p: Params, **pacts: int) -> np.ndarray:
    """Level vector from keyword pacts, e.g. ``levels_of(p, PA_CL=2)``."""
    out = np.zeros(p.space.n_pacts, dtype=np.int64)
    for key, level in pacts.items():
        out[p.space.index(key.split("_"))] = level
    return out
