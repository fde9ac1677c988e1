"""Set-up of the forkserver of local batches (first in its preload; never imported
elsewhere).

* **Ctrl-C.** The server is started with SIGINT blocked (:func:`sim.batch.pool.start_server`),
  so a Ctrl-C to the process group while its interpreter starts (importing ``site``,
  before any of our code) is never delivered there; here it is also ignored (the
  standard library does so only after the preload), which discards it, and its workers
  inherit both. The batch process decides (:mod:`sim.interrupt`).
* **Warm-up.** A few short lockstep runs, once: every worker then forks with numpy's and
  the model's lazy state built, instead of each paying for it in its first chunks.
* **Quiet when orphaned.** A worker that is still starting when the batch process
  exits at once (a second Ctrl-C, ``kill -9``) fails to attach to the pool's semaphores;
  Python would print that traceback to the user's terminal after the batch's own
  "interrupted" line. While the batch process lives, errors print as usual.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from types import TracebackType

signal.signal(signal.SIGINT, signal.SIG_IGN)

_BATCH_PID = os.getppid()  # the forkserver is started by the batch process


def _excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    from sim.batch.pool import alive

    if alive(_BATCH_PID):
        sys.__excepthook__(kind, value, tb)


def warm() -> None:
    """Play 200 runs of the default scenario (about 0.1 s)."""
    from sim.config import load_scenario
    from sim.runner import run_table
    from sim.scenarios import scenario_path

    run_table(load_scenario(scenario_path("korea_2024")), list(range(200)), 84, "lockstep")


sys.excepthook = _excepthook
with contextlib.suppress(Exception):  # an optimisation: a cold worker still runs right
    warm()
