"""Crash-safe batch output: Parquet parts written under a temporary name, then renamed.

Layout (docs/results_schema.md): ``DIR/runs/part-*.parquet``, ``DIR/series/part-*.parquet``
and ``DIR/manifest.json``. A chunk's series part is renamed into place before its runs
part, and a run counts as done only once its runs part exists; on resume, series parts
without a runs part (a kill between the two renames) and temporary files are deleted. So
``kill -9`` at any moment loses at most the chunks in flight, and no run appears twice.
Temporary names start with ``.``, which pyarrow (and so ``pandas.read_parquet(DIR/"runs")``)
skips.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.files import WriteError, fsync_dir, write_atomic  # noqa: F401 (WriteError: re-exported)
from sim.results_schema import merged_columns, runs_dtype

RUNS, SERIES, MANIFEST = "runs", "series", "manifest.json"
QUARANTINE = "quarantine"  # DIR/quarantine/: parts set aside (foreign, corrupt, duplicate)
# Column dtypes of `runs` come from sim.results_schema (the one description of the tables).


def design_dtype(values: pd.Series) -> str:
    """A design column keeps its type: float64, int64, boolean, or string (names, months)."""
    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    if pd.api.types.is_integer_dtype(values):
        return "int64"
    return "float64" if pd.api.types.is_numeric_dtype(values) else "string"


def coerce_runs(df: pd.DataFrame, design_columns: list[str]) -> pd.DataFrame:
    """Give `runs` columns their schema dtypes (design columns keep their own type).

    The result may share memory with ``df`` (both callers pass a frame built for it)."""
    columns = {}
    for col, current in df.dtypes.items():
        values = df[col]
        dtype = design_dtype(values) if col in design_columns else runs_dtype(col)
        if dtype == "string":
            values = values.astype("object").where(values.notna(), None)
        elif dtype is not None and current != dtype:  # equal: astype would only copy
            values = _astype(values, dtype)
        columns[col] = values
    return pd.DataFrame(columns, index=df.index, copy=False)


def _astype(values: pd.Series, dtype: str) -> pd.Series:
    """``values.astype(dtype)``; numpy int64 and bool to nullable Int64 and boolean built
    directly (the same array, ~20x faster than pandas' astype on a chunk's short columns)."""
    nullable = {
        "Int64": (np.int64, pd.arrays.IntegerArray),
        "boolean": (np.bool_, pd.arrays.BooleanArray),
    }
    if dtype in nullable and values.dtype == nullable[dtype][0]:
        raw = values.to_numpy()
        array = nullable[dtype][1](raw, np.zeros(len(raw), dtype=bool))
        return pd.Series(array, index=values.index, name=values.name)
    return values.astype(dtype)


def runs_to_arrow(df: pd.DataFrame) -> pa.Table:
    """A coerced `runs` frame as an Arrow table (done in workers, to spare the parent)."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    # All-null string columns (e.g. `error` in a chunk without failures) come out as null.
    fields = [
        pa.field(f.name, pa.string()) if pa.types.is_null(f.type) and _is_string(f.name) else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields, metadata=table.schema.metadata))


def _is_string(column: str) -> bool:
    return runs_dtype(column) == "string"


def concat_runs(tables: list[pa.Table]) -> pa.Table:
    """Tables of runs one after another, columns in :func:`merged_columns` order."""
    joined = pa.concat_tables(tables, promote_options="permissive")
    return joined.select(merged_columns([t.column_names for t in tables]))


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with ``schema``'s columns, order and types (missing columns as nulls)."""
    columns = [
        table.column(f.name).cast(f.type)
        if f.name in table.column_names
        else pa.nulls(len(table), f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def _write_atomic(table: pa.Table, path: Path) -> None:
    write_atomic(path, lambda tmp: pq.write_table(table, tmp))


_SEEDS_TOKEN = "\x00seeds\x00"


def manifest_text(manifest: dict[str, Any]) -> str:
    """The manifest as indented JSON, its ``seeds`` on one line.

    With ``indent`` json uses its pure-Python encoder, one string per item: 10^5 seeds
    took ~0.5 s and left ~12 MB of small strings' arenas in the parent on every write.
    The seeds are written by the C encoder instead (the same JSON values)."""
    seeds = manifest.get("seeds")
    if not isinstance(seeds, list):
        return json.dumps(manifest, indent=2, default=str) + "\n"
    text = json.dumps({**manifest, "seeds": _SEEDS_TOKEN}, indent=2, default=str)
    token = json.dumps(_SEEDS_TOKEN)
    if text.count(token) != 1:  # the token in a user's string: no shortcut
        return json.dumps(manifest, indent=2, default=str) + "\n"
    return text.replace(token, json.dumps(seeds, separators=(", ", ": ")), 1) + "\n"


class BatchStore:
    """Reads and writes one batch directory."""

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.runs_dir = self.out / RUNS
        self.series_dir = self.out / SERIES
        self.manifest_path = self.out / MANIFEST
        self.schema: pa.Schema | None = None  # runs schema once a run succeeded

    # -- manifest ------------------------------------------------------------------------
    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write ``manifest.json`` atomically and durably (see :func:`_write_atomic`)."""
        self.out.mkdir(parents=True, exist_ok=True)
        text = manifest_text(manifest)
        write_atomic(self.manifest_path, lambda tmp: tmp.write_text(text))

    # -- parts ---------------------------------------------------------------------------
    def parts(self, kind: str = RUNS) -> list[Path]:
        folder = self.out / kind
        return sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []

    def has_results(self) -> bool:
        return bool(self.parts(RUNS) or self.parts(SERIES))

    def clear(self) -> None:
        """Delete results and manifest (``--force``); plots and other files are left."""
        for folder in (self.runs_dir, self.series_dir):
            shutil.rmtree(folder, ignore_errors=True)
        self.manifest_path.unlink(missing_ok=True)

    def prepare_folders(self, series: bool = True) -> None:
        """Create the runs folder, and the series folder when the batch keeps series (a
        batch without them has none); remove temporary files and series parts without a
        runs part (leftovers of a kill between the two renames of a chunk)."""
        for tmp in self.out.glob(f".{MANIFEST}.*.tmp"):
            tmp.unlink(missing_ok=True)
        for folder in (self.runs_dir, self.series_dir) if series else (self.runs_dir,):
            folder.mkdir(parents=True, exist_ok=True)
        for folder in (self.runs_dir, self.series_dir):
            for tmp in folder.glob(".*.tmp") if folder.is_dir() else ():
                tmp.unlink(missing_ok=True)
        done = {p.name for p in self.parts(RUNS)}
        for part in self.parts(SERIES):
            if part.name not in done:
                part.unlink()

    def write_chunk(self, runs: pa.Table, series: pa.Table | None) -> None:
        """Write one finished chunk: series part first, then its runs part (the commit)."""
        if "ok" in runs.column("status").to_pylist():
            self.schema = self.schema or runs.schema
        elif self.schema is not None and set(runs.column_names) <= set(self.schema.names):
            runs = conform(runs, self.schema)  # only failed runs: add the outcome columns
        first = min(runs.column("run_id").to_pylist())
        name = f"part-{first:012d}-{uuid.uuid4().hex[:8]}.parquet"
        if series is not None and series.num_rows:
            self.series_dir.mkdir(parents=True, exist_ok=True)
            _write_atomic(series, self.series_dir / name)
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        _write_atomic(runs, self.runs_dir / name)
        pa.default_memory_pool().release_unused()  # mimalloc keeps freed pages otherwise

    def harmonize(self) -> None:
        """Rewrite runs parts whose schema differs from the widest one (e.g. parts holding
        only failed runs, written before any run succeeded), so every reader sees all columns.
        """
        parts = self.parts(RUNS)
        if not parts:
            return
        # Parts nearly all share one schema: keep each distinct schema once (a schema with
        # its metadata is tens of kB; one per part grew the parent by ~30 MB at 10^6 runs).
        distinct: list[pa.Schema] = []
        which = []
        for part in parts:
            schema = pq.read_schema(part)
            i = next((k for k, d in enumerate(distinct) if d.equals(schema, True)), None)
            if i is None:
                i = len(distinct)
                distinct.append(schema)
            which.append(i)
        widest = max(distinct, key=lambda s: len(s.names))
        order = merged_columns([s.names for s in distinct])  # parts in run order
        if all(set(s.names) <= set(widest.names) for s in distinct):
            fields = []
            for f in (widest.field(name) for name in order):
                # an all-null column in the widest part: take a real type
                typed = [
                    s.field(f.name)
                    for s in distinct
                    if f.name in s.names and not pa.types.is_null(s.field(f.name).type)
                ]
                fields.append(typed[0] if pa.types.is_null(f.type) and typed else f)
            target = pa.schema(fields, metadata=widest.metadata)
        else:
            unified = pa.unify_schemas(distinct, promote_options="permissive")
            target = pa.schema([unified.field(name) for name in order])
        for part, i in zip(parts, which, strict=True):
            if not distinct[i].equals(target, check_metadata=False):
                _write_atomic(conform(pq.read_table(part), target), part)
        self.schema = target

    def iter_tables(self, columns: list[str]) -> Iterator[pa.Table]:
        """Some columns of `runs` (those present), one part at a time (flat memory)."""
        parts = self.parts(RUNS)
        if not parts:
            return
        present = [c for c in columns if c in pq.read_schema(parts[0]).names]
        for part in parts:
            yield pq.read_table(part, columns=present, use_threads=False)
            pa.default_memory_pool().release_unused()  # mimalloc keeps freed pages otherwise

    def read_columns(self, columns: list[str]) -> pd.DataFrame:
        """Some columns of `runs` (those present), sorted by run_id if read.

        Reads part by part without Arrow's thread pools: for a few columns of many parts
        this keeps the parent's memory flat (a dataset scan costs ~50 MB of pools).
        """
        parts = self.parts(RUNS)
        if not parts:
            return pd.DataFrame({c: pd.Series(dtype="int64") for c in columns})
        present = [c for c in columns if c in pq.read_schema(parts[0]).names]
        tables = [pq.read_table(p, columns=present, use_threads=False) for p in parts]
        df = pa.concat_tables(tables, promote_options="permissive").to_pandas()
        return df.sort_values("run_id").reset_index(drop=True) if "run_id" in df else df


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
