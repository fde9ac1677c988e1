"""Results that cannot be trusted are caught: duplicate, foreign and corrupt parts,
broken manifests, unfinished batches, another model version, a full disk, a second batch
on the same directory (issue 10, points 3, 4, 6, 7, 10, 11)."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import DEFAULT_SCENARIO as SCENARIO
from conftest import runs_table as runs
from runcli import main as cli

import sim.batch.manifest
import sim.batch.prepare
import sim.batch.store
from sim.batch.session import run_batch
from sim.commands.batch import run_experiment
from sim.experiment import load_experiment
from sim.lock import DirLock

EXPERIMENT = f"""
scenario = "{SCENARIO}"
rounds = 12
replicates = 4
root_seed = 5
[design]
kind = "grid"
[design.parameters]
"states.CHN.weights.us_ties" = [0.0, 0.2, 0.45]
"""
TOTAL = 12


def write_exp(tmp_path: Path) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(EXPERIMENT)
    return path


def batch(exp: Path, out: Path, *, series: bool = True, force: bool = False) -> int:
    return run_experiment(exp, out, workers=1, chunk_size=2, series=series, progress=False,
                          force=force)  # fmt: skip


def series(out: Path) -> pd.DataFrame:
    frame = pd.read_parquet(out / "series")
    return frame.sort_values(["run_id", "round"]).reset_index(drop=True)


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def readers(out: Path) -> list[list[str]]:
    """Every command that reads a batch's runs as data."""
    return [[c, str(out)] for c in ("summary", "plot", "compare", "discover", "sensitivity")]


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("ref")
    assert batch(write_exp(tmp), tmp / "out") == 0
    return tmp / "out"


@pytest.fixture
def done(tmp_path: Path, reference: Path) -> tuple[Path, Path]:
    """A finished copy of the reference batch, and its experiment file."""
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    return write_exp(tmp_path), out


def test_duplicate_part_refused_by_summary_and_plot_then_set_aside_by_resume(
    done: tuple[Path, Path], reference: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exp, out = done
    first = sorted((out / "runs").glob("part-*.parquet"))[0]
    shutil.copy(first, out / "runs" / "part-zz-copy.parquet")  # 2 runs now twice
    for command in readers(out):  # compare, discover, sensitivity: they read it as data
        assert cli(command) == 2, command
        line = one_error_line(capsys.readouterr().err)
        assert "part-zz-copy.parquet" in line and "duplicate runs: 2" in line
    assert batch(exp, out) == 0
    warning = one_error_line(capsys.readouterr().err)
    assert "part-zz-copy.parquet" in warning and "quarantine" in warning
    assert (out / "quarantine" / "runs-part-zz-copy.parquet").is_file()
    pd.testing.assert_frame_equal(runs(out), runs(reference))
    assert manifest(out)["runs_done"] == TOTAL


def test_series_part_dropped_into_runs_is_set_aside_and_good_parts_untouched(
    done: tuple[Path, Path], reference: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exp, out = done
    good = {p: p.stat().st_mtime_ns for p in (out / "runs").glob("part-*.parquet")}
    stray = sorted((out / "series").glob("part-*.parquet"))[0]
    shutil.copy(stray, out / "runs" / "part-series-stray.parquet")
    assert batch(exp, out) == 0
    assert "a series part, not a runs part" in one_error_line(capsys.readouterr().err)
    assert {p: p.stat().st_mtime_ns for p in good} == good  # nothing rewritten
    pd.testing.assert_frame_equal(runs(out), runs(reference))


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_truncated_runs_part_named_by_summary_and_rerun_by_resume(
    done: tuple[Path, Path], reference: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exp, out = done
    victim = sorted((out / "runs").glob("part-*.parquet"))[2]
    truncate(victim)
    assert cli(["summary", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert victim.name in line and "not a readable Parquet file" in line
    assert batch(exp, out) == 0
    assert victim.name in one_error_line(capsys.readouterr().err)
    pd.testing.assert_frame_equal(runs(out), runs(reference))
    pd.testing.assert_frame_equal(series(out), series(reference))


def test_truncated_series_part_is_noticed_and_its_chunk_rerun(
    done: tuple[Path, Path], reference: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exp, out = done
    victim = sorted((out / "series").glob("part-*.parquet"))[1]
    truncate(victim)
    assert batch(exp, out) == 0
    err = capsys.readouterr().err
    assert victim.name in err and "Traceback" not in err
    pd.testing.assert_frame_equal(runs(out), runs(reference))
    pd.testing.assert_frame_equal(series(out), series(reference))


@pytest.mark.parametrize(
    "content",
    [bytes(range(256)) * 4, b"[1, 2, 3]", b'{"experiment": 5}', b'{"sessions": [1]}', b"{"],
    ids=["random-bytes", "json-list", "wrong-type", "bad-session", "truncated"],
)
def test_broken_manifest_is_one_line_for_batch_summary_and_plot(
    done: tuple[Path, Path], content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    exp, out = done
    (out / "manifest.json").write_bytes(content)
    assert batch(exp, out) == 2
    for command in readers(out):
        assert cli(command) == 2, command
    for line in capsys.readouterr().err.strip().splitlines():
        assert line.startswith("error: ") and "manifest.json: not a valid manifest" in line
    assert batch(exp, out, force=True) == 0  # --force starts over
    assert manifest(out)["runs_done"] == TOTAL


def test_summary_and_plot_warn_about_an_unfinished_batch(
    done: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    exp, out = done
    for part in sorted((out / "runs").glob("part-*.parquet"))[:3]:  # as if killed early
        part.unlink()
        (out / "series" / part.name).unlink()
    assert cli(["summary", str(out)]) == 0
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and "6/12 runs done" in err[0]
    assert "runs done" not in captured.out  # said once (stdout said it again in other words)
    assert "incomplete batch: 6 of 12 runs done" in (out / "summary.md").read_text()
    assert cli(["plot", str(out)]) == 0
    assert "6/12 runs done" in capsys.readouterr().err
    assert cli(["compare", str(out)]) == 0  # compare and discover warn too
    assert "6/12 runs done" in capsys.readouterr().err
    cli(["discover", str(out)])  # (then refuses a 3-point grid: it needs many points)
    assert "6/12 runs done" in capsys.readouterr().err
    assert batch(exp, out) == 0
    assert cli(["summary", str(out)]) == 0
    assert "runs done" not in capsys.readouterr().err


def test_resume_refuses_another_model_version_and_keeps_each_sessions_commit(
    done: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exp, out = done
    data = manifest(out)
    assert data["model_version"] == sim.batch.manifest.MODEL_VERSION
    assert data["sessions"][0]["git_commit"] == data["git_commit"]
    data["git_commit"] = data["sessions"][0]["git_commit"] = "first-commit"
    (out / "manifest.json").write_text(json.dumps(data))
    sorted((out / "runs").glob("part-*.parquet"))[0].unlink()
    assert batch(exp, out) == 0  # same model version: resumes
    data = manifest(out)
    assert data["git_commit"] == "first-commit"  # the batch's start, not overwritten
    assert data["sessions"][0]["git_commit"] == "first-commit"
    assert data["sessions"][1]["git_commit"] == sim.batch.manifest.git_commit()
    assert data["sessions"][1]["model_version"] == sim.batch.manifest.MODEL_VERSION

    monkeypatch.setattr(sim.batch.prepare, "MODEL_VERSION", "next")  # the check
    monkeypatch.setattr(sim.batch.manifest, "MODEL_VERSION", "next")  # the record
    before = runs(out)
    assert batch(exp, out) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "model version" in line and "--force" in line
    pd.testing.assert_frame_equal(runs(out), before)  # nothing touched
    assert batch(exp, out, force=True) == 0
    data = manifest(out)
    assert data["model_version"] == "next" and len(data["sessions"]) == 1


def test_full_disk_names_the_file_and_leaves_the_manifest_true(
    tmp_path: Path, reference: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    exp = write_exp(tmp_path)
    out = tmp_path / "out"
    real = pq.write_table
    calls = {"n": 0}

    def filling(table, where, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 5:  # series+runs of two chunks, a series part, then the disk is full
            Path(where).write_bytes(b"PAR1 partial")  # a partial temporary file
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr(sim.batch.store.pq, "write_table", filling)
    assert batch(exp, out) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith(f"error: cannot write {out / 'runs' / 'part-'}")
    assert line.endswith("No space left on device")
    on_disk = len(runs(out))
    assert on_disk == 4 and manifest(out)["runs_done"] == on_disk
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    monkeypatch.setattr(sim.batch.store.pq, "write_table", real)
    assert batch(exp, out) == 0
    pd.testing.assert_frame_equal(runs(out), runs(reference))


def test_resume_removes_a_leaked_manifest_temporary_file(done: tuple[Path, Path]) -> None:
    exp, out = done
    leaked = out / ".manifest.json.1a2b3c4d.tmp"
    leaked.write_text("{")
    assert batch(exp, out) == 0
    assert not leaked.exists()


def test_second_batch_on_a_locked_directory_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exp = write_exp(tmp_path)
    out = tmp_path / "out"
    with DirLock(out):  # another batch holds DIR
        assert batch(exp, out) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"in use by another batch (pid {os.getpid()}, started " in line
    assert not (out / "runs").exists()  # nothing written
    (out / ".lock").write_text("pid 1, started long ago\n")  # stale: nobody holds it
    assert batch(exp, out) == 0
    assert len(runs(out)) == TOTAL


def test_runs_outside_the_design_are_foreign(
    done: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    exp, out = done
    frame = runs(out).head(2).copy()
    frame["run_id"] += 1000
    frame.to_parquet(out / "runs" / "part-foreign.parquet", index=False)
    assert cli(["summary", str(out)]) == 2
    assert "outside this experiment's 0..11" in one_error_line(capsys.readouterr().err)
    assert batch(exp, out) == 0
    assert "part-foreign.parquet" in one_error_line(capsys.readouterr().err)
    assert len(runs(out)) == TOTAL


def test_run_batch_library_call_also_takes_the_lock(tmp_path: Path) -> None:
    exp = load_experiment(write_exp(tmp_path))
    with DirLock(tmp_path / "out"), pytest.raises(sim.batch.prepare.BatchRefused, match="in use"):
        run_batch(exp, tmp_path / "out", workers=1, progress=False)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (("0.45]", "0.46]"), "states.CHN.weights.us_ties is 0.46 where this experiment has 0.45"),
        (("rounds = 12", "rounds = 6"), "runs of other than this experiment's 12 months"),
    ],
    ids=["another-grid-value", "another-horizon"],
)
def test_a_part_of_another_experiment_with_the_same_seeds_is_foreign(
    done: tuple[Path, Path],
    reference: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: tuple[str, str],
    says: str,
) -> None:
    """Its ids and seeds match this experiment's (same root seed and replicates), so only
    its design values or months tell it apart: summary refuses it, resume sets it aside
    and reruns its runs (it was kept, mixing 0.46 or 6-month rows into the batch)."""
    exp, out = done
    variant = tmp_path / "variant.toml"
    variant.write_text(EXPERIMENT.replace(*change))
    assert batch(variant, tmp_path / "variant", series=False) == 0
    last = sorted((out / "runs").glob("part-*.parquet"))[-1]  # point 2's last runs
    theirs = sorted((tmp_path / "variant" / "runs").glob("part-*.parquet"))[-1]
    assert pq.read_table(theirs)["run_id"].to_pylist() == pq.read_table(last)["run_id"].to_pylist()
    shutil.copy(theirs, last)
    capsys.readouterr()
    assert cli(["summary", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert last.name in line and says in line
    assert batch(exp, out) == 0
    assert "quarantine" in one_error_line(capsys.readouterr().err)
    pd.testing.assert_frame_equal(runs(out), runs(reference))
