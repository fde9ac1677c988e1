"""Median wall time of one 84-round run of the default scenario (the Mesa model).

    python benchmarks/bench_single_run.py [--runs 200]

Times ``n`` single runs (different seeds) of the Mesa model, as ``run.py simulate`` plays
them (with the per-round enumeration of preferred configurations) and as a Mesa-engine
batch plays them (without it), and, as the baseline measured in the same invocation, the
per-run time of the lockstep engine advancing the same seeds together. Prints medians and
ratios; the machine is shared, so compare ratios rather than absolute times.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.commands import OneLineParser, whole_number
from sim.config import load_scenario
from sim.lockstep import run_lockstep
from sim.runner import run_model
from sim.seeds import replicate_seeds

SCENARIO = Path(__file__).resolve().parents[1] / "configs" / "scenarios" / "korea_2024.toml"


def main() -> int:
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=whole_number(1), default=200)
    args = parser.parse_args()
    scenario = load_scenario(SCENARIO)
    seeds = replicate_seeds(2024, args.runs)
    run_model(scenario, seeds[0])  # warm-up: imports, caches

    def times(detail: bool) -> list[float]:
        out = []
        for seed in seeds:
            start = time.perf_counter()
            run_model(scenario, seed, detail=detail)
            out.append(time.perf_counter() - start)
        return out

    detailed = times(True)
    plain = times(False)
    start = time.perf_counter()
    run_lockstep(scenario, seeds, scenario.rounds)
    lock = (time.perf_counter() - start) / len(seeds)

    med_d, med_p = statistics.median(detailed), statistics.median(plain)
    print(f"{args.runs} runs of {scenario.rounds} rounds, default scenario")
    print(f"Mesa model, single run as `simulate` (detail): median {med_d * 1e3:7.1f} ms")
    print(f"Mesa model, as a Mesa-engine batch run:        median {med_p * 1e3:7.1f} ms")
    print(f"lockstep engine, same seeds together:          {lock * 1e3:7.2f} ms per run")
    print(f"ratio Mesa (batch) / lockstep per run: {med_p / lock:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
