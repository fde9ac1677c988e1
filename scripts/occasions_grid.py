#!/usr/bin/env python3
"""Does any guilt-by-association and occasion bonus give the whole visit record at once?

    python scripts/occasions_grid.py [--seeds 400] [--association A ...] [--bonus B ...] [--quick]

Runs ``china_cool_2024`` (docs/scenarios.md) over the record's 24 months at each pair of
``us.association`` (docs/model.md 3.8) and occasion bonus (the same bonus on every
occasion, 3.15) and prints, per pair, the share of runs (95% Wilson intervals) with:
the record's China-North Korea visit pattern (the three windows of the facts file's
record row, sim/validation/record.py); every guest at every occasion (the record: each
came); and both together, the whole visit record. Same seeds at every pair (common random
numbers), so the rows differ only by the two values. ``--quick``: 20 seeds and a 2 x 2
grid, for what is not given (given values are used). Docs: docs/model.md 4.3.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.commands import OneLineParser, whole_number  # noqa: E402
from sim.config import load_scenario  # noqa: E402
from sim.errors import ConfigError  # noqa: E402
from sim.runner import run_many  # noqa: E402
from sim.seeds import replicate_seeds  # noqa: E402
from sim.validation.facts import load_facts  # noqa: E402
from sim.validation.record import (  # noqa: E402
    ALL_WINDOWS,
    either_way,
    guest_came,
    record_pattern,
    share_text,
)

SCENARIO = ROOT / "configs" / "scenarios" / "china_cool_2024.toml"
ROOT_SEED = 20250903  # the Beijing parade (any value, fixed for reproducibility)
ROUNDS = 24  # the record's months, 2024-01 .. 2025-12


def guests_came(scenario, series, strict: bool) -> np.ndarray:
    """Per run, whether every guest of every occasion took an invited kind toward the
    host in the occasion's month (``strict``), or else had one in force then (a visit
    in force is not taken again, 3.15: the guest's tie is already at the visit's level)."""
    ok = np.ones(len(series), dtype=bool)
    col = "taken" if strict else "action"
    for o in scenario.occasions:
        for g in o.guests:
            ok &= guest_came(series, o, g, col)
    return ok


def grid_rows(associations: list[float], bonuses: list[float], n: int) -> list[str]:
    """Markdown rows: one per (association, bonus)."""
    row = load_facts().record
    base = load_scenario(SCENARIO)
    seeds = replicate_seeds(ROOT_SEED, n)
    out = [
        "| us.association | bonus | visit pattern | every guest present | whole record "
        "| whole record, strict |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for a in associations:
        for b in bonuses:
            sets = [f"us.association={a}"]
            sets += [f"occasions.{i}.bonus={b}" for i in range(len(base.occasions))]
            s = load_scenario(SCENARIO, sets)
            series = [r.series for r in run_many(s, seeds, ROUNDS, series=True)]
            taken = np.array([either_way(x, row) for x in series])
            pattern = record_pattern(taken, row)[ALL_WINDOWS]
            present = guests_came(s, series, strict=False)
            came = guests_came(s, series, strict=True)
            cells = [share_text(x) for x in (pattern, present, pattern & present, pattern & came)]
            out.append(f"| {a:g} | {b:g} | " + " | ".join(cells) + " |")
    return out


def main() -> None:
    ap = OneLineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=whole_number(1), help="seeds per pair (default: 400)")
    ap.add_argument("--quick", action="store_true",
                    help="20 seeds and a 2 x 2 grid, for what is not given")  # fmt: skip
    ap.add_argument("--association", type=float, nargs="+",
                    help="us.association values (default: 0 0.1 0.2 0.3 0.5)")  # fmt: skip
    ap.add_argument("--bonus", type=float, nargs="+",
                    help="occasion bonus values (default: 0.005 0.01 0.02 0.04)")  # fmt: skip
    args = ap.parse_args()
    # --quick shrinks only what is not given (it replaced given values silently)
    quick, full = (20, [0, 0.5], [0.01, 0.04]), (400, [0, 0.1, 0.2, 0.3, 0.5],
                                                 [0.005, 0.01, 0.02, 0.04])  # fmt: skip
    seeds, association, bonus = quick if args.quick else full
    args.seeds = args.seeds or seeds
    args.association = args.association or association
    args.bonus = args.bonus or bonus
    try:  # a bad value is one line and exit 2, before any run
        for a in args.association:
            load_scenario(SCENARIO, [f"us.association={a}"])
        for b in args.bonus:
            load_scenario(SCENARIO, [f"occasions.0.bonus={b}"])
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    print(f"## china_cool_2024, {args.seeds} seeds, {ROUNDS} months (95% intervals)\n")
    print("\n".join(grid_rows(args.association, args.bonus, args.seeds)))


if __name__ == "__main__":
    main()
