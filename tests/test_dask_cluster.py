"""A real Dask cluster, as the README runs it: `dask scheduler` and two `dask worker`
processes on 127.0.0.1, `run.py batch --scheduler`, one worker killed mid-batch; the table
equals the local one (issue 10)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import DEFAULT_SCENARIO as SCENARIO
from conftest import ROOT, RUN_PY
from conftest import runs_table as runs

from sim.batch.session import run_batch
from sim.experiment import load_experiment

distributed = pytest.importorskip("distributed")

DASK = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
EXPERIMENT = f"""
scenario = "{SCENARIO}"
rounds = 84
replicates = 24
root_seed = 11
[design]
kind = "grid"
[design.parameters]
"states.CHN.weights.us_ties" = [0.0, 0.45]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [DASK, *args], cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


@pytest.fixture
def cluster() -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """A scheduler and two single-thread workers, each its own process; stopped after."""
    if DASK is None:
        if os.environ.get("CI"):  # CI installs the test extra: a missing command is a failure
            pytest.fail("the dask command is not installed (pip install -e '.[test]')")
        pytest.skip("the dask command is not installed")
    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    procs = [spawn("scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard")]
    try:
        worker = ("worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard")
        workers = [spawn(*worker, "--host", "127.0.0.1", "--name", f"w{i}") for i in range(2)]
        procs += workers
        with distributed.Client(address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, workers
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def test_batch_on_a_real_cluster_survives_a_lost_worker(
    tmp_path: Path, cluster: tuple[str, list[subprocess.Popen]]
) -> None:
    address, workers = cluster
    exp = tmp_path / "exp.toml"
    exp.write_text(EXPERIMENT)
    out = tmp_path / "cluster"
    batch = subprocess.Popen(
        [sys.executable, str(RUN_PY), "batch", str(exp), "--out", str(out), "--scheduler",
         address, "--engine", "mesa", "--chunk-size", "1", "--no-progress"],
        cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while not list((out / "runs").glob("part-*.parquet")):
            assert batch.poll() is None, batch.communicate()
            assert time.monotonic() < deadline, "no part written within 90 s"
            time.sleep(0.02)
        at_kill = len(list((out / "runs").glob("part-*.parquet")))
        os.killpg(workers[0].pid, signal.SIGKILL)  # one worker host dies mid-batch
        stdout, err = batch.communicate(timeout=120)
    finally:
        if batch.poll() is None:
            batch.kill()
    assert batch.returncode == 0, err
    assert "48/48 runs" in stdout and "0 failed" in stdout
    assert 1 <= at_kill < 48 and workers[0].poll() is not None  # it died mid-batch
    local = tmp_path / "local"
    run_batch(load_experiment(exp), local, workers=1, progress=False)
    pd.testing.assert_frame_equal(runs(out), runs(local))
