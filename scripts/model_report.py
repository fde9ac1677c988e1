#!/usr/bin/env python3
"""Measure the default scenario's facts, noise sweep and causal channels (docs/model.md 4).

    python scripts/model_report.py [--seeds 1000]

Prints, with 95% intervals (Wilson for proportions, normal for means and paired
differences; common random numbers across arms): F1-F5 at the default; P(trilateral ever
formed) and P(active at the end) for each logit temperature, with the random-move limit
(temperature 1e6, the largest the scenario accepts); the month of the first Russia-North
Korea pact; each counterfactual of tests/test_causes.py with its effect. The tables are
those of ``run.py validate`` (sim/validation/facts.py), which also regenerates §5, the
posterior and the hindcast scores.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.commands import OneLineParser, whole_number
from sim.validation.facts import channels_table, facts_table, noise_table


def main(argv: list[str] | None = None) -> int:
    ap = OneLineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=whole_number(1), default=1000)
    n = ap.parse_args(argv).seeds
    for table in (facts_table, noise_table, channels_table):
        print("\n".join(table(n)), end="\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
