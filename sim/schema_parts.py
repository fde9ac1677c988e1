"""The parts of a scenario (:mod:`sim.schema`): typed, frozen pydantic models of a state and
its weights, a level of alignment, talks, a relation, a driver and its shocks, the United
States' reaction and the negotiation parameters; the utility terms and driver attributes;
and the units of their fields (read by :func:`sim.config.unit_of`)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

TERMS = ("security", "us_ties", "regional_influence", "economy")
"""Utility terms, in the order used by every array with a term axis."""

ALL_PACTS, BILATERALS = "all", "bilaterals"
"""``pacts = "all"``: every subset of two or more states; in a ``pacts`` list, every pair."""

ATTRIBUTES = ("threat", "conflict_risk", "us_stake", "trade_need")
"""State attributes a driver may shift (besides ``needs.<good>``)."""

_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,15}$")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


FROZEN = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)
"""Every scenario model: strict types, no unknown keys, frozen, finite numbers."""


class _Frozen(BaseModel):
    model_config = FROZEN


def unit(name: str) -> Any:
    """Field metadata naming a field's unit (read by :func:`sim.config.unit_of`)."""
    return Field(json_schema_extra={"unit": name})


Unit = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Signed = Annotated[float, Field(ge=-1.0, le=1.0)]
# The same with their units (the scenario file's comments give them in brackets).
Index = Annotated[Unit, unit("0-1")]
Cinc = Annotated[float, Field(gt=0.0, le=1.0), unit("CINC")]  # > 0: every state has some
AlliesCinc = Annotated[Unit, unit("CINC")]
Utility = Annotated[NonNeg, unit("utility")]
Weight = Annotated[NonNeg, unit("dimensionless")]
PerMonth = Annotated[Unit, unit("1/month")]
Scale = Annotated[float, unit("driver scale")]
Round = Annotated[int, Field(ge=0), unit("round")]


class Weights(_Frozen):
    """Weights over utility terms (dimensionless, >= 0)."""

    security: Weight
    us_ties: Weight
    regional_influence: Weight
    economy: Weight = 0.0

    def as_tuple(self) -> tuple[float, ...]:
        return tuple(getattr(self, t) for t in TERMS)


class StateConfig(_Frozen):
    """A negotiating state. Unit-interval indices are judgement unless a source says otherwise."""

    name: str
    capability: Cinc  # COW CINC share of world capability
    hostility: Index  # hostility toward the United States
    conflict_risk: Index  # chance-like index of dragging partners into a war
    us_stake: Index  # how much the state has to lose in its ties to the US
    trade_need: Index = 0.0  # importance of external trade to the state
    threat: Index | None = None  # base threat; None = derived from hostility and capabilities
    presence: Annotated[NonNeg, unit("0-1")] = 0.0  # exposure of its influence to US counter-moves
    entrapment_aversion: Index = 1.0  # how much being drawn into a partner's war costs
    autonomy: Utility = 0.0  # cost of depending on a single stronger patron (Morrow 1991)
    recognition: Annotated[float, Field(gt=0.0), unit("weight")] = 1.0  # relative chance to propose
    offers: dict[str, Index] = {}  # goods the state can supply partners
    needs: dict[str, Index] = {}  # how much it values each good from a partner
    trade_share: dict[str, Index] = {}  # share of its trade with each partner
    stakes: dict[str, Utility] = {}  # value of leverage over each partner
    weights: Weights


class Level(_Frozen):
    """A pact level: partnership, treaty with mutual defence, ..."""

    name: Annotated[str, Field(pattern=_NAME.pattern)]
    commitment: Index  # share of a partner's support a member can count on (1 - abandonment risk)
    entanglement: Index  # share of a partner's conflict risk a member is exposed to
    talks_min: Annotated[int, Field(ge=1, le=120), unit("months")] = (
        1  # shortest talks to reach it [months]
    )
    talks_max: Annotated[int, Field(ge=1, le=120), unit("months")] = (
        1  # longest talks to reach it [months]
    )

    @model_validator(mode="after")
    def _talks_range(self) -> Level:
        if self.talks_min > self.talks_max:
            raise ValueError("talks_min <= talks_max")
        return self


class Talks(_Frozen):
    """Talks already under way at round 0 (opened before the start)."""

    level: Annotated[str, Field(pattern=_NAME.pattern)]  # level the talks aim at
    opened: Annotated[
        int, Field(le=0), unit("round")
    ]  # round the talks opened (0 or negative) [round]
    source: str = "judgement"


class Relation(_Frozen):
    """Pairwise affinity (+) or rivalry (-) scaling what a pact with that partner is worth."""

    affinity: Annotated[Signed, unit("-1..1")]
    initial: Annotated[Signed, unit("-1..1")] | None = None  # at round 0 if not the baseline
    source: str = "judgement"


class Driver(_Frozen):
    """An exogenous series in [low, high]: mean-reverting with noise and one regime switch.

    x[t+1] = clip(x[t] + theta * (mu[t] - x[t]) + sigma * z[t], low, high), where mu[t] is
    ``mean`` until the switch (hazard ``switch_hazard`` per round from round
    ``switch_from``) and ``mean_after`` afterwards. ``effects`` shift state attributes:
    ``"<STATE>.needs.munitions" = 0.9`` adds 0.9 * x[t] to that state's need for munitions.
    """

    initial: Scale
    mean: Scale
    mean_after: Scale | None = None
    theta: PerMonth = 0.0
    sigma: Annotated[NonNeg, unit("driver scale")] = 0.0
    switch_hazard: PerMonth = 0.0
    switch_from: Round = 0
    low: Scale = 0.0
    high: Scale = 1.0
    effects: dict[str, Annotated[float, unit("attribute per unit of driver")]] = {}

    @model_validator(mode="after")
    def _bounds(self) -> Driver:
        if self.low >= self.high:
            raise ValueError("low must be < high")
        for v in (self.initial, self.mean, self.mean_after):
            if v is not None and not self.low <= v <= self.high:
                raise ValueError(f"initial/mean/mean_after must lie in [{self.low}, {self.high}]")
        return self


class Shock(_Frozen):
    """A jump added to a driver: at a scheduled round, or each round with a probability."""

    driver: str
    add: Scale
    round: Round | None = None
    probability: PerMonth | None = None
    note: str = ""

    @model_validator(mode="after")
    def _one_trigger(self) -> Shock:
        if (self.round is None) == (self.probability is None):
            raise ValueError("give exactly one of 'round' (scheduled) or 'probability' (random)")
        return self


class UnitedStates(_Frozen):
    """The outside power: reacts to visible anti-US alignment, or, with ``player``, is one of
    the scenario's states and negotiates (sim/rules/players.py)."""

    capability: Cinc  # COW CINC
    allies_capability: AlliesCinc  # COW CINC of its regional allies (0: none)
    reactivity: Utility  # counter-balancing per unit of visible alignment
    bloc_visibility: Weight  # extra visibility of each member beyond two in one pact
    # hostility of a partner's pact allies read into cooperation with it (0: none; 3.8)
    association: Weight = 0.0
    # the state that plays the United States (sim/rules/players.py); None: the reaction only
    player: str | None = None


class Negotiation(_Frozen):
    """Bargaining protocol parameters (utility units unless stated)."""

    temperature: Annotated[float, Field(gt=0.0), unit("utility")]  # logit (quantal) noise
    formation_cost: Utility  # paid by each member when a pact forms or is upgraded
    exit_threshold: Utility  # a member leaves when staying is worth less than -threshold
    eagerness: Annotated[NonNeg, unit("1/utility")] = 0.0  # recognition per unit of best gain
    # logit noise of the monthly action choices (None: the temperature) [utility]
    action_temperature: Annotated[float, Field(gt=0.0), unit("utility")] | None = None
    # months before an action declined (by its actor or its recipient) is considered again
    action_review: Annotated[int, Field(ge=1, le=120), unit("months")] = 1
    # months a proposer waits before proposing again a raise that was refused (0: never)
    refusal_memory: Annotated[int, Field(ge=0, le=120), unit("months")] = 0
