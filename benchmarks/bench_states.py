"""Lockstep runs/s by number of states and pact space, against the 3-state default.

    python benchmarks/bench_states.py [--runs 400] [--rounds 24] [--all-runs 200]
    python benchmarks/bench_states.py --profile 3,6,8 [--top 15]

One invocation, one process (so the rates are per core): the default scenario (3 states,
every subset: 4 pacts) and synthetic worlds built in code from it by adding states with
plausible values (``ADDED``: South Korea, the United States as a state, Japan, Mongolia,
Vietnam; benchmark judgement, not a calibrated scenario):

* 4 states, every subset (11 pacts);
* 6 states (CHN RUS PRK USA KOR JPN), declared: the 15 bilaterals, CHN-RUS-PRK and
  USA-KOR-JPN (17 pacts), and every subset (57 pacts);
* 8 states (+ MNG, VNM), declared: the 28 bilaterals and the same two trilaterals (30);
* the real six-state scenario, ``configs/scenarios/northeast_asia_2024.toml`` (the US as
  player with its repertoire and feedback; issue 23 asks >= 1/6 of the default per core).

Each world plays ``--runs`` runs of ``--rounds`` months with the lockstep engine
(``run_table``: the runs and their outcome columns, as a batch chunk), after a small
warm-up (compiling the scenario, its pact space and tables). Every-subset 6 states is
capped at ``--all-runs`` runs (its per-run cost hardly depends on the batch size above a
few hundred runs). The machine is shared and noisy: read the ratios, measured in the same
invocation. ``--profile`` runs cProfile on the worlds with those numbers of states (3, 4,
6 = declared, 8) and prints the functions with the most time of their own.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import SCENARIO
from sim.commands import OneLineParser, whole_number
from sim.config import Scenario, build_scenario, load_raw, load_scenario
from sim.rules.compile import compile_params
from sim.runner import run_table

NORTHEAST_ASIA = Path(__file__).resolve().parents[1] / "configs/scenarios/northeast_asia_2024.toml"
_GOODS = ("munitions", "technology", "diplomatic_cover")


def _state(name, cap, hostility, us_stake, offers, needs, trade, stakes, weights, **rest):
    """A state table in the default scenario's shape (goods in ``_GOODS`` order)."""
    return {
        "name": name,
        "capability": cap,
        "hostility": hostility,
        "conflict_risk": rest.get("conflict_risk", 0.1),
        "us_stake": us_stake,
        "trade_need": rest.get("trade_need", 0.4),
        "presence": rest.get("presence", 0.1),
        "entrapment_aversion": rest.get("entrapment_aversion", 0.8),
        "autonomy": rest.get("autonomy", 0.0),
        "recognition": 1.0,
        "offers": dict(zip(_GOODS, offers, strict=True)),
        "needs": dict(zip(_GOODS, needs, strict=True)),
        "trade_share": trade,
        "stakes": stakes,
        "weights": dict(
            zip(("security", "us_ties", "regional_influence", "economy"), weights, strict=True)
        ),
    }


# Added states in the order they join (benchmark judgement; CINC: COW NMC v6.0, 2016, for
# USA, KOR and JPN; MNG and VNM rounded judgement). Trade shares: rough 2023 shares.
ADDED: dict[str, dict[str, Any]] = {
    "KOR": _state(
        "South Korea",
        0.02326,
        0.05,
        0.9,
        (0.5, 0.7, 0.1),
        (0.1, 0.2, 0.3),
        {"CHN": 0.2, "USA": 0.14, "JPN": 0.06, "RUS": 0.01},
        {},
        (0.5, 0.3, 0.1, 0.1),
        autonomy=0.1,
    ),
    "USA": _state(
        "United States",
        0.13306,
        0.0,
        0.0,
        (0.6, 0.9, 0.9),
        (0.0, 0.0, 0.2),
        {"CHN": 0.11, "KOR": 0.03, "JPN": 0.045},
        {"KOR": 0.3, "JPN": 0.3},
        (0.4, 0.0, 0.5, 0.1),
        presence=0.0,
        entrapment_aversion=0.5,
    ),
    "JPN": _state(
        "Japan",
        0.03297,
        0.05,
        0.9,
        (0.2, 0.8, 0.2),
        (0.1, 0.1, 0.3),
        {"CHN": 0.2, "USA": 0.15, "KOR": 0.05, "RUS": 0.01},
        {},
        (0.5, 0.3, 0.1, 0.1),
    ),
    "MNG": _state(
        "Mongolia",
        0.0006,
        0.1,
        0.3,
        (0.0, 0.0, 0.0),
        (0.1, 0.2, 0.2),
        {"CHN": 0.6, "RUS": 0.15},
        {},
        (0.4, 0.2, 0.1, 0.3),
        entrapment_aversion=1.0,
    ),
    "VNM": _state(
        "Vietnam",
        0.009,
        0.2,
        0.5,
        (0.2, 0.1, 0.0),
        (0.2, 0.3, 0.3),
        {"CHN": 0.23, "USA": 0.15, "KOR": 0.1, "JPN": 0.06},
        {},
        (0.5, 0.2, 0.1, 0.2),
    ),
}
# Affinities of the added pairs [-1..1] (judgement); pairs not listed: 0.
AFFINITY = {
    "USA-KOR": 0.7, "USA-JPN": 0.8, "KOR-JPN": 0.3, "PRK-KOR": -0.6, "PRK-USA": -0.8,
    "PRK-JPN": -0.6, "RUS-USA": -0.6, "RUS-JPN": -0.3, "RUS-KOR": -0.1, "CHN-USA": -0.3,
    "CHN-JPN": -0.3, "CHN-KOR": 0.1, "CHN-MNG": 0.3, "RUS-MNG": 0.5, "CHN-VNM": 0.1,
    "USA-VNM": 0.3, "MNG-JPN": 0.2,
}  # fmt: skip
TRILATERALS = ("CHN-RUS-PRK", "USA-KOR-JPN")


def world(codes: tuple[str, ...], pacts: str | list[str]) -> dict[str, Any]:
    """The default scenario's mapping with ``codes`` as its states (the first three are
    CHN RUS PRK) and ``pacts`` declared; trade shares, stakes and relations kept where both
    states are present."""
    raw = copy.deepcopy(load_raw(SCENARIO))
    for code in codes[3:]:
        raw["states"][code] = copy.deepcopy(ADDED[code])
    for st in raw["states"].values():
        for table in ("trade_share", "stakes"):
            st[table] = {k: v for k, v in st[table].items() if k in codes}
    for key, value in AFFINITY.items():
        if set(key.split("-")) <= set(codes):
            raw["relations"][key] = {"affinity": value, "source": "benchmark judgement"}
    raw["pacts"] = pacts
    raw["name"] = f"bench_{len(codes)}_states"
    return raw


def worlds() -> dict[str, Scenario]:
    """The benchmarked worlds, by label, the 3-state default first."""
    six = ("CHN", "RUS", "PRK", "USA", "KOR", "JPN")
    eight = (*six, "MNG", "VNM")
    raws = {
        "3 states, all (default)": world(("CHN", "RUS", "PRK"), "all"),
        "4 states, all": world(("CHN", "RUS", "PRK", "KOR"), "all"),
        "6 states, declared": world(six, ["bilaterals", *TRILATERALS]),
        "6 states, all": world(six, "all"),
        "8 states, declared": world(eight, ["bilaterals", *TRILATERALS]),
    }
    out = {label: build_scenario(raw, label) for label, raw in raws.items()}
    # the real six-state scenario (the US as player, its repertoire, feedback, 17 pacts)
    out["6 states, northeast_asia_2024"] = load_scenario(NORTHEAST_ASIA)
    return out


def _time(scenario: Scenario, runs: int, rounds: int) -> float:
    run_table(scenario, list(range(8)), 2)  # warm-up: compile, pact space, tables
    start = time.perf_counter()
    table = run_table(scenario, list(range(1000, 1000 + runs)), rounds)
    seconds = time.perf_counter() - start
    assert len(table) == runs
    return seconds


def bench(args: argparse.Namespace) -> None:
    rows = []
    for label, scenario in worlds().items():
        runs = args.all_runs if label == "6 states, all" else args.runs
        seconds = _time(scenario, runs, args.rounds)
        rows.append((label, compile_params(scenario), runs, runs / seconds))
    base = rows[0][3]
    print(f"lockstep run_table, {args.rounds} months, one process (per core)")
    print(f"{'world':30s} {'pacts':>5s} {'moves':>5s} {'runs':>5s} {'runs/s':>8s} "
          f"{'ms/run':>7s} {'vs 3 states':>11s} {'cost':>6s}")  # fmt: skip
    for label, p, runs, rate in rows:
        print(
            f"{label:30s} {p.space.n_pacts:5d} {p.space.n_moves:5d} {runs:5d} {rate:8.1f} "
            f"{1e3 / rate:7.2f} {rate / base:11.3f} {base / rate:5.1f}x"
        )


def profile(args: argparse.Namespace) -> None:
    by_states = {"3": "3 states, all (default)", "4": "4 states, all"}
    by_states |= {"6": "6 states, declared", "8": "8 states, declared"}
    scenarios = worlds()
    for n in args.profile.split(","):
        label = by_states[n.strip()]
        scenario = scenarios[label]
        run_table(scenario, list(range(8)), 2)
        prof = cProfile.Profile()
        prof.enable()
        run_table(scenario, list(range(args.runs)), args.rounds)
        prof.disable()
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out).sort_stats("tottime")
        stats.print_stats(args.top)
        print(f"== {label}: {args.runs} runs x {args.rounds} months, by own time ==")
        lines = out.getvalue().splitlines()
        start = next(i for i, line in enumerate(lines) if "ncalls" in line)
        total = next(line for line in lines if "function calls" in line)
        print(total.strip())
        print("\n".join(lines[start:]).rstrip())


def main() -> int:
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=whole_number(1), default=400)
    parser.add_argument("--rounds", type=whole_number(1), default=24)
    parser.add_argument(
        "--all-runs", type=whole_number(1), default=200, help="runs of 6 states, all"
    )
    parser.add_argument("--profile", help="comma-separated numbers of states: 3, 4, 6, 8")
    parser.add_argument("--top", type=whole_number(1), default=15)
    args = parser.parse_args()
    if args.profile:
        profile(args)
    else:
        bench(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
