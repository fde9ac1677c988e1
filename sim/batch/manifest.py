"""Provenance of a batch's results: package versions, the code's git commit, the scenario's
constants and the design, as recorded in ``manifest.json`` (docs/results_schema.md)."""

from __future__ import annotations

import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.design.registry import kind_of
from sim.design.spec import design_dump

if TYPE_CHECKING:
    from sim.experiment import Experiment

_PACKAGES = (
    "trilateral-sim",
    "mesa",
    "numpy",
    "pandas",
    "pyarrow",
    "pydantic",
    "SALib",
    "scipy",
    "tqdm",
    "dask",
    "distributed",
)


def now() -> str:
    """Now, UTC, to the second (ISO 8601)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def versions() -> dict[str, str | None]:
    """Python and installed package versions (None if not installed)."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit() -> str | None:
    """HEAD of the repository holding this package ('+dirty' if modified), when available."""
    repo = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")


def design_record(exp: Experiment) -> dict[str, Any]:
    """The manifest's ``design``: kind, parameters, points and what its kind's analysis
    needs (:meth:`sim.design.kind.DesignKind.record`: the SALib problem, ...)."""
    design = {**design_dump(exp.spec.design), "points": exp.design.points}
    return kind_of(design.get("kind")).record(design, exp.design)
