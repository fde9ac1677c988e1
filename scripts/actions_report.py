#!/usr/bin/env python3
"""Model v3's figures below the pact, with 95% intervals (docs/model.md 4.3):

    python scripts/actions_report.py [--seeds 1000] [--quick]

1. The default scenario: share of runs and median month of munitions flowing from North
   Korea to Russia, troops deployed, a China-North Korea summit, the China-North Korea
   treaty lowered or left, the Russia-North Korea treaty signed; China-North Korea summits
   per year (China's cool 2024 and warmer 2025).
2. P(trilateral ever) across China's US-ties weight 0 .. 0.45.
3. P(trilateral ever) across the scenario library.

Shares carry Wilson intervals; a median month carries the order-statistic interval of the
runs where the event happened (Conover 1999, exact binomial ranks). ``--quick`` uses 60
seeds (for CI: the command cannot break silently).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.calendar import round_date  # noqa: E402
from sim.config import load_scenario  # noqa: E402
from sim.runner import run_many, run_table  # noqa: E402
from sim.scenarios import scenario_names, scenario_path  # noqa: E402
from sim.seeds import replicate_seeds  # noqa: E402
from sim.stats import wilson_interval as wilson  # noqa: E402

DEFAULT = ROOT / "configs" / "scenarios" / "korea_2024.toml"
ROOT_SEED = 20240619
WEIGHTS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.45)


def share(mask: pd.Series) -> str:
    k, n = int(mask.sum()), len(mask)
    lo, hi = wilson(k, n)
    return f"{k / n:.3f} [{lo:.3f}, {hi:.3f}]"


def median_month(first: pd.Series, start: str) -> str:
    """Median first round among runs where it happened, with a 95% rank interval."""
    x = np.sort(first.dropna().to_numpy(float))
    if len(x) == 0:
        return "-"
    n = len(x)
    half = 1.96 * math.sqrt(n) / 2
    lo, hi = int(max(0, math.floor(n / 2 - half))), int(min(n - 1, math.ceil(n / 2 + half)))
    med = int(np.median(x))
    return f"{round_date(start, med)} (round {med}) [{int(x[lo])}, {int(x[hi])}]"


def events(t: pd.DataFrame) -> dict[str, tuple[pd.Series, pd.Series | None]]:
    """Event -> (happened per run, first round per run or None)."""
    summit = t[["action_first.summit.CHN>PRK"]].min(axis=1)
    return {
        "munitions PRK -> RUS in force": (
            t["action_months.munitions.PRK>RUS"] > 0,
            t["action_first.munitions.PRK>RUS"],
        ),
        "troops PRK -> RUS deployed": (
            t["action_count.troops.PRK>RUS"] > 0,
            t["action_first.troops.PRK>RUS"],
        ),
        "a China -> North Korea summit": (summit.notna(), summit),
        "CHN-PRK treaty lowered or left by 2025-07": (t["min_level_r18.CHN-PRK"] < 2, None),
        "CHN-PRK treaty lowered or left at the end": (t["level_end.CHN-PRK"] < 2, None),
        "RUS-PRK treaty signed": (
            t["first_round.RUS-PRK.treaty"].notna(),
            t["first_round.RUS-PRK.treaty"],
        ),
    }


def summits_per_year(n: int) -> list[float]:
    runs = run_many(load_scenario(DEFAULT), replicate_seeds(ROOT_SEED, n), series=True)
    taken = np.mean([r.series["taken.summit.CHN>PRK"].to_numpy(float) for r in runs], axis=0)
    return [float(taken[y * 12 : (y + 1) * 12].sum()) for y in range(len(taken) // 12)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=1000)
    ap.add_argument("--quick", action="store_true", help="60 seeds")
    args = ap.parse_args()
    n = 60 if args.quick else args.seeds
    seeds = replicate_seeds(ROOT_SEED, n)
    s = load_scenario(DEFAULT)
    t = run_table(s, seeds)
    print(f"## Below the pact: default scenario, {n} seeds (95% intervals)\n")
    print("| event | share of runs | median month [95% rank interval, rounds] |")
    print("| --- | --- | --- |")
    for name, (happened, first) in events(t).items():
        when = "" if first is None else median_month(first, s.start)
        print(f"| {name} | {share(happened)} | {when} |")
    per_year = summits_per_year(min(n, 300))
    years = ", ".join(f"{2024 + y}: {v:.2f}" for y, v in enumerate(per_year))
    print(f"\nChina -> North Korea summits per year (mean over runs): {years}\n")
    print(f"## P(trilateral ever) by China's US-ties weight, {n} seeds\n")
    print("| states.CHN.weights.us_ties | P(trilateral ever) |")
    print("| --- | --- |")
    for w in WEIGHTS:
        tw = run_table(load_scenario(DEFAULT, [f"states.CHN.weights.us_ties={w}"]), seeds)
        print(f"| {w:g} | {share(tw['target_formed'].astype(bool))} |")
    print(f"\n## P(trilateral ever) across the scenario library, {n} seeds\n")
    print("| scenario | P(trilateral ever) | P(RUS-PRK active at the end) |")
    print("| --- | --- | --- |")
    for name in scenario_names():
        tl = run_table(load_scenario(scenario_path(name)), seeds)
        active = tl["level_end.RUS-PRK"] > 0
        print(f"| {name} | {share(tl['target_formed'].astype(bool))} | {share(active)} |")


if __name__ == "__main__":
    main()
