"""Check a batch directory before trusting it: the manifest (read into a
:class:`sim.batch.manifest.Manifest` by :mod:`sim.batch.manifest_read`), every part's
schema, unique run ids, run ids, design values and months within the design, series parts
that match their runs part.

Used by ``batch`` on resume (problem parts are moved to ``DIR/quarantine/`` by
:func:`sim.batch.store.quarantine` and their runs rerun) and by ``summary``/``plot`` (which
refuse a directory with problems and warn when the batch is incomplete). Every problem is
one line naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.batch.manifest import Manifest
from sim.batch.manifest_read import ManifestError, read_manifest
from sim.batch.store import RUNS, SERIES, BatchStore
from sim.files import PathError, check_regular
from sim.lock import holder

_ID_TYPES = {"run_id", "point_id", "replicate", "seed"}


@dataclass(frozen=True)
class Design:
    """What run ids a batch may hold: ``run_id = point_id * replicates + replicate``."""

    replicates: int
    runs_total: int
    seeds: np.ndarray | None = None  # seeds (int64) per replicate, or (points, replicates)
    series_rounds: int | None = None  # with --series: the rows each ok run has in `series`
    values: dict[str, np.ndarray] = field(default_factory=dict)  # numeric design columns
    rounds: int | None = None  # the experiment's months: every ok run's `rounds`

    @classmethod
    def from_manifest(cls, manifest: Manifest) -> Design | None:
        replicates, total = manifest.replicates, manifest.runs_total
        if not (replicates is not None and total is not None and replicates > 0):
            return None
        exp = manifest.experiment
        months = exp.get("rounds")
        months = months if isinstance(months, int) and not isinstance(months, bool) else None
        rounds = months if exp.get("series") is True else None
        design = cls._with_seeds(replicates, total, manifest.seeds, rounds)
        return replace(design, values=design_values(manifest.points), rounds=months)

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
    if design is not None:
        _check_values(part, schema.names, cols["point_id"], status == "ok", design)
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


def design_values(points: list[Any] | None) -> dict[str, np.ndarray]:
    """Per design parameter whose values are all numbers, its value at each point
    (float64; names and months are not checked): what a part's design columns must hold."""
    if not points or not all(isinstance(x, dict) for x in points):
        return {}
    out = {}
    for name in points[0]:
        values = [x.get(name) for x in points]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            out[name] = np.asarray(values, dtype=np.float64)
    return out


def _check_values(part: Path, names: list[str], point: np.ndarray, ok: np.ndarray,
                  design: Design) -> None:  # fmt: skip
    """The part's design columns hold its points' values and its ok runs the experiment's
    months: a part of another experiment run with the same seeds (another grid value,
    horizon) is foreign, though its ids match (raises :class:`_Bad`)."""
    wanted = [c for c in design.values if c in names and len(design.values[c]) > point.max()]
    check_rounds = design.rounds is not None and "rounds" in names
    if not wanted and not check_rounds:
        return
    table = _read(part, [*wanted, *(["rounds"] if check_rounds else [])])
    for c in wanted:
        got = table.column(c).to_numpy(zero_copy_only=False).astype(np.float64)
        expected = design.values[c][point]
        bad = ~((got == expected) | (np.isnan(got) & np.isnan(expected)))
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise _Bad(f"{c} is {got[k]:g} where this experiment has {expected[k]:g} "
                       "(another experiment's part?)")  # fmt: skip
    if check_rounds:
        months = table.column("rounds").to_numpy(zero_copy_only=False)[ok]
        if len(months) and (months.astype(np.float64) != design.rounds).any():
            raise _Bad(f"runs of other than this experiment's {design.rounds} months "
                       "(another experiment's part?)")  # fmt: skip


def _check_series_part(part: Path, run_ids: np.ndarray | None) -> None:
    """Readable, shaped like a series part and (``run_ids`` given) about those runs only;
    readers match series rows to runs by run_id, so a leftover part does no harm there."""
    schema = _schema(part)
    if "run_id" not in schema.names or "round" not in schema.names:
        raise _Bad("not a series part (no run_id/round columns)")
    ids = _read(part, ["run_id"]).column("run_id").to_numpy(zero_copy_only=False)
    if run_ids is not None and not np.isin(ids, run_ids).all():
        raise _Bad("holds runs that are not in the runs table")


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
        manifest = read_manifest(store.manifest_path)
    except ManifestError as err:
        raise ResultsError(str(err)) from None
    design = Design.from_manifest(manifest) if manifest is not None else None
    found = scan(store, design, paired=False)
    if found.problems:
        part, why = next(iter(found.problems.items()))
        more = f" (and {len(found.problems) - 1} more part(s))" if len(found.problems) > 1 else ""
        raise ResultsError(
            f"{part}: {why}{more}; rerun the batch command on {store.out} to set such parts "
            "aside (DIR/quarantine/) and rerun their runs"
        )
    total = manifest.runs_total if manifest is not None else None
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
