"""``run.py validate [--quick] [--out DIR]``: regenerate every figure of docs/model.md §4-5,
the README's fact table, the posterior table (with fresh predictive shares), the 2030
forecast from that posterior, the recovery on the real model and the hindcast scores
(cutoffs 2024-12 and 2025-06) into ``DIR/validation.md``.

Full: 1,000 seeds for the facts, noise and channels, 400 per value for the comparative
statics, the calibration of configs/calibration/korea_2024.toml, the forecast (200 sets x
100 runs to 2030-12), 40 recovery calibrations and both hindcasts (about 40 minutes on 2
cores). ``--quick``: 20 seeds, a tiny calibration, a 10 x 5 forecast and one small
recovery (about 30 s of CPU): it checks that the regeneration runs (tests/test_validate.py),
its figures are not for quoting.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.commands import whole_number


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` subcommand."""
    p = subparsers.add_parser(
        "validate",
        help="regenerate the validation figures (facts, noise, channels, statics, posterior, "
        "hindcast)",
        description="Regenerate every figure of docs/model.md §4-5, the README's fact table, "
        "the posterior table, the 2030 forecast, the real-model recovery and the hindcast "
        "scores into DIR/validation.md.",
    )
    p.add_argument("--quick", action="store_true", help="few seeds, tiny calibration (< 1 min)")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("results/validation"),
        metavar="DIR",
        help="output dir (default results/validation)",
    )
    p.add_argument(
        "--workers",
        type=whole_number(1),
        default=1,
        metavar="N",
        help="local processes (default 1)",
    )


def run(args: argparse.Namespace) -> int:
    """Entry point of ``run.py validate``."""
    from sim.batch.worker import ExecuteError
    from sim.config import ConfigError
    from sim.validation.report import run_validation

    if args.out.exists() and not args.out.is_dir():
        print(f"error: --out {args.out} is a file, expected a directory", file=sys.stderr)
        return 2
    try:
        lines = run_validation(args.out, args.quick, args.workers)
    except (ConfigError, ExecuteError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0
