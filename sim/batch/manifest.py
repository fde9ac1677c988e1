"""The one module that builds a batch's manifest (docs/results_schema.md): the experiment,
its provenance (package versions, the code's git commit, the scenario's constants, the
design), the execution and the sessions, as a typed :class:`Manifest`.
:meth:`Manifest.to_json` is the ``manifest.json`` document :mod:`sim.batch.store` writes;
:mod:`sim.batch.integrity` reads and checks that document back into a :class:`Manifest`."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field, replace
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


@dataclass(frozen=True)
class SessionRecord:
    """One session of the batch (an item of ``sessions``): when it started, whether it
    resumed, its engine, code and model version and process; ``finished`` and ``runs``
    (runs it wrote) once it closed. ``extra``: keys other writers added, kept as read."""

    started: str | None
    resumed: bool
    engine: str | None
    git_commit: str | None
    model_version: str | None
    pid: int | None
    finished: str | None = None
    runs: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "started": self.started,
            "resumed": self.resumed,
            "engine": self.engine,
            "git_commit": self.git_commit,
            "model_version": self.model_version,
            "pid": self.pid,
        }
        out |= {"finished": self.finished} if self.finished is not None else {}
        out |= {"runs": self.runs} if self.runs is not None else {}
        return out | self.extra


@dataclass(frozen=True)
class ExecutionRecord:
    """The manifest's ``execution``: local workers (None with a Dask scheduler), the
    scheduler's address, the chunk sizes."""

    workers: int | None
    scheduler: str | None
    chunk_size: int | None
    min_chunk_size: int | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)  # the fields in order: workers, scheduler, chunk sizes


@dataclass(frozen=True)
class Extension:
    """An item of ``extended``: the batch's size before an extension (:mod:`sim.batch.extend`)."""

    points: int
    replicates: int


@dataclass(frozen=True)
class Manifest:
    """A batch's manifest. ``experiment``, ``scenario``, ``scenarios``, ``scenario_info``,
    ``design`` and ``versions`` are JSON documents of their own modules (the resolved
    experiment, the scenario mappings, :func:`sim.runner.scenario_info`, the design kind's
    record, :func:`versions`); ``seeds``: one per replicate, or per point (a list per
    point). A manifest read from disk may lack keys (older or foreign writers): they read
    as None, empty or 0, and ``extra`` keeps the keys this type does not know."""

    experiment: dict[str, Any]
    experiment_hash: str | None
    model_version: str | None
    scenario: Any
    scenario_info: dict[str, Any] | None
    root_seed: int | None
    seeds: list[Any]
    design: dict[str, Any]
    engine: str | None
    versions: dict[str, Any]
    git_commit: str | None
    started: str | None
    finished: str | None
    sessions: tuple[SessionRecord, ...]
    execution: ExecutionRecord | None
    runs_total: int | None
    runs_done: int
    runs_failed: int
    scenarios: dict[str, Any] | None = None  # with a scenario factor: name -> mapping
    extended: tuple[Extension, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def replicates(self) -> int | None:
        """The experiment's replicates per point (None if not recorded as an integer)."""
        value = self.experiment.get("replicates")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def points(self) -> list[Any] | None:
        """The design points (None if not recorded as a list)."""
        value = self.design.get("points")
        return value if isinstance(value, list) else None

    def to_json(self) -> dict[str, Any]:
        """The ``manifest.json`` document (keys in the order the batch always wrote them)."""
        return {
            "experiment": self.experiment,
            "experiment_hash": self.experiment_hash,
            "model_version": self.model_version,
            "scenario": self.scenario,
            **({"scenarios": self.scenarios} if self.scenarios else {}),
            "scenario_info": self.scenario_info,
            "root_seed": self.root_seed,
            "seeds": self.seeds,
            "design": self.design,
            "engine": self.engine,
            "versions": self.versions,
            "git_commit": self.git_commit,
            "started": self.started,
            "finished": self.finished,
            "sessions": [s.to_json() for s in self.sessions],
            "execution": None if self.execution is None else self.execution.to_json(),
            **({"extended": [vars(e) for e in self.extended]} if self.extended else {}),
            "runs_total": self.runs_total,
            "runs_done": self.runs_done,
            "runs_failed": self.runs_failed,
        } | self.extra


def design_record(exp: Experiment) -> dict[str, Any]:
    """The manifest's ``design``: kind, parameters, points and what its kind's analysis
    needs (:meth:`sim.design.kind.DesignKind.record`: the SALib problem, ...)."""
    design = {**design_dump(exp.spec.design), "points": exp.design.points}
    return kind_of(design.get("kind")).record(design, exp.design)


def build_manifest(
    exp: Experiment, series: bool, execution: Execution, old: Manifest | None, done: int
) -> Manifest:
    """The manifest of this session, ``done`` runs already written; the ``old`` manifest's
    sessions, extensions, start (and with runs done, commit and failures) are kept."""
    commit = git_commit()
    session = SessionRecord(
        started=now(),
        resumed=bool(done),
        engine=execution.engine,
        git_commit=commit,
        model_version=MODEL_VERSION,
        pid=os.getpid(),
    )
    return Manifest(
        experiment=exp.resolved(series) | {"name": exp.file.stem},
        experiment_hash=exp.hash(series),
        model_version=MODEL_VERSION,
        scenario=exp.scenario_raw,
        scenarios=exp.variants or None,
        scenario_info=scenario_info(exp.base_scenario(), exp.parameters),
        root_seed=exp.spec.root_seed,
        seeds=exp.seeds,
        design=design_record(exp),
        engine=execution.engine,
        versions=versions(),
        git_commit=old.git_commit if old and done else commit,
        started=(old.started if old else None) or now(),
        finished=None,
        sessions=(*(old.sessions if old else ()), session),
        execution=ExecutionRecord(
            workers=None if execution.scheduler else execution.workers,
            scheduler=execution.scheduler,
            chunk_size=execution.chunk_size,
            min_chunk_size=execution.min_chunk_size,
        ),
        extended=old.extended if old else (),
        runs_total=exp.runs_total,
        runs_done=done,
        runs_failed=old.runs_failed if old and done else 0,
    )


def close_session(
    manifest: Manifest, summary: pd.DataFrame, ran_now: int, complete: bool
) -> Manifest:
    """``manifest`` with the counts from the parts on disk (``summary``, per point), the
    session's end, and the batch's when ``complete``."""
    last = replace(manifest.sessions[-1], finished=now(), runs=ran_now)
    return replace(
        manifest,
        runs_done=int(summary["runs"].sum()),
        runs_failed=int(summary["failed"].sum()),
        sessions=(*manifest.sessions[:-1], last),
        finished=now() if complete else manifest.finished,
    )
