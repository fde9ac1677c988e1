"""The series table is part of the integrity check: a run whose per-round rows are missing
or short is rerun on resume (its runs row and series rows together), and summary/plot warn
(issue 26, case 2); a full disk names the part that failed, not the manifest (case 8);
summary of a running batch says so and counts the parts (case 10)."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from runcli import main as cli
from test_batch_integrity import batch, one_error_line, runs, series, write_exp

import sim.batch.store
from sim.batch.integrity import Design, scan
from sim.batch.manifest_read import read_manifest
from sim.batch.store import BatchStore
from sim.lock import DirLock, holder

ROUNDS = 12  # rows per run in the reference batch's series


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("ref")
    assert batch(write_exp(tmp), tmp / "out") == 0
    return tmp / "out"


@pytest.fixture
def done(tmp_path: Path, reference: Path) -> tuple[Path, Path]:
    """A finished copy of the reference batch, and its experiment file."""
    shutil.copytree(reference, tmp_path / "out")
    return write_exp(tmp_path), tmp_path / "out"


def _keep_half(part: Path) -> list[int]:
    """Rewrite a valid series part with the rows of half its runs; the runs dropped."""
    table = pq.read_table(part)
    ids = sorted(set(table.column("run_id").to_pylist()))
    keep = ids[: len(ids) // 2]
    pq.write_table(table.filter(pc.is_in(table.column("run_id"), pa.array(keep))), part)
    return ids[len(keep) :]


@pytest.mark.parametrize("damage", ["deleted", "half"])
def test_missing_or_short_series_rows_are_warned_then_rerun(
    done: tuple[Path, Path], reference: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    exp, out = done
    victim = sorted((out / "series").glob("part-*.parquet"))[2]  # runs 4 and 5
    if damage == "deleted":
        victim.unlink()
        lacking = [4, 5]
    else:
        lacking = _keep_half(victim)
        assert lacking == [5]
    for command in (["summary", str(out)], ["plot", str(out)]):
        assert cli(command) == 0
        line = one_error_line(capsys.readouterr().err)
        assert line == (
            f"warning: {out}: {len(lacking)} run(s) lack some or all of their series rows "
            f"(e.g. run {lacking[0]}); rerun the batch command to rerun them; figures over "
            "time cover the others only"
        )
    assert batch(exp, out) == 0
    what = "is missing" if damage == "deleted" else "lacks rows"
    line = one_error_line(capsys.readouterr().err)
    assert f"{victim.name}: its series part {what} ({len(lacking)} run(s)" in line
    pd.testing.assert_frame_equal(runs(out), runs(reference))
    pd.testing.assert_frame_equal(series(out), series(reference))
    assert cli(["summary", str(out)]) == 0
    assert capsys.readouterr().err == ""


def test_series_rows_are_counted_per_ok_run(done: tuple[Path, Path]) -> None:
    _, out = done
    store = BatchStore(out)
    design = Design(replicates=4, runs_total=12, series_rounds=ROUNDS)
    assert scan(store, design).problems == {}
    assert scan(store, Design(4, 12, series_rounds=ROUNDS + 1)).problems  # one row short
    assert len(scan(store, design, paired=False).series_gaps) == 0
    assert Design.from_manifest(read_manifest(store.manifest_path)).series_rounds == ROUNDS


def test_full_disk_names_the_part_that_failed_even_when_the_manifest_fails_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exp = write_exp(tmp_path)
    out = tmp_path / "out"
    calls = {"n": 0}
    real_write, real_manifest = pq.write_table, BatchStore.write_manifest

    def filling(table, where, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 2:  # one chunk written, then the disk is full for every file
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(table, where, *args, **kwargs)

    def manifest_too(self, manifest):
        if calls["n"] > 2:
            raise sim.batch.store.WriteError(errno.ENOSPC, f"cannot write {self.manifest_path}: x")
        return real_manifest(self, manifest)

    monkeypatch.setattr(sim.batch.store.pq, "write_table", filling)
    monkeypatch.setattr(BatchStore, "write_manifest", manifest_too)
    assert batch(exp, out) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith(f"error: cannot write {out / 'series' / 'part-'}")
    assert line.endswith(": No space left on device")


def test_summary_of_a_running_batch_says_so_and_counts_the_parts(
    done: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = done
    for part in sorted((out / "runs").glob("part-*.parquet"))[3:]:  # 6 of 12 runs written
        part.unlink()
        (out / "series" / part.name).unlink()
    data = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**data, "runs_done": 2}))  # saved earlier
    with DirLock(out):
        assert cli(["summary", str(out)]) == 0
        captured = capsys.readouterr()
        assert holder(out) == (out / ".lock").read_text().strip()
    assert captured.err.strip().splitlines() == [
        f"note: {out}: a batch is running there ({holder_text(out)}); this covers the "
        "6/12 runs written so far"
    ]
    assert "rerun" not in captured.out + captured.err and " 2 of 12" not in captured.out
    assert holder(out) is None  # released
    assert cli(["summary", str(out)]) == 0
    captured = capsys.readouterr()
    assert "6/12 runs done" in captured.err  # warned once, on stderr (not again on stdout)
    assert "runs done" not in captured.out
    assert "6 of 12 runs done" in (out / "summary.md").read_text()  # the file keeps it


def holder_text(out: Path) -> str:
    return (out / ".lock").read_text().strip()
