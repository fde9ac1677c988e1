"""Writing result files so that a reader never sees half a file: the one atomic write."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
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
    sim.batch.store deletes leftovers of a killed batch).
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
        with contextlib.suppress(OSError):  # read-only: nothing was created; keep the error
            tmp.unlink(missing_ok=True)
    return path


def _write_error(path: Path, exc: OSError) -> WriteError:
    lines = str(exc).strip().splitlines()
    reason = exc.strerror or (lines[-1] if lines else "I/O error")
    if exc.errno == errno.ENOSPC or "No space left" in str(exc):
        reason = "No space left on device"
    return WriteError(exc.errno or errno.EIO, f"cannot write {path}: {reason}", str(path))


# -- inputs and outputs checked before any work -------------------------------------------

MAX_INPUT_BYTES = 64 << 20  # a TOML or manifest file larger than this is not one of ours
_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


class PathError(ValueError):
    """An input or output path that cannot be used as asked (one-line message)."""


def file_kind(mode: int) -> str:
    """What a ``st_mode`` is, in words (for messages)."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular(path: str | Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    A FIFO, a device (``/dev/zero``, ``/dev/urandom``), a socket or a directory is refused
    before reading (:class:`PathError`): opened non-blocking, so a FIFO without a writer
    never hangs, and checked on the open descriptor, so a swap after the check is seen.
    Raises ``FileNotFoundError`` and other ``OSError`` as ``open`` does."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise PathError(f"{file_kind(info.st_mode)}, expected a regular file")
        if info.st_size > limit:
            raise PathError(f"too large ({info.st_size:,} bytes, at most {limit:,})")
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):  # the size may have grown since fstat
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise PathError(f"too large (more than {limit:,} bytes)")
        return b"".join(chunks)
    finally:
        os.close(fd)


def check_regular(path: str | Path) -> None:
    """Raise :class:`PathError` if ``path`` exists and is not a regular file (a FIFO, a
    device, ...); ``os.stat`` never blocks, unlike opening a FIFO."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # missing or unreadable: the reader says so
    if not stat.S_ISREG(mode):
        raise PathError(f"{path}: {file_kind(mode)}, expected a regular file")


def check_out_dir_path(out: Path, raw: str | None = None) -> None:
    """Refuse an output directory before any work: the current directory (``--out ""``
    or ``.``) unless it already holds a batch, a path pyarrow cannot encode (a byte that
    is not UTF-8), a path under a file, and a path inside another batch's ``runs/`` or
    ``series/`` table. Raises :class:`PathError` (one line)."""
    shown = repr(raw) if raw is not None else str(out)
    text = str(out)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        readable = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise PathError(
            f"--out {readable}: not valid UTF-8 (Parquet files need UTF-8 paths); "
            "choose another name"
        ) from None
    if not text.strip() or (_is_cwd(out) and not (out / "manifest.json").exists()):
        raise PathError(
            f"--out {shown}: names the current directory; give a results directory, "
            "e.g. results/NAME"
        )
    blocked = next((q for q in (out, *out.parents) if q.exists() and not q.is_dir()), None)
    if blocked is not None:
        raise PathError(f"--out {out}: {blocked} is a file, expected a directory")
    inside = next((q for q in (out, *out.parents) if q.name in ("runs", "series")
                   and (q.parent / "manifest.json").is_file()), None)  # fmt: skip
    if inside is not None:  # its files would become parts of that batch's table
        raise PathError(
            f"--out {out}: inside {inside}, a table of the batch in {inside.parent}; "
            "choose a folder outside it"
        )


def _is_cwd(path: Path) -> bool:
    try:
        return path.resolve() == Path.cwd().resolve()
    except OSError:
        return False


def probe_writable(folder: Path) -> None:
    """Create and delete a hidden file in ``folder``: a :class:`WriteError` naming the
    folder if it cannot be written (read-only, full), found before any work is done."""
    probe = folder / f".probe.{uuid.uuid4().hex[:8]}.tmp"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.close(fd)
    except OSError as exc:
        raise _write_error(folder, exc) from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
