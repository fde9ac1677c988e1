"""Writing result files so that a reader never sees half a file: the one atomic write."""

from __future__ import annotations

import errno
import os
import uuid
from collections.abc import Callable
from pathlib import Path


class WriteError(OSError):
    """A result file could not be written (disk full, permissions); names the file."""

    def __str__(self) -> str:
        return str(self.strerror)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a hidden temporary file beside ``path``, fsync it, rename it
    to ``path`` (atomic on one file system) and fsync the folder. Returns ``path``.

    On failure the temporary file is removed (freeing the space) and a :class:`WriteError`
    names ``path`` (e.g. "cannot write DIR/runs/part-...: No space left on device"). The
    temporary name starts with ``.`` and ends with ``.tmp`` (pyarrow skips such files;
    sim.storage deletes leftovers of a killed batch).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        raise _write_error(path, exc) from None
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _write_error(path: Path, exc: OSError) -> WriteError:
    lines = str(exc).strip().splitlines()
    reason = exc.strerror or (lines[-1] if lines else "I/O error")
    if exc.errno == errno.ENOSPC or "No space left" in str(exc):
        reason = "No space left on device"
    return WriteError(exc.errno or errno.EIO, f"cannot write {path}: {reason}", str(path))
