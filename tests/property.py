"""Shared hypothesis strategies: level vectors, driver values and perturbed scenarios.

Scenarios are built by perturbing the raw TOML dict of the default scenario (or any raw
dict given) and validating the result with :func:`sim.config.build_scenario`, so every
drawn scenario is one a user could write.
"""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import numpy as np
from conftest import DEFAULT_SCENARIO, FOUR_STATES, ROOT  # noqa: F401 (ROOT: for the model tests)
from hypothesis import strategies as st

from sim.config import TERMS, Scenario, build_scenario
from sim.rules.params import Params


def default_raw() -> dict[str, Any]:
    """A fresh copy of the default scenario's raw TOML dict."""
    with DEFAULT_SCENARIO.open("rb") as fh:
        return tomllib.load(fh)


def four_states_raw() -> dict[str, Any]:
    with FOUR_STATES.open("rb") as fh:
        return tomllib.load(fh)


# -- numbers -------------------------------------------------------------------------------

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
signed = st.floats(min_value=-1.0, max_value=1.0, allow_nan=False)
weight = st.floats(min_value=0.0, max_value=3.0, allow_nan=False)


def level_vectors(p: Params) -> st.SearchStrategy[np.ndarray]:
    """A valid configuration: one level in 0..L per possible pact of ``p``'s pact space."""
    top = len(p.level_names) - 1
    return st.lists(st.integers(0, top), min_size=p.space.n_pacts, max_size=p.space.n_pacts).map(
        lambda xs: np.array(xs, dtype=np.int64)
    )


def driver_values(p: Params, spread: float = 2.0) -> st.SearchStrategy[np.ndarray]:
    """Driver values, by default also beyond each driver's [low, high] (attributes clip)."""
    lows = p.drivers.low - spread
    highs = p.drivers.high + spread
    return st.tuples(
        *(
            st.floats(min_value=float(lo), max_value=float(hi), allow_nan=False)
            for lo, hi in zip(lows, highs, strict=True)
        )
    ).map(lambda xs: np.array(xs, dtype=float).reshape(len(p.drivers.names)))


# -- scenarios -----------------------------------------------------------------------------


@st.composite
def perturbed_raw(draw: st.DrawFn, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The raw dict of a valid scenario: ``base`` with weights, affinities, capabilities,
    attributes, offers/needs, level strengths and negotiation parameters redrawn."""
    raw = copy.deepcopy(default_raw() if base is None else base)
    for state in raw["states"].values():
        for term in TERMS:
            state["weights"][term] = draw(weight)
        state["capability"] = draw(st.floats(min_value=0.001, max_value=1.0))
        for attr in ("hostility", "conflict_risk", "us_stake", "trade_need"):
            state[attr] = draw(unit)
        state["entrapment_aversion"] = draw(unit)
        state["presence"] = draw(st.floats(min_value=0.0, max_value=2.0))
        state["autonomy"] = draw(st.floats(min_value=0.0, max_value=2.0))
        state["recognition"] = draw(st.floats(min_value=0.05, max_value=5.0))
        for table in ("offers", "needs"):
            state[table] = {g: draw(unit) for g in raw["goods"]}
    codes = list(raw["states"])
    raw["relations"] = {}
    for i, a in enumerate(codes):
        for b in codes[i + 1 :]:
            affinity = draw(st.none() | signed)  # None: no relation given (affinity 0)
            if affinity is not None:
                raw["relations"][f"{a}-{b}"] = {"affinity": affinity}
    for level in raw["levels"]:
        level["commitment"] = draw(unit)
        level["entanglement"] = draw(unit)
    neg = raw["negotiation"]
    neg["temperature"] = draw(st.floats(min_value=1e-3, max_value=2.0))
    neg["formation_cost"] = draw(st.floats(min_value=0.0, max_value=0.2))
    neg["exit_threshold"] = draw(st.floats(min_value=0.0, max_value=0.2))
    neg["eagerness"] = draw(st.floats(min_value=0.0, max_value=5.0))
    raw["us"]["reactivity"] = draw(st.floats(min_value=0.0, max_value=2.0))
    raw["us"]["bloc_visibility"] = draw(st.floats(min_value=0.0, max_value=6.0))
    for driver in raw["drivers"].values():
        driver["sigma"] = draw(st.floats(min_value=0.0, max_value=0.5))
        driver["theta"] = draw(unit)
    return raw


def scenarios(base: dict[str, Any] | None = None) -> st.SearchStrategy[Scenario]:
    """Validated scenarios drawn with :func:`perturbed_raw`."""
    return perturbed_raw(base).map(lambda raw: build_scenario(raw, "<hypothesis>"))


seeds = st.integers(min_value=0, max_value=2**32 - 1)
