"""The benchmarks whose figures README.md and docs/batches.md quote run end to end in a
quick mode (a few runs of a few months, each in its own process as a reader runs it), so a
renamed function or option cannot break them silently. Performance is measured by the
scripts, not asserted here: only the lines each prints are checked, never a rate.
benchmarks/profile_round.py: tests/test_profile_script.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile

import pytest
from conftest import ROOT

RATE = r"[\d,.]+ runs/s"


def bench(name: str, *args: str) -> str:
    """``python benchmarks/NAME args`` from a neutral folder; its stdout."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / name), *args],
        cwd=tempfile.gettempdir(),  # nothing lands in the checkout
        env={**os.environ, "MPLBACKEND": "Agg"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_bench_engines_prints_the_three_rates():
    """README "Engines" (`bench_engines.py --replicates 150`) and docs/batches.md."""
    out = bench("bench_engines.py", "--points", "2", "--replicates", "3", "--rounds", "6")
    assert "design: 2 points x 3 seeds = 6 runs of 6 rounds, 1 process(es) each" in out
    for name in ("mesa.batch_run", "run.py batch --engine mesa", "run.py batch --engine lockstep"):
        assert re.search(rf"{re.escape(name)}\s+{RATE}\s+[\d.]+x mesa.batch_run", out), name


def test_bench_batch_prints_each_path():
    out = bench("bench_batch.py", "--points", "2", "--replicates", "3", "--rounds", "6")
    assert re.search(rf"mesa.batch_run \(CollectingModel, 1 process\):\s+{RATE}", out)
    for engine in ("mesa", "lockstep"):
        assert re.search(rf"run.py batch path, {engine}\s+engine, 1 worker\(s\):\s+{RATE}", out)


def test_bench_shapes_prints_each_shape():
    out = bench("bench_shapes.py", "--runs", "40", "--rounds", "4")
    assert len(re.findall(rf"points x\s+\d+ replicates:\s+{RATE}", out)) == 4


def test_bench_batch_size_prints_each_call_size():
    out = bench("bench_batch_size.py", "--rounds", "2")
    for runs in (1, 10, 1000):
        assert re.search(rf"^\s*{runs} runs:\s+[\d.]+ ms per call", out, flags=re.M), runs


def test_memory_batch_prints_peak_memory_with_two_workers():
    """README: `memory_batch.py 1000000 --workers 2`, here 40 runs of 6 months."""
    out = bench("memory_batch.py", "40", "--workers", "2", "--rounds", "6")
    assert "runs: 40 (0 failed)" in out and "2 workers" in out
    for line in ("parent peak RSS:", "children peak RSS:", "CPU: parent"):
        assert line in out, line


def test_bench_states_prints_every_world():
    """README and docs/batches.md: `bench_states.py --rounds 84`, here 4 months."""
    out = bench("bench_states.py", "--runs", "10", "--rounds", "4", "--all-runs", "10")
    for world in ("3 states, all (default)", "4 states, all", "6 states, declared",
                  "6 states, all", "8 states, declared",
                  "6 states, northeast_asia_2024"):  # fmt: skip
        assert re.search(rf"^{re.escape(world)}\s+\d+\s+\d+\s+10\s", out, flags=re.M), world


def test_bench_single_run_and_bench_v3_print_their_ratios():
    """docs/batches.md "Benchmarks" (`bench_single_run.py [--runs 200]`, `bench_v3.py
    [--runs 1000 --repeats 3]`), here 2 and 10 runs."""
    assert "ratio Mesa (batch) / lockstep per run" in bench("bench_single_run.py", "--runs", "2")
    out = bench("bench_v3.py", "--runs", "10", "--repeats", "1")
    for code in ("v2", "v3"):
        assert re.search(rf"^{code}: {RATE}", out, flags=re.M), code
    assert "ratio v3 / v2:" in out


def has_commit(commit: str) -> bool:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True
    )
    return done.returncode == 0


@pytest.mark.skipif(not has_commit("6ea0d33"), reason="model v2's commit is not in this clone")
def test_bench_vs_v2_runs_both_codes():
    """README and docs/batches.md: `bench_vs_v2.py` (model v2's code unpacked from git)."""
    out = bench("bench_vs_v2.py", "--runs", "10", "--repeats", "1", "--small-pages")
    assert re.search(rf"^v2: {RATE} per core", out, flags=re.M)
    assert re.search(rf"^now: {RATE} per core", out, flags=re.M)
    assert "ratio now / v2:" in out
