"""Recovery on the real model, at a size CI cannot afford (sim/calibration/recovery.py).

    .venv/bin/python scripts/recovery_real.py --repetitions 40 --out results/recovery [--workers 2]

Each repetition draws true values from the prior, simulates one record with the model
(noisy ABC for the targets with a tolerance), calibrates on it and records whether the 90%
interval of each parameter covers its true value, and the squared error of the posterior
mean in posterior sds (expectation 1 for a correct posterior). Prints one line per
repetition and a summary table: covered k of R per parameter with P(Binomial(R, 0.9) <= k)
(small: too few covered) and P(>= k) (small: too many, i.e. intervals too wide), and the
mean squared standardised error with its standard error. The result is quoted in
docs/validation_report.md ("Recovery on the real model").

``--workers N`` runs the repetitions on N local processes (sim.batch.pool, as ``run.py
batch`` does). A repetition's randomness comes only from its seed (its truth, record and
calibration seeds derive from it) and it writes only its own files, so the per-seed
results and the summary are the same for any N: the lines print as repetitions finish,
the table is over the rows in seed order.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.calibration.recovery import (  # noqa: E402
    FIRST_SEED,
    FULL,
    Design,
    Recovery,
    run_repetitions,
)
from sim.commands import OneLineParser, whole_number  # noqa: E402
from sim.validation.forecast import recovery_lines  # noqa: E402


def repetitions(out: Path, seeds: range, design: Design, workers: int) -> Iterator[Recovery]:
    """Each seed's repetition as it finishes (:func:`run_repetitions`)."""
    return run_repetitions(out, seeds, design, workers)


def line(x: Recovery) -> str:
    """The line printed for one repetition."""
    return (
        f"seed {x.seed}: {x.status}, {x.generations} generations, {x.runs} runs, ESS "
        f"{x.ess:.0f}, record {x.observed}, covered {x.covered.astype(int).tolist()}"
    )


def main(argv: list[str] | None = None) -> int:
    p = OneLineParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repetitions", type=whole_number(1), default=40)
    p.add_argument("--first-seed", type=whole_number(0), default=FIRST_SEED)
    p.add_argument("--population", type=whole_number(1), default=FULL.population)
    p.add_argument("--replicates", type=whole_number(1), default=FULL.replicates)
    p.add_argument("--ess-fraction", type=float, default=FULL.ess_fraction)
    p.add_argument("--max-generations", type=whole_number(1), default=FULL.max_generations)
    p.add_argument("--out", type=Path, default=Path("results/recovery"))
    p.add_argument("--workers", type=whole_number(1), default=1, help="local processes (default 1)")
    args = p.parse_args(argv)
    design = Design(args.population, args.replicates, args.max_generations, args.ess_fraction)
    seeds = range(args.first_seed, args.first_seed + args.repetitions)
    rows = []
    started = time.monotonic()
    for x in repetitions(args.out, seeds, design, args.workers):
        rows.append(x)
        print(line(x), flush=True)
    rows.sort(key=lambda x: x.seed)
    converged = sum(x.status == "converged" for x in rows)
    print(f"\n{args.repetitions} repetitions, population {design.population}, replicates "
          f"{design.replicates}, ess_fraction {design.ess_fraction}; "
          f"{sum(x.runs for x in rows):,} runs in {time.monotonic() - started:.0f} s on "
          f"{args.workers} process(es); {converged} converged\n")  # fmt: skip
    print("\n".join(recovery_lines(rows, design)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
