"""Ctrl-C or SIGTERM from run.py's first line on (imports, loading, planning): one line,
exit 130 or 143, no traceback (issue 26, case 9)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENT = ROOT / "configs" / "experiments" / "default.toml"

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")


def catches_sigterm(pid: int) -> bool:
    """Whether ``pid`` has a handler for SIGTERM (its SigCgt mask): run.py's first lines ran."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(mask, 16) & (1 << (signal.SIGTERM - 1)))


@pytest.mark.parametrize(
    ("sig", "code", "line"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
def test_a_signal_while_importing_is_one_line(
    tmp_path: Path, sig: signal.Signals, code: int, line: str
) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "batch", str(EXPERIMENT), "--out",
         str(tmp_path / "out"), "--no-progress"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while not catches_sigterm(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.001)
    proc.send_signal(sig)  # at once: still importing the commands, long before any batch
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert err.strip().splitlines() == [line]
    assert not (tmp_path / "out").exists()


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
