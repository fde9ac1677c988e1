"""Ctrl-C and SIGTERM during a batch: the first stops it cleanly, the second at once.

First signal: ``KeyboardInterrupt`` in the main thread; the batch cancels pending chunks,
kills its workers (what they were running is rerun on resume), keeps every written part,
updates the manifest and exits 130. Second signal: the workers are killed and the
process exits 130 immediately, without cleanup (written parts are safe: they are renamed
into place whole, and a resume removes temporary files).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

EXIT_INTERRUPTED = 130
SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_on_signals(kill_children: Callable[[], None], message: str) -> Iterator[None]:
    """Within the block, SIGINT/SIGTERM raise ``KeyboardInterrupt`` once, then exit hard.

    ``message`` is printed (one line) on the hard exit. Outside the main thread (where
    Python cannot install handlers) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    count = 0

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal count
        count += 1
        if count == 1:
            raise KeyboardInterrupt
        try:
            kill_children()
            os.write(sys.stderr.fileno(), f"{message}\n".encode())
        finally:
            os._exit(EXIT_INTERRUPTED)

    previous = {sig: signal.signal(sig, handler) for sig in SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():  # once interrupted, the process is on its way out:
            signal.signal(sig, handler if count else old)  # a second signal still exits at once
