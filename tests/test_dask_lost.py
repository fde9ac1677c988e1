"""A Dask scheduler that is malformed, unreachable or lost mid-batch: one line, a known
exit code, no hang, nothing left running; the batch resumes locally (issue 26, cases 1, 7)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DEFAULT_SCENARIO as SCENARIO
from conftest import ROOT, RUN_PY
from conftest import runs_table as runs
from test_dask_cluster import DASK, free_port, spawn

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


def batch(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(RUN_PY), "batch", *args, "--no-progress"], cwd=ROOT,
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("not a url", "no Dask scheduler answers at not a url:8786"),
        ("tcp://a:b", "not a Dask address such as tcp://host:8786"),
        (f"tcp://127.0.0.1:{free_port()}", "(Connection refused)"),
    ],
)
def test_a_bad_scheduler_address_is_one_line_before_dir_is_made(
    tmp_path: Path, address: str, why: str
) -> None:
    exp = tmp_path / "exp.toml"
    exp.write_text(EXPERIMENT)
    started = time.monotonic()
    proc = batch(str(exp), "--out", str(tmp_path / "out"), "--scheduler", address, timeout=30)
    assert proc.returncode == 2 and time.monotonic() - started < 15
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: --scheduler {address!r}: ")
    assert why in lines[0]
    assert not (tmp_path / "out").exists()


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


@pytest.mark.skipif(DASK is None, reason="the dask command is not installed")
def test_a_stopped_worker_is_reported_and_its_chunk_run_elsewhere(tmp_path: Path) -> None:
    exp = tmp_path / "exp.toml"
    exp.write_text(EXPERIMENT.replace("replicates = 3000", "replicates = 400"))
    out = tmp_path / "out"
    address = f"tcp://127.0.0.1:{free_port()}"
    scheduler = spawn("scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":")[-1],
                      "--no-dashboard")  # fmt: skip
    worker = ("worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard")
    workers = [spawn(*worker, "--host", "127.0.0.1") for _ in range(2)]
    try:
        with distributed.Client(address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)
        os.killpg(workers[0].pid, signal.SIGSTOP)  # stopped, not dead: its tasks never end
        proc = subprocess.run(
            [sys.executable, str(RUN_PY), "batch", str(exp), "--out", str(out), "--scheduler",
             address, "--chunk-size", "100", "--no-progress"],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
            env={**os.environ, "SIM_STALL_SECONDS": "3"},
        )  # fmt: skip
    finally:
        os.killpg(workers[0].pid, signal.SIGCONT)
        for p in [scheduler, *workers]:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=10)
    assert proc.returncode == 0, proc.stderr
    warnings = proc.stderr.strip().splitlines()
    assert warnings and all(
        "made no progress for 3 s on tcp://127.0.0.1:" in w and w.endswith("submitted again")
        for w in warnings
    ), proc.stderr
    assert len(runs(out)) == 1200
