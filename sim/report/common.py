"""What every report reads: a manifest (one-line errors), package versions, PNG figures
a command wrote (embedded with that command)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.report.html import FigureItem

PACKAGES = ("python", "trilateral-sim", "mesa", "numpy", "pandas", "pyarrow", "scipy")


class ReportError(ValueError):
    """A directory that cannot be reported (one line)."""


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        value = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{path}: no manifest.json") from None
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path / 'manifest.json'}: unreadable ({exc})") from None
    if not isinstance(value, dict):
        raise ReportError(f"{path / 'manifest.json'}: not a JSON object")
    return value


def versions_line(manifest: dict[str, Any]) -> str:
    versions = manifest.get("versions") or {}
    return ", ".join(f"{k} {versions[k]}" for k in PACKAGES if versions.get(k))


def embedded(paths: list[Path], command: str) -> list[FigureItem]:
    """The PNG figures a command wrote, each with that command."""
    return [FigureItem(p.stem.replace("_", " "), p.read_bytes(), command) for p in paths]


__all__ = ["PACKAGES", "ReportError", "embedded", "read_manifest", "versions_line"]
