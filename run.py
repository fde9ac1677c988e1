#!/usr/bin/env python3
"""Command line of the trilateral diplomacy simulation.

    python run.py                      the main job: default experiment batch and its plots
    python run.py simulate [...]       one run, told month by month
    python run.py batch EXP --out DIR  an experiment batch (resumable)
    python run.py plot DIR             figures from a batch
    python run.py summary DIR          table of outcome probabilities per design point
    python run.py sensitivity DIR      Sobol indices of a Sobol design
    python run.py compare DIR [DIR..]  scenarios or batches side by side
    python run.py discover DIR --outcome COL   scenario discovery (PRIM, feature scores)
    python run.py calibrate CAL --out DIR   ABC-SMC calibration to observed events

Parses, calls, prints: the work is done in ``sim``.
"""

from __future__ import annotations

import os
import signal
import sys


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt so the same clean-up runs."""


_ENTERED = [False]  # main() entered: signals raise, and main's handlers tell them


def _on_signal(signum: int, frame: object) -> None:
    term = signum == signal.SIGTERM
    if not _ENTERED[0]:  # still importing run.py's own modules: nothing to clean up
        os.write(2, b"terminated\n" if term else b"interrupted\n")
        os._exit(143 if term else 130)
    raise Terminated if term else KeyboardInterrupt


def _unraisable(info: object) -> None:
    """A signal's exception raised where Python cannot propagate it (a weakref callback
    of the import system, a ``__del__``) is only printed as "Exception ignored", and the
    program would go on: stop now instead, workers first (written parts are safe)."""
    exc = getattr(info, "exc_value", None)
    if not isinstance(exc, KeyboardInterrupt):
        sys.__unraisablehook__(info)  # type: ignore[arg-type]
        return
    pool = sys.modules.get("sim.pool")
    if pool is not None:
        pool.kill_all()
    term = isinstance(exc, Terminated)
    os.write(2, b"terminated\n" if term else b"interrupted\n")
    os._exit(143 if term else 130)


if __name__ == "__main__":  # from the first line: a signal while importing or loading
    sys.unraisablehook = _unraisable
    for _sig in (signal.SIGINT, signal.SIGTERM):  # ends with a message, not a traceback
        if signal.getsignal(_sig) is not signal.SIG_IGN:  # nohup, a shell's `&`: kept
            signal.signal(_sig, _on_signal)

import argparse  # noqa: E402
import contextlib  # noqa: E402
import importlib  # noqa: E402

EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports a command killed by it

COMMANDS = (
    "simulate", "batch", "plot", "summary", "sensitivity", "compare", "discover", "calibrate",
)  # fmt: skip


class _Parser(argparse.ArgumentParser):
    """Argument errors as one line (exit 2), like config errors; ``-h`` shows the usage."""

    def error(self, message: str) -> None:
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} -h)\n")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        from sim.commands.batch import main_job

        return main_job()
    parser = _Parser(
        prog="run.py",
        description="Agent-based simulation of China-Russia-North Korea pact formation.",
        epilog="Run 'python run.py' with no arguments for the default experiment and its plots.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    modules = {}
    for name in COMMANDS:
        module = importlib.import_module(f"sim.commands.{name}")
        module.register(sub)
        modules[name] = module
    args = parser.parse_args(argv)
    stdout, sys.stdout = sys.stdout, _GuardedStream(sys.stdout)
    try:
        code = modules[args.command].run(args)
        sys.stdout.flush()  # a full or closed stdout shows here, not as a traceback at exit
        return code
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except BrokenPipeError:  # `run.py ... | head`: the reader has what it wanted
        _silence(stdout)
        return 141  # 128 + SIGPIPE, as a shell reports a command killed by it
    except StdoutError as exc:  # e.g. > /dev/full
        _silence(stdout)
        print(f"error: cannot write to standard output: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a result file (read-only DIR, disk full): the file, one line
        if not exc.filename:
            raise
        print(f"error: {_io_error(exc)}", file=sys.stderr)
        return 2
    finally:
        sys.stdout = stdout


def _interrupted(exc: KeyboardInterrupt) -> int:
    """One line for Ctrl-C or SIGTERM outside a batch's own handling; the exit code."""
    with contextlib.suppress(ValueError):  # a second signal while leaving: ignored
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if isinstance(exc, Terminated):
        print("terminated", file=sys.stderr)
        return EXIT_TERMINATED
    print("interrupted", file=sys.stderr)
    return 130


def _guarded_main() -> int:
    """:func:`main`, with a signal during imports and argument parsing told in one line."""
    _ENTERED[0] = True
    try:
        return main()
    except KeyboardInterrupt as exc:
        return _interrupted(exc)


def _io_error(exc: OSError) -> str:
    """'cannot write FILE: reason' (sim.files.WriteError says so itself)."""
    from sim.files import WriteError

    if isinstance(exc, WriteError):
        return str(exc)
    return f"cannot write {exc.filename}: {exc.strerror or exc}"


class StdoutError(Exception):
    """Standard output cannot be written (disk full, I/O error)."""


class _GuardedStream:
    """stdout whose write errors are told apart from those of other files."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise StdoutError(exc.strerror or str(exc)) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise StdoutError(exc.strerror or str(exc)) from None

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _silence(stream) -> None:
    """Point the stream's descriptor at /dev/null so Python's final flush at exit does not
    fail again (and drop what is buffered)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _exit(code: int) -> None:
    """Exit; after an interrupt, at once: the batch has stopped its workers and saved its
    manifest, and a second Ctrl-C during interpreter shutdown would end it by the signal."""
    if code not in (130, EXIT_TERMINATED):
        sys.exit(code)
    import os

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit(_guarded_main())
