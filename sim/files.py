"""Writing result files so that a reader never sees half a file: the one atomic write."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a hidden temporary file beside ``path``, flush it to disk,
    then rename it to ``path`` (atomic on one file system). Returns ``path``.

    The temporary name starts with ``.`` and ends with ``.tmp`` (pyarrow skips such files;
    sim.storage deletes leftovers of a killed batch).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
