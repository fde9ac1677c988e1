"""Check a batch directory before trusting it: manifest shape, every part's schema, unique
run ids, run ids within the design, series parts that match their runs part.

Used by ``batch`` on resume (problem parts are moved to ``DIR/quarantine/`` and their runs
rerun) and by ``summary``/``plot`` (which refuse a directory with problems and warn when the
batch is incomplete). Every problem is one line naming the file.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.batch.store import RUNS, SERIES, BatchStore
from sim.files import PathError, check_regular, fsync_dir, read_regular
from sim.lock import holder

QUARANTINE = "quarantine"
_ID_TYPES = {"run_id", "point_id", "replicate", "seed"}

# Manifest keys that every reader relies on, with the JSON type they must have if present.
_MANIFEST_TYPES: dict[str, tuple[type, ...]] = {
    "experiment": (dict,),
    "experiment_hash": (str,),
    "scenario_info": (dict, type(None)),
    "design": (dict,),
    "seeds": (list,),
    "sessions": (list,),
    "runs_total": (int,),
    "runs_done": (int,),
    "runs_failed": (int,),
    "model_version": (str, type(None)),
}
_JSON_TYPE = {dict: "an object", str: "a string", list: "an array", int: "an integer"}


class ManifestError(ValueError):
    """``manifest.json`` is not readable or not shaped like a manifest (one-line message)."""


def read_manifest(path: Path) -> dict[str, Any] | None:
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
    check_manifest(data, path)
    return data


def check_manifest(data: Any, path: Path) -> None:
    """Raise :class:`ManifestError` unless ``data`` is a JSON object with the expected types."""
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: not a valid manifest (expected a JSON object)")
    for key, types in _MANIFEST_TYPES.items():
        value = data.get(key)
        if key in data and (not isinstance(value, types) or isinstance(value, bool)):
            want = " or ".join(_JSON_TYPE.get(t, "null") for t in types)
            raise ManifestError(f"{path}: not a valid manifest (field '{key}': expected {want})")
    for i, session in enumerate(data.get("sessions") or []):
        if not isinstance(session, dict):
            raise ManifestError(f"{path}: not a valid manifest (field 'sessions.{i}')")


@dataclass(frozen=True)
class Design:
    """What run ids a batch may hold: ``run_id = point_id * replicates + replicate``."""

    replicates: int
    runs_total: int
    seeds: np.ndarray | None = None  # seeds (int64) per replicate, or (points, replicates)
    series_rounds: int | None = None  # with --series: the rows each ok run has in `series`

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> Design | None:
        exp = manifest.get("experiment") or {}
        replicates, total = exp.get("replicates"), manifest.get("runs_total")
        if not (isinstance(replicates, int) and isinstance(total, int) and replicates > 0):
            return None
        rounds = exp.get("rounds") if exp.get("series") is True else None
        rounds = rounds if isinstance(rounds, int) and not isinstance(rounds, bool) else None
        return cls._with_seeds(replicates, total, manifest.get("seeds") or [], rounds)

    @classmethod
    def _with_seeds(cls, replicates: int, total: int, seeds: list, rounds: int | None) -> Design:
        ok = len(seeds) == replicates and all(isinstance(s, int) for s in seeds)
        per_point = all(  # posterior designs, calibration generations: seeds per point
            isinstance(row, list) and len(row) == replicates
            and all(isinstance(s, int) for s in row) for row in seeds
        )  # fmt: skip
        if per_point and seeds and len(seeds) * replicates == total:
            return cls(replicates, total, np.asarray(seeds, dtype=np.int64), rounds)
        return cls(replicates, total, np.asarray(seeds, dtype=np.int64) if ok else None, rounds)


@dataclass
class Scan:
    """Result of :func:`scan`: problems per part, and the run ids of the good runs parts."""

    problems: dict[Path, str] = field(default_factory=dict)
    run_ids: dict[Path, np.ndarray] = field(default_factory=dict)
    ok_ids: dict[Path, np.ndarray] = field(default_factory=dict)  # runs with status ok
    series_gaps: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    @property
    def runs_found(self) -> int:
        return sum(len(ids) for ids in self.run_ids.values())


def scan(store: BatchStore, design: Design | None, paired: bool = True) -> Scan:
    """Check every runs part, then every series part, of ``store``.

    ``paired``: a series part belongs to the runs part of the same name (as ``batch``
    writes them); otherwise its runs need only be somewhere in ``runs``.
    """
    out = Scan()
    owner: dict[int, str] = {}  # run_id -> name of the (earlier) part holding it
    for part in store.parts(RUNS):
        try:
            ids, ok = _runs_part_ids(part, design)
        except _Bad as bad:
            out.problems[part] = str(bad)
            continue
        clash = [owner[i] for i in ids.tolist() if i in owner]
        if clash:
            out.problems[part] = (
                f"duplicate runs: {len(clash)} of its run ids are also in {clash[0]}"
            )
            continue
        owner.update(dict.fromkeys(ids.tolist(), part.name))
        out.run_ids[part] = ids
        out.ok_ids[part] = ids[ok]
    by_name = {p.name: ids for p, ids in out.run_ids.items()}
    for part in store.parts(SERIES):
        if paired and part.name not in by_name:
            continue  # no runs part: a leftover of a kill (prepare() deletes it)
        try:
            _check_series_part(part, by_name[part.name] if paired else None)
        except _Bad as bad:
            out.problems[part] = str(bad)
            runs_part = store.runs_dir / part.name
            if paired:
                out.problems.setdefault(runs_part, f"its series part is unusable ({bad})")
                out.run_ids.pop(runs_part, None)
    if design is not None and design.series_rounds is not None:
        _check_series_rows(store, out, design.series_rounds, paired)
    return out


def _check_series_rows(store: BatchStore, out: Scan, rounds: int, paired: bool) -> None:
    """Every ok run has ``rounds`` series rows. ``paired``: in the series part of its runs
    part, else a problem of the runs part (both are rerun); otherwise anywhere in
    ``series``, else its id in ``out.series_gaps`` (readers warn)."""
    if paired:
        for part, ok in list(out.ok_ids.items()):
            if part in out.problems or not len(ok):
                continue
            partner = store.series_dir / part.name
            rows = _series_counts([partner] if partner.exists() else [])
            short = _short_runs(ok, rows, rounds)
            if len(short):
                where = "its series part is missing" if not partner.exists() else (
                    "its series part lacks rows"
                )  # fmt: skip
                out.problems[part] = f"{where} ({len(short):,} run(s), e.g. run {short[0]})"
                out.run_ids.pop(part, None)
        return
    good = [p for p in store.parts(SERIES) if p not in out.problems]
    ok = np.concatenate([*out.ok_ids.values(), np.empty(0, np.int64)])
    out.series_gaps = _short_runs(ok, _series_counts(good), rounds)


def _series_counts(parts: list[Path]) -> dict[int, int]:
    """Series rows per run id in ``parts``."""
    counts: dict[int, int] = {}
    for part in parts:
        ids = _read(part, ["run_id"]).column("run_id").to_numpy(zero_copy_only=False)
        for run_id, n in zip(*np.unique(ids, return_counts=True), strict=True):
            counts[int(run_id)] = counts.get(int(run_id), 0) + int(n)
    return counts


def _short_runs(ok: np.ndarray, rows: dict[int, int], rounds: int) -> np.ndarray:
    """The ids in ``ok`` (sorted) with fewer or more than ``rounds`` rows."""
    have = np.array([rows.get(int(i), 0) for i in ok.tolist()], dtype=np.int64)
    return np.sort(ok[have != rounds])


class _Bad(Exception):
    """A part that cannot be used (message: why, one line)."""


def _schema(part: Path) -> pa.Schema:
    try:
        check_regular(part)  # a FIFO named part-*.parquet would hang the reader
    except PathError as exc:
        raise _Bad(str(exc).removeprefix(f"{part}: ")) from None
    try:
        return pq.read_schema(part)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _Bad(f"not a readable Parquet file ({_first_line(exc)})") from None


def _read(part: Path, columns: list[str]) -> pa.Table:
    try:
        return pq.read_table(part, columns=columns, use_threads=False)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _Bad(f"corrupt ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:160]


def _runs_part_ids(part: Path, design: Design | None) -> tuple[np.ndarray, np.ndarray]:
    """The part's run ids and which of them ran ok (raises :class:`_Bad`)."""
    schema = _schema(part)
    if "round" in schema.names:
        raise _Bad("a series part, not a runs part")
    missing = [c for c in (*sorted(_ID_TYPES), "status") if c not in schema.names]
    if missing:
        raise _Bad(f"not a runs part (no column {missing[0]!r})")
    for name in _ID_TYPES:
        if not pa.types.is_integer(schema.field(name).type):
            raise _Bad(f"not a runs part (column {name!r} is {schema.field(name).type})")
    table = _read(part, [*sorted(_ID_TYPES), "status"])
    cols = {c: table.column(c).to_numpy(zero_copy_only=False) for c in _ID_TYPES}
    ids = cols["run_id"]
    if len(ids) == 0:
        raise _Bad("no rows")
    if len(np.unique(ids)) != len(ids):
        raise _Bad("duplicate run ids within the part")
    if design is not None:
        _check_ids(cols, design)
    status = table.column("status").to_numpy(zero_copy_only=False)
    return ids, status == "ok"


def _check_ids(cols: dict[str, np.ndarray], design: Design) -> None:
    ids = cols["run_id"]
    outside = (ids < 0) | (ids >= design.runs_total)
    if outside.any():
        raise _Bad(
            f"run id {int(ids[outside][0])} outside this experiment's 0..{design.runs_total - 1}"
        )
    point, rep = np.divmod(ids, design.replicates)
    if (cols["point_id"] != point).any() or (cols["replicate"] != rep).any():
        raise _Bad("point_id/replicate do not match run_id (another experiment's part?)")
    seeds = design.seeds  # per replicate, or per point (2-D)
    expected = None if seeds is None else seeds[point, rep] if seeds.ndim == 2 else seeds[rep]
    if expected is not None and (cols["seed"] != expected).any():
        raise _Bad("seeds differ from this experiment's seeds (another experiment's part?)")


def _check_series_part(part: Path, run_ids: np.ndarray | None) -> None:
    """Readable, shaped like a series part and (``run_ids`` given) about those runs only;
    readers match series rows to runs by run_id, so a leftover part does no harm there."""
    schema = _schema(part)
    if "run_id" not in schema.names or "round" not in schema.names:
        raise _Bad("not a series part (no run_id/round columns)")
    ids = _read(part, ["run_id"]).column("run_id").to_numpy(zero_copy_only=False)
    if run_ids is not None and not np.isin(ids, run_ids).all():
        raise _Bad("holds runs that are not in the runs table")


def quarantine(store: BatchStore, problems: dict[Path, str], warn: Any) -> None:
    """Move problem parts (and their partner part) to ``DIR/quarantine/``; warn one line each."""
    target = store.out / QUARANTINE
    target.mkdir(exist_ok=True)
    for part, why in problems.items():
        if not part.exists():
            continue
        kind = part.parent.name
        dest = _free_name(target / f"{kind}-{part.name}")
        shutil.move(str(part), dest)
        partner = store.out / (SERIES if kind == RUNS else RUNS) / part.name
        if kind == RUNS and partner.exists() and partner not in problems:
            shutil.move(str(partner), _free_name(target / f"{SERIES}-{part.name}"))
        warn(f"warning: {part}: {why}; moved to {target}/ (its runs will be rerun)")
    for folder in (store.runs_dir, store.series_dir, target):
        fsync_dir(folder)


def _free_name(path: Path) -> Path:
    """``path``, or ``path`` with a number added if a file of that name was set aside before."""
    n = 1
    while path.exists():
        path = path.with_name(f"{path.stem.split('~')[0]}~{n}{path.suffix}")
        n += 1
    return path


class ResultsError(ValueError):
    """A results directory that must not be summarised as is (one-line message)."""


def check_results(out: str | Path) -> list[str]:
    """Check a batch directory before reading it; return one-line warnings (an incomplete
    batch) or raise :class:`ResultsError` (unreadable manifest, corrupt, foreign or duplicate
    parts: a summary of them would be wrong)."""
    store = BatchStore(out)
    if not store.out.is_dir():
        return []  # the reader reports a missing directory
    try:
        manifest = read_manifest(store.manifest_path) or {}
    except ManifestError as err:
        raise ResultsError(str(err)) from None
    found = scan(store, Design.from_manifest(manifest), paired=False)
    if found.problems:
        part, why = next(iter(found.problems.items()))
        more = f" (and {len(found.problems) - 1} more part(s))" if len(found.problems) > 1 else ""
        raise ResultsError(
            f"{part}: {why}{more}; rerun the batch command on {store.out} to set such parts "
            "aside (DIR/quarantine/) and rerun their runs"
        )
    total = manifest.get("runs_total")
    done = found.runs_found
    out = []
    if (running := holder(store.out)) is not None:  # the manifest's counts lag behind
        of = f"/{total:,}" if isinstance(total, int) else ""
        out.append(
            f"note: {store.out}: a batch is running there ({running}); this covers the "
            f"{done:,}{of} runs written so far"
        )
    elif isinstance(total, int) and 0 < done < total:
        out.append(
            f"warning: {store.out}: batch incomplete, {done:,}/{total:,} runs done "
            "(rerun the batch command to finish it); figures and tables cover those only"
        )
    if len(gaps := found.series_gaps):
        out.append(
            f"warning: {store.out}: {len(gaps):,} run(s) lack some or all of their series "
            f"rows (e.g. run {gaps[0]}); rerun the batch command to rerun them; figures "
            "over time cover the others only"
        )
    return out
