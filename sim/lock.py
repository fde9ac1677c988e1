"""One batch per results directory: an OS file lock on ``DIR/.lock``.

The lock is ``flock(LOCK_EX | LOCK_NB)`` on an open file held for the batch's life. The
kernel releases it when the process ends, however it ends (``kill -9`` included), so a
stale lock never blocks: a leftover ``.lock`` file is just a file. The holder writes its
pid and start time into the file so a refused second batch can say who holds it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

LOCK_NAME = ".lock"


class DirLocked(Exception):
    """Another live process holds the batch directory's lock (message is one line)."""


class DirLock:
    """``with DirLock(out):`` holds ``out/.lock`` (making ``out``) or raises :class:`DirLocked`."""

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.path = self.out / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _flock(fd)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise DirLocked(
                f"{self.out} is in use by another batch ({holder}); wait for it to finish "
                "or stop it, or use another --out"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        started = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {started}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor releases the flock
            self._fd = None

    def __enter__(self) -> DirLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _flock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; one batch per DIR is on the user
        return
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "pid unknown"


def holder(out: str | Path) -> str | None:
    """Who holds ``out``'s lock ("pid 123, started ...") while a batch runs there, else
    None. Takes and drops a shared lock; never creates the lock file."""
    try:
        fd = os.open(Path(out) / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return None
    try:
        import fcntl
    except ImportError:
        os.close(fd)
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _read_holder(fd)
    except OSError:
        return None
    finally:
        os.close(fd)  # closing drops a shared lock taken here
    return None
