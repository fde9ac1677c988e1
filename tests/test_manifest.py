"""The batch manifest as a typed object: sim.batch.manifest builds it, sim.batch.integrity
reads and checks ``manifest.json`` back into the same :class:`Manifest`; a manifest written
by the code before the type existed (tests/fixtures/manifest_old_form.json, written by
commit 216c05e for the experiment below, run twice: a batch and an empty resume) reads,
writes back byte for byte, and resumes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import FOUR_STATES, ROOT

from sim.batch.manifest import ExecutionRecord, Extension, Manifest, SessionRecord
from sim.batch.manifest_read import ManifestError, parse_manifest, read_manifest
from sim.batch.session import run_batch
from sim.batch.store import RUNS, SERIES, BatchStore, manifest_text
from sim.experiment import Experiment, load_experiment
from sim.version import MODEL_VERSION

OLD_FORM = ROOT / "tests" / "fixtures" / "manifest_old_form.json"
OLD_COMMIT = "216c05e560999f47535c5d275538981e6071d942"
TINY = f"""
scenario = "{FOUR_STATES}"
rounds = 6
replicates = 2
root_seed = 5
[design]
kind = "grid"
[design.parameters]
"us.reactivity" = [0.1, 0.3]
"""


def tiny(tmp_path: Path) -> Experiment:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return load_experiment(path)


def old_text(exp: Experiment) -> str:
    """The old-form manifest of ``exp``: the fixture with this checkout's paths, the
    experiment's hash and the model version filled in."""
    fill = {
        "@FILE@": str(exp.file),
        "@SCENARIO@": str(exp.scenario_path),
        "@HASH@": exp.hash(),
        "@MODEL_VERSION@": MODEL_VERSION,
    }
    text = OLD_FORM.read_text()
    for key, value in fill.items():
        text = text.replace(json.dumps(key), json.dumps(value))
    return text


def test_an_old_form_manifest_reads_into_the_type_and_writes_back_byte_for_byte(
    tmp_path: Path,
) -> None:
    text = old_text(tiny(tmp_path))
    manifest = parse_manifest(json.loads(text), tmp_path / "manifest.json")
    assert manifest.experiment_hash == tiny(tmp_path).hash()
    assert manifest.replicates == 2 and manifest.points == [
        {"us.reactivity": 0.1},
        {"us.reactivity": 0.3},
    ]
    assert manifest.sessions == (
        SessionRecord("2026-12-03T16:24:03+00:00", False, "lockstep", OLD_COMMIT, "3", 14443,
                      finished="2026-12-03T16:24:03+00:00", runs=4),
        SessionRecord("2026-12-03T16:24:05+00:00", True, "lockstep", OLD_COMMIT, "3", 14451,
                      finished="2026-12-03T16:24:05+00:00", runs=0),
    )  # fmt: skip
    assert manifest.execution == ExecutionRecord(1, None, 2, 2)
    assert (manifest.runs_total, manifest.runs_done, manifest.runs_failed) == (4, 4, 0)
    assert manifest.extended == () and manifest.scenarios is None and manifest.extra == {}
    assert manifest_text(manifest.to_json()) == text


def test_keys_the_type_does_not_know_are_kept(tmp_path: Path) -> None:
    data = json.loads(old_text(tiny(tmp_path)))
    data["note"] = {"by": "a user"}
    data["sessions"][0]["host"] = "node-3"
    data["extended"] = [{"points": 1, "replicates": 2}]
    manifest = parse_manifest(data, tmp_path / "manifest.json")
    assert manifest.extra == {"note": {"by": "a user"}}
    assert manifest.sessions[0].extra == {"host": "node-3"}
    assert manifest.extended == (Extension(points=1, replicates=2),)
    assert manifest.to_json() == data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"runs_done": "4"}, "field 'runs_done': expected an integer"),
        ({"runs_total": True}, "field 'runs_total': expected an integer"),
        ({"sessions": [7]}, "field 'sessions.0'"),
        ({"sessions": [{"resumed": 1}]}, "field 'sessions.0.resumed': expected true or false"),
        ({"execution": {"workers": "2"}}, "field 'execution.workers': expected an integer or null"),
        ({"extended": [{"points": None}]}, "field 'extended.0.points': expected an integer"),
    ],
)
def test_a_mistyped_field_is_one_line_naming_it(tmp_path: Path, change: dict, message: str) -> None:
    data = json.loads(old_text(tiny(tmp_path))) | change
    with pytest.raises(ManifestError, match=f"manifest.json: not a valid manifest \\({message}"):
        parse_manifest(data, tmp_path / "manifest.json")


def test_a_partial_manifest_reads_with_defaults(tmp_path: Path) -> None:
    """Older or foreign writers: absent keys read as None, empty or 0."""
    manifest = parse_manifest({"experiment": {"replicates": 3}}, tmp_path / "manifest.json")
    assert manifest.replicates == 3 and manifest.runs_total is None and manifest.points is None
    assert (manifest.sessions, manifest.seeds, manifest.runs_done, manifest.execution) == (
        (), [], 0, None,
    )  # fmt: skip


def test_a_batch_whose_manifest_has_the_old_form_resumes_exactly(tmp_path: Path) -> None:
    """A batch missing its last chunk, its manifest as the old code wrote it: the resume
    runs only that chunk, the table equals a fresh batch's, and the new manifest keeps
    the old sessions, start and commit and adds its own session."""
    exp = tiny(tmp_path)
    run_batch(exp, tmp_path / "fresh", workers=1, chunk_size=2, progress=False)
    fresh = pq.read_table(tmp_path / "fresh" / RUNS).to_pandas().sort_values("run_id")
    store = BatchStore(tmp_path / "fresh")
    last = store.parts(RUNS)[-1]
    last.unlink()
    (store.out / SERIES / last.name).unlink(missing_ok=True)
    store.manifest_path.write_text(old_text(exp))

    result = run_batch(exp, store.out, workers=1, chunk_size=2, progress=False)
    assert (result.ran_now, result.runs_done) == (2, 4)
    resumed = pq.read_table(store.out / RUNS).to_pandas().sort_values("run_id")
    assert resumed.reset_index(drop=True).equals(fresh.reset_index(drop=True))
    manifest = read_manifest(store.manifest_path)
    old = parse_manifest(json.loads(old_text(exp)), store.manifest_path)
    assert isinstance(manifest, Manifest)
    assert manifest.sessions[:2] == old.sessions
    assert replace(manifest.sessions[2], started=None, finished=None, pid=None) == SessionRecord(
        None, True, "lockstep", manifest.sessions[2].git_commit, MODEL_VERSION, None, runs=2
    )
    assert (manifest.started, manifest.git_commit) == (old.started, OLD_COMMIT)
    assert manifest.finished is not None and manifest.runs_done == 4
