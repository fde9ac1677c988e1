"""`run.py batch` as a real process under people and machines (issue 10, points 1-3, 5):
Ctrl-C twice, SIGTERM, SIGKILL of the parent, two batches on one directory, a worker
killed mid-chunk. Each checks that no process outlives the batch."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from batch_fakes import DIE_ONCE_ENV, FAIL_ROOT_SEED, FAIL_SEED
from conftest import DEFAULT_SCENARIO as SCENARIO
from conftest import ROOT, RUN_PY
from conftest import runs_table as runs

from sim.batch.session import run_batch
from sim.experiment import load_experiment

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")

SLOW = f"""
scenario = "{SCENARIO}"
rounds = 84
replicates = 200
root_seed = {FAIL_ROOT_SEED}
[design]
kind = "grid"
[design.parameters]
"states.CHN.weights.us_ties" = [0.0, 0.45]
"""  # with the Mesa engine, one run per chunk: ~30 s of work, so signals land mid-batch
SMALL = SLOW.replace("rounds = 84", "rounds = 12").replace("replicates = 200", "replicates = 6")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(text)
    return path


def start(exp: Path, out: Path, *extra: str, env: dict | None = None) -> subprocess.Popen:
    args = [sys.executable, str(RUN_PY), "batch", str(exp), "--out", str(out), "--no-progress",
            "--workers", "2", *extra]  # fmt: skip
    return subprocess.Popen(
        args, cwd=ROOT, start_new_session=True, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT / "tests"), **(env or {})},
    )  # fmt: skip


def wait_for_parts(proc: subprocess.Popen, out: Path, n: int = 1) -> None:
    deadline = time.monotonic() + 60
    while len(list((out / "runs").glob("part-*.parquet"))) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no part written within 60 s"
        time.sleep(0.02)


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (children, grandchildren, ...), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rpartition(")")[2].split()[1])
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def running(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if state not in ("Z", "X"):
            alive.add(pid)
    return alive


def assert_all_gone(pids: set[int], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while running(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(pids), f"left behind: {running(pids)}"


def workers_of(pid: int, at_least: int = 4) -> set[int]:
    """The batch's processes once its pool is up: forkserver, resource tracker and the two
    workers (the parent runs the first runs itself while the forkserver starts, so the
    first part can be written before any worker exists)."""
    deadline = time.monotonic() + 30
    while len(kids := running(descendants(pid))) < at_least:
        assert time.monotonic() < deadline, f"the batch has {len(kids)} child processes"
        time.sleep(0.02)
    return kids


def test_second_ctrl_c_exits_at_once_and_leaves_no_process(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = start(write(tmp_path, SLOW), out, "--engine", "mesa", "--chunk-size", "1")
    try:
        wait_for_parts(proc, out)
        kids = workers_of(proc.pid)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.02)  # the second lands while the first is cleaning up
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=5)
    finally:
        os.killpg(proc.pid, signal.SIGKILL) if proc.poll() is None else None
    assert proc.returncode == 130, err
    assert "rerun to resume" in err and "Traceback" not in err
    assert_all_gone(kids)
    assert runs(out)["run_id"].is_unique


def test_sigterm_stops_cleanly_with_a_true_manifest(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = start(write(tmp_path, SLOW), out, "--engine", "mesa", "--chunk-size", "1")
    try:
        wait_for_parts(proc, out, 3)
        kids = workers_of(proc.pid)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        os.killpg(proc.pid, signal.SIGKILL) if proc.poll() is None else None
    assert proc.returncode == 130
    lines = [line for line in err.splitlines() if "resource_tracker" not in line]
    assert lines[-1].startswith("interrupted:") and lines[-1].endswith("rerun to resume")
    assert "Traceback" not in err
    assert_all_gone(kids)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs_done"] == len(runs(out)) < manifest["runs_total"]


def test_sigkill_of_the_parent_leaves_no_worker_forkserver_or_tracker(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = start(write(tmp_path, SLOW), out, "--engine", "mesa", "--chunk-size", "1")
    try:
        wait_for_parts(proc, out)
        kids = workers_of(proc.pid)  # forkserver, resource tracker, workers
        proc.kill()  # the parent only, as `kill -9 PID` would
        proc.wait(timeout=5)
        assert_all_gone(kids, within=5.0)
    finally:
        os.killpg(proc.pid, signal.SIGKILL) if running({proc.pid}) else None


def test_two_batches_on_one_directory_one_is_refused(tmp_path: Path) -> None:
    exp, out = write(tmp_path, SLOW), tmp_path / "out"
    first = start(exp, out, "--engine", "mesa", "--chunk-size", "1")
    try:
        wait_for_parts(first, out)
        second = start(exp, out)
        _, err = second.communicate(timeout=60)
        assert first.poll() is None  # the first batch was running all along
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=20)
    finally:
        os.killpg(first.pid, signal.SIGKILL) if first.poll() is None else None
    assert second.returncode == 2
    (line,) = err.strip().splitlines()
    assert f"is in use by another batch (pid {first.pid}, started " in line
    table = runs(out)
    assert table["run_id"].is_unique
    assert json.loads((out / "manifest.json").read_text())["runs_done"] == len(table)


@pytest.fixture(scope="module")
def small_reference(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    tmp = tmp_path_factory.mktemp("small")
    run_batch(load_experiment(write(tmp, SMALL)), tmp / "out", workers=1, progress=False)
    return runs(tmp / "out")


def test_a_worker_killed_mid_chunk_costs_only_a_retry(
    tmp_path: Path, small_reference: pd.DataFrame
) -> None:
    marker = tmp_path / "die-once"
    marker.touch()
    out = tmp_path / "out"
    proc = start(write(tmp_path, SMALL), out, "--chunk-size", "2", "--runner",
                 "batch_fakes:die_once", env={DIE_ONCE_ENV: str(marker)})  # fmt: skip
    stdout, err = proc.communicate(timeout=120)
    assert not marker.exists()  # a worker really died
    assert proc.returncode == 0, err
    assert "12/12 runs" in stdout and "Traceback" not in err
    pd.testing.assert_frame_equal(runs(out), small_reference)


def test_a_chunk_that_keeps_killing_its_worker_is_recorded_failed(
    tmp_path: Path, small_reference: pd.DataFrame
) -> None:
    out = tmp_path / "out"
    proc = start(write(tmp_path, SMALL), out, "--chunk-size", "2", "--runner",
                 "batch_fakes:die_on_seed")  # fmt: skip
    stdout, err = proc.communicate(timeout=120)
    assert "(12 run now, 2 failed)" in stdout
    assert proc.returncode == 1, err  # finished, with failed runs
    assert "Traceback" not in err
    table = runs(out)
    failed = table[table["status"] == "failed"]
    assert list(failed["run_id"]) == [0, 1]  # the chunk holding FAIL_SEED at point 0
    assert FAIL_SEED in set(failed["seed"])
    assert failed["error"].str.contains("worker process died").all()
    assert failed["error"].str.contains("SIGKILL").all()
    ok = table[table["status"] == "ok"].drop(columns=["error"])
    expected = small_reference[small_reference["run_id"] >= 2].drop(columns=["error"])
    pd.testing.assert_frame_equal(ok.reset_index(drop=True), expected.reset_index(drop=True))


def test_stopped_workers_are_reported_and_the_batch_goes_on_when_continued(
    tmp_path: Path,
) -> None:
    """Every worker stopped (SIGSTOP, not dead): once no chunk has finished for
    SIM_STALL_SECONDS the batch says so in one line (before, it waited without a word);
    continued, it goes on; Ctrl-C still ends it cleanly."""
    out = tmp_path / "out"
    proc = start(write(tmp_path, SLOW), out, "--engine", "mesa", "--chunk-size", "1",
                 env={"SIM_STALL_SECONDS": "2"})  # fmt: skip
    try:
        kids = workers_of(proc.pid)
        wait_for_parts(proc, out, 3)
        assert proc.stderr is not None
        while select.select([proc.stderr], [], [], 0)[0]:  # a 2 s gap while starting
            proc.stderr.readline()  # could be told too: not this test's point
        for pid in kids:
            os.kill(pid, signal.SIGSTOP)
        stopped = time.monotonic()
        ready, _, _ = select.select([proc.stderr], [], [], 20)
        line = proc.stderr.readline() if ready else ""
        waited = time.monotonic() - stopped
        for pid in running(kids):
            os.kill(pid, signal.SIGCONT)
        parts = len(list((out / "runs").glob("part-*.parquet")))
        wait_for_parts(proc, out, parts + 1)  # going on again
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        os.killpg(proc.pid, signal.SIGKILL) if proc.poll() is None else None
    assert line.startswith("warning: no chunk finished for 2 s (") and line.endswith(
        "in flight; a stopped worker?); still waiting (Ctrl-C, then rerun, to resume)\n"
    ), line
    assert waited < 20  # 2 s after the last chunk finished, which was before the stop
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert_all_gone(kids)
