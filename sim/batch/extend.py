"""Extend a finished (or partly run) batch: more replicates, or design points appended.

Run ids are ``point_id * replicates + replicate`` and each replicate's seed does not depend
on how many there are (:mod:`sim.seeds`), so a batch of the larger experiment holds every
run of the smaller one with the same seed and row, under another run id. Extending
rewrites the run ids of the parts already written (each part atomically; a run id is
recomputed from the part's own point_id and replicate columns, so a rewrite interrupted
and done again gives the same ids) and the batch then runs only the new runs: the result
is the table a fresh batch of the larger experiment writes.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.batch.manifest import Extension, Manifest
from sim.batch.store import RUNS, SERIES, BatchStore, write_atomic
from sim.experiment import Experiment


def canonical(value: Any) -> str:
    """``value`` as canonical JSON text (keys sorted, types kept: 0 and 0.0 differ)."""
    return json.dumps(value, sort_keys=True, default=str)


def extends(old: Manifest, exp: Experiment, series: bool) -> bool:
    """Whether ``exp`` extends the batch of manifest ``old``: the same scenario(s), rounds,
    root seed and series, at least as many replicates with the old seeds first (one seed
    per replicate), and the old design points first, in order."""
    was, replicates = old.experiment, old.replicates
    if replicates is None or replicates > exp.spec.replicates:
        return False
    same = (
        was.get("rounds") == exp.rounds
        and was.get("root_seed") == exp.spec.root_seed
        and was.get("series") is series
        and canonical(old.scenario) == canonical(exp.scenario_raw)
        and canonical(old.scenarios) == canonical(exp.variants or None)
    )
    seeds = old.seeds
    if not same or any(isinstance(s, list) for s in seeds):
        return False
    if list(exp.seeds[: len(seeds)]) != seeds or len(seeds) != replicates:
        return False
    points = old.points
    if points is None or len(points) > len(exp.design.points):
        return False
    return canonical(points) == canonical(exp.design.points[: len(points)])


def extend(store: BatchStore, old: Manifest, exp: Experiment, warn: Any) -> Manifest:
    """Renumber the batch ``old`` describes into ``exp``'s run ids, say so (``warn``, one
    line); ``old`` with the extension recorded (carried into the new manifest)."""
    was = old.replicates or 0  # an integer: extends() checked it
    points = len(old.points or [])
    renumber(store, exp.spec.replicates)
    warn(
        f"extending {store.out}: {points} point(s) x {was} replicate(s) -> "
        f"{exp.n_points} x {exp.spec.replicates}; the runs written are kept"
    )
    return replace(old, extended=(*old.extended, Extension(points=points, replicates=was)))


def renumber(store: BatchStore, replicates: int) -> int:
    """Rewrite the run ids of every part for ``replicates`` per point; the parts rewritten."""
    rewritten = 0
    for kind in (SERIES, RUNS):  # runs parts last: a run counts as done by them
        for part in store.parts(kind):
            table = pq.read_table(part)
            ids = _run_ids(table, replicates)
            if ids.equals(table.column("run_id").combine_chunks()):
                continue
            i = table.column_names.index("run_id")
            new = table.set_column(i, table.schema.field(i), ids)
            write_atomic(part, lambda tmp, new=new: pq.write_table(new, tmp))
            rewritten += 1
    return rewritten


def _run_ids(table: pa.Table, replicates: int) -> pa.Array:
    point = table.column("point_id").combine_chunks().cast(pa.int64())
    rep = table.column("replicate").combine_chunks().cast(pa.int64())
    ids = pc.add(pc.multiply(point, replicates), rep)
    return ids.cast(table.schema.field("run_id").type)
