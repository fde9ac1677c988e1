#!/usr/bin/env python3
"""Where the lockstep engine's time goes: each step of a round as a share of the batch.

    python benchmarks/profile_round.py [--runs 1000] [--rounds 84] [--scenario PATH]

Runs one lockstep batch of ``--runs`` seeds under ``cProfile`` (after a warm-up) and prints
the cumulative time of each step of :func:`sim.rules.round.play_round` and of the engine
around it, as a share of the batch's total, largest first. Shares, not seconds: the
profiler's overhead and a shared machine move absolute times, while the shares say which
rule a faster engine must make cheaper (the speed items of issues 21 and 23). Steps nest:
``update_rows`` and ``take_actions`` value utilities too, so ``table_utility`` (the
compiled utility of tabulated configurations) and ``terms_with`` count time also counted
in the steps that call them.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.commands import OneLineParser, whole_number
from sim.config import load_scenario
from sim.lockstep import run_lockstep

ROOT = Path(__file__).resolve().parents[1]

STEPS = (  # (module file, function): the round's steps and the engine around them
    ("lockstep.py", "run_lockstep"),
    ("round.py", "play_round"),
    ("draws.py", "draw_many"),
    ("compiled_drivers.py", "step_drivers"),
    ("utility.py", "attributes"),
    ("act.py", "priced_actions"),
    ("act.py", "in_force"),
    ("context.py", "context"),
    ("decisions.py", "evaluate_moves"),
    ("decisions.py", "update_rows"),
    ("compiled_talks.py", "progress_talks"),
    ("round.py", "propose"),
    ("act.py", "take_actions"),
    ("act.py", "_utility_with"),
    ("compiled_proposal.py", "proposal"),
    ("compiled_proposal.py", "answers"),
    ("compiled_moves.py", "move_utilities"),
    ("compiled_take.py", "open_slots"),
    ("round.py", "_memory"),
    ("round.py", "observe"),
    ("recorder.py", "add"),
    ("compiled.py", "table_utility"),
    ("compiled.py", "move_utility"),
    ("utility.py", "settled"),
    ("utility.py", "terms_with"),
)


def shares(stats: pstats.Stats) -> list[tuple[str, int, float]]:
    """``(step, calls, share of the batch)`` for each step of :data:`STEPS` found."""
    found: dict[tuple[str, str], tuple[int, float]] = {}
    for (path, _, name), (_, calls, _, cum, _) in stats.stats.items():  # type: ignore[attr-defined]
        key = (Path(path).name, name)
        if key in STEPS:
            n, t = found.get(key, (0, 0.0))
            found[key] = (n + calls, t + cum)
    total = found.get(("lockstep.py", "run_lockstep"), (1, 1.0))[1]
    rows = [(f"{f}:{name}", n, t / total) for (f, name), (n, t) in found.items()]
    return sorted(rows, key=lambda r: -r[2])


def main(argv: list[str] | None = None) -> int:
    ap = OneLineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=whole_number(1), default=1000)
    ap.add_argument("--rounds", type=whole_number(1), default=84)
    ap.add_argument("--scenario", default=str(ROOT / "configs/scenarios/korea_2024.toml"))
    args = ap.parse_args(argv)
    scenario = load_scenario(Path(args.scenario))
    run_lockstep(scenario, list(range(20)), args.rounds)  # warm-up (caches, imports)
    prof = cProfile.Profile()
    prof.enable()
    run_lockstep(scenario, list(range(args.runs)), args.rounds)
    prof.disable()
    print(f"{scenario.name}: {args.runs} runs x {args.rounds} months, one lockstep batch\n")
    print(f"{'step':<32} {'calls':>7} {'share':>7}")
    for step, calls, share in shares(pstats.Stats(prof)):
        print(f"{step:<32} {calls:>7} {share:>7.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
