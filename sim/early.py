"""Signals from the first line: Ctrl-C or SIGTERM while Python imports and parses end
with one line ("interrupted", exit 130; "terminated", exit 143), never a traceback.

Imports only the standard library (``sim/__init__`` is lazy), so ``run.py`` and the
``trilateral-sim`` script install it before anything heavy is imported.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command killed by it
EXIT_TERMINATED = 143  # 128 + SIGTERM
EXIT_SCHEDULER_LOST = 3  # run.py batch: the Dask scheduler was lost mid-batch


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt so the same clean-up runs."""


_ENTERED = [False]  # main() entered: signals raise, and main's handlers tell them


def _on_signal(signum: int, frame: object) -> None:
    term = signum == signal.SIGTERM
    if not _ENTERED[0]:  # still importing the command's own modules: nothing to clean up
        os.write(2, b"terminated\n" if term else b"interrupted\n")
        os._exit(EXIT_TERMINATED if term else EXIT_INTERRUPTED)
    raise Terminated if term else KeyboardInterrupt


def _unraisable(info: object) -> None:
    """A signal's exception raised where Python cannot propagate it (a weakref callback
    of the import system, a ``__del__``) is only printed as "Exception ignored", and the
    program would go on: stop now instead, workers first (written parts are safe)."""
    exc = getattr(info, "exc_value", None)
    if not isinstance(exc, KeyboardInterrupt):
        sys.__unraisablehook__(info)  # type: ignore[arg-type]
        return
    pool = sys.modules.get("sim.batch.pool")
    if pool is not None:
        pool.kill_all()
    term = isinstance(exc, Terminated)
    os.write(2, b"terminated\n" if term else b"interrupted\n")
    os._exit(EXIT_TERMINATED if term else EXIT_INTERRUPTED)


def install() -> None:
    """Handle SIGINT and SIGTERM from now on (an ignored signal stays ignored: nohup)."""
    sys.unraisablehook = _unraisable
    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _on_signal)


def entered() -> None:
    """From here a signal raises (KeyboardInterrupt / :class:`Terminated`)."""
    _ENTERED[0] = True


def interrupted(exc: KeyboardInterrupt) -> int:
    """One line for Ctrl-C or SIGTERM outside a batch's own handling; the exit code."""
    with contextlib.suppress(ValueError):  # a second signal while leaving: ignored
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if isinstance(exc, Terminated):
        print("terminated", file=sys.stderr)
        return EXIT_TERMINATED
    print("interrupted", file=sys.stderr)
    return EXIT_INTERRUPTED
