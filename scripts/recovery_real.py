"""Recovery on the real model, at a size CI cannot afford (sim/calibration/recovery.py).

    .venv/bin/python scripts/recovery_real.py --repetitions 40 --out results/recovery

Each repetition draws true values from the prior, simulates one record with the model
(noisy ABC for the targets with a tolerance), calibrates on it and records whether the 90%
interval of each parameter covers its true value, and the squared error of the posterior
mean in posterior sds (expectation 1 for a correct posterior). Prints one line per
repetition and a summary table: covered k of R per parameter with P(Binomial(R, 0.9) <= k)
(small: too few covered) and P(>= k) (small: too many, i.e. intervals too wide), and the
mean squared standardised error with its standard error. The result is quoted in
docs/validation_report.md ("Recovery on the real model").
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.calibration.recovery import FIRST_SEED, FULL, Design, recover  # noqa: E402
from sim.validation.forecast import recovery_lines  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repetitions", type=int, default=40)
    p.add_argument("--first-seed", type=int, default=FIRST_SEED)
    p.add_argument("--population", type=int, default=FULL.population)
    p.add_argument("--replicates", type=int, default=FULL.replicates)
    p.add_argument("--ess-fraction", type=float, default=FULL.ess_fraction)
    p.add_argument("--max-generations", type=int, default=FULL.max_generations)
    p.add_argument("--out", type=Path, default=Path("results/recovery"))
    args = p.parse_args(argv)
    design = Design(args.population, args.replicates, args.max_generations, args.ess_fraction)
    rows = []
    started = time.monotonic()
    for seed in range(args.first_seed, args.first_seed + args.repetitions):
        x = recover(args.out, seed, design)
        rows.append(x)
        print(f"seed {seed}: {x.status}, {x.generations} generations, {x.runs} runs, ESS "
              f"{x.ess:.0f}, record {x.observed}, covered {x.covered.astype(int).tolist()}",
              flush=True)  # fmt: skip
    print(f"\n{args.repetitions} repetitions, population {design.population}, replicates "
          f"{design.replicates}, ess_fraction {design.ess_fraction}; "
          f"{sum(x.runs for x in rows):,} runs in {time.monotonic() - started:.0f} s; "
          f"{sum(x.status == 'converged' for x in rows)} converged\n")  # fmt: skip
    print("\n".join(recovery_lines(rows, design)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
