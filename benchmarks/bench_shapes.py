"""Lockstep throughput by batch shape: the same number of runs as few points with many
replicates or many points with few (Sobol, Morris, calibration).

    python benchmarks/bench_shapes.py [--runs 4000] [--workers 1] [--rounds 84]

The lockstep engine advances one design point's replicates together, so its per-round
Python overhead (~0.3 ms a round) is shared by the replicates of a point: with 1,000
replicates it is ~10% of a run's cost, with 10 replicates most of it. Each shape is timed
end to end (``run_batch``: runs, tables, Parquet parts, summary) in one invocation; the
ratios to the first shape are what to read on this shared machine.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import write_experiment
from sim.batch.session import run_batch
from sim.commands import OneLineParser, whole_number
from sim.experiment import load_experiment

REPLICATES = (1000, 100, 20, 10)


def main() -> int:
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=whole_number(1), default=4000)
    parser.add_argument("--workers", type=whole_number(1), default=1)
    parser.add_argument("--rounds", type=whole_number(1), default=84)
    args = parser.parse_args()
    rates = {}
    for replicates in REPLICATES:
        points = max(1, args.runs // replicates)
        with tempfile.TemporaryDirectory() as tmp:
            exp = load_experiment(write_experiment(Path(tmp), points, replicates, args.rounds))
            start = time.perf_counter()
            out = run_batch(exp, Path(tmp) / "out", workers=args.workers, progress=False)
            seconds = time.perf_counter() - start
        assert out.runs_done == points * replicates and out.runs_failed == 0
        rates[(points, replicates)] = out.runs_done / seconds
    first = next(iter(rates.values()))
    print(f"lockstep, {args.rounds} rounds, {args.workers} worker(s), ~{args.runs} runs per shape")
    for (points, replicates), rate in rates.items():
        print(
            f"{points:6d} points x {replicates:5d} replicates: {rate:8.0f} runs/s "
            f"({1e3 / rate:.2f} ms/run, {rate / first:.2f}x the first)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
