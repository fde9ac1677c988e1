"""Scenario schema of model v3's dynamics: cooperation actions below the pact, relations
that remember, drivers that respond, dated changes and occasions (see docs/model.md 3.8-3.12
and 3.15).

Every field defaults to "off", so a scenario written for model v2 runs exactly as before.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

CAMEO_CLASSES = (
    "verbal_cooperation",
    "material_cooperation",
    "verbal_conflict",
    "material_conflict",
)
"""CAMEO's four 'quad' classes of political events (Gerner et al. 2002; Schrodt 2012)."""

TRADE = "trade"
"""Pseudo-good of an action that opens trade or gives economic aid (valued at the
recipient's trade need times its trade share with the actor)."""

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
DYAD = re.compile(r"^([A-Z][A-Z0-9_]{1,15})>([A-Z][A-Z0-9_]{1,15})$")
"""A directed pair 'ACTOR>RECIPIENT' of state codes, e.g. 'B>A'."""
_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class _Frozen(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)


def _unit(name: str):
    return Field(json_schema_extra={"unit": name})


Unit01 = Annotated[float, Field(ge=0.0, le=1.0), _unit("0-1")]
UtilityPerMonth = Annotated[float, Field(ge=0.0), _unit("utility/month")]


class Action(_Frozen):
    """A kind of cooperation below the pact that a state takes toward a partner.

    While in force (``duration`` months from the month taken), an action delivers
    ``amount`` of the actor's offer of ``good`` to the recipient (its support, and its
    security through the recipient's need of the good), costs the actor ``cost`` a month,
    earns it ``payment`` (a share of the good's value to the recipient, paid by the
    recipient: Keohane 1986's specific reciprocity), is seen by the outside powers with
    ``visibility`` (relative to a bilateral pact at full commitment), exposes the actor to
    the recipient's conflict risk by ``entanglement`` and moves the pair's affinity by
    ``trust`` a month (a costly signal, Fearon 1997). Pacts change what actions cost (the
    cost falls by ``pact_discount`` x the commitment of the pair's strongest pact: a
    mutual-assistance clause gives troops a legal basis) and which are possible at all
    (``min_level``).
    """

    label: str = ""
    good: str = ""  # a scenario good, "trade" (economic aid, trade opening) or "" (none)
    amount: Unit01 = 0.0
    cost: UtilityPerMonth = 0.0
    pact_discount: Unit01 = 0.0  # cost x (1 - pact_discount x commitment of the pair's pact)
    payment: Unit01 = 0.0
    visibility: Annotated[float, Field(ge=0.0), _unit("dimensionless")] = 0.0
    entanglement: Unit01 = 0.0
    duration: Annotated[int, Field(ge=1, le=120), _unit("months")] = 1
    trust: Annotated[float, Field(ge=-1.0, le=1.0), _unit("affinity/month")] = 0.0
    min_level: Annotated[str, Field(pattern=_NAME.pattern)] = "none"
    dyads: list[str] = []  # allowed 'ACTOR>RECIPIENT' pairs; empty: every ordered pair
    cameo: str = "material_cooperation"
    cameo_code: Annotated[str, Field(pattern=r"^\d{2,4}$")] = "06"
    goldstein: Annotated[float, Field(ge=-10.0, le=10.0), _unit("Goldstein scale")] = 0.0

    @model_validator(mode="after")
    def _classes(self) -> Action:
        if self.cameo not in CAMEO_CLASSES:
            raise ValueError(f"cameo must be one of {list(CAMEO_CLASSES)}")
        for d in self.dyads:
            m = DYAD.match(d)
            if m is None or m.group(1) == m.group(2):
                raise ValueError("dyads are 'ACTOR>RECIPIENT' with two different state codes")
        return self


class RelationDynamics(_Frozen):
    """How affinity remembers (docs/model.md 3.9): each month it drifts back toward the
    scenario's affinity by ``drift`` of the gap and moves with what happened between the
    two states. All rates are in affinity units [-1..1]."""

    drift: Annotated[float, Field(ge=0.0, le=1.0), _unit("1/month")] = 0.0
    refusal: Annotated[float, Field(ge=0.0, le=1.0), _unit("affinity")] = 0.0
    walkout: Annotated[float, Field(ge=0.0, le=1.0), _unit("affinity")] = 0.0
    defection: Annotated[float, Field(ge=0.0, le=1.0), _unit("affinity")] = 0.0
    signing: Annotated[float, Field(ge=0.0, le=1.0), _unit("affinity")] = 0.0
    # a US player's affinity with a state lost per month per unit of the state's alignment
    # with the player's adversaries (docs/model.md 3.14); no effect without a player
    alignment: Annotated[
        float, Field(ge=0.0, le=1.0), _unit("affinity per month per unit of alignment")
    ] = 0.0


class Occasion(_Frozen):
    """A dated occasion (docs/model.md 3.15): in month ``at`` the ``host`` receives
    ``guests`` (a parade, an anniversary, a summit it hosts). That month an action of
    ``kinds`` from a guest to the host is open to the guest even if declined lately, and
    taking it is worth ``bonus`` more to both: the invitation's courtesy (declining is a
    snub), the travel the occasion pays for, and a visit read as part of a multilateral
    event (visits cluster on such occasions: Lebovic & Saunders 2016). Whether a guest
    comes is still each side's logit choice on its own utility."""

    at: Annotated[int, Field(ge=0), _unit("round")]
    host: str
    guests: list[str] = Field(min_length=1)
    kinds: list[str] = ["summit"]
    bonus: Annotated[float, Field(ge=0.0), _unit("utility")]
    label: str = ""
    source: str = ""


class Feedback(_Frozen):
    """A driver that responds to the model: each month ``coef`` x the source is added to
    the driver (before clipping). ``source`` is ``actions.KIND`` (actions of that kind in
    force, any pair), ``actions.KIND.ACTOR>RECIPIENT`` (one pair) or ``pacts.A-B[-C]``
    (the pact's level)."""

    driver: str
    source: str
    coef: Annotated[float, _unit("driver scale per unit of source per month")]
    note: str = ""


class Change(_Frozen):
    """A dated change of a scenario value: from month ``at`` the number at ``path`` (a
    dotted scenario path, as ``--set``) becomes ``value``, at once or linearly over
    ``ramp`` months (reaching ``value`` at ``at + ramp``)."""

    at: Annotated[int, Field(ge=0), _unit("round")]
    path: str
    value: float
    ramp: Annotated[int, Field(ge=0, le=1200), _unit("months")] = 0
    note: str = ""


NOT_CHANGEABLE = ("name", "description", "start", "rounds", "checkpoints", "goods", "target",
                  "target_level", "initial_pacts", "initial_talks", "initial_actions",
                  "changes", "feedback", "occasions", "pacts", "base")  # fmt: skip
"""Top-level fields a dated change may not touch (structure, calendar, the start)."""


START_ONLY = (("drivers", "initial"), ("relations", "initial"), ("shocks", "round"))
"""(table, field) pairs a dated change may not touch: read in the first month only, or a
date (a shock's round)."""


def read_at_start(path: str) -> bool:
    keys = path.split(".")
    return len(keys) == 3 and (keys[0], keys[2]) in START_ONLY


def changeable(s: Any, path: str) -> int | float | None:
    """The number at ``path`` if it names one of the scenario that may change over time,
    else None."""
    keys = path.split(".")
    if not keys or keys[0] in NOT_CHANGEABLE:
        return None
    node: Any = s
    for key in keys:
        if isinstance(node, BaseModel):
            if key not in type(node).model_fields:
                return None
            node = getattr(node, key)
        elif isinstance(node, dict):
            if key not in node:
                return None
            node = node[key]
        elif isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                return None
            node = node[int(key)]
        else:
            return None
    return node if isinstance(node, int | float) and not isinstance(node, bool) else None


def change_problem(s: Any, c: Change) -> tuple[str, str] | None:
    """What is wrong with the dated change ``c`` of scenario ``s``, as ``(field, what was
    expected)``, or None. Refused: a path read in the first month only or a date
    (:data:`START_ONLY`), a path fixed for a run (:data:`NOT_CHANGEABLE`), a path that is
    not a number of the scenario, a relation's affinity when affinity never drifts (the
    runs carry affinity in their state and the change moves only the baseline the drift
    pulls toward: at drift 0 it does nothing), a fraction for a whole-number field, a
    month out of reach of the horizon."""
    if read_at_start(c.path):
        return "path", (
            "a number that acts after the start (drivers.*.initial and relations.*.initial are "
            "read in the first month only, and a shock's round is its date: a change to them "
            "would do nothing)"
        )
    number = changeable(s, c.path)
    if number is None and c.path.split(".")[0] in NOT_CHANGEABLE:
        return "path", (
            "a number that may change during a run (the calendar, the pacts and states, the "
            "actions at the start, feedback and occasions are fixed for a run)"
        )
    if number is None:
        return "path", "a dotted path to a number of the scenario"
    keys = c.path.split(".")
    if len(keys) == 3 and keys[0] == "relations" and keys[2] == "affinity":
        drift_changes = any(x.path == "relation_dynamics.drift" for x in s.changes)
        if s.relation_dynamics.drift == 0 and not drift_changes:
            return "path", (
                "a number that acts: a change to relations.*.affinity moves the baseline the "
                "affinity drifts back to (docs/model.md 3.11), and relation_dynamics.drift is "
                "0 here, so it would do nothing (set a drift)"
            )
    if isinstance(number, int) and c.value != int(c.value):
        return "value", f"a whole number ({c.path} counts whole units)"
    if c.at + c.ramp >= s.rounds + 1200:
        return "at", "a month within reach of the horizon"
    return None
