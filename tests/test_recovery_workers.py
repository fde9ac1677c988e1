"""scripts/recovery_real.py --workers N: the repetitions run on N local processes
(sim.batch.pool) and give the same per-seed results and the same summary as on one.

A repetition's randomness comes only from its seed: the truth and the record from
``SeedSequence(seed, spawn_key=(22,))``, the calibration from ``root_seed = seed``
(sim/calibration/recovery.py), and each writes only its own ``recovery-SEED*`` files. So
the lines, printed as repetitions finish, are the same set in any order, and the table,
over the rows in seed order, is the same text. Two tiny repetitions (population 20, 4
replicates, 2 generations: a few seconds each way). ``run.py validate --workers N`` runs its
recovery section's repetitions the same way (sim.calibration.recovery.run_repetitions).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
from conftest import ROOT

from sim.calibration.recovery import Design

SCRIPT = ROOT / "scripts" / "recovery_real.py"
TINY = ["--repetitions", "2", "--population", "20", "--replicates", "4",
        "--max-generations", "2", "--ess-fraction", "0.5"]  # fmt: skip


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def script():
    spec = importlib.util.spec_from_file_location("recovery_real", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_two_workers_print_the_same_seeds_and_table_as_one(tmp_path):
    outs = {}
    for workers in (1, 2):
        done = run([*TINY, "--out", f"w{workers}", "--workers", str(workers)], tmp_path)
        assert done.returncode == 0, done.stderr
        outs[workers] = done.stdout
    seed_lines = {w: sorted(s for s in out.splitlines() if s.startswith("seed ")) for w, out in
                  outs.items()}  # fmt: skip
    assert [s.split(":")[0] for s in seed_lines[1]] == ["seed 100", "seed 101"]
    assert seed_lines[1] == seed_lines[2]
    tables = {w: out.partition("## Recovery on the real model")[2] for w, out in outs.items()}
    assert "| all | " in tables[1] and tables[1] == tables[2]
    assert "on 2 process(es)" in outs[2]
    for seed in (100, 101):  # the same record, written by each repetition's own process
        name = f"recovery-{seed}.toml"
        assert (tmp_path / "w1" / name).read_text() == (tmp_path / "w2" / name).read_text()


def test_each_seed_recovers_the_same_posterior_on_two_processes(tmp_path):
    """Exact equality of every field (truth, record, intervals, mean, sd, ESS), in seed
    order after sorting: the results do not depend on which process ran them."""
    module = script()
    design = Design(population=20, replicates=4, max_generations=2, ess_fraction=0.5)
    rows = {}
    for workers in (1, 2):
        found = module.repetitions(tmp_path / f"w{workers}", range(7, 9), design, workers)
        rows[workers] = sorted(found, key=lambda x: x.seed)
    assert [x.seed for x in rows[1]] == [x.seed for x in rows[2]] == [7, 8]
    for one, two in zip(rows[1], rows[2], strict=True):
        assert (one.observed, one.status, one.generations, one.runs, one.ess) == (
            two.observed, two.status, two.generations, two.runs, two.ess)  # fmt: skip
        for field in ("truth_z", "lower", "upper", "mean", "sd"):
            np.testing.assert_array_equal(getattr(one, field), getattr(two, field))


def test_validation_recovery_section_is_the_same_table_on_two_processes(tmp_path):
    """run.py validate --workers 2: the recovery section's repetitions run on two local
    processes (sim.calibration.recovery.run_repetitions, as the script) and its table, over
    the rows in seed order, is the same text as on one."""
    from sim.validation.forecast import recovery_section

    design = Design(population=20, replicates=4, max_generations=2, ess_fraction=0.5)
    lines = {w: recovery_section(tmp_path / f"w{w}", 2, design, w) for w in (1, 2)}
    assert lines[1] == lines[2]
    assert lines[1][0] == "## Recovery on the real model" and "| all | " in lines[1][-1]
    assert sorted(p.name for p in (tmp_path / "w2").glob("*.toml")) == [
        "recovery-100.toml", "recovery-101.toml"
    ]  # fmt: skip


def test_workers_below_one_is_a_one_line_error(tmp_path):
    done = run([*TINY, "--out", "w0", "--workers", "0"], tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "error: recovery_real.py: argument --workers: expected a number >= 1, got 0 "
        "(see recovery_real.py -h)\n"
    )
    assert not (tmp_path / "w0").exists()
