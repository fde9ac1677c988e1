#!/usr/bin/env python3
"""Command line of the trilateral diplomacy simulation.

    python run.py                      the main job: default experiment batch and its plots
    python run.py simulate [...]       one run, told month by month
    python run.py batch EXP --out DIR  an experiment batch (resumable)
    python run.py plot DIR             figures from a batch
    python run.py summary DIR          table of outcome probabilities per design point
    python run.py sensitivity DIR      Sobol indices of a Sobol design

Parses, calls, prints: the work is done in ``sim``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ("simulate", "batch", "plot", "summary", "sensitivity")


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
    try:
        return modules[args.command].run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
