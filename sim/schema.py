"""The scenario schema: typed, frozen pydantic models of a scenario file, with the checks
that tie its parts together (a pact or target naming an unknown state, a driver effect on
an unknown attribute, ...).

A scenario names its states, the relations between them, the pacts active at round 0,
the drivers (exogenous series), the United States' reaction and the negotiation
parameters. Nothing downstream hard-codes a state, a pact or a driver: all come from here.
Its parts (a state, a driver, ...) are :mod:`sim.schema_parts`; loading files and
``--set`` overrides is :mod:`sim.config`.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator, model_validator

from sim.schema_dynamics import (
    DYAD,
    TRADE,
    Action,
    Change,
    Feedback,
    Occasion,
    RelationDynamics,
    change_problem,
)
from sim.schema_parts import (
    _CODE,
    _MONTH,
    _NAME,
    ALL_PACTS,
    ATTRIBUTES,
    BILATERALS,
    FROZEN,
    Driver,
    Level,
    Negotiation,
    Relation,
    Shock,
    StateConfig,
    Talks,
    UnitedStates,
    unit,
)


class Scenario(BaseModel):
    """A complete, validated scenario."""

    model_config = FROZEN

    name: str
    description: str = ""
    start: Annotated[str, Field(pattern=_MONTH.pattern)]
    rounds: Annotated[int, Field(ge=1, le=1200), unit("months")]
    checkpoints: list[Annotated[int, Field(ge=0), unit("round")]] = []
    goods: list[Annotated[str, Field(pattern=_NAME.pattern)]]
    levels: list[Level] = Field(min_length=1)
    target: list[str] = Field(min_length=2)
    target_level: Annotated[str, Field(pattern=_NAME.pattern)] | None = None
    states: dict[str, StateConfig] = Field(min_length=2)
    # The pacts that may exist: "all" (every subset of two or more states) or a list of
    # "bilaterals" (every pair) and pact keys "A-B[-C...]" (see declared_pacts).
    pacts: str | list[str] = ALL_PACTS
    relations: dict[str, Relation] = {}
    initial_pacts: dict[str, str] = {}
    initial_talks: dict[str, Talks] = {}
    drivers: dict[str, Driver] = {}
    shocks: list[Shock] = []
    us: UnitedStates
    negotiation: Negotiation
    # model v3 (sim/schema_dynamics.py): all off by default
    actions: dict[str, Action] = {}
    # 'KIND.A>B' = months left in force at round 0
    initial_actions: dict[str, Annotated[int, Field(ge=1, le=120), unit("months")]] = {}
    relation_dynamics: RelationDynamics = RelationDynamics()
    feedback: list[Feedback] = []
    changes: list[Change] = []
    occasions: list[Occasion] = []

    @field_validator("pacts", mode="before")
    @classmethod
    def _pacts_type(cls, value: Any) -> Any:
        if isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            return value
        raise _CrossRefError("pacts", f"'{ALL_PACTS}' or a list of pact keys (strings)", value)

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        _check_cross_references(self)
        return self

    # -- derived views -------------------------------------------------------------------
    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.states)

    @property
    def level_names(self) -> tuple[str, ...]:
        return ("none", *(lv.name for lv in self.levels))

    @property
    def declared_pacts(self) -> tuple[tuple[str, ...], ...] | None:
        """The declared pacts' members in scenario order, bilaterals first then larger, in
        the order of :func:`sim.rules.pacts.build_pact_space`; None for ``pacts = "all"``."""
        return None if self.pacts == ALL_PACTS else _declared(self.codes, self.pacts)

    def pair_key(self, members: Sequence[str]) -> str:
        """Canonical pact key: members in scenario order joined by '-'."""
        order = {c: i for i, c in enumerate(self.codes)}
        return "-".join(sorted(members, key=order.__getitem__))


class _CrossRefError(ValueError):
    def __init__(self, field: str, expected: str, got: Any = None):
        self.field, self.expected, self.got = field, expected, got
        super().__init__(f"{field}: {expected}")


def _split_pair(key: str) -> list[str]:
    return key.split("-")


def _check_cross_references(s: Scenario) -> None:
    """Every name a scenario uses refers to something it defines (raises _CrossRefError)."""
    _check_states(s)
    _check_pacts(s)
    _check_declared(s)
    _check_drivers(s)
    _check_dynamics(s)
    if s.us.player is not None and s.us.player not in s.states:
        raise _CrossRefError("us.player", f"a state of the scenario, one of {list(s.codes)}",
                             s.us.player)  # fmt: skip


def _check_states(s: Scenario) -> None:
    codes, goods = set(s.states), set(s.goods)
    if len(goods) != len(s.goods):
        twice = next(g for g in s.goods if s.goods.count(g) > 1)
        raise _CrossRefError("goods", f"distinct goods ({twice!r} is listed twice)", s.goods)
    for code in s.states:
        if not _CODE.match(code):
            expected = "a state code of 2-16 capitals, digits or '_', starting with a capital"
            raise _CrossRefError(f"states.{code}", expected)
    for code, st in s.states.items():
        for table in ("offers", "needs"):
            for g in getattr(st, table):
                if g not in goods:
                    raise _CrossRefError(f"states.{code}.{table}.{g}", f"a good in {s.goods}")
        for table in ("trade_share", "stakes"):
            for other in getattr(st, table):
                if other not in codes or other == code:
                    raise _CrossRefError(
                        f"states.{code}.{table}.{other}", "another state of the scenario"
                    )
        if sum(st.trade_share.values()) > 1.0 + 1e-9:
            raise _CrossRefError(f"states.{code}.trade_share", "shares summing to at most 1")
    seen: set[frozenset[str]] = set()
    for key in s.relations:
        members = _split_pair(key)
        if len(members) != 2 or not set(members) <= codes or members[0] == members[1]:
            raise _CrossRefError(f"relations.{key}", "a key 'A-B' naming two different states")
        if frozenset(members) in seen:
            raise _CrossRefError(f"relations.{key}", "each pair once")
        seen.add(frozenset(members))


def _check_pact_key(table: str, key: str, codes: set[str]) -> None:
    members = _split_pair(key)
    if len(members) < 2 or not set(members) <= codes or len(set(members)) != len(members):
        raise _CrossRefError(
            f"{table}.{key}", "a key 'A-B[-C...]' naming two or more distinct states"
        )


def _check_pacts(s: Scenario) -> None:
    codes = set(s.states)
    names = {lv.name for lv in s.levels}
    if len(names) != len(s.levels):
        raise _CrossRefError("levels", "distinct level names")
    for key, level in s.initial_pacts.items():
        _check_pact_key("initial_pacts", key, codes)
        if level not in names:
            raise _CrossRefError(f"initial_pacts.{key}", f"a level in {sorted(names)}", level)
    order = [lv.name for lv in s.levels]
    for key, talk in s.initial_talks.items():
        _check_pact_key("initial_talks", key, codes)
        if talk.level not in names:
            raise _CrossRefError(f"initial_talks.{key}.level", f"a level in {sorted(names)}")
        current = s.initial_pacts.get(key)
        if current is not None and order.index(current) >= order.index(talk.level):
            raise _CrossRefError(
                f"initial_talks.{key}.level", f"a level above the pact's initial {current!r}"
            )
    if not set(s.target) <= codes or len(set(s.target)) != len(s.target):
        raise _CrossRefError("target", f"distinct states among {sorted(codes)}", s.target)
    if s.target_level is not None and s.target_level not in names:
        raise _CrossRefError("target_level", f"a level in {sorted(names)}", s.target_level)
    for c in s.checkpoints:
        if c >= s.rounds:
            raise _CrossRefError("checkpoints", f"rounds below the horizon ({s.rounds})", c)


def _declared(codes: tuple[str, ...], entries: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """Members of each declared pact, in the pact space's order (size, then scenario order).
    ``entries`` are valid (:func:`_check_declared`)."""
    wanted = {frozenset(e.split("-")) for e in entries if e != BILATERALS}
    pairs = BILATERALS in entries
    return tuple(
        tuple(codes[i] for i in members)
        for size in range(2, len(codes) + 1)
        for members in combinations(range(len(codes)), size)
        if (size == 2 and pairs) or frozenset(codes[i] for i in members) in wanted
    )


def _check_declared(s: Scenario) -> None:
    """A ``pacts`` list names each pact of two or more known states once, and every pact the
    scenario starts with, negotiates at the start or tracks is declared."""
    if s.pacts == ALL_PACTS:
        return
    if isinstance(s.pacts, str) or not s.pacts:
        raise _CrossRefError("pacts", f"'{ALL_PACTS}' or a non-empty list of pacts", s.pacts)
    seen: set[frozenset[str]] = set()
    for i, entry in enumerate(s.pacts):
        pacts = _entry_pacts(f"pacts.{i}", entry, s.codes)
        if pacts & seen:
            raise _CrossRefError(
                f"pacts.{i}", "each pact once ('bilaterals' declares every pair)", entry
            )
        seen |= pacts
    used = [("initial_pacts", k) for k in s.initial_pacts]
    used += [("initial_talks", k) for k in s.initial_talks]
    for table, key in used:
        if frozenset(_split_pair(key)) not in seen:
            raise _CrossRefError(f"{table}.{key}", "a pact declared in 'pacts'", key)
    if frozenset(s.target) not in seen:
        raise _CrossRefError("target", "a pact declared in 'pacts'", s.target)


def _entry_pacts(field: str, entry: str, codes: tuple[str, ...]) -> set[frozenset[str]]:
    """The member sets one ``pacts`` entry declares (raises _CrossRefError if invalid)."""
    if entry == BILATERALS:
        return {frozenset(pair) for pair in combinations(codes, 2)}
    members = _split_pair(entry)
    if len(members) < 2 or len(set(members)) != len(members) or not set(members) <= set(codes):
        raise _CrossRefError(
            field,
            f"'{BILATERALS}' or a key 'A-B[-C...]' naming two or more distinct states "
            f"among {sorted(codes)}",
            entry,
        )
    return {frozenset(members)}


def _check_drivers(s: Scenario) -> None:
    codes, goods = set(s.states), set(s.goods)
    for dname, d in s.drivers.items():
        if not _NAME.match(dname):
            expected = "a name of up to 32 lower-case letters, digits or '_', first a letter"
            raise _CrossRefError(f"drivers.{dname}", expected)
        for eff in d.effects:
            parts = eff.split(".")
            ok = parts[0] in codes and (
                (len(parts) == 2 and parts[1] in ATTRIBUTES)
                or (len(parts) == 3 and parts[1] == "needs" and parts[2] in goods)
            )
            if not ok:
                raise _CrossRefError(
                    f"drivers.{dname}.effects.{eff}",
                    f"'STATE.ATTRIBUTE' with ATTRIBUTE in {list(ATTRIBUTES)} or 'STATE.needs.GOOD'",
                )
    for i, sh in enumerate(s.shocks):
        if sh.driver not in s.drivers:
            raise _CrossRefError(f"shocks.{i}.driver", f"a driver in {sorted(s.drivers)}")


def _check_dynamics(s: Scenario) -> None:
    """Actions, their start, feedback and dated changes name what the scenario defines."""
    codes, goods = set(s.states), {*s.goods, TRADE, ""}
    levels = {"none", *(lv.name for lv in s.levels)}
    for kind, a in s.actions.items():
        if not _NAME.match(kind):
            raise _CrossRefError(f"actions.{kind}", "a lower-case name like 'munitions'")
        if a.good not in goods:
            raise _CrossRefError(f"actions.{kind}.good", f"a good in {s.goods}, 'trade' or ''")
        if a.min_level not in levels:
            raise _CrossRefError(f"actions.{kind}.min_level", f"a level in {sorted(levels)}")
        for d in a.dyads:
            m = DYAD.match(d)
            if m is None or not {m.group(1), m.group(2)} <= codes:
                raise _CrossRefError(f"actions.{kind}.dyads", "'ACTOR>RECIPIENT' of this scenario")
    for key in s.initial_actions:
        kind, _, dyad = key.partition(".")
        m = DYAD.match(dyad)
        if kind not in s.actions or m is None or not {m.group(1), m.group(2)} <= codes:
            raise _CrossRefError(
                f"initial_actions.{key}", "'KIND.ACTOR>RECIPIENT' of this scenario"
            )
    for i, f in enumerate(s.feedback):
        if f.driver not in s.drivers:
            raise _CrossRefError(f"feedback.{i}.driver", f"a driver in {sorted(s.drivers)}")
        if not _feedback_source_ok(f.source, s):
            raise _CrossRefError(
                f"feedback.{i}.source",
                "'actions.KIND', 'actions.KIND.ACTOR>RECIPIENT' or 'pacts.A-B' of this scenario "
                "(distinct states; a pact declared in 'pacts')",
            )
    for i, o in enumerate(s.occasions):
        _check_occasion(s, i, o)
    for i, c in enumerate(s.changes):
        problem = change_problem(s, c)  # (field, what was expected) or None
        if problem is not None:
            field, expected = problem
            raise _CrossRefError(f"changes.{i}.{field}", expected, getattr(c, field))


def _check_occasion(s: Scenario, i: int, o: Occasion) -> None:
    """An occasion's host, guests and kinds are the scenario's, and each guest may take
    some listed kind toward the host (the kind's ``dyads``)."""
    if o.host not in s.states:
        raise _CrossRefError(f"occasions.{i}.host", f"a state in {sorted(s.states)}", o.host)
    for g in o.guests:
        if g not in s.states or g == o.host:
            raise _CrossRefError(
                f"occasions.{i}.guests", "states of this scenario other than the host", g
            )
    for kind in o.kinds:
        if kind not in s.actions:
            raise _CrossRefError(
                f"occasions.{i}.kinds", f"action kinds in {sorted(s.actions)}", kind
            )
    for g in o.guests:
        if not any(_may_take(s, g, o.host, k) for k in o.kinds):
            raise _CrossRefError(
                f"occasions.{i}.guests",
                f"guests who may take {o.kinds} toward {o.host} (the kinds' dyads and goods)",
                g,
            )


def _may_take(s: Scenario, actor: str, recipient: str, kind: str) -> bool:
    """Whether the repertoire lets ``actor`` take ``kind`` toward ``recipient``: a listed
    dyad (or no list) and, for a kind with a good, something of it to offer."""
    a = s.actions[kind]
    if a.dyads and f"{actor}>{recipient}" not in a.dyads:
        return False
    return a.good in (TRADE, "") or s.states[actor].offers.get(a.good, 0.0) > 0


def _feedback_source_ok(source: str, s: Scenario) -> bool:
    head, _, rest = source.partition(".")
    if head == "pacts":  # distinct states of a pact the scenario declares
        members = rest.split("-")
        if (
            len(members) < 2
            or len(set(members)) < len(members)
            or not set(members) <= set(s.states)
        ):
            return False
        declared = s.declared_pacts
        return declared is None or frozenset(members) in {frozenset(d) for d in declared}
    if head != "actions":
        return False
    kind, _, dyad = rest.partition(".")
    if kind not in s.actions:
        return False
    if not dyad:
        return True
    m = DYAD.match(dyad)
    return m is not None and {m.group(1), m.group(2)} <= set(s.states)
