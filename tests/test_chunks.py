"""Chunk planning: guided self-scheduling, the parent's first chunk while workers start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import DEFAULT_SCENARIO, ROOT, runs_table

from sim.batch.plan import (
    Chunk,
    ChunkGroup,
    RunContext,
    auto_chunk_size,
    lockstep_cap,
    make_chunks,
    split_chunk,
)
from sim.batch.pool import start_server
from sim.batch.run import FIRST_INLINE_RUNS
from sim.batch.session import run_batch
from sim.batch.worker import failed_chunk
from sim.experiment import load_experiment


def sizes(chunks: list[Chunk]) -> list[int]:
    return [len(c.seeds) for c in chunks]


def test_fixed_size_chunks_stop_at_each_point() -> None:
    chunks = list(make_chunks([{}, {}], list(range(10)), 4))
    assert sizes(chunks) == [4, 4, 2, 4, 4, 2]
    assert [c.point_id for c in chunks] == [0, 0, 0, 1, 1, 1]


def test_guided_chunks_shrink_towards_the_end() -> None:
    """20 runs, 2 workers, 2..4 runs a chunk: runs left / (2 x 2), rounded up, clipped.

    left 20 -> 5 -> 4; 16 -> 4; 12 -> 3, but point 0 has 2 left; 10 -> 3; 7 -> 2;
    5 -> 2; 3 -> 1 -> 2 (the minimum); 1 left."""
    chunks = list(make_chunks([{}, {}], list(range(10)), 4, guided_workers=2, min_size=2))
    assert sizes(chunks) == [4, 4, 2, 3, 2, 2, 2, 1]
    assert [r for c in chunks for r in c.run_ids] == list(range(20))


def test_guided_chunks_skip_done_runs_and_count_only_the_rest() -> None:
    """8 of 20 done: 12 left -> 3 runs first (not 4, as with 20 left)."""
    done = set(range(0, 20, 5)) | {1, 2, 3, 4}  # 0-4, 5, 10, 15
    chunks = list(make_chunks([{}, {}], list(range(10)), 4, done, guided_workers=2, min_size=1))
    ids = [r for c in chunks for r in c.run_ids]
    assert sorted(ids) == sorted(set(range(20)) - done) and len(ids) == len(set(ids))
    assert sizes(chunks)[0] == 3


def test_split_chunk_boundaries() -> None:
    (chunk,) = make_chunks([{"x": 1.0}], [11, 12, 13], 3)
    whole, rest = split_chunk(chunk, 3)
    assert whole is chunk and rest is None  # exactly its size: nothing to split
    head, tail = split_chunk(chunk, 2)
    assert head.seeds == (11, 12) and head.run_ids == (0, 1) and head.replicates == (0, 1)
    assert tail is not None and tail.seeds == (13,) and tail.run_ids == (2,)
    assert tail.point_id == 0 and tail.overrides == {"x": 1.0}


def test_chunks_span_points_when_asked() -> None:
    """3 points x 3 runs in chunks of 4: [0 0 0 1] [1 1 2 2] [2]; a part per point."""
    chunks = list(make_chunks([{}, {}, {}], [7, 8, 9], 4, span_points=True))
    assert sizes(chunks) == [4, 4, 1]
    first, second, last = chunks
    assert isinstance(first, ChunkGroup) and isinstance(last, Chunk)
    assert [(c.point_id, c.replicates) for c in first.parts] == [(0, (0, 1, 2)), (1, (0,))]
    assert [(c.point_id, c.replicates) for c in second.parts] == [(1, (1, 2)), (2, (0, 1))]
    assert first.run_ids == (0, 1, 2, 3) and first.seeds == (7, 8, 9, 7)
    assert [r for c in chunks for r in c.run_ids] == list(range(9))


def test_guided_chunks_span_points() -> None:
    """The guided sizes of 20 runs on 2 workers (4, 4, 3, 3, 2, 2, 2) no longer cut at the
    point's end: 10 runs of point 0 end inside the third chunk."""
    chunks = list(
        make_chunks([{}, {}], list(range(10)), 4, guided_workers=2, min_size=2, span_points=True)
    )
    assert sizes(chunks) == [4, 4, 3, 3, 2, 2, 2]
    third = chunks[2]
    assert isinstance(third, ChunkGroup)
    assert [(c.point_id, c.replicates) for c in third.parts] == [(0, (8, 9)), (1, (0,))]


def test_split_group_at_and_inside_a_part() -> None:
    (group,) = make_chunks([{}, {}], [1, 2, 3], 6, span_points=True)
    head, tail = split_chunk(group, 3)  # at the boundary of the parts
    assert isinstance(head, Chunk) and head.point_id == 0 and head.run_ids == (0, 1, 2)
    assert isinstance(tail, Chunk) and tail.point_id == 1 and tail.run_ids == (3, 4, 5)
    head, tail = split_chunk(group, 4)  # inside point 1
    assert isinstance(head, ChunkGroup) and head.run_ids == (0, 1, 2, 3)
    assert isinstance(tail, Chunk) and tail.run_ids == (4, 5) and tail.replicates == (1, 2)
    assert split_chunk(group, 6) == (group, None)


def test_failed_group_records_every_run_of_every_part() -> None:
    (group,) = make_chunks([{"x": 0.5}, {"x": 1.5}], [1, 2], 4, span_points=True)
    ctx = RunContext("k", {}, "s.toml", 3, ("x",))
    runs = failed_chunk(ctx, group, "workers kept dying").runs.to_pandas()
    assert list(runs["run_id"]) == [0, 1, 2, 3] and list(runs["point_id"]) == [0, 0, 1, 1]
    assert list(runs["x"]) == [0.5, 0.5, 1.5, 1.5]
    assert (runs["status"] == "failed").all() and (runs["error"] == "workers kept dying").all()


def test_few_replicates_per_point_same_table_stacked_or_not(tmp_path: Path) -> None:
    """A design with 3 replicates per point: lockstep chunks stack points, the Mesa
    engine plays every run alone; the tables are identical."""
    text = (
        f'scenario = "{DEFAULT_SCENARIO}"\nrounds = 30\nreplicates = 3\nroot_seed = 5\n'
        '[design]\nkind = "grid"\n[design.parameters]\n'
        '"states.CHN.weights.us_ties" = [0.0, 0.1, 0.45]\n"negotiation.temperature" = [0.01, 0.1]\n'
    )
    path = tmp_path / "few.toml"
    path.write_text(text)
    exp = load_experiment(path)
    run_batch(exp, tmp_path / "lock", workers=1, progress=False, engine="lockstep", chunk_size=8)
    run_batch(exp, tmp_path / "mesa", workers=1, progress=False, engine="mesa")
    lock, mesa = runs_table(tmp_path / "lock"), runs_table(tmp_path / "mesa")
    assert len(lock) == 18 and (lock["status"] == "ok").all()
    pd.testing.assert_frame_equal(lock, mesa)


def test_lockstep_chunks_shrink_with_the_moves_per_run() -> None:
    assert lockstep_cap(22) == 2000  # the default scenario: the largest chunk
    assert lockstep_cap(10) == 2000  # never above it
    assert lockstep_cap(88) == 500  # six states: 2000 x 22 / 88
    assert lockstep_cap(358) == 250  # 2000 x 22 / 358 = 122 -> the guided minimum
    assert auto_chunk_size(100_000, 2, "lockstep", guided=True, moves=88) == 500
    assert auto_chunk_size(100_000, 2, "lockstep", moves=88) == 500  # the cap, not spread
    assert auto_chunk_size(2_000, 2, "lockstep", moves=88) == 500  # not 1000


def test_auto_chunk_size_guided_takes_the_largest_lockstep_chunk() -> None:
    assert auto_chunk_size(20_000, 2, "lockstep", guided=True) == 2000
    assert auto_chunk_size(20_000, 2, "lockstep") == 1250  # spread over 8 x 2 chunks
    assert auto_chunk_size(300, 2, "lockstep", guided=True) == 300
    assert auto_chunk_size(20_000, 2, "mesa", guided=True) == 25
    assert auto_chunk_size(2_000, 1, "lockstep") == 2000  # one process: the largest chunk
    assert auto_chunk_size(2_000, 4, "lockstep") == 1000  # Dask-like: spread, >= 1,000


def test_start_server_reports_a_running_server() -> None:
    preload = ["sim.batch.worker", "sim.runner"]
    start_server(preload)  # cold or not, it runs afterwards
    assert start_server(preload) is False


def test_fresh_process_with_two_workers_gives_the_one_worker_table(tmp_path: Path) -> None:
    """In a new process the forkserver starts cold: the parent runs the first
    FIRST_INLINE_RUNS runs itself, workers the rest in guided chunks; same rows."""
    replicates = FIRST_INLINE_RUNS + 100  # the first chunk is split
    path = tmp_path / "e.toml"
    path.write_text(
        f'scenario = "{DEFAULT_SCENARIO}"\nrounds = 6\nreplicates = {replicates}\n'
        'root_seed = 4\n[design]\nkind = "grid"\n[design.parameters]\n'
        '"states.CHN.weights.us_ties" = [0.0, 0.3]\n'
    )
    run_batch(load_experiment(path), tmp_path / "one", workers=1, progress=False)
    cmd = [sys.executable, "run.py", "batch", str(path), "--out", str(tmp_path / "two")]
    proc = subprocess.run(
        [*cmd, "--workers", "2"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    parts = len(list((tmp_path / "two" / "runs").glob("*.parquet")))
    assert parts > 3  # the parent's first chunk, the rest of it, guided chunks

    pd.testing.assert_frame_equal(runs_table(tmp_path / "two"), runs_table(tmp_path / "one"))


CHILD = """
import sys, time
from pathlib import Path
import sim.batch.forkserver_setup  # records its parent as the batch process
Path(sys.argv[1]).write_text("imported")
time.sleep(float(sys.argv[2]))
raise RuntimeError("a worker failed to start")
"""

PARENT = """
import subprocess, sys, time
from pathlib import Path
flag, err, wait = Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "wait"
child = subprocess.Popen(
    [sys.executable, "-c", sys.argv[4], str(flag), "1.0" if not wait else "0"],
    stderr=open(err, "w"),
)
while not flag.exists():
    time.sleep(0.02)
if wait:
    child.wait()
"""  # exits at once after the child's import unless told to wait (the child then reports)


def _orphan_stderr(tmp_path: Path, wait: bool) -> str:
    flag, err = tmp_path / f"flag-{wait}", tmp_path / f"err-{wait}"
    mode = "wait" if wait else "exit"
    subprocess.run(
        [sys.executable, "-c", PARENT, str(flag), str(err), mode, CHILD],
        cwd=ROOT, timeout=60, check=True,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while "RuntimeError" not in err.read_text() and time.monotonic() < deadline and wait:
        time.sleep(0.05)
    time.sleep(0.0 if wait else 2.0)  # the orphan raises 1 s after its parent exited
    return err.read_text()


def test_forkserver_setup_quiet_only_when_the_batch_process_is_gone(tmp_path: Path) -> None:
    assert "RuntimeError: a worker failed to start" in _orphan_stderr(tmp_path, wait=True)
    assert _orphan_stderr(tmp_path, wait=False) == ""


CTRL_C_AT_START = """
import time
from multiprocessing import forkserver
from sim.batch.pool import start_server
try:
    start_server(["sim.batch.worker", "sim.runner"])
    print(forkserver._forkserver._forkserver_pid, flush=True)  # the signal may come at once
    time.sleep(5)
except KeyboardInterrupt:
    print("parent: interrupted", flush=True)
time.sleep(1.0)  # the forkserver would have printed by now
"""


def sigint_blocked_in(pid: int) -> bool:
    """Whether process ``pid`` has SIGINT blocked (its SigBlk mask, from /proc)."""
    status = Path(f"/proc/{pid}/status").read_text()
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigBlk:"))
    return bool(int(mask, 16) & (1 << (signal.SIGINT - 1)))


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_ctrl_c_while_the_forkserver_starts_prints_no_traceback() -> None:
    """Ctrl-C reaches the whole process group, forkserver included, while it may still be
    importing ``site`` (before any of our code runs): the server is started with SIGINT
    blocked, so whenever the signal comes it is never delivered there. Deterministic: the
    mask is checked as soon as the server exists, and the signal sent at once."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_AT_START], cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        server = int(proc.stdout.readline())
        assert sigint_blocked_in(server)  # from its exec on, whatever it is doing now
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "parent: interrupted" in out
    assert "Traceback" not in err, err
