"""`run.py batch` as a real process: kill -9 mid-batch then resume; config errors exit 2."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import DEFAULT_EXPERIMENT, DEFAULT_SCENARIO, ROOT, RUN_PY, runs_table

from sim.batch.session import run_batch
from sim.commands import batch as batch_command
from sim.experiment import load_experiment

SCENARIO = DEFAULT_SCENARIO

EXPERIMENT = f"""
scenario = "{SCENARIO}"
rounds = 12
replicates = 8
root_seed = 3
[design]
kind = "grid"
[design.parameters]
"states.CHN.weights.us_ties" = [0.0, 0.15, 0.3, 0.45]
"""

needs_run_py = pytest.mark.skipif(not RUN_PY.exists(), reason="run.py not written yet")


def batch_cmd(exp: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, str(RUN_PY), "batch", str(exp), "--out", str(out), *extra]


@needs_run_py
def test_sigkill_mid_batch_then_resume_gives_the_uninterrupted_table(tmp_path: Path) -> None:
    exp = tmp_path / "exp.toml"
    exp.write_text(EXPERIMENT)
    total = 32
    out = tmp_path / "killed"
    slow = ("--engine", "mesa")  # one Mesa model per run: time to kill it mid-batch
    args = batch_cmd(exp, out, "--workers", "2", "--chunk-size", "1", "--no-progress", *slow)
    proc = subprocess.Popen(
        args, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    try:
        while not list((out / "runs").glob("part-*.parquet")) and proc.poll() is None:
            assert time.monotonic() < deadline, "no part written within 60 s"
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the batch and its workers, as a crash would
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode() if proc.stderr else ""
    written = len(list((out / "runs").glob("part-*.parquet")))
    assert 1 <= written < total  # really killed mid-batch

    resumed = subprocess.run(
        batch_cmd(exp, out, "--workers", "1", "--no-progress", *slow),
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert f"{total}/{total} runs" in resumed.stdout
    assert f"({total - written} run now" in resumed.stdout or written == 0

    run_batch(load_experiment(exp), tmp_path / "whole", workers=1, progress=False, engine="mesa")
    killed = runs_table(out)
    assert killed["run_id"].is_unique
    pd.testing.assert_frame_equal(killed, runs_table(tmp_path / "whole"))


@needs_run_py
def test_run_py_malformed_experiment_exits_2(tmp_path: Path) -> None:
    exp = tmp_path / "bad.toml"
    exp.write_text(EXPERIMENT.replace('kind = "grid"', 'kind = "grd"'))
    out = tmp_path / "out"
    proc = subprocess.run(batch_cmd(exp, out), cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "design.kind" in lines[0] and lines[0].startswith("error: ")
    assert not out.exists()


def test_main_job_runs_default_experiment_then_plots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exp = tmp_path / "default.toml"
    exp.write_text(EXPERIMENT.replace("replicates = 8", "replicates = 3"))
    monkeypatch.setattr(batch_command, "DEFAULT_EXPERIMENT", exp)
    monkeypatch.setattr(batch_command, "DEFAULT_OUT", tmp_path / "results" / "default")
    monkeypatch.setattr(batch_command, "ROOT", tmp_path)
    assert batch_command.main_job() == 0
    out = capsys.readouterr().out
    assert "12/12 runs" in out
    assert len(runs_table(tmp_path / "results" / "default")) == 12
    assert "plots (" in out  # every listed figure was written
    listed = [line.strip() for line in out.splitlines() if line.startswith("  /")]
    assert listed and all(Path(p).is_file() for p in listed)


def test_main_job_sets_aside_results_of_an_older_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exp = tmp_path / "default.toml"
    out = tmp_path / "results" / "default"
    exp.write_text(EXPERIMENT.replace("replicates = 8", "replicates = 2"))
    run_batch(load_experiment(exp), out, workers=1, progress=False)  # an older default
    exp.write_text(EXPERIMENT.replace("replicates = 8", "replicates = 1"))
    monkeypatch.setattr(batch_command, "DEFAULT_EXPERIMENT", exp)
    monkeypatch.setattr(batch_command, "DEFAULT_OUT", out)
    monkeypatch.setattr(batch_command, "ROOT", tmp_path)
    monkeypatch.setattr("sim.commands.plot.make_plots", lambda *a, **k: [])  # not tested here
    assert batch_command.main_job() == 0
    (old,) = (tmp_path / "results").glob("default.old-*")
    assert len(runs_table(old)) == 8 and len(runs_table(out)) == 4
    assert "moved to" in capsys.readouterr().out


def test_out_that_is_a_file_exits_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("not a directory")
    exp = DEFAULT_EXPERIMENT
    code = batch_command.run_experiment(exp, blocker / "sub", progress=False)
    err = capsys.readouterr().err
    assert code == 2
    assert "is a file, expected a directory" in err and "Traceback" not in err
    assert blocker.read_text() == "not a directory"


@pytest.mark.parametrize("table", ["runs", "series"])
def test_out_inside_another_batchs_table_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str
) -> None:
    """A batch written into DIR/runs/ (or series/) of another batch would make its
    manifest and parts unreadable as that table (pandas.read_parquet(DIR/runs) fails)."""
    other = tmp_path / "other"
    (other / table).mkdir(parents=True)
    (other / "manifest.json").write_text("{}")
    for out in (other / table, other / table / "deeper"):
        code = batch_command.run_experiment(DEFAULT_EXPERIMENT, out, progress=False)
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
        assert f"inside {other / table}, a table of the batch in {other}" in err
    assert sorted(p.name for p in other.rglob("*")) == ["manifest.json", table]
