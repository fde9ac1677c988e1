"""Storage details: the manifest text, schema harmonisation, counting runs per point."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.batch.store import RUNS, BatchStore, manifest_text
from sim.point_summary import count_runs


def test_manifest_seeds_on_one_line_same_json() -> None:
    manifest = {"root_seed": 1, "seeds": [5, 2**62, 7], "design": {"points": [{"x": 0.1}]}}
    text = manifest_text(manifest)
    assert json.loads(text) == manifest
    assert '  "seeds": [5, 4611686018427387904, 7],' in text.splitlines()
    per_point = {"seeds": [[1, 2], [3, 4]]}
    assert json.loads(manifest_text(per_point)) == per_point


def test_manifest_token_in_a_user_string_falls_back_to_plain_json() -> None:
    manifest = {"scenario": {"name": "\x00seeds\x00"}, "seeds": [1, 2]}
    text = manifest_text(manifest)
    assert json.loads(text) == manifest
    assert text == json.dumps(manifest, indent=2) + "\n"


def test_harmonize_widens_parts_written_with_fewer_columns(tmp_path: Path) -> None:
    """Three identical parts and one holding only failed runs (its outcome column all
    null): after harmonize every part has the widest schema, with the real type."""
    store = BatchStore(tmp_path)
    folder = tmp_path / RUNS
    folder.mkdir(parents=True)
    full = pa.table({"run_id": pa.array([0, 1], pa.int64()), "k": pa.array([1.5, 2.5])})
    for i in range(3):
        pq.write_table(full, folder / f"part-{i:05d}.parquet")
    failed = pa.table({"run_id": pa.array([9], pa.int64()), "k": pa.nulls(1)})
    pq.write_table(failed, folder / "part-00009.parquet")
    store.harmonize()
    for part in store.parts(RUNS):
        assert pq.read_schema(part).field("k").type == pa.float64()
    assert pq.read_table(folder / "part-00009.parquet")["k"].to_pylist() == [None]


def test_count_runs_by_hand() -> None:
    """Points 0..2; run 4 is failed, run 5 belongs to no point (left out)."""
    pid = np.array([0, 0, 1, 2, 2, 7])
    ok = np.array([True, True, True, True, False, True])
    formed = np.array([True, False, True, False, True, True])
    counts = count_runs(pid, ok, formed, 3)
    assert counts.tolist() == [
        [2, 1, 2],  # runs
        [0, 0, 1],  # failed
        [2, 1, 1],  # n: successful runs
        [1, 1, 0],  # k: successful runs where the target formed (run 4's is not counted)
    ]


def test_merged_columns_keep_extra_columns_after_their_predecessor() -> None:
    from sim.results_schema import merged_columns

    assert merged_columns([["a", "b", "e"], ["a", "b", "x", "e"]]) == ["a", "b", "x", "e"]
    assert merged_columns([["a", "b", "x", "e"], ["a", "b", "e"]]) == ["a", "b", "x", "e"]
    # a column first in its list goes first; two extras after one column: later one first
    assert merged_columns([["b", "e"], ["y", "b", "e"]]) == ["y", "b", "e"]
    assert merged_columns([["a", "e"], ["a", "x", "e"], ["a", "y", "e"]]) == ["a", "y", "x", "e"]
    assert merged_columns([]) == [] and merged_columns([["a"], ["a"]]) == ["a"]


def test_a_batch_without_series_has_no_series_folder_and_one_with_series_does(
    tmp_path: Path,
) -> None:
    """An empty series/ folder beside a batch run without --series suggested its series
    were lost; the folder is made only when the batch keeps series, and resume, summary
    and a second pass work either way."""
    from sim import api

    exp = api.write_experiment(tmp_path / "exp.toml", {"states.CHN.weights.us_ties": [0.0]},
                               replicates=3, rounds=6)  # fmt: skip
    api.run_batch(exp, tmp_path / "plain")
    assert not (tmp_path / "plain" / "series").exists()
    assert api.load_results(tmp_path / "plain").series is None
    api.run_batch(exp, tmp_path / "plain")  # resume: nothing left to do, nothing breaks
    assert len(api.load_results(tmp_path / "plain").runs) == 3
    api.run_batch(exp, tmp_path / "kept", series=True)
    assert len(list((tmp_path / "kept" / "series").glob("part-*.parquet"))) >= 1
    assert len(api.load_results(tmp_path / "kept").series) == 3 * 6
