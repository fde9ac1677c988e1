"""Typed, frozen scenario configuration loaded from TOML, with clear validation errors.

A scenario names its states, the relations between them, the pacts active at round 0,
the drivers (exogenous series), the United States' reaction and the negotiation
parameters. Nothing downstream hard-codes a state, a pact or a driver: all come from here.

Errors are raised as :class:`ConfigError`, which names the file, the dotted field path and
what was expected, so the command line can print one line and exit with code 2.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

TERMS = ("security", "us_ties", "regional_influence", "economy")
"""Utility terms, in the order used by every array with a term axis."""

ATTRIBUTES = ("threat", "conflict_risk", "us_stake", "trade_need")
"""State attributes a driver may shift (besides ``needs.<good>``)."""

_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,15}$")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class ConfigError(Exception):
    """A scenario or experiment file (or an override) is not valid."""

    def __init__(self, file: str, field: str, expected: str, got: Any = None):
        self.file, self.field, self.expected, self.got = str(file), field, expected, got
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"field '{self.field}'" if self.field else "file"
        got = "" if self.got is None else f", got {self.got!r}"
        return f"{self.file}: {where}: {self.expected}{got}"


class _Frozen(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)


Unit = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Signed = Annotated[float, Field(ge=-1.0, le=1.0)]


class Weights(_Frozen):
    """Weights over utility terms (dimensionless, >= 0)."""

    security: NonNeg
    us_ties: NonNeg
    regional_influence: NonNeg
    economy: NonNeg = 0.0

    def as_tuple(self) -> tuple[float, ...]:
        return tuple(getattr(self, t) for t in TERMS)


class StateConfig(_Frozen):
    """A negotiating state. Unit-interval indices are judgement unless a source says otherwise."""

    name: str
    capability: Unit  # COW CINC share of world capability
    hostility: Unit  # hostility toward the United States
    conflict_risk: Unit  # chance-like index of dragging partners into a war
    us_stake: Unit  # how much the state has to lose in its ties to the US
    trade_need: Unit = 0.0  # importance of external trade to the state
    threat: Unit | None = None  # base threat; None = derived from hostility and capabilities
    presence: NonNeg = 0.0  # exposure of its regional influence to US-allied counter-balancing
    entrapment_aversion: Unit = 1.0  # how much being drawn into a partner's war costs
    autonomy: NonNeg = 0.0  # cost of depending on a single stronger patron (Morrow 1991)
    recognition: Annotated[float, Field(gt=0.0)] = 1.0  # relative chance of being proposer
    offers: dict[str, Unit] = {}  # goods the state can supply partners
    needs: dict[str, Unit] = {}  # how much it values each good from a partner
    trade_share: dict[str, Unit] = {}  # share of its trade with each partner
    stakes: dict[str, NonNeg] = {}  # value of leverage over each partner
    weights: Weights


class Level(_Frozen):
    """A pact level: partnership, treaty with mutual defence, ..."""

    name: Annotated[str, Field(pattern=_NAME.pattern)]
    commitment: Unit  # share of a partner's support a member can count on (1 - abandonment risk)
    entanglement: Unit  # share of a partner's conflict risk a member is exposed to


class Relation(_Frozen):
    """Pairwise affinity (+) or rivalry (-) scaling what a pact with that partner is worth."""

    affinity: Signed
    source: str = "judgement"


class Driver(_Frozen):
    """An exogenous series in [low, high]: mean-reverting with noise and one regime switch.

    x[t+1] = clip(x[t] + theta * (mu[t] - x[t]) + sigma * z[t], low, high), where mu[t] is
    ``mean`` until the switch (hazard ``switch_hazard`` per round from round
    ``switch_from``) and ``mean_after`` afterwards. ``effects`` shift state attributes:
    ``"RUS.needs.munitions" = 0.9`` adds 0.9 * x[t] to Russia's need for munitions.
    """

    initial: float
    mean: float
    mean_after: float | None = None
    theta: Unit = 0.0
    sigma: NonNeg = 0.0
    switch_hazard: Unit = 0.0
    switch_from: Annotated[int, Field(ge=0)] = 0
    low: float = 0.0
    high: float = 1.0
    effects: dict[str, float] = {}

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
    add: float
    round: Annotated[int, Field(ge=0)] | None = None
    probability: Unit | None = None
    note: str = ""

    @model_validator(mode="after")
    def _one_trigger(self) -> Shock:
        if (self.round is None) == (self.probability is None):
            raise ValueError("give exactly one of 'round' (scheduled) or 'probability' (random)")
        return self


class UnitedStates(_Frozen):
    """The outside power: does not negotiate, reacts to visible anti-US alignment."""

    capability: Unit  # COW CINC
    allies_capability: Unit  # COW CINC of its regional allies
    reactivity: NonNeg  # counter-balancing per unit of visible alignment
    bloc_visibility: NonNeg  # extra visibility of each member beyond two in one pact


class Negotiation(_Frozen):
    """Bargaining protocol parameters (utility units unless stated)."""

    temperature: Annotated[float, Field(gt=0.0)]  # logit (quantal response) noise
    formation_cost: NonNeg  # paid by each member when a pact forms or is upgraded
    exit_threshold: NonNeg  # a member leaves when staying is worth less than -threshold
    eagerness: NonNeg = 0.0  # recognition weight added per unit of best available gain


class Scenario(_Frozen):
    """A complete, validated scenario."""

    name: str
    description: str = ""
    start: Annotated[str, Field(pattern=_MONTH.pattern)]
    rounds: Annotated[int, Field(ge=1, le=1200)]
    checkpoints: list[Annotated[int, Field(ge=0)]] = []
    goods: list[Annotated[str, Field(pattern=_NAME.pattern)]]
    levels: list[Level] = Field(min_length=1)
    target: list[str] = Field(min_length=2)
    target_level: Annotated[str, Field(pattern=_NAME.pattern)] | None = None
    states: dict[str, StateConfig] = Field(min_length=2)
    relations: dict[str, Relation] = {}
    initial_pacts: dict[str, str] = {}
    drivers: dict[str, Driver] = {}
    shocks: list[Shock] = []
    us: UnitedStates
    negotiation: Negotiation

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
    codes = set(s.states)
    for code in s.states:
        if not _CODE.match(code):
            raise _CrossRefError(f"states.{code}", "a state code of 2-16 capitals, e.g. 'PRK'")
    goods = set(s.goods)
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
    names = {lv.name for lv in s.levels}
    if len(names) != len(s.levels):
        raise _CrossRefError("levels", "distinct level names")
    for key, level in s.initial_pacts.items():
        members = _split_pair(key)
        if len(members) < 2 or not set(members) <= codes or len(set(members)) != len(members):
            raise _CrossRefError(
                f"initial_pacts.{key}", "a key 'A-B[-C...]' naming two or more distinct states"
            )
        if level not in names:
            raise _CrossRefError(f"initial_pacts.{key}", f"a level in {sorted(names)}", level)
    if not set(s.target) <= codes or len(set(s.target)) != len(s.target):
        raise _CrossRefError("target", f"distinct states among {sorted(codes)}", s.target)
    if s.target_level is not None and s.target_level not in names:
        raise _CrossRefError("target_level", f"a level in {sorted(names)}", s.target_level)
    for c in s.checkpoints:
        if c >= s.rounds:
            raise _CrossRefError("checkpoints", f"rounds below the horizon ({s.rounds})", c)
    for dname, d in s.drivers.items():
        if not _NAME.match(dname):
            raise _CrossRefError(f"drivers.{dname}", "a lower-case name like 'rus_war'")
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


# -- loading ----------------------------------------------------------------------------


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning I/O and syntax errors into :class:`ConfigError`."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(str(path), "", "an existing file") from None
    except IsADirectoryError:
        raise ConfigError(str(path), "", "a file, not a directory") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), "", f"valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(str(path), "", f"a readable file ({exc.strerror})") from None


def parse_value(text: str) -> Any:
    """Parse an override value as a TOML literal (number, bool, string, array); else a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_set_args(set_args: Sequence[str], source: str = "--set") -> dict[str, Any]:
    """Turn ``["a.b=1", ...]`` into ``{"a.b": 1}``."""
    out: dict[str, Any] = {}
    for item in set_args:
        path, sep, text = item.partition("=")
        if not sep or not path.strip():
            raise ConfigError(source, item, "PATH=VALUE, e.g. states.CHN.weights.us_ties=0")
        out[path.strip()] = parse_value(text.strip())
    return out


def apply_overrides(raw: Mapping[str, Any], overrides: Mapping[str, Any], source: str) -> dict:
    """Return a deep copy of ``raw`` with each dotted path set; unknown paths are errors.

    A path must lead to an existing table; its last key may be new only where the schema
    allows it (validation then names an unknown key as such).
    """
    data = copy.deepcopy(dict(raw))
    for path, value in overrides.items():
        keys = split_path(path, source)
        node: Any = data
        for depth, key in enumerate(keys[:-1]):
            if isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            elif isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, dict) and _table_may_be_absent(keys[: depth + 1]):
                node = node.setdefault(key, {})
            else:
                raise _unknown_path(source, path, node, key)
        last = keys[-1]
        if isinstance(node, list):
            if not (last.isdigit() and int(last) < len(node)):
                raise ConfigError(source, path, "an existing field path (unknown path)")
            node[int(last)] = value
        elif isinstance(node, dict):
            if last not in node and not _key_may_be_absent(keys):
                raise _unknown_path(source, path, node, last)
            node[last] = value
        else:
            raise ConfigError(source, path, "an existing field path (unknown path)")
    return data


def _unknown_path(source: str, path: str, node: Any, key: str) -> ConfigError:
    """An override path that leads nowhere; list what exists at that level."""
    options = sorted(node) if isinstance(node, dict) else []
    hint = f"one of {options}" if options and len(options) <= 30 else "an existing key"
    return ConfigError(
        f"{source} (--set {path})", path, f"unknown path at '{key}': expected {hint}"
    )


def split_path(path: str, source: str = "--set") -> list[str]:
    """Split a dotted path; a segment holding dots is quoted as in TOML: ``a."B.c".d``."""
    keys: list[str] = []
    rest = path.strip()
    while rest:
        if rest.startswith('"'):
            end = rest.find('"', 1)
            if end < 0:
                raise ConfigError(source, path, "a path with balanced quotes")
            keys.append(rest[1:end])
            rest = rest[end + 1 :]
            if rest and not rest.startswith("."):
                raise ConfigError(source, path, "a '.' after a quoted key")
            rest = rest[1:]
        else:
            head, _, rest = rest.partition(".")
            keys.append(head)
    if not keys or any(k == "" for k in keys):
        raise ConfigError(source, path, "a dotted path like states.CHN.weights.us_ties")
    return keys


# Tables whose keys are data (codes, goods) or optional fields with defaults.
_OPEN_TABLES = {"offers", "needs", "trade_share", "stakes", "effects", "relations"}


def _table_may_be_absent(keys: Sequence[str]) -> bool:
    return keys[-1] in _OPEN_TABLES


def _key_may_be_absent(keys: Sequence[str]) -> bool:
    """An optional field with a default, or a data key inside an open table."""
    if len(keys) >= 2 and keys[-2] in _OPEN_TABLES:
        return True
    model = _model_at(keys[:-1])
    return model is not None and keys[-1] in model.model_fields


def _model_at(keys: Sequence[str]) -> type[BaseModel] | None:
    """The pydantic model class describing the table at ``keys`` (None if not a model)."""
    model: type[BaseModel] = Scenario
    i = 0
    while i < len(keys):
        field = model.model_fields.get(keys[i])
        if field is None:
            return None
        sub = _MODEL_OF.get((model, keys[i]))
        if sub is None:
            return None
        model, step = sub
        i += 1 + step
    return model


_MODEL_OF: dict[tuple[type[BaseModel], str], tuple[type[BaseModel], int]] = {
    (Scenario, "states"): (StateConfig, 1),
    (Scenario, "drivers"): (Driver, 1),
    (Scenario, "relations"): (Relation, 1),
    (Scenario, "us"): (UnitedStates, 0),
    (Scenario, "negotiation"): (Negotiation, 0),
    (Scenario, "levels"): (Level, 1),
    (Scenario, "shocks"): (Shock, 1),
    (StateConfig, "weights"): (Weights, 0),
}


def build_scenario(
    raw: Mapping[str, Any], source: str, overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Validate a raw TOML mapping (after overrides) into a :class:`Scenario`."""
    data = apply_overrides(raw, overrides or {}, source)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise _as_config_error(exc, source, overrides) from None


def load_scenario(path: str | Path, set_args: Sequence[str] = ()) -> Scenario:
    """Load, override (``--set PATH=VALUE`` strings) and validate a scenario file."""
    raw = read_toml(path)
    return build_scenario(raw, str(path), parse_set_args(set_args, source=str(path)))


def _as_config_error(
    exc: ValidationError, source: str, overrides: Mapping[str, Any] | None = None
) -> ConfigError:
    errors = exc.errors()
    # A misspelt key is both unknown and leaves a required field missing: name the
    # unknown key, which is what the user typed.
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    ctx = err.get("ctx", {}) or {}
    inner = ctx.get("error")
    if isinstance(inner, _CrossRefError):
        return ConfigError(
            _origin(source, inner.field, overrides),
            inner.field,
            f"expected {inner.expected}",
            inner.got,
        )
    field = ".".join(str(p) for p in err["loc"])
    kind = err["type"]
    got = err.get("input")
    bounds = {
        "greater_than": "a number > {gt}",
        "greater_than_equal": "a number >= {ge}",
        "less_than": "a number < {lt}",
        "less_than_equal": "a number <= {le}",
        "string_pattern_mismatch": "a string matching {pattern}",
        "too_short": "at least {min_length} item(s)",
        "too_long": "at most {max_length} item(s)",
    }
    if kind in bounds:
        expected = "expected " + bounds[kind].format(**ctx)
    else:
        expected = {
            "extra_forbidden": "unknown field (not part of the schema; check the spelling)",
            "missing": "a value (required field is missing)",
            "finite_number": "expected a finite number",
            "float_type": "expected a number",
            "int_type": "expected an integer",
            "string_type": "expected a string",
            "dict_type": "expected a table",
            "list_type": "expected an array",
            "bool_type": "expected true or false",
        }.get(kind, f"expected: {err['msg'].removeprefix('Value error, ')}")
    if kind in ("missing", "extra_forbidden") or isinstance(got, dict):
        got = None
    return ConfigError(_origin(source, field, overrides), field, expected, got)


def _origin(source: str, field: str, overrides: Mapping[str, Any] | None) -> str:
    """Name the override when the bad value came from ``--set``."""
    for path in overrides or {}:
        if ".".join(split_path(path)) == field:
            return f"{source} (--set {path})"
    return source
