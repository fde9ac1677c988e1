"""Runs per second: ``mesa.batch_run`` vs our batch path, same design and seeds, 1 process.

    python benchmarks/bench_batch.py [--points 3] [--replicates 10] [--rounds 84] [--workers 1]

mesa.batch_run gets one ``scenario`` per design point and our replicate seeds as ``rng``
(iterations=1), so both play exactly the same runs; it keeps its results in memory and
writes nothing, while our path also writes Parquet parts and a manifest. Our path runs
twice: with the Mesa engine (like for like) and with the lockstep engine (the default).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mesa

from benchmarks._common import write_experiment
from sim.batch.session import run_batch
from sim.commands import OneLineParser, whole_number
from sim.config import build_scenario
from sim.experiment import load_experiment
from sim.model import DiplomacyModel


def mesa_model_class() -> type:
    """DiplomacyModel if it has a DataCollector (batch_run needs one); else a thin subclass
    collecting the pact levels each round, as a typical Mesa model would."""
    if "datacollector" in vars(DiplomacyModel) or hasattr(DiplomacyModel, "datacollector"):
        return DiplomacyModel

    class CollectingModel(DiplomacyModel):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.datacollector = mesa.DataCollector(model_reporters={"levels": _levels})

        def step(self) -> None:
            super().step()
            self.datacollector.collect(self)

    return CollectingModel


def _levels(model: DiplomacyModel) -> tuple:
    return tuple(int(x) for x in model.levels)


def main() -> int:
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=whole_number(1), default=3)
    parser.add_argument("--replicates", type=whole_number(1), default=10)
    parser.add_argument("--rounds", type=whole_number(1), default=84)
    parser.add_argument("--workers", type=whole_number(1), default=1, help="workers for our path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        exp = load_experiment(
            write_experiment(Path(tmp), args.points, args.replicates, args.rounds)
        )
        n = exp.runs_total
        scenarios = [
            build_scenario(exp.scenario_raw, str(exp.scenario_path), p) for p in exp.design.points
        ]
        model_cls = mesa_model_class()
        start = time.perf_counter()
        results = mesa.batch_run(
            model_cls,
            parameters={
                "scenario": scenarios,
                "rng": exp.seeds,
                "rounds": exp.rounds,
                "detail": False,  # as a batch plays it: no per-round enumeration
            },
            iterations=1,
            max_steps=exp.rounds,
            number_processes=1,
            data_collection_period=-1,
            display_progress=False,
        )
        mesa_s = time.perf_counter() - start
        assert len(results) == n, (len(results), n)

        rates = {}
        for engine in ("mesa", "lockstep"):
            start = time.perf_counter()
            result = run_batch(
                exp, Path(tmp) / engine, workers=args.workers, progress=False, engine=engine
            )
            rates[engine] = n / (time.perf_counter() - start)
            assert result.runs_done == n and result.runs_failed == 0
    mesa_rate = n / mesa_s
    print(f"design: {args.points} points x {args.replicates} seeds = {n} runs, {exp.rounds} rounds")
    print(f"mesa.batch_run ({model_cls.__name__}, 1 process): {mesa_rate:8.1f} runs/s")
    for engine, rate in rates.items():
        print(
            f"run.py batch path, {engine:8} engine, {args.workers} worker(s): {rate:8.1f} runs/s"
            f"  (ratio to mesa.batch_run {rate / mesa_rate:.2f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
