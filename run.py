#!/usr/bin/env python3
"""Command line of the trilateral diplomacy simulation, from a checkout (installed, the same
commands are the ``trilateral-sim`` console script); see ``python run.py -h`` and
:mod:`sim.cli`.

    python run.py                      the main job: default experiment batch and its plots
    python run.py simulate [...]       one run, told month by month
    python run.py batch EXP --out DIR  an experiment batch (resumable)
    python run.py report DIR           one self-contained HTML file of a batch (to share)
"""

if __name__ == "__main__":  # from the first line: a signal while importing or loading
    try:
        from sim.early import install

        install()
    except KeyboardInterrupt:  # Ctrl-C while sim.early itself loads (Python's own handler)
        import os

        os.write(2, b"interrupted\n")
        os._exit(130)

from sim.cli import COMMANDS, StdoutError, _exit, main, script

__all__ = ["COMMANDS", "StdoutError", "_exit", "main", "script"]

if __name__ == "__main__":
    script()
