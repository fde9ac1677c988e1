"""Headline parameters: short keyword names for the scenario fields people vary most.

They are derived from the scenario itself (its states and drivers), so every scenario
has its own and no code names a particular state or driver:

==============================  ============================================
keyword                         scenario path
==============================  ============================================
``<state>_<term>``              ``states.<STATE>.weights.<term>``, e.g.
                                ``abc_us_ties`` -> ``states.ABC.weights.us_ties``
                                (term: security, us_ties, regional_influence, economy)
``temperature``                 ``negotiation.temperature``
``<driver>_hazard``             ``drivers.<driver>.switch_hazard``, for each driver
                                with a regime switch (a ``mean_after``)
``us_reactivity``               ``us.reactivity``
==============================  ============================================

The same keywords are accepted by the command line (``--set abc_us_ties=0.2``), the
Python API (``sim.simulate(..., abc_us_ties=0.2)``) and the browser app's sliders.
Dotted paths and top-level fields (``rounds``) pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.errors import ConfigError
from sim.schema import Scenario
from sim.schema_parts import TERMS


@dataclass(frozen=True)
class Headline:
    """One headline parameter: its keyword, the dotted path it stands for, a label and a
    slider range (``low``..``high`` by ``step``) for front ends."""

    key: str
    path: str
    label: str
    low: float
    high: float
    step: float


def _table(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, Mapping) else {}


def headlines(raw: Mapping[str, Any]) -> list[Headline]:
    """The headline parameters of a scenario mapping (merged onto its bases, or a
    :class:`Scenario`'s ``model_dump()``), in display order."""
    out = [
        Headline(f"{code.lower()}_{term}", f"states.{code}.weights.{term}",
                 f"{code} weight: {term}", 0.0, 1.0, 0.05)
        for code in _table(raw, "states")
        for term in TERMS
    ]  # fmt: skip
    out.append(
        Headline("temperature", "negotiation.temperature", "Temperature (logit noise)",
                 0.005, 0.2, 0.005)
    )  # fmt: skip
    for name, driver in _table(raw, "drivers").items():
        if isinstance(driver, Mapping) and driver.get("mean_after") is not None:
            out.append(
                Headline(f"{name}_hazard", f"drivers.{name}.switch_hazard",
                         f"{name}: regime switch hazard", 0.0, 0.2, 0.005)
            )  # fmt: skip
    out.append(Headline("us_reactivity", "us.reactivity", "US reactivity", 0.0, 1.0, 0.05))
    return out


def headline_paths(raw: Mapping[str, Any]) -> dict[str, str]:
    """Keyword -> dotted path for a scenario mapping."""
    return {h.key: h.path for h in headlines(raw)}


def to_paths(overrides: Mapping[str, Any], raw: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Overrides with headline keywords turned into dotted paths; dotted paths and
    top-level fields pass through. An unknown keyword is a :class:`ConfigError` listing
    the scenario's headline parameters."""
    table = headline_paths(raw)
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        if key in table:
            out[table[key]] = value
        elif "." in key or key in Scenario.model_fields:
            out[key] = value
        else:
            raise ConfigError(
                source,
                key,
                "a dotted scenario path or a headline parameter of this scenario "
                f"({', '.join(table)})",
            )
    return out


__all__ = ["Headline", "headline_paths", "headlines", "to_paths"]
