"""Runs per second of the lockstep engine, the Mesa engine and ``mesa.batch_run``.

    python benchmarks/bench_engines.py [--points 2] [--replicates 300] [--workers 1]

One invocation, one design (a grid over China's weight on US ties), the same seeds for
all three. Each is timed end to end on the same number of processes (``--workers``, 1 by
default, so the ratios are per core):

* ``mesa.batch_run`` with our model class (a DataCollector added, as batch_run needs,
  collecting the pact levels each step), ``detail=False`` (no per-round enumeration of
  preferred configurations, as our batches run it), one (scenario, seed) per model,
  ``iterations=1``: Mesa's own way to run a design; it builds each model (compiling the
  scenario), steps it 84 times and keeps the collected data in memory, writing nothing;
* ``run.py batch --engine mesa`` (our batch path, one Mesa model per run);
* ``run.py batch --engine lockstep`` (all replicates of a point advanced together).

The machine is shared and noisy: read the ratios, which are measured in the same run.
For the million-run figure use ``benchmarks/memory_batch.py 1000000 --workers 2``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mesa

from benchmarks._common import write_experiment
from benchmarks.bench_batch import mesa_model_class
from sim.batch.session import run_batch
from sim.commands import OneLineParser, whole_number
from sim.config import build_scenario
from sim.experiment import load_experiment


def main() -> int:
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=whole_number(1), default=2)
    parser.add_argument("--replicates", type=whole_number(1), default=300)
    parser.add_argument("--rounds", type=whole_number(1), default=84)
    parser.add_argument("--workers", type=whole_number(1), default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_experiment(Path(tmp), args.points, args.replicates, args.rounds)
        exp = load_experiment(path)
        n = exp.runs_total
        scenarios = [
            build_scenario(exp.scenario_raw, str(exp.scenario_path), p) for p in exp.design.points
        ]
        start = time.perf_counter()
        results = mesa.batch_run(
            mesa_model_class(),
            parameters={
                "scenario": scenarios,
                "rng": exp.seeds,
                "rounds": exp.rounds,
                "detail": False,  # as a batch plays it: no per-round enumeration
            },
            iterations=1,
            max_steps=exp.rounds,
            number_processes=args.workers,
            data_collection_period=-1,
            display_progress=False,
        )
        batch_run_s = time.perf_counter() - start
        assert len(results) == n

        rates = {"mesa.batch_run": n / batch_run_s}
        for engine in ("mesa", "lockstep"):
            start = time.perf_counter()
            out = run_batch(
                exp, Path(tmp) / engine, workers=args.workers, progress=False, engine=engine
            )
            seconds = time.perf_counter() - start
            assert out.runs_done == n and out.runs_failed == 0
            rates[f"run.py batch --engine {engine}"] = n / seconds
    print(
        f"design: {args.points} points x {args.replicates} seeds = {n} runs of "
        f"{args.rounds} rounds, {args.workers} process(es) each"
    )
    base = rates["mesa.batch_run"]
    for name, rate in rates.items():
        print(f"  {name:<32} {rate:9.1f} runs/s   {rate / base:6.1f}x mesa.batch_run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
