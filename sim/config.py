"""Load scenario files: TOML reading, ``--set PATH=VALUE`` overrides, validation errors.

The schema itself (typed, frozen objects) is :mod:`sim.schema` and :mod:`sim.schema_parts`;
its names are re-exported here, so ``from sim.config import Scenario, load_scenario`` is the
one import callers need.
Errors are raised as :class:`ConfigError`, which names the file, the dotted field path and
what was expected, so the command line can print one line and exit with code 2.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from sim.dates import as_dated, resolve_dates
from sim.errors import MAX_MAGNITUDE, ConfigError, check_magnitudes, describe, first_error
from sim.headline import to_paths
from sim.schema import Scenario, _CrossRefError
from sim.schema_parts import (
    ATTRIBUTES,
    TERMS,
    Driver,
    Level,
    Negotiation,
    Relation,
    Shock,
    StateConfig,
    UnitedStates,
    Weights,
)

__all__ = [
    "ATTRIBUTES",
    "SCENARIO_FACTOR",
    "TERMS",
    "ConfigError",
    "Driver",
    "Level",
    "Negotiation",
    "Relation",
    "Scenario",
    "Shock",
    "StateConfig",
    "UnitedStates",
    "Weights",
    "apply_overrides",
    "build_scenario",
    "deep_merge",
    "load_raw",
    "load_scenario",
    "parse_set_args",
    "parse_value",
    "read_toml",
    "split_path",
    "split_point",
    "unit_of",
]


# -- loading ----------------------------------------------------------------------------


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning I/O and syntax errors into :class:`ConfigError`."""
    from sim.files import PathError, read_regular

    path = Path(path)
    try:
        # utf-8-sig: a byte-order mark (Windows editors write one) is read as no text
        return tomllib.loads(read_regular(path).decode("utf-8-sig"))
    except PathError as exc:  # a FIFO or /dev/zero would hang or fill the memory
        if path.is_dir():
            raise ConfigError(str(path), "", "is a directory, expected a TOML file") from None
        raise ConfigError(str(path), "", f"{exc} (a TOML file)") from None
    except FileNotFoundError:
        raise ConfigError(str(path), "", "file not found") from None
    except IsADirectoryError:
        raise ConfigError(str(path), "", "is a directory, expected a TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), "", f"valid TOML ({exc})") from None
    except UnicodeDecodeError as exc:  # binary, UTF-16, ...: TOML is UTF-8 text
        raise ConfigError(
            str(path), "", f"a UTF-8 text file (TOML), got a non-UTF-8 byte at offset {exc.start}"
        ) from None
    except RecursionError:
        raise ConfigError(str(path), "", "valid TOML (nested too deeply)") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ConfigError(str(path), "", f"valid TOML ({str(exc).split(';')[0]})") from None
    except OSError as exc:
        raise ConfigError(str(path), "", f"a readable file ({exc.strerror})") from None


# -- composition: `base = "other.toml"` ---------------------------------------------------


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``: tables merge key by key (recursively); arrays and
    scalars replace (so ``shocks = []`` drops the base's shocks, and a ``[[shocks]]`` list
    replaces them all); an empty table replaces too (``[initial_talks]`` with no keys drops
    the base's talks). Neither input is modified."""
    out = copy.deepcopy(dict(base))
    for key, value in over.items():
        if isinstance(value, Mapping) and value and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def scenario_chain(path: str | Path) -> list[Path]:
    """The files a scenario is made of, the deepest base first, the file itself last."""
    chain: list[Path] = []
    current = Path(path).resolve()
    while True:
        if current in chain:
            names = " -> ".join(p.name for p in [*reversed(chain), current])
            raise ConfigError(str(path), "base", f"no cycle of bases ({names})")
        chain.insert(0, current)
        base = read_toml(current).get("base")
        if base is None:
            return chain
        if not isinstance(base, str) or not base.strip():
            raise ConfigError(str(current), "base", "expected a scenario file name", base)
        nxt = (current.parent / base).resolve()
        if not nxt.is_file():
            raise ConfigError(
                str(current), "base", "expected an existing scenario file (relative to it)", base
            )
        current = nxt


def load_raw(path: str | Path) -> dict[str, Any]:
    """A scenario file merged onto its bases (``base = "file.toml"``, relative to the file,
    chains allowed); the result has no ``base`` key and is what gets validated and stored."""
    merged: dict[str, Any] = {}
    for file in scenario_chain(path):
        raw = read_toml(file)
        raw.pop("base", None)
        merged = deep_merge(merged, raw)
    return merged


def unit_of(path: str) -> str | None:
    """The unit of a scenario field given by its dotted path, from the schema's metadata
    (``unit(...)`` in :mod:`sim.schema_parts`); keys inside a table of values (``needs.<good>``,
    ``effects.<key>``) take the table's unit. None for a path without one."""
    keys = split_path(path)
    model: type[BaseModel] = Scenario
    i = 0
    while i < len(keys):
        field = model.model_fields.get(keys[i])
        if field is None:
            return None
        sub = _submodel(field.annotation)
        if sub is None:
            return _unit(field.json_schema_extra) or _annotation_unit(field.annotation)
        model, step = sub
        i += 1 + step
    return None


def _unit(extra: Any) -> str | None:
    return str(extra["unit"]) if isinstance(extra, dict) and "unit" in extra else None


def _annotation_unit(annotation: Any) -> str | None:
    """The first unit found in ``Annotated`` metadata inside a type (dict values, Optional)."""
    for meta in getattr(annotation, "__metadata__", ()):
        if found := _unit(getattr(meta, "json_schema_extra", None)):
            return found
    return next(filter(None, map(_annotation_unit, get_args(annotation))), None)


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
            raise ConfigError(source, item, "PATH=VALUE, e.g. negotiation.temperature=0.05")
        try:
            out[path.strip()] = parse_value(text.strip())
            _check_zero(out[path.strip()], text.strip(), f"{source} (--set {path.strip()})")
        except (ValueError, RecursionError):  # 5,000 digits, 5,000 nested brackets, ...
            raise ConfigError(
                f"{source} (--set {path.strip()})",
                path.strip(),
                "a value of reasonable size (a number of at most 4300 digits, arrays nested "
                "at most a few hundred deep)",
            ) from None
    return out


def _check_zero(value: Any, text: str, where: str) -> None:
    """Refuse a zero that was not written as one: ``1e-400`` (below the smallest double,
    read as 0.0) and ``-0`` (a negative zero: a sign that means nothing, or a typo)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != 0:
        return
    mantissa = text.lower().split("e")[0]
    if any(c in "123456789" for c in mantissa):
        raise ConfigError(where, "", f"expected a number a double can hold ({text} is read as 0)")
    if text.startswith("-"):
        raise ConfigError(where, "", f"expected 0 without a sign (got {text}, a negative zero)")


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
                raise _unknown_path(source, path, node, key, depth)
        last = keys[-1]
        if isinstance(node, list):
            if not (last.isdigit() and int(last) < len(node)):
                raise _unknown_path(source, path, node, last, len(keys) - 1)
            node[int(last)] = value
        elif isinstance(node, dict):
            if last not in node and not _key_may_be_absent(keys):
                raise _unknown_path(source, path, node, last, len(keys) - 1)
            node[last] = value
        else:
            raise ConfigError(source, path, "an existing field path (unknown path)")
    return data


def _unknown_path(source: str, path: str, node: Any, key: str, depth: int = 0) -> ConfigError:
    """An override path that leads nowhere; list what exists at that level (a list's
    indexes; a scenario field the file leaves at its default, which is set whole)."""
    options = sorted(node) if isinstance(node, dict) else []
    hint = f"one of {options}" if options and len(options) <= 30 else "an existing key"
    if isinstance(node, list):
        hint = f"an index below {len(node)} (the list has {len(node)} entries)"
    elif depth == 0 and key in Scenario.model_fields:
        hint = (f"a field this scenario sets; '{key}' is left at its default here, so set "
                f"it whole (--set '{key}=...')")  # fmt: skip
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
        raise ConfigError(source, path, "a dotted path like negotiation.temperature")
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
        sub = _submodel(field.annotation) if field is not None else None
        if sub is None:
            return None
        model, step = sub
        i += 1 + step
    return model


def _submodel(annotation: Any) -> tuple[type[BaseModel], int] | None:
    """The model a field holds, and how many keys (list index, dict key) lead into it:
    ``us: UnitedStates`` -> (UnitedStates, 0); ``states: dict[str, StateConfig]`` or
    ``levels: list[Level]`` -> (model, 1); None for any other field."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, 0
    origin, args = get_origin(annotation), get_args(annotation)
    inner = args[-1] if origin in (dict, list) and args else None
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return inner, 1
    return None


SCENARIO_FACTOR = "scenario"  # design column naming a scenario of a `scenarios` design


def split_point(
    raw: Mapping[str, Any], variants: Mapping[str, Any] | None, point: Mapping[str, Any]
) -> tuple[Mapping[str, Any], dict[str, Any]]:
    """The scenario mapping and overrides of a design point: its named scenario (``scenario``
    key, one of ``variants``) in place of ``raw``, and the other keys as overrides."""
    if not variants or SCENARIO_FACTOR not in point:
        return raw, dict(point)
    rest = {k: v for k, v in point.items() if k != SCENARIO_FACTOR}
    return variants[point[SCENARIO_FACTOR]], rest


def build_scenario(
    raw: Mapping[str, Any], source: str, overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Validate a raw TOML mapping (after overrides) into a :class:`Scenario`."""
    data = apply_overrides(raw, overrides or {}, source)
    months: dict[str, str] = {}  # fields written as months, for errors
    resolve_dates(data, source, lambda field: _origin(source, field, overrides), months)
    huge = check_magnitudes(data)
    if huge is not None:
        field, value = huge
        expected = f"expected a number of magnitude at most {MAX_MAGNITUDE:g}"
        raise ConfigError(_origin(source, field, overrides), field, expected, value)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        error = _as_config_error(exc, source, overrides)
        raise as_dated(error, months, data.get("start")) from None
    from sim.changes import check_changes  # the scenario of every month must be valid

    check_changes(scenario, source)
    return scenario


def load_scenario(path: str | Path, set_args: Sequence[str] = ()) -> Scenario:
    """Load, override (``--set PATH=VALUE`` strings; a PATH may be a headline parameter,
    :mod:`sim.headline`) and validate a scenario file."""
    raw = load_raw(path)
    overrides = to_paths(parse_set_args(set_args, source=str(path)), raw, str(path))
    return build_scenario(raw, str(path), overrides)


def _as_config_error(
    exc: ValidationError, source: str, overrides: Mapping[str, Any] | None = None
) -> ConfigError:
    err = first_error(exc)
    inner = (err.get("ctx") or {}).get("error")
    if isinstance(inner, _CrossRefError):
        where = _origin(source, inner.field, overrides)
        return ConfigError(where, inner.field, f"expected {inner.expected}", inner.got)
    unknown = "unknown field (not part of the schema; check the spelling)"
    field, expected, got = describe(err, unknown)
    return ConfigError(_origin(source, field, overrides), field, expected, got)


def _origin(source: str, field: str, overrides: Mapping[str, Any] | None) -> str:
    """Name the override when the bad value came from ``--set``."""
    for path in overrides or {}:
        dotted = ".".join(split_path(path))
        if dotted == field or field.startswith(dotted + "."):
            return f"{source} (--set {path})"
    return source
