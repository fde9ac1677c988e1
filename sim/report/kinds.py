"""What kind of results a directory holds, from the files each command writes:

- ``calibration``: ``manifest.json`` with a ``calibration_hash`` (``run.py calibrate``);
- ``hindcast``: ``manifest.json`` with a ``hindcast_hash`` (``run.py hindcast``);
- ``comparison``: ``compare.csv`` (``run.py compare --out DIR``; default ``BATCH/compare``);
- ``batch``: ``manifest.json`` and ``runs/`` (``run.py batch``).

Pure reads of small files; :func:`find_results` lists the directories of every kind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

KINDS = ("batch", "comparison", "calibration", "hindcast")


def _manifest(path: Path) -> dict:
    try:
        value = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def result_kind(path: str | Path) -> str | None:
    """The kind of results in ``path`` (one of :data:`KINDS`), or None."""
    path = Path(path)
    if not path.is_dir():
        return None
    if (path / "compare.csv").is_file():
        return "comparison"
    manifest = _manifest(path)
    if "calibration_hash" in manifest:
        return "calibration"
    if "hindcast_hash" in manifest:
        return "hindcast"
    if (path / "manifest.json").is_file() and (path / "runs").is_dir():
        return "batch"
    return None


def not_results(path: str | Path) -> str:
    """One line saying why ``path`` is not a results directory."""
    path = Path(path)
    kinds = (
        "a batch with manifest.json and runs/, a comparison with compare.csv, a calibration "
        "or a hindcast"
    )
    if not path.exists():
        return f"not found: {path} (expected a results directory: {kinds})"
    if not path.is_dir():
        return f"{path}: a file, expected a results directory"
    return f"{path}: not a results directory (expected {kinds})"


@dataclass(frozen=True)
class Found:
    """A results directory found under a root, with its kind."""

    path: str
    kind: str

    @property
    def label(self) -> str:
        return f"{self.path} ({self.kind})"


def _inside_calibration(path: Path, root: Path) -> bool:
    """A generation batch (gen-XX) or predictive batch of a calibration is not listed."""
    parent = path.parent
    return parent != root.parent and result_kind(parent) in ("calibration", "hindcast") and (
        path.name.startswith("gen-") or path.name == "predictive"
    )  # fmt: skip


def find_results(root: str | Path = "results", depth: int = 3) -> list[Found]:
    """Results directories of every kind under ``root`` (and ``root`` itself), by path."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = {}
    candidates = [root] + [p for level in range(1, depth + 1)
                           for p in root.glob("/".join(["*"] * level)) if p.is_dir()]  # fmt: skip
    for path in candidates:
        kind = result_kind(path)
        if kind is not None and not _inside_calibration(path, root):
            found[str(path)] = Found(str(path), kind)
    return [found[k] for k in sorted(found)]


__all__ = ["KINDS", "Found", "find_results", "not_results", "result_kind"]
