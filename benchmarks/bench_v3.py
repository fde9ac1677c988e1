#!/usr/bin/env python3
"""What model v3's mechanics cost: lockstep runs/s of the default scenario against model
v2's default scenario (tests/fixtures/korea_2024_v2.toml: the same code with actions,
relation dynamics, feedback and refusal memory off), alternated in one invocation. Times
are the process's CPU time (time.process_time), less sensitive than wall time to the other
work of a shared machine.

    python benchmarks/bench_v3.py [--runs 1000] [--repeats 3]

Prints each engine's runs/s (median of the repeats) and the ratio v3 / v2 (issue 21 asks
for at least 0.5).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.commands import OneLineParser, whole_number  # noqa: E402
from sim.config import load_scenario  # noqa: E402
from sim.lockstep import run_lockstep  # noqa: E402


def main() -> None:
    ap = OneLineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=whole_number(1), default=1000)
    ap.add_argument("--repeats", type=whole_number(1), default=3)
    args = ap.parse_args()
    scenarios = {
        "v2": load_scenario(ROOT / "tests" / "fixtures" / "korea_2024_v2.toml"),
        "v3": load_scenario(ROOT / "configs" / "scenarios" / "korea_2024.toml"),
    }
    seeds = list(range(args.runs))
    for s in scenarios.values():  # warm up
        run_lockstep(s, seeds[:20], 84)
    rates: dict[str, list[float]] = {k: [] for k in scenarios}
    for _ in range(args.repeats):
        for name, s in scenarios.items():
            t0 = time.process_time()
            run_lockstep(s, seeds, 84)
            rates[name].append(args.runs / (time.process_time() - t0))
    med = {k: statistics.median(v) for k, v in rates.items()}
    for k, v in med.items():
        print(f"{k}: {v:,.0f} runs/s (median of {args.repeats})")
    print(f"ratio v3 / v2: {med['v3'] / med['v2']:.2f}")


if __name__ == "__main__":
    main()
