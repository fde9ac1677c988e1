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
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.calibration.recovery import PRIORS, Design, binomial_cdf, recover  # noqa: E402


def summary(rows: list, names: list[str]) -> list[str]:
    r = len(rows)
    covered = np.array([x.covered for x in rows])
    z2 = np.array([x.z2 for x in rows])
    lines = ["| parameter | covered (90% intervals) | P(Bin <= k) | P(Bin >= k) | "
             "mean (error / sd)^2 [± se] |", "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for j, name in enumerate(names):
        k = int(covered[:, j].sum())
        low = binomial_cdf(k, r, 0.9)
        high = 1 - binomial_cdf(k - 1, r, 0.9) if k > 0 else 1.0
        se = z2[:, j].std(ddof=1) / math.sqrt(r)
        lines.append(f"| `{name}` | {k} of {r} | {low:.3f} | {high:.3f} | "
                     f"{z2[:, j].mean():.2f} [± {se:.2f}] |")  # fmt: skip
    k = int(covered.sum())
    lines.append(f"| all | {k} of {covered.size} ({k / covered.size:.1%}) | | | "
                 f"{z2.mean():.2f} |")  # fmt: skip
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repetitions", type=int, default=40)
    p.add_argument("--first-seed", type=int, default=100)
    p.add_argument("--population", type=int, default=60)
    p.add_argument("--replicates", type=int, default=6)
    p.add_argument("--ess-fraction", type=float, default=0.6)
    p.add_argument("--max-generations", type=int, default=12)
    p.add_argument("--out", type=Path, default=Path("results/recovery"))
    args = p.parse_args(argv)
    design = Design(args.population, args.replicates, args.max_generations, args.ess_fraction)
    names = list(PRIORS)
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
    print("\n".join(summary(rows, names)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
