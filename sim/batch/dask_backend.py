"""Chunks on a Dask distributed cluster: the address checked before any work, a lost
scheduler ending the batch within a bounded time, a stalled chunk reported and run again.

The loop polls its futures' states (a local check, no call into the client's event loop)
every :data:`POLL_SECONDS`, so it notices when the client has given up on its scheduler
(Dask closes a client that failed to reconnect for its ``timeout``): the batch then stops
with :class:`SchedulerLost` after the chunks already received are written.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sim.batch.plan import Chunk, ChunkGroup, RunContext
from sim.batch.worker import ChunkResult, ExecuteError, failed_chunk, require_dask, run_chunk

CONNECT_SECONDS = 5.0  # a reachable scheduler answers a TCP connect in far less
RECONNECT_SECONDS = 20  # the client's timeout: how long it tries to reach a lost scheduler
LOST_SECONDS = 30.0  # the scheduler is lost when the client was not running this long
POLL_SECONDS = 0.1
STALL_SECONDS = 600.0  # a chunk running longer than this is reported and submitted again
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
    except (OSError, UnicodeError) as exc:
        why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise SchedulerUnreachable(
            f"--scheduler {address!r}: no Dask scheduler answers at {host}:{port} ({why})"
        ) from None


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
        except (OSError, RuntimeError) as exc:  # e.g. CommClosedError from a closed client
            if client.status == "running":
                raise
            raise SchedulerLost(address) from exc
        finally:
            client.close(timeout=5)


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
    """Futures in flight: their chunks, submission times and resubmission counts."""

    def __init__(self, client: Any, ctx: RunContext):
        self.client, self.ctx = client, ctx
        self.chunks: dict[Any, Chunk | ChunkGroup] = {}
        self.started: dict[Any, float] = {}
        self.tries: dict[tuple[int, ...], int] = {}

    def submit(self, chunk: Chunk | ChunkGroup, avoid: str | None = None) -> None:
        # The context goes with every task (a few kB), not scattered: a scattered copy can
        # be lost with a worker, which cancels every task depending on it.
        others = [w for w in self.client.nthreads() if w != avoid] if avoid else None
        where = {"workers": others, "allow_other_workers": True} if others else {}
        future = self.client.submit(run_chunk, self.ctx, chunk, pure=False, **where)
        self.chunks[future] = chunk
        self.started[future] = time.monotonic()

    def again(
        self, chunk: Chunk | ChunkGroup, why: str, avoid: str | None = None
    ) -> ChunkResult | None:
        """Submit ``chunk`` again, or its failed result after :data:`DASK_RESUBMITS` tries."""
        tries = self.tries[chunk.run_ids] = self.tries.get(chunk.run_ids, 0) + 1
        if tries <= DASK_RESUBMITS:
            self.submit(chunk, avoid)
            return None
        return failed_chunk(self.ctx, chunk, f"the Dask cluster {why} {tries} times")

    def pop(self, future: Any) -> Chunk | ChunkGroup:
        self.started.pop(future, None)
        return self.chunks.pop(future)


def _loop(
    client: Any, ctx: RunContext, todo: Iterator[Chunk | ChunkGroup], address: str
) -> Iterator[ChunkResult]:
    slots = 2 * max(1, sum(client.nthreads().values()))
    tasks = _Tasks(client, ctx)
    lost_since: float | None = None
    limit = stall_seconds()
    while True:
        while len(tasks.chunks) < slots and (chunk := next(todo, None)) is not None:
            tasks.submit(chunk)
        if not tasks.chunks:
            return
        done = [f for f in tasks.chunks if f.done()]
        if not done:
            now = time.monotonic()
            lost_since = None if client.status == "running" else lost_since or now
            if client.status == "closed" or (lost_since and now - lost_since > LOST_SECONDS):
                raise SchedulerLost(address)
            yield from _restart_stalled(tasks, now, limit)
            time.sleep(POLL_SECONDS)
            continue
        for future in done:
            chunk = tasks.pop(future)
            result, cancelled = _result(future, ctx, chunk)
            if cancelled:  # by the cluster (e.g. a worker lost): again, if it is still there
                if client.status != "running":
                    raise SchedulerLost(address)
                result = tasks.again(chunk, "cancelled it")
            if result is not None:
                yield result


def stall_seconds() -> float:
    """:data:`STALL_SECONDS`, or the environment's ``SIM_STALL_SECONDS`` (a number > 0)."""
    try:
        value = float(os.environ.get("SIM_STALL_SECONDS", STALL_SECONDS))
    except ValueError:
        return STALL_SECONDS
    return value if math.isfinite(value) and value > 0 else STALL_SECONDS


def _restart_stalled(tasks: _Tasks, now: float, limit: float) -> list[ChunkResult]:
    """Chunks running for more than ``limit`` seconds (a worker stopped, not dead): say so
    and submit each again away from its worker; the failed results of chunks given up."""
    given_up = []
    for future, since in list(tasks.started.items()):
        if now - since <= limit:
            continue
        chunk = tasks.pop(future)
        busy = _worker_of(tasks.client, future.key)
        print(
            f"warning: runs {chunk.run_ids[0]}..{chunk.run_ids[-1]} made no progress for "
            f"{limit:g} s on {busy or 'the cluster'} (a stalled worker?); submitted again",
            file=sys.stderr, flush=True,
        )  # fmt: skip
        future.cancel()
        future.release()
        if (result := tasks.again(chunk, "stalled on it", avoid=busy)) is not None:
            given_up.append(result)
    return given_up


def _worker_of(client: Any, key: Any) -> str | None:
    """The worker running task ``key`` (None if unknown)."""
    try:
        return next((w for w, keys in client.processing().items() if key in keys), None)
    except Exception:  # a scheduler that does not answer: no worker to avoid
        return None


def _result(future: Any, ctx: RunContext, chunk: Chunk | ChunkGroup) -> tuple[Any, bool]:
    """(result, cancelled): a finished task's result; a chunk whose workers kept dying
    (Dask retries it on other workers first) is recorded as failed with the reason."""
    from concurrent.futures import CancelledError

    from distributed import KilledWorker

    try:
        return future.result(timeout=RECONNECT_SECONDS), False
    except KilledWorker as exc:
        why = f"Dask workers died while running this chunk ({exc})"
        return failed_chunk(ctx, chunk, why), False
    except CancelledError:
        return None, True
    finally:
        future.release()
