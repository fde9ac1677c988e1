"""A Dask scheduler that is malformed, unreachable, not Dask, or lost (killed or frozen)
mid-batch: one line, a known exit code, no hang, nothing left running; the batch resumes
locally (issue 26, cases 1, 7)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import psutil
import pytest
from conftest import DEFAULT_SCENARIO as SCENARIO
from conftest import ROOT, RUN_PY
from conftest import runs_table as runs
from test_dask_cluster import DASK, free_port, spawn

from sim.batch.session import run_batch
from sim.experiment import load_experiment

distributed = pytest.importorskip("distributed")

EXPERIMENT = f"""
scenario = "{SCENARIO}"
rounds = 84
replicates = 3000
root_seed = 5
[design]
kind = "grid"
[design.parameters]
"states.CHN.weights.us_ties" = [0.0, 0.2, 0.45]
"""


def batch(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``run.py batch`` (the timeout only guards against a hang: a loaded machine may take
    minutes for the local resume of 9,000 runs)."""
    return subprocess.run(
        [sys.executable, str(RUN_PY), "batch", *args, "--no-progress"], cwd=ROOT,
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("not a url", "no Dask scheduler answers at not a url:8786"),
        ("tcp://a:b", "not a Dask address such as tcp://host:8786"),
        ("tcp://127.0.0.1:{free_port}", "(Connection refused)"),
    ],
)  # the free port is found when the test runs: a test's id is the same on every xdist worker
def test_a_bad_scheduler_address_is_one_line_before_dir_is_made(
    tmp_path: Path, address: str, why: str
) -> None:
    address = address.format(free_port=free_port())
    exp = tmp_path / "exp.toml"
    exp.write_text(EXPERIMENT)
    started = time.monotonic()  # the same command's start-up, failing on a missing file
    assert batch(str(tmp_path / "missing.toml"), "--out", str(tmp_path / "x")).returncode == 2
    startup = time.monotonic() - started
    started = time.monotonic()
    proc = batch(str(exp), "--out", str(tmp_path / "out"), "--scheduler", address, timeout=90)
    # fails within seconds of start-up (the machine's load moves start-up, not the bound)
    assert proc.returncode == 2 and time.monotonic() - started < startup + 10
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: --scheduler {address!r}: ")
    assert why in lines[0]
    assert not (tmp_path / "out").exists()


def _garbage(server: socket.socket) -> None:
    """Answer every connection as a web server would (not Dask's protocol)."""
    while True:
        try:
            conn, _ = server.accept()
            with conn:
                conn.sendall(b"HTTP/1.0 200 OK\r\n\r\n" + b"\xff" * 64)
        except OSError:  # the client hung up first, or the listener is closed: done
            if server.fileno() < 0:
                return


@pytest.mark.parametrize("server", ["silent", "not Dask"])
def test_an_address_that_accepts_but_is_no_scheduler_is_one_line(
    tmp_path: Path, server: str
) -> None:
    """A TCP listener that never answers (a frozen scheduler: the kernel still accepts) or
    answers something else (a web server): once a traceback after 43 s, DIR made."""
    exp = tmp_path / "exp.toml"
    exp.write_text(EXPERIMENT)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
        if server == "not Dask":
            threading.Thread(target=_garbage, args=(listener,), daemon=True).start()
        started = time.monotonic()
        proc = batch(str(exp), "--out", str(tmp_path / "out"), "--scheduler", address, timeout=90)
    # 10 s of silence plus start-up (up to ~15 s on a loaded 2-core machine); was 43 s
    assert proc.returncode == 2 and time.monotonic() - started < 40, proc.stderr
    why = (
        "no answer within 10 s"
        if server == "silent"
        else "what answers there does not speak Dask's protocol"
    )
    assert proc.stderr == (
        f"error: --scheduler {address!r}: no Dask scheduler answers at "
        f"{address.removeprefix('tcp://')} ({why})\n"
    )
    assert not (tmp_path / "out").exists()


@contextmanager
def cluster(workers: int, *ports: int) -> Iterator[tuple[str, subprocess.Popen]]:
    """A scheduler and ``workers`` one-thread workers on 127.0.0.1 (the first ones on
    ``ports``): (address, scheduler); every process killed after."""
    if DASK is None:
        pytest.skip("the dask command is not installed")
    address = f"tcp://127.0.0.1:{free_port()}"
    scheduler = spawn("scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":")[-1],
                      "--no-dashboard")  # fmt: skip
    worker = ("worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard")
    procs = [scheduler]
    for i in range(workers):
        port = ("--worker-port", str(ports[i])) if i < len(ports) else ()
        procs.append(spawn(*worker, "--host", "127.0.0.1", *port))
    try:
        with distributed.Client(address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=60)
        yield address, scheduler
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGCONT)
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=10)


def test_a_frozen_scheduler_ends_the_batch_when_silent_too_long(tmp_path: Path) -> None:
    """SIGSTOP, not kill: its connections stay open and the client waits forever (once only
    the stall warning, after 600 s). Unanswered pings for SIM_SCHEDULER_SILENT seconds end
    the batch as a lost scheduler does: one line, exit 3, the process gone."""
    exp = tmp_path / "exp.toml"
    exp.write_text(EXPERIMENT)
    out = tmp_path / "out"
    with cluster(1) as (address, scheduler):
        proc = subprocess.Popen(
            [sys.executable, str(RUN_PY), "batch", str(exp), "--out", str(out), "--scheduler",
             address, "--chunk-size", "100", "--no-progress"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "SIM_SCHEDULER_SILENT": "4", "PYTHONFAULTHANDLER": "1"},
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not list((out / "runs").glob("part-*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(scheduler.pid, signal.SIGSTOP)
        frozen = time.monotonic()
        # silence, the pings' spacing, closing the client (a daemon thread), exiting at once
        bound = 4 + 5 + 5 + 3
        try:
            proc.wait(timeout=bound)  # its output is one line: the pipes cannot fill
        except subprocess.TimeoutExpired:  # still there: its threads' stacks (faulthandler)
            proc.send_signal(signal.SIGABRT)
        _, err = proc.communicate(timeout=60)
        took = time.monotonic() - frozen
    assert proc.returncode == 3, f"not ended {bound} s after the freeze, where it was:\n{err}"
    assert 4 < took < bound + 1
    written = len(runs(out))
    assert 0 < written < 9000
    assert err.splitlines() == [
        f"error: scheduler at {address} lost; {written:,} runs written; rerun to resume, "
        "locally or on a cluster"
    ]


@pytest.mark.skipif(DASK is None, reason="the dask command is not installed")
def test_a_lost_scheduler_ends_the_batch_with_one_line_and_exit_3(tmp_path: Path) -> None:
    exp = tmp_path / "exp.toml"
    exp.write_text(EXPERIMENT)
    out = tmp_path / "out"
    address = f"tcp://127.0.0.1:{free_port()}"
    scheduler = spawn("scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":")[-1],
                      "--no-dashboard")  # fmt: skip
    worker = ("worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard")
    workers = [spawn(*worker, "--host", "127.0.0.1") for _ in range(2)]
    try:
        with distributed.Client(address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)
        proc = subprocess.Popen(
            [sys.executable, str(RUN_PY), "batch", str(exp), "--out", str(out), "--scheduler",
             address, "--chunk-size", "100", "--no-progress"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not list((out / "runs").glob("part-*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(scheduler.pid, signal.SIGKILL)
        lost = time.monotonic()
        _, err = proc.communicate(timeout=90)
        assert time.monotonic() - lost < 60
    finally:
        for p in [scheduler, *workers]:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=10)
    assert proc.returncode == 3, err
    written = len(runs(out))
    assert 0 < written < 9000
    assert err.strip().splitlines() == [
        f"error: scheduler at {address} lost; {written:,} runs written; rerun to resume, "
        "locally or on a cluster"
    ]
    again = batch(str(exp), "--out", str(out), "--workers", "2")
    assert again.returncode == 0, again.stderr
    assert f"9000/9000 runs in {out} ({9000 - written} run now, 0 failed)" in again.stdout


def test_a_stopped_worker_is_reported_and_its_chunks_run_elsewhere(tmp_path: Path) -> None:
    """One of two workers stopped (SIGSTOP, not dead: the scheduler keeps it for its
    5-minute ttl, its tasks never end). Once the scheduler has not heard from it for
    SIM_STALL_SECONDS, each chunk on it is named and run on the other worker; the table is
    the local one. Before, a chunk merely slower than the limit was flagged too."""
    exp = tmp_path / "exp.toml"
    exp.write_text(EXPERIMENT.replace("replicates = 3000", "replicates = 200"))
    out = tmp_path / "out"
    port = free_port()
    with cluster(2, port) as (address, _):
        procs = psutil.process_iter(["cmdline"])
        stopped = next(p for p in procs if str(port) in (p.info["cmdline"] or []))
        stopped.suspend()  # SIGSTOP: its tasks never end
        try:
            proc = subprocess.run(
                [sys.executable, str(RUN_PY), "batch", str(exp), "--out", str(out),
                 "--scheduler", address, "--chunk-size", "100", "--no-progress"],
                cwd=ROOT, capture_output=True, text=True, timeout=60,
                env={**os.environ, "SIM_STALL_SECONDS": "2"},
            )  # fmt: skip
        finally:
            stopped.resume()
    assert proc.returncode == 0, proc.stderr
    warnings = proc.stderr.strip().splitlines()
    told = f"their worker tcp://127.0.0.1:{port} was not heard from for 2 s (stopped?); "
    assert warnings and all(
        w.startswith("warning: runs ") and w.endswith(f"{told}submitted again elsewhere")
        for w in warnings
    ), proc.stderr
    assert len(set(warnings)) == len(warnings), proc.stderr  # each moved once, not back
    run_batch(load_experiment(exp), tmp_path / "local", workers=1, progress=False)
    pd.testing.assert_frame_equal(runs(out), runs(tmp_path / "local"))


class _NoResult:
    """A task that finished as the scheduler froze: done, but its result cannot be fetched
    (the fetch times out)."""

    key = "chunk-0"

    def done(self) -> bool:
        return True

    def result(self, timeout: float) -> None:
        time.sleep(timeout)
        raise TimeoutError(f"no result within {timeout} s")

    def release(self) -> None:
        pass


class _FrozenClient:
    """A client whose scheduler froze: still 'running', answering nothing."""

    status = "running"
    scheduler = None

    def nthreads(self) -> dict[str, int]:
        return {"tcp://worker:1": 1}

    def submit(self, *args, **kwargs) -> _NoResult:
        return _NoResult()

    def sync(self, *args, **kwargs) -> None:
        raise TimeoutError("no answer")

    def close(self, timeout: float) -> None:
        pass


def test_a_result_a_frozen_scheduler_cannot_serve_waits_no_longer_than_its_silence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A task that finished as the scheduler froze: fetching its result waits the silence
    limit (SIM_SCHEDULER_SILENT), not the client's 20 s of reconnection, and the batch
    ends as lost (why fresh-clone runs of the frozen-scheduler test took 25 s: 20 s of
    fetching, 5 s of a last ping)."""
    from sim.batch import dask_backend

    monkeypatch.setenv("SIM_SCHEDULER_SILENT", "1")
    monkeypatch.setattr(dask_backend, "_connect", lambda address: _FrozenClient())
    started = time.monotonic()
    with pytest.raises(dask_backend.SchedulerLost, match="lost"):
        list(dask_backend.run_dask(None, [object()], "tcp://127.0.0.1:1"))
    assert 1 <= time.monotonic() - started < 3
