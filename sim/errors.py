"""Configuration errors: one readable line naming the file, the dotted field and what was
expected. Shared by scenario files (:mod:`sim.config`) and experiment files
(:mod:`sim.experiment`), so both speak the same way."""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError


class ConfigError(Exception):
    """A scenario or experiment file (or an override) is not valid."""

    def __init__(self, file: str, field: str, expected: str, got: Any = None):
        self.file, self.field, self.expected, self.got = str(file), field, expected, got
        super().__init__(str(self))

    def __str__(self) -> str:
        got = "" if self.got is None else f", got {self.got!r}"
        if not self.field:  # about the file itself: not found, not TOML, ...
            return f"{self.file}: {self.expected}{got}"
        return f"{self.file}: field '{self.field}': {self.expected}{got}"


_BOUNDS = {
    "greater_than": "a number > {gt}",
    "greater_than_equal": "a number >= {ge}",
    "less_than": "a number < {lt}",
    "less_than_equal": "a number <= {le}",
    "string_pattern_mismatch": "a string matching {pattern}",
    "too_short": "at least {min_length} item(s)",
    "too_long": "at most {max_length} item(s)",
}
_TYPES = {
    "missing": "a value (required field is missing)",
    "finite_number": "expected a finite number",
    "float_type": "expected a number",
    "int_type": "expected an integer",
    "string_type": "expected a string",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "list_type": "expected an array",
    "bool_type": "expected true or false",
}


def first_error(exc: ValidationError) -> dict[str, Any]:
    """The error to report: a misspelt key is both unknown and leaves a required field
    missing, so prefer the unknown key, which is what the user typed."""
    errors = exc.errors()
    return next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])


def describe(err: dict[str, Any], unknown: str, prefix: str = "") -> tuple[str, str, Any]:
    """``(dotted field, expected, got)`` for one pydantic error; ``unknown`` is the text for
    an unknown key (it names what kind of file the key is not part of)."""
    field = ".".join(str(p) for p in (prefix, *_untagged(err["loc"])) if p != "")
    kind, got = err["type"], err.get("input")
    ctx = err.get("ctx", {}) or {}
    if kind in _BOUNDS:
        expected = "expected " + _BOUNDS[kind].format(**ctx)
    elif kind == "extra_forbidden":
        expected = unknown
    else:
        expected = _TYPES.get(kind, f"expected: {err['msg'].removeprefix('Value error, ')}")
    if isinstance(got, float) and not math.isfinite(got):  # nan or inf, not an "integer"
        expected = _TYPES["finite_number"]
    if kind in ("missing", "extra_forbidden") or isinstance(got, dict):
        got = None
    return field, expected, got


def _untagged(loc: tuple) -> tuple:
    """``loc`` without pydantic's union member tags (``int``, ``float``, ``list[str]``,
    ``function-after[...]``, ...): they name the validator's internals, not a field the
    user wrote (field names never hold brackets)."""
    return tuple(p for p in loc if not _is_tag(p))


def _is_tag(part: Any) -> bool:
    return isinstance(part, str) and (
        part in ("int", "float", "str", "bool") or "[" in part or part.startswith("function-")
    )


MAX_MAGNITUDE = 1e6  # no scenario quantity comes near this (shares, weights, months)


def check_magnitudes(data: Any, path: str = "") -> tuple[str, Any] | None:
    """The first number in a (nested) TOML mapping whose magnitude exceeds
    :data:`MAX_MAGNITUDE`, as ``(dotted field, value)``, or None. Guards fields without
    an upper bound in the schema against absurd values (1e308 overflows the utilities)."""
    if isinstance(data, bool):
        return None
    if isinstance(data, int | float):
        return (path, data) if abs(data) > MAX_MAGNITUDE else None
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for key, value in items:
        found = check_magnitudes(value, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None
