"""Chunks on a Dask distributed cluster: the address checked before any work, a lost
scheduler ending the batch within a bounded time, a stalled chunk reported and run again.

The loop polls its futures' states (a local check, no call into the client's event loop)
every :data:`POLL_SECONDS`, so it notices when the client has given up on its scheduler
(Dask closes a client that failed to reconnect for its ``timeout``). A scheduler that is
frozen (SIGSTOP, a hung machine) keeps its connections open and the client waits forever,
so while no task finishes the loop also asks the scheduler for its identity every
:data:`PING_SECONDS`; no answer for :func:`lost_seconds` means lost. Either way the batch
stops with :class:`SchedulerLost` after the chunks already received are written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sim.batch.plan import Chunk, ChunkGroup, RunContext
from sim.batch.worker import ChunkResult, ExecuteError, failed_chunk, require_dask, run_chunk

CONNECT_SECONDS = 5.0  # a reachable scheduler answers a TCP connect in far less
IDENTITY_SECONDS = 10.0  # ... and its identity request (a busy machine: seconds)
RECONNECT_SECONDS = 20  # the client's timeout: how long it tries to reach a lost scheduler
LOST_SECONDS = 30.0  # the scheduler is lost when the client was not running this long
SILENT_SECONDS = 50.0  # ... or when it did not answer a ping this long (SIM_SCHEDULER_SILENT)
PING_SECONDS = 5.0  # a ping while no task has finished for this long; it waits this long
POLL_SECONDS = 0.1
CLOSE_SECONDS = 5.0  # closing the client: a frozen scheduler never answers
STALL_SECONDS = 60.0  # a worker not heard from this long: its chunks are submitted again
DASK_RESUBMITS = 3  # a chunk whose task the cluster cancelled is resubmitted this often


class SchedulerUnreachable(ExecuteError):
    """The --scheduler address is malformed or nothing answers there (checked at start)."""


class SchedulerLost(ExecuteError):
    """The scheduler went away during the batch; ``runs_written`` set by the batch."""

    def __init__(self, address: str, runs_written: int | None = None):
        self.address, self.runs_written = address, runs_written
        super().__init__(str(self))

    def __str__(self) -> str:
        n = "" if self.runs_written is None else f"; {self.runs_written:,} runs written"
        return f"scheduler at {self.address} lost{n}; rerun to resume, locally or on a cluster"


def check_scheduler(address: str, timeout: float = CONNECT_SECONDS) -> None:
    """Raise :class:`SchedulerUnreachable` (one line) unless ``address`` parses as a Dask
    address and, for TCP, something accepts a connection there within ``timeout``."""
    require_dask()
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port

    try:
        scheme, location = parse_address(address.strip(), strict=False)
        host, port = parse_host_port(location, 8786) if scheme in ("tcp", "tls") else ("", 0)
    except (ValueError, TypeError) as exc:
        raise SchedulerUnreachable(
            f"--scheduler {address!r}: not a Dask address such as tcp://host:8786 ({exc})"
        ) from None
    if not host:
        return  # another transport (ucx, inproc, ws): the client checks it
    try:
        socket.create_connection((host, port), timeout=timeout).close()
        kind = asyncio.run(_identity(f"{scheme}://{host}:{port}", IDENTITY_SECONDS))
    except Exception as exc:  # garbage from a non-Dask server raises anything
        why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        if not isinstance(exc, (OSError, UnicodeError, TimeoutError)):
            why = "what answers there does not speak Dask's protocol"
        raise SchedulerUnreachable(
            f"--scheduler {address!r}: no Dask scheduler answers at {host}:{port} ({why})"
        ) from None
    if kind != "Scheduler":
        raise SchedulerUnreachable(
            f"--scheduler {address!r}: a Dask {kind or 'peer'} answers at {host}:{port}, "
            "not a scheduler"
        )


async def _identity(address: str, timeout: float) -> str | None:
    """The ``type`` a Dask server at ``address`` gives for itself (a handshake and one
    request, within ``timeout``; a silent or frozen server raises ``TimeoutError``)."""
    from distributed.core import rpc

    async def ask() -> Any:
        async with rpc(address, timeout=timeout) as server:
            return await server.identity()

    try:
        info = await asyncio.wait_for(ask(), timeout)
    except TimeoutError:
        raise TimeoutError(f"no answer within {timeout:g} s") from None
    return info.get("type") if isinstance(info, dict) else None


def _connect(address: str) -> Any:
    from distributed import Client

    try:
        return Client(address, set_as_default=False, timeout=f"{RECONNECT_SECONDS}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise SchedulerUnreachable(
            f"cannot connect to the Dask scheduler at {address}: {exc}"
        ) from None


def run_dask(
    ctx: RunContext, chunks: Iterable[Chunk | ChunkGroup], address: str
) -> Iterator[ChunkResult]:
    """Chunk results as their tasks finish on the cluster; workers need this package."""
    require_dask()
    with _quiet_dask():  # its reconnection tracebacks: the batch says what happened, once
        client = _connect(address)
        try:
            yield from _loop(client, ctx, iter(chunks), address)
        except SchedulerLost:  # found silent or gone: asking it once more only waits
            raise
        except (OSError, RuntimeError) as exc:  # e.g. CommClosedError from a closed client
            if client.status == "running" and _identity_of(client, PING_SECONDS) is not None:
                raise  # the scheduler answers: another error (the client may not know yet)
            raise SchedulerLost(address) from exc
        finally:
            _close(client)


def _close(client: Any, wait: float = CLOSE_SECONDS) -> None:
    """Close the client, waiting at most about ``wait`` seconds: in a daemon thread, since
    a client whose scheduler is frozen can block past its close's own timeout (its event
    loop still in a connection attempt); then it is left to the process's exit."""

    def close() -> None:
        with contextlib.suppress(Exception):  # a frozen scheduler: close times out
            client.close(timeout=wait)

    closing = threading.Thread(target=close, name="close-dask-client", daemon=True)
    closing.start()
    closing.join(wait + 1)


@contextmanager
def _quiet_dask() -> Iterator[None]:
    """Dask's client logs only critical errors within the block (restored after)."""
    names = [
        "distributed",
        *(n for n in logging.root.manager.loggerDict if n.startswith("distributed.")),
    ]
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class _Tasks:
    """Futures in flight: their chunks and resubmission counts."""

    def __init__(self, client: Any, ctx: RunContext):
        self.client, self.ctx = client, ctx
        self.chunks: dict[Any, Chunk | ChunkGroup] = {}
        self.tries: dict[tuple[int, ...], int] = {}

    def submit(self, chunk: Chunk | ChunkGroup, avoid: set[str] | None = None) -> None:
        # The context goes with every task (a few kB), not scattered: a scattered copy can
        # be lost with a worker, which cancels every task depending on it.
        others = [w for w in self.client.nthreads() if w not in avoid] if avoid else None
        where = {"workers": others} if others else {}  # strict: loose ones are stolen back
        future = self.client.submit(run_chunk, self.ctx, chunk, pure=False, **where)
        self.chunks[future] = chunk

    def again(
        self, chunk: Chunk | ChunkGroup, why: str, avoid: set[str] | None = None
    ) -> ChunkResult | None:
        """Submit ``chunk`` again, or its failed result after :data:`DASK_RESUBMITS` tries."""
        tries = self.tries[chunk.run_ids] = self.tries.get(chunk.run_ids, 0) + 1
        if tries <= DASK_RESUBMITS:
            self.submit(chunk, avoid)
            return None
        return failed_chunk(self.ctx, chunk, f"the Dask cluster {why} {tries} times")

    def pop(self, future: Any) -> Chunk | ChunkGroup:
        return self.chunks.pop(future)


def _loop(
    client: Any, ctx: RunContext, todo: Iterator[Chunk | ChunkGroup], address: str
) -> Iterator[ChunkResult]:
    slots = 2 * max(1, sum(client.nthreads().values()))
    tasks = _Tasks(client, ctx)
    lost_since: float | None = None
    limit, watch = stall_seconds(), _Watch(client, silent_seconds())
    while True:
        while len(tasks.chunks) < slots and (chunk := next(todo, None)) is not None:
            tasks.submit(chunk)
        if not tasks.chunks:
            return
        now = time.monotonic()
        done = [f for f in tasks.chunks if f.done()]
        if done:
            watch.at = now
        else:
            lost_since = None if client.status == "running" else lost_since or now
            if client.status == "closed" or (lost_since and now - lost_since > LOST_SECONDS):
                raise SchedulerLost(address)
        if watch.silent(now):
            raise SchedulerLost(address)
        yield from _restart_stalled(tasks, watch.stalled(limit), limit, set(done))
        if not done:
            time.sleep(POLL_SECONDS)
        for future in done:
            chunk = tasks.pop(future)
            result, cancelled = _result(future, ctx, chunk, min(RECONNECT_SECONDS, watch.limit))
            if cancelled:  # by the cluster (e.g. a worker lost): again, if it is still there
                if client.status != "running":
                    raise SchedulerLost(address)
                result = tasks.again(chunk, "cancelled it")
            if result is not None:
                yield result


class _Watch:
    """What the scheduler last said: when it was last heard from (a task finished, or it
    answered a ping) and when it last heard from each worker (their heartbeats)."""

    def __init__(self, client: Any, limit: float):
        self.client, self.limit = client, limit
        self.at = self.pinged = time.monotonic()
        self.seen: dict[str, float] = {}

    def silent(self, now: float) -> bool:
        """Ping every :data:`PING_SECONDS`; whether the scheduler has now been silent
        for longer than ``limit`` seconds."""
        if now - self.pinged < PING_SECONDS:
            return False
        self.pinged = now
        wait = min(PING_SECONDS, max(0.5, self.limit - (now - self.at)))
        if (info := _identity_of(self.client, wait)) is None:
            return time.monotonic() - self.at > self.limit
        self.at = time.monotonic()
        workers = info.get("workers", {})
        self.seen = {w: float(d.get("last_seen", 0)) for w, d in workers.items()}
        return False

    def stalled(self, limit: float) -> set[str]:
        """Workers the scheduler has not heard from for ``limit`` seconds while it heard
        from another (stopped, hung: a dead worker's connection closes instead)."""
        latest = max(self.seen.values(), default=0.0)
        return {w for w, seen in self.seen.items() if latest - seen > limit}


def _identity_of(client: Any, wait: float) -> dict[str, Any] | None:
    """The scheduler's identity (its workers with their last heartbeats), or None if it
    does not answer within ``wait`` seconds, however that fails."""
    try:
        info = client.sync(client.scheduler.identity, n_workers=-1, callback_timeout=wait)
    except Exception:  # closed, refused, timed out: no answer
        return None
    return info if isinstance(info, dict) else None


def stall_seconds() -> float:
    """:data:`STALL_SECONDS`, or the environment's ``SIM_STALL_SECONDS`` (a number > 0)."""
    return _seconds("SIM_STALL_SECONDS", STALL_SECONDS)


def silent_seconds() -> float:
    """:data:`SILENT_SECONDS`, or the environment's ``SIM_SCHEDULER_SILENT`` (> 0)."""
    return _seconds("SIM_SCHEDULER_SILENT", SILENT_SECONDS)


def _seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if math.isfinite(value) and value > 0 else default


def _restart_stalled(
    tasks: _Tasks, stalled: set[str], limit: float, done: set[Any]
) -> list[ChunkResult]:
    """Chunks on a worker the scheduler has not heard from for ``limit`` seconds (stopped,
    not dead): say so and submit each again away from the stalled workers; the failed
    results of chunks given up."""
    if not stalled:
        return []
    given_up = []
    on = _placement(tasks.client, stalled)
    for future in [f for f in tasks.chunks if f not in done and f.key in on]:
        chunk = tasks.pop(future)
        print(
            f"warning: runs {chunk.run_ids[0]}..{chunk.run_ids[-1]} made no progress: their "
            f"worker {on[future.key]} was not heard from for {limit:g} s (stopped?); "
            "submitted again elsewhere",
            file=sys.stderr, flush=True,
        )  # fmt: skip
        future.cancel()
        future.release()
        if (result := tasks.again(chunk, "stalled on it", avoid=stalled)) is not None:
            given_up.append(result)
    return given_up


def _placement(client: Any, workers: set[str]) -> dict[Any, str]:
    """Task key -> the worker of ``workers`` it is on (empty if the scheduler does not say)."""
    try:
        processing = client.processing(workers=sorted(workers))
    except Exception:  # a scheduler that does not answer: nothing to move
        return {}
    return {key: w for w, keys in processing.items() for key in keys}


def _result(
    future: Any, ctx: RunContext, chunk: Chunk | ChunkGroup, wait: float
) -> tuple[Any, bool]:
    """(result, cancelled): a finished task's result, fetched within ``wait`` seconds (the
    scheduler's silence limit at most: a task that finished as the scheduler froze has a
    result no one can fetch, and the fetch raises ``TimeoutError``); a chunk whose workers
    kept dying (Dask retries it on other workers first) is recorded as failed with the
    reason."""
    from concurrent.futures import CancelledError

    from distributed import KilledWorker

    try:
        return future.result(timeout=wait), False
    except KilledWorker as exc:
        why = f"Dask workers died while running this chunk ({exc})"
        return failed_chunk(ctx, chunk, why), False
    except CancelledError:
        return None, True
    finally:
        future.release()
