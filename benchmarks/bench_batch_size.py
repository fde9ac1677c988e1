"""Cost of one lockstep call by batch size: the per-round overhead and the per-run work.

    python benchmarks/bench_batch_size.py [--rounds 84]

Times ``run_lockstep`` of the default scenario with 1, 10 and 1,000 runs (best of three),
and prints ms per call and per run, and each size's cost per run against 1,000 runs'
(measured in the same invocation; the machine is shared). One run is what the Mesa
engine pays in rules per run; 10 runs is one design point of a Sobol batch played alone.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import SCENARIO
from sim.commands import OneLineParser, whole_number
from sim.config import load_scenario
from sim.lockstep import run_lockstep

SIZES = ((1, 40), (10, 40), (1000, 4))  # runs per call, calls per timing


def main() -> int:
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=whole_number(1), default=84)
    args = parser.parse_args()
    scenario = load_scenario(SCENARIO)
    run_lockstep(scenario, list(range(200)), args.rounds)  # warm up
    per_run = {}
    for size, calls in SIZES:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for k in range(calls):
                run_lockstep(scenario, list(range(k * size, (k + 1) * size)), args.rounds)
            best = min(best, (time.perf_counter() - start) / calls)
        per_run[size] = best / size
        print(f"{size:5d} runs: {best * 1e3:8.2f} ms per call, {best / size * 1e3:7.3f} ms per run")
    for size in per_run:
        print(f"{size:5d} runs cost {per_run[size] / per_run[1000]:6.1f}x per run of 1,000 runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
