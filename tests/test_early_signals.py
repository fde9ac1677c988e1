"""Ctrl-C or SIGTERM from run.py's first line on (imports, loading, planning): one line,
exit 130 or 143, no traceback (issue 26, case 9)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENT = ROOT / "configs" / "experiments" / "default.toml"

SIGNAL_AT = """
import os, runpy, signal, sys
sig, event, name = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def hook(what, args):  # the process signals itself at that exact moment: no timing
    if what == event and str(args[0]).endswith(name):
        os.kill(os.getpid(), sig)
sys.addaudithook(hook)
sys.argv = sys.argv[4:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""

MOMENTS = {  # audit event and the end of its first argument: when the signal is sent
    "importing sim.early (before its handler)": ("import", "sim.early"),
    "importing the command line": ("import", "sim.cli"),
    "registering the commands": ("open", "sim/commands/summary.py"),
    "reading the experiment": ("open", "default.toml"),
    "reading the scenario": ("open", "korea_2024.toml"),
    "planning the batch": ("import", "sim.changes"),
    "taking the lock": ("open", "manifest.json"),
}


def signal_at(sig: signal.Signals, moment: str, out: Path) -> subprocess.CompletedProcess[str]:
    """``run.py batch`` of the default experiment, signalled by itself at ``moment``."""
    event, name = MOMENTS[moment]
    return subprocess.run(
        [sys.executable, "-c", SIGNAL_AT, str(int(sig)), event, name, str(ROOT / "run.py"),
         "batch", str(EXPERIMENT), "--out", str(out), "--no-progress"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize("moment", [m for m in MOMENTS if m != "taking the lock"])
@pytest.mark.parametrize(
    ("sig", "code", "line"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
def test_a_signal_while_starting_is_one_line(
    tmp_path: Path, moment: str, sig: signal.Signals, code: int, line: str
) -> None:
    """Deterministic: the child sends itself the signal from an audit hook, at the import
    or open named, before DIR exists. Only a SIGTERM before ``install()`` meets the
    default action (killed by SIGTERM: the shell reports 143; nothing printed)."""
    proc = signal_at(sig, moment, tmp_path / "out")
    if moment.startswith("importing sim.early") and sig == signal.SIGTERM:
        assert (proc.returncode, proc.stderr) == (-signal.SIGTERM, "")
    else:
        assert (proc.returncode, proc.stderr) == (code, f"{line}\n")
    assert proc.stdout == ""
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_once_the_lock_is_taken_is_the_batch_line(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """From the lock on the batch's own handling tells where its runs are (130)."""
    proc = signal_at(sig, "taking the lock", tmp_path / "out")
    assert (proc.returncode, proc.stdout) == (130, "")
    assert proc.stderr == f"interrupted: finished runs are in {tmp_path / 'out'}; rerun to resume\n"


SWALLOWED = """
import sys
from sim import early
run = {"Terminated": early.Terminated}
sys.unraisablehook = early._unraisable
class Callback:
    def __del__(self):  # where Python prints "Exception ignored" and goes on
        raise run.get(sys.argv[2]) or KeyboardInterrupt
Callback()
print("went on")
"""


@pytest.mark.parametrize(
    ("name", "code", "line"),
    [("Terminated", 143, "terminated"), ("KeyboardInterrupt", 130, "interrupted")],
)
def test_a_signal_swallowed_by_a_callback_still_stops_the_program(
    name: str, code: int, line: str
) -> None:
    """SIGTERM once landed in an import-system weakref callback: Python printed "Exception
    ignored" and the batch ran to its end (exit 0)."""
    proc = subprocess.run(
        [sys.executable, "-c", SWALLOWED, str(ROOT / "run.py"), name],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == code and proc.stderr == f"{line}\n" and proc.stdout == ""
