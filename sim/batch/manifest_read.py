"""Read a batch's ``manifest.json`` into a :class:`sim.batch.manifest.Manifest`, checked:
an object with the expected types at every level, or one line (:class:`ManifestError`)
naming the file and the field. Used by resume and by every command that reads a batch
(:mod:`sim.batch.integrity`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.batch.manifest import ExecutionRecord, Extension, Manifest, SessionRecord
from sim.files import PathError, read_regular

_NULL = type(None)
_STR_NULL, _INT_NULL = (str, _NULL), (int, _NULL)
# The JSON types of the manifest's keys, when present (absent keys read as None, empty or 0).
_MANIFEST_TYPES: dict[str, tuple[type, ...]] = {
    **dict.fromkeys(("experiment", "design", "versions"), (dict,)),
    **dict.fromkeys(("scenario_info", "scenarios", "execution"), (dict, _NULL)),
    **dict.fromkeys(("seeds", "sessions", "extended"), (list,)),
    **dict.fromkeys(("model_version", "engine", "git_commit", "started", "finished"), _STR_NULL),
    **dict.fromkeys(("runs_total", "runs_done", "runs_failed"), (int,)),
    "experiment_hash": (str,),
    "root_seed": _INT_NULL,
}
_SESSION_TYPES: dict[str, tuple[type, ...]] = {
    **dict.fromkeys(("started", "engine", "git_commit", "model_version"), _STR_NULL),
    "resumed": (bool,),
    "pid": _INT_NULL,
    "finished": _STR_NULL,
    "runs": _INT_NULL,
}
_EXECUTION_TYPES = dict.fromkeys(("workers", "chunk_size", "min_chunk_size"), _INT_NULL)
_EXECUTION_TYPES |= {"scheduler": _STR_NULL}
_EXTENSION_TYPES = {"points": (int,), "replicates": (int,)}
_JSON_TYPE = {dict: "an object", str: "a string", list: "an array", int: "an integer"}
_JSON_TYPE |= {bool: "true or false", _NULL: "null"}


class ManifestError(ValueError):
    """``manifest.json`` is not readable or not shaped like a manifest (one-line message)."""


def read_manifest(path: Path) -> Manifest | None:
    """The manifest at ``path`` (None if absent), checked; raises :class:`ManifestError`."""
    try:
        data = json.loads(read_regular(path).decode("utf-8"))
    except FileNotFoundError:
        return None
    except PathError as exc:
        raise ManifestError(f"{path}: not a valid manifest ({exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise ManifestError(f"{path}: not a valid manifest (not JSON: {reason})") from None
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_manifest(data, path)


def parse_manifest(data: Any, path: Path) -> Manifest:
    """The :class:`Manifest` of the JSON document ``data`` (``path`` names it in errors);
    raises :class:`ManifestError` unless it is an object with the expected types."""
    top = _checked(data, _MANIFEST_TYPES, path, "")
    sessions = _objects(top, "sessions", _SESSION_TYPES, path)
    extended = _objects(top, "extended", _EXTENSION_TYPES, path)
    return Manifest(
        **{k: top.get(k) for k in _OPTIONAL},
        experiment=top.get("experiment") or {},
        seeds=top.get("seeds") or [],
        design=top.get("design") or {},
        versions=top.get("versions") or {},
        sessions=tuple(_session(s) for s in sessions),
        execution=_execution(top.get("execution"), path),
        runs_done=top.get("runs_done", 0),
        runs_failed=top.get("runs_failed", 0),
        extended=tuple(Extension(e.get("points", 0), e.get("replicates", 0)) for e in extended),
        extra={k: v for k, v in top.items() if k not in _KNOWN},
    )


_OPTIONAL = ("experiment_hash", "model_version", "scenario", "scenario_info", "root_seed",
             "engine", "git_commit", "started", "finished", "runs_total", "scenarios")  # fmt: skip
_KNOWN = {*_MANIFEST_TYPES, "scenario"}


def _objects(top: dict, key: str, types: dict[str, tuple[type, ...]], path: Path) -> list[dict]:
    """The items of the list ``top[key]``, each checked to be an object with ``types``."""
    return [_checked(x, types, path, f"{key}.{i}.") for i, x in enumerate(top.get(key) or [])]


def _execution(data: Any, path: Path) -> ExecutionRecord | None:
    if data is None:
        return None
    checked = _checked(data, _EXECUTION_TYPES, path, "execution.")
    return ExecutionRecord(**{k: checked.get(k) for k in _EXECUTION_TYPES})


def _session(data: dict[str, Any]) -> SessionRecord:
    known = {k: data.get(k) for k in _SESSION_TYPES}
    extra = {k: v for k, v in data.items() if k not in _SESSION_TYPES}
    return SessionRecord(**known | {"resumed": bool(known["resumed"])}, extra=extra)


def _checked(data: Any, types: dict[str, tuple[type, ...]], path: Path, at: str) -> dict:
    """``data`` if it is a JSON object whose ``types`` keys present have their types."""
    if not isinstance(data, dict):
        what = f"field '{at[:-1]}'" if at else "expected a JSON object"
        raise ManifestError(f"{path}: not a valid manifest ({what})")
    for key, want in types.items():
        value = data.get(key)
        typed = bool in want if isinstance(value, bool) else isinstance(value, want)
        if key in data and not typed:
            names = " or ".join(_JSON_TYPE[t] for t in want)
            raise ManifestError(
                f"{path}: not a valid manifest (field '{at}{key}': expected {names})"
            )
    return data
