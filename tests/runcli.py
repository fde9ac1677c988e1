"""``run.py`` (at the repository root, not a package) loaded as a module for in-process calls."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_RUN = Path(__file__).resolve().parents[1] / "run.py"
_spec = importlib.util.spec_from_file_location("run_cli", _RUN)
assert _spec is not None and _spec.loader is not None
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)

main = _module.main
"""``run.main(argv) -> exit code``."""
