"""Where ideas live: backend switching only in the command layer."""

from __future__ import annotations

from conftest import ROOT

SIM = ROOT / "sim"


def test_library_code_never_switches_the_matplotlib_backend():
    offenders = [
        str(path.relative_to(SIM))
        for path in SIM.rglob("*.py")
        if "commands" not in path.parts and "matplotlib.use(" in path.read_text()
    ]
    assert offenders == []
