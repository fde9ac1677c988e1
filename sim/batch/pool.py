"""Local worker processes that survive a dying worker and never outlive the batch.

- A worker that dies (``kill -9``, out of memory) breaks a ``ProcessPoolExecutor``: every
  chunk in flight fails with ``BrokenProcessPool``. :func:`run_pool` rebuilds the pool and
  reruns those chunks one at a time (alone in the pool, so a chunk that kills its worker
  again is known to be the cause); a chunk whose worker dies :data:`MAX_DEATHS` times
  alone is given up and handed to ``give_up`` (the batch records its runs as failed).
- Workers ignore Ctrl-C (the parent decides) and watch the batch process: when it is gone
  (SIGKILL included) they exit within about a second, so no worker, forkserver or
  resource tracker is left behind. On Linux they also ask the kernel for SIGKILL when their
  parent (the forkserver) dies.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

MAX_DEATHS = 2  # a chunk is given up after its worker died this many times with it alone
WATCH_SECONDS = 0.5
STALL_SECONDS = 60.0  # no chunk finished this long: one warning (env SIM_STALL_SECONDS)

_LIVE: set[ProcessPoolExecutor] = set()  # pools of this process (killed on a hard exit)


# -- in the worker ---------------------------------------------------------------------


def worker_init(parent_pid: int) -> None:
    """Ignore Ctrl-C; exit when the batch process (``parent_pid``) is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    watcher = threading.Thread(target=_watch, args=(parent_pid,), daemon=True)
    watcher.start()


def _watch(pid: int) -> None:
    while alive(pid):
        time.sleep(WATCH_SECONDS)
    os._exit(1)


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rpartition(b")")[2].split()[:1]
        return state not in ([b"Z"], [b"X"])
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _die_with_parent() -> None:
    """Linux: SIGKILL this process when its parent (forkserver or batch) dies."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


# -- in the parent ---------------------------------------------------------------------


def _context(preload: list[str]) -> Any:
    """forkserver (safe with threads, unlike fork) where available, preloading the model so
    each worker forks with it imported, :mod:`sim.batch.forkserver_setup` first (Ctrl-C ignored
    from the start, warm-up, quiet orphans); spawn elsewhere.

    Workers still import the main script when they start (a ``"__main__"`` preload is
    ignored by CPython's forkserver before 3.13.2 and 3.14, gh-126631), so a script should
    import little at module level: ``run.py`` imports nothing heavy, and SciPy, which
    cost each worker 0.4 s through ``sim.batch.session``, is imported only where it is used."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.batch.forkserver_setup", *preload])
    return ctx


def start_server(preload: list[str]) -> bool:
    """Start the forkserver now, without waiting for it, if it is not running yet.

    True if it was started cold: it needs about 0.4 s to import the model before it can
    fork a worker, time the caller may spend on work of its own (the batch runs its first
    chunk meanwhile). False if it was already running (forking is then ~10 ms) or this
    platform has no forkserver.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    if server is None or (pid is not None and alive(pid)):
        return False
    _context(preload)
    _ensure_server()
    return True


@contextmanager
def sigint_blocked() -> Iterator[None]:
    """SIGINT blocked in this thread within the block; a Ctrl-C meanwhile is delivered
    when it ends. A process started within inherits the blocked signal across exec."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _ensure_server() -> None:
    """Start the forkserver (if not running) with SIGINT blocked: a Ctrl-C to the process
    group while its interpreter starts (before :mod:`sim.batch.forkserver_setup` ignores SIGINT)
    would print a KeyboardInterrupt traceback from it. The server keeps SIGINT blocked and
    ignored, and its workers inherit both."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    from multiprocessing import forkserver, resource_tracker

    # The tracker first: starting it unblocks SIGINT and SIGTERM after its own start
    # (which blocks them), which would undo our block before the server's start.
    resource_tracker.ensure_running()
    with sigint_blocked():
        forkserver.ensure_running()


def _new_pool(workers: int, preload: list[str]) -> ProcessPoolExecutor:
    context = _context(preload)
    if context.get_start_method() == "forkserver":
        _ensure_server()  # with SIGINT blocked, before the pool's first submit starts it
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=worker_init,
        initargs=(os.getpid(),),
    )
    _LIVE.add(pool)
    return pool


def kill_pool(pool: ProcessPoolExecutor) -> list[int | None]:
    """SIGKILL the pool's workers, drop its queued work; the workers' exit codes."""
    if getattr(pool, "_broken", False):
        # The executor's manager thread is reaping the dead worker and terminating the
        # others: an exit code read meanwhile races with its read (the loser gets 255).
        manager = getattr(pool, "_executor_manager_thread", None)
        if manager is not None:
            manager.join(5)
    processes = list((getattr(pool, "_processes", None) or {}).values())
    codes = [p.exitcode for p in processes]
    for proc in processes:
        if proc.exitcode is None:
            proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        proc.join(2)
    _LIVE.discard(pool)
    return codes


def kill_all() -> None:
    """SIGKILL every worker of this process's pools (a second Ctrl-C: exit at once)."""
    for pool in list(_LIVE):
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            if proc.exitcode is None:
                proc.kill()


def _death_reason(codes: list[int | None]) -> str:
    died = [c for c in codes if c is not None and c != 0]
    if any(c != -signal.SIGTERM for c in died):  # the others were stopped by the executor
        died = [c for c in died if c != -signal.SIGTERM]
    how = ", ".join(
        f"killed by {signal.Signals(-c).name}" if c < 0 and -c in signal.valid_signals()
        else f"exit code {c}"
        for c in died
    )  # fmt: skip
    return f"worker process died ({how or 'killed or out of memory'})"


def _submit(
    pool: ProcessPoolExecutor,
    job: Callable[[Any], Any],
    entry: tuple[Any, int],
    pending: dict[Future[Any], tuple[Any, int]],
    suspects: deque[tuple[Any, int]],
) -> bool:
    """Submit ``entry`` (item, deaths); if the pool is already broken (a worker died while
    idle), keep the item for a rerun alone instead. Whether it was submitted."""
    try:
        pending[pool.submit(job, entry[0])] = entry
    except BrokenProcessPool:
        suspects.appendleft(entry)
        return False
    return True


def _wait(pending: dict[Future[Any], Any]) -> set[Future[Any]]:
    """The futures done first; one warning line each time none is for ``SIM_STALL_SECONDS``
    (default :data:`STALL_SECONDS`): a worker stopped (SIGSTOP), not dead, holds a chunk."""
    try:
        limit = float(os.environ.get("SIM_STALL_SECONDS", STALL_SECONDS))
    except ValueError:
        limit = STALL_SECONDS
    limit = limit if 0 < limit < float("inf") else STALL_SECONDS
    while not (done := wait(list(pending), timeout=limit, return_when=FIRST_COMPLETED)[0]):
        print(
            f"warning: no chunk finished for {limit:g} s ({len(pending)} in flight; a stopped "
            "worker?); still waiting (Ctrl-C, then rerun, to resume)",
            file=sys.stderr, flush=True,
        )  # fmt: skip
    return done


def run_pool(
    job: Callable[[Any], Any],
    items: Iterable[Any],
    workers: int,
    preload: list[str],
    give_up: Callable[[Any, str], Any],
) -> Iterator[Any]:
    """``job(item)`` for each item in worker processes; yield results as they complete.

    At most ``2 * workers`` items in flight, so results never pile up. An item whose worker
    dies is retried alone; after :data:`MAX_DEATHS` deaths, ``give_up(item, reason)`` is
    yielded instead. Any exit from the generator (Ctrl-C, an error, the consumer stopping)
    kills the workers and drops queued work.
    """
    todo = iter(items)
    suspects: deque[tuple[Any, int]] = deque()  # (item, deaths while alone)
    pending: dict[Future[Any], tuple[Any, int]] = {}
    pool = _new_pool(workers, preload)
    alone = False
    try:
        while True:
            if suspects and not pending:
                alone = _submit(pool, job, suspects.popleft(), pending, suspects)
            elif not suspects:
                alone = False
                while len(pending) < 2 * workers and (item := next(todo, None)) is not None:
                    if not _submit(pool, job, (item, 0), pending, suspects):
                        break
            if not pending and suspects and getattr(pool, "_broken", False):
                kill_pool(pool)  # a worker died while idle: nothing was lost but the pool
                pool = _new_pool(workers, preload)
                continue
            if not pending:
                break
            done = _wait(pending)
            lost = []
            for future in done:
                item, deaths = pending.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    lost.append((item, deaths))
                    continue
                yield result
            if lost:
                lost += list(pending.values())
                pending.clear()
                reason = _death_reason(kill_pool(pool))
                pool = _new_pool(workers, preload)
                for item, deaths in lost:
                    deaths += alone
                    if deaths >= MAX_DEATHS:
                        yield give_up(item, f"{reason}, {deaths} times while running this chunk")
                    else:
                        suspects.append((item, deaths))
    except BaseException:
        kill_pool(pool)
        raise
    pool.shutdown(wait=True)
    _LIVE.discard(pool)
