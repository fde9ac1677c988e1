"""The one module that builds a batch's ``manifest.json`` (docs/results_schema.md): the
experiment, its provenance (package versions, the code's git commit, the scenario's
constants, the design), the execution and the sessions. :mod:`sim.batch.store` writes it,
:mod:`sim.batch.integrity` reads and checks it."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.design.registry import kind_of
from sim.design.spec import design_dump
from sim.runner import scenario_info
from sim.version import MODEL_VERSION

if TYPE_CHECKING:
    import pandas as pd

    from sim.batch.plan import Execution
    from sim.batch.prepare import Resume
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


def build_manifest(
    exp: Experiment, series: bool, execution: Execution, resume: Resume
) -> dict[str, Any]:
    """The manifest of this session (earlier sessions kept, each with its code version)."""
    old, done = resume.previous, resume.done
    exp_hash = exp.hash(series)
    commit = git_commit()
    return {
        "experiment": exp.resolved(series) | {"name": exp.file.stem},
        "experiment_hash": exp_hash,
        "model_version": MODEL_VERSION,
        "scenario": exp.scenario_raw,
        **({"scenarios": exp.variants} if exp.variants else {}),
        "scenario_info": scenario_info(exp.base_scenario(), exp.parameters),
        "root_seed": exp.spec.root_seed,
        "seeds": exp.seeds,
        "design": design_record(exp),
        "engine": execution.engine,
        "versions": versions(),
        "git_commit": (old or {}).get("git_commit", commit) if done else commit,
        "started": (old or {}).get("started") or now(),
        "finished": None,
        "sessions": [
            *(old or {}).get("sessions", []),
            {
                "started": now(),
                "resumed": bool(done),
                "engine": execution.engine,
                "git_commit": commit,
                "model_version": MODEL_VERSION,
                "pid": os.getpid(),
            },
        ],
        "execution": {
            "workers": None if execution.scheduler else execution.workers,
            "scheduler": execution.scheduler,
            "chunk_size": execution.chunk_size,
            "min_chunk_size": execution.min_chunk_size,
        },
        **({"extended": old["extended"]} if old and old.get("extended") else {}),
        "runs_total": exp.runs_total,
        "runs_done": len(done),
        "runs_failed": (old or {}).get("runs_failed", 0) if done else 0,
    }


def close_session(
    manifest: dict[str, Any], summary: pd.DataFrame, ran_now: int, complete: bool
) -> None:
    """Counts from the parts on disk (``summary``, per point) into ``manifest``, the
    session's end, and the batch's when ``complete``."""
    manifest["runs_done"] = int(summary["runs"].sum())
    manifest["runs_failed"] = int(summary["failed"].sum())
    manifest["sessions"][-1]["finished"] = now()
    manifest["sessions"][-1]["runs"] = ran_now
    if complete:
        manifest["finished"] = now()
