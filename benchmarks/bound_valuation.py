#!/usr/bin/env python3
"""How much faster could the round get if valuing utilities cost nothing?

    python benchmarks/bound_valuation.py [--runs 1000] [--rounds 84] [--repeats 3]
        [--scenario PATH]

An upper bound for compiling the valuation alone (issues 21 and 23 ask the default for
>= 0.5 and >= 1.5 times model v2's rate): one process alternates lockstep batches of the
real round with batches where the valuation calls of a round return constants
(``compiled_moves.move_utility``, ``compiled.table_utility`` or, without a table,
``decisions.utility_given``: every move's utility; ``act._utility_with``: every open
action's), and prints runs/s of each
and their ratio. The stubbed runs are meaningless as outcomes (their decisions follow no
utility); only their time is read. What the ratio leaves is the rest of the round
(draws, drivers, talks, proposals, actions' bookkeeping, memory, records): a compiled
valuation cannot be faster than this bound, so a target beyond it needs the whole round
compiled. Ratios within one invocation are what to read (the machine is shared and
noisy).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import SCENARIO
from sim.commands import OneLineParser, whole_number
from sim.config import load_scenario
from sim.lockstep import run_lockstep
from sim.rules import act, compiled, compiled_moves, decisions


def _free_moves(ct, attrs, p, ctx=None):
    """Every move's utility as a constant (the shape ``utility_given`` returns)."""
    return np.zeros(np.broadcast_shapes(ct.us_ties.shape, attrs.threat.shape))


def _free_table(cfg, run, attrs, p, ctx, **_):
    """Every move's utility as a constant (the shape ``compiled.table_utility`` returns)."""
    return np.zeros((*np.shape(cfg), p.n_states))


def _free_results(after, run, status_quo, spread, out, *_, **__):
    """Every move result's utility as a constant, written where ``compiled.move_utility``
    writes it."""
    out[...] = 0.0
    return out


def _free_actions(rows, ijk, priced, levels, attrs, ctx, p, **_):
    """Every open action's utility as a constant ``(C, N)``."""
    return np.zeros((len(rows), p.n_states))


def _swap(calls: tuple) -> None:
    """Put ``calls`` in the valuation's places (the real ones or the constants)."""
    decisions.utility_given, compiled.table_utility, compiled_moves.move_utility = calls[:3]
    act._utility_with = calls[3]


def rate(scenario, runs: int, rounds: int) -> float:
    """Runs/s of one lockstep batch of ``runs`` seeds."""
    start = time.perf_counter()
    run_lockstep(scenario, list(range(runs)), rounds)
    return runs / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    ap = OneLineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=whole_number(1), default=1000)
    ap.add_argument("--rounds", type=whole_number(1), default=84)
    ap.add_argument("--repeats", type=whole_number(1), default=3)
    ap.add_argument("--scenario", type=Path, default=SCENARIO)
    args = ap.parse_args(argv)
    scenario = load_scenario(args.scenario)
    real = (decisions.utility_given, compiled.table_utility, compiled_moves.move_utility,
            act._utility_with)  # fmt: skip
    free_calls = (_free_moves, _free_table, _free_results, _free_actions)
    run_lockstep(scenario, list(range(min(args.runs, 100))), args.rounds)  # warm-up
    pairs = []
    try:
        for _ in range(args.repeats):
            _swap(real)
            with_valuation = rate(scenario, args.runs, args.rounds)
            _swap(free_calls)
            free = rate(scenario, args.runs, args.rounds)
            pairs.append((with_valuation, free))
    finally:
        _swap(real)
    print(f"{args.scenario.stem}: {args.runs} runs x {args.rounds} months, one process")
    print("real round (runs/s) | valuation free (runs/s) | bound on a compiled valuation")
    for with_valuation, free in pairs:
        print(f"{with_valuation:19.0f} | {free:23.0f} | {free / with_valuation:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
