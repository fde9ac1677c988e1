"""Command line of the trilateral diplomacy simulation (``run.py`` in a checkout, the
``trilateral-sim`` console script once installed; the same commands).

    python run.py                      the main job: default experiment batch and its plots
    python run.py simulate [...]       one run, told month by month
    python run.py batch EXP --out DIR  an experiment batch (resumable)
    python run.py plot DIR             figures from a batch
    python run.py summary DIR          table of outcome probabilities per design point
    python run.py sensitivity DIR      Sobol indices of a Sobol design
    python run.py compare DIR [DIR..]  scenarios or batches side by side
    python run.py discover DIR --outcome COL   scenario discovery (PRIM, feature scores)
    python run.py calibrate CAL --out DIR   ABC-SMC calibration to observed events
    python run.py hindcast CAL --cutoff YYYY-MM --out DIR   out-of-sample scores
    python run.py validate [--quick] [--out DIR]   regenerate the validation figures
    python run.py report DIR           one self-contained HTML file of a batch (to share)
    python run.py export DIR           the runs table as CSV (beside the Parquet parts)

Parses, calls, prints: the work is done in ``sim``; each command is a module of
:mod:`sim.commands` (``register(subparsers)``, ``run(args) -> exit code``).
"""

from __future__ import annotations

import contextlib
import importlib
import sys

from sim.commands import OneLineParser
from sim.early import (
    EXIT_INTERRUPTED,
    EXIT_SCHEDULER_LOST,
    EXIT_TERMINATED,
    entered,
    install,
    interrupted,
)

COMMANDS = (
    "simulate", "batch", "plot", "summary", "sensitivity", "compare", "discover", "calibrate",
    "hindcast", "validate", "report", "export",
)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        from sim.commands.batch import main_job

        return main_job()
    parser = OneLineParser(
        prog="run.py",
        description="Agent-based simulation of China-Russia-North Korea pact formation.",
        epilog="Run 'python run.py' with no arguments for the default experiment and its plots.",
    )
    parser.add_argument("--version", action="version", version=version_line())
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
        return interrupted(exc)
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


def _io_error(exc: OSError) -> str:
    """'cannot write FILE: reason' (sim.files.WriteError says so itself)."""
    from sim.files import WriteError

    if isinstance(exc, WriteError):
        return str(exc)
    return f"cannot write {exc.filename}: {exc.strerror or exc}"


def version_line() -> str:
    """``trilateral-sim 0.2.0 (model version 2)``: the package and the model's behaviour."""
    from sim.version import MODEL_VERSION, __version__

    return f"trilateral-sim {__version__} (model version {MODEL_VERSION})"


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
    """Exit; after an interrupt or a lost scheduler, at once: the batch has stopped its
    workers and saved its manifest, a second Ctrl-C during interpreter shutdown would end
    it by the signal, and a Dask client whose scheduler is gone can hold the shutdown in
    its own timeouts (joining its threads, closing its connections)."""
    if code not in (EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_SCHEDULER_LOST):
        sys.exit(code)
    import os

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def script() -> None:
    """The ``trilateral-sim`` console script (and ``run.py``): signals handled from the
    start (:mod:`sim.early`), then :func:`main`."""
    install()
    entered()
    try:
        code = main()
    except KeyboardInterrupt as exc:  # during imports and argument parsing
        code = interrupted(exc)
    _exit(code)


if __name__ == "__main__":
    script()
