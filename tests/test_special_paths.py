"""Special files as inputs and bad output paths: refused before any work, one line, exit 2,
nothing created (issue 26, cases 3, 4 and 6)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.batch.integrity import scan
from sim.batch.store import BatchStore
from sim.files import PathError, WriteError, check_out_dir_path, probe_writable, read_regular

ROOT = Path(__file__).resolve().parents[1]
RUN_PY = ROOT / "run.py"
SCENARIO = ROOT / "configs" / "scenarios" / "korea_2024.toml"
EXPERIMENT = (
    f'scenario = "{SCENARIO}"\nrounds = 6\nreplicates = 2\nroot_seed = 1\n'
    '[design]\nkind = "grid"\n[design.parameters]\n"states.CHN.weights.us_ties" = [0.0]\n'
)


def run_py(*args: str, cwd: Path = ROOT, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(RUN_PY), *args], cwd=cwd, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


def one_line_exit_2(proc: subprocess.CompletedProcess) -> str:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in proc.stderr
    return lines[0]


def test_a_fifo_as_experiment_or_scenario_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "exp.toml"
    os.mkfifo(fifo)
    out = tmp_path / "out"
    line = one_line_exit_2(run_py("batch", str(fifo), "--out", str(out), timeout=20))
    assert "named pipe (FIFO), expected a regular file" in line
    assert not out.exists()
    line = one_line_exit_2(run_py("simulate", "--scenario", str(fifo), timeout=20))
    assert "named pipe (FIFO)" in line


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_as_experiment_is_refused_before_reading(tmp_path: Path, device: str) -> None:
    out = tmp_path / "out"
    line = one_line_exit_2(run_py("batch", device, "--out", str(out), timeout=20))
    assert line == f"error: {device}: a character device, expected a regular file (a TOML file)"
    assert not out.exists()


def test_read_regular_limits_the_size(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * 101)
    assert read_regular(big, limit=101) == b"#" * 101
    with pytest.raises(PathError, match="too large \\(101 bytes, at most 100\\)"):
        read_regular(big, limit=100)


def test_out_empty_or_the_current_directory_is_refused(tmp_path: Path) -> None:
    exp = tmp_path / "exp.toml"
    exp.write_text(EXPERIMENT)
    work = tmp_path / "work"
    work.mkdir()
    for out in ("", ".", str(work)):
        line = one_line_exit_2(run_py("batch", str(exp), "--out", out, cwd=work))
        assert "names the current directory" in line
    assert list(work.iterdir()) == []


def test_out_is_the_current_directory_when_it_holds_a_batch_already(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PathError, match="current directory"):
        check_out_dir_path(Path("."))
    (tmp_path / "manifest.json").write_text("{}")
    check_out_dir_path(Path("."))  # `cd DIR; run.py batch EXP --out .` resumes it


def test_a_fifo_among_the_parts_is_a_problem_part_not_a_hang(tmp_path: Path) -> None:
    store = BatchStore(tmp_path)
    store.prepare_folders()
    os.mkfifo(store.runs_dir / "part-000000000000-abcd.parquet")
    found = scan(store, None)
    assert list(found.problems.values()) == ["a named pipe (FIFO), expected a regular file"]


def test_an_unwritable_folder_is_found_by_a_probe_naming_it(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    with pytest.raises(WriteError, match=f"cannot write {gone}: No such file"):
        probe_writable(gone)
    probe_writable(tmp_path)
    assert list(tmp_path.iterdir()) == []  # the probe is gone


def test_out_with_a_non_utf8_byte_is_refused_before_any_work(tmp_path: Path) -> None:
    exp = tmp_path / "exp.toml"
    exp.write_text(EXPERIMENT)
    out = os.fsencode(tmp_path) + b"/bad\xffbyte"
    proc = subprocess.run(
        [sys.executable, str(RUN_PY), "batch", str(exp), "--out", out, "--no-progress"],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    line = one_line_exit_2(proc)
    assert line.endswith(
        "bad\\xffbyte: not valid UTF-8 (Parquet files need UTF-8 paths); choose another name"
    )
    assert sorted(os.listdir(tmp_path)) == ["exp.toml"]
