"""The model's Mesa ``DataCollector``: what ``model.datacollector`` records each month.

Reporters read the model's public state only (``levels``, ``drivers``, ``params``,
``us.counterbalancing``, ``initial``, ``rows``, each state's ``terms``). The model collects after
every month (not at construction), so row ``t`` of the model table is the state after
round ``t``, as in the ``series`` table (docs/results_schema.md).

Model reporters: ``round``, ``date``, ``level.<PACT>``, ``config``, ``target_active``,
``target_formed`` (ever so far), ``counterbalancing``, ``driver.<NAME>``.
Agent reporters (NaN / None for the United States, which does not negotiate):
``code``, ``utility.<term>``, ``utility`` (total), ``support_share.<PATRON>`` (share of
this state's external support coming from PATRON).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import mesa

from sim.config import TERMS
from sim.records import round_date
from sim.rules.pacts import config_label

# The reporters read a sim.model.DiplomacyModel; typed loosely so that this module, which
# the model imports, does not import the model back.
DiplomacyModel = Any


def _round(model: DiplomacyModel) -> int:
    """The last round played (-1 before the first)."""
    return model.round - 1


def _date(model: DiplomacyModel) -> str:
    return round_date(model.config.start, max(model.round - 1, 0))


def _level(q: int, model: DiplomacyModel) -> int:
    return int(model.levels[q])


def _driver(d: int, model: DiplomacyModel) -> float:
    return float(model.drivers[d])


def _config(model: DiplomacyModel) -> str:
    """Readable active pacts, e.g. 'A-C treaty + B-C treaty' ('' when none)."""
    p = model.params
    return config_label(model.levels, p.space, p.level_names)


def _counterbalancing(model: DiplomacyModel) -> float:
    return float(model.us.counterbalancing)


def target_active(model: DiplomacyModel) -> bool:
    """Whether the tracked (trilateral) pact is active at its counting level now."""
    p = model.params
    return bool(model.levels[p.target] >= p.target_level)


def target_formed(model: DiplomacyModel) -> bool:
    """Whether the tracked pact has been active so far (before round 0 counts)."""
    p = model.params
    if model.initial[p.target] >= p.target_level:
        return True
    return any(r["levels"][0, p.target] >= p.target_level for r in model.rows)


def _code(agent: mesa.Agent) -> str:
    return getattr(agent, "code", "US")


def _term(t: int, agent: mesa.Agent) -> float:
    terms = getattr(agent, "terms", None)
    return float("nan") if terms is None else float(terms[t])


def _utility(agent: mesa.Agent) -> float:
    terms = getattr(agent, "terms", None)
    return float("nan") if terms is None else float(terms.sum())


def _share(patron: int, agent: mesa.Agent) -> float:
    """Share of this state's support from ``patron`` (NaN: the US, itself, or no support)."""
    index = getattr(agent, "index", None)
    rows = agent.model.rows
    if index is None or index == patron or not rows:
        return float("nan")
    shares = rows[-1]["shares"][0, index]
    return float(shares[patron]) if shares.sum() > 0 else float("nan")


def model_reporters(model: DiplomacyModel) -> dict[str, Any]:
    """Model-level reporters for this model's pacts and drivers."""
    p = model.params
    out: dict[str, Any] = {"round": _round, "date": _date}
    for q, key in enumerate(p.space.keys):
        out[f"level.{key}"] = partial(_level, q)
    out["config"] = _config
    out["target_active"] = target_active
    out["target_formed"] = target_formed
    out["counterbalancing"] = _counterbalancing
    for d, name in enumerate(p.drivers.names):
        out[f"driver.{name}"] = partial(_driver, d)
    return out


def agent_reporters(model: DiplomacyModel) -> dict[str, Any]:
    """Agent-level reporters: utility by term and support shares by patron."""
    out: dict[str, Any] = {"code": _code}
    for t, term in enumerate(TERMS):
        out[f"utility.{term}"] = partial(_term, t)
    out["utility"] = _utility
    for j, code in enumerate(model.params.codes):
        out[f"support_share.{code}"] = partial(_share, j)
    return out


def make_datacollector(model: DiplomacyModel) -> mesa.DataCollector:
    """The ``DataCollector`` of a :class:`~sim.model.DiplomacyModel`."""
    return mesa.DataCollector(
        model_reporters=model_reporters(model), agent_reporters=agent_reporters(model)
    )


__all__ = ["agent_reporters", "make_datacollector", "model_reporters", "target_active"]
