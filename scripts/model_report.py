#!/usr/bin/env python3
"""Measure the default scenario's facts, noise sweep and causal channels (docs/model.md 4).

    python scripts/model_report.py [--seeds 1000]

Prints, with 95% intervals (Wilson for proportions, normal for means and paired
differences; common random numbers across arms):
* F1-F5 at the default;
* P(trilateral ever formed) and P(active at the end) for each logit temperature, with the
  random-move limit (temperature 1e9);
* the month of the first Russia-North Korea pact (median, share in round 0, in rounds 3-8);
* each counterfactual of tests/test_causes.py with its effect.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.config import load_scenario  # noqa: E402
from sim.runner import run_many  # noqa: E402
from sim.seeds import replicate_seeds  # noqa: E402
from sim.stats import wilson_interval  # noqa: E402

SCENARIO = ROOT / "configs" / "scenarios" / "korea_2024.toml"
NO_WAR = ["drivers.rus_war.initial=0", "drivers.rus_war.mean=0", "drivers.rus_war.mean_after=0"]


def runs(sets: list[str], n: int, root: int = 2024) -> pd.DataFrame:
    scenario = load_scenario(SCENARIO, sets)
    return pd.DataFrame([o.outcome for o in run_many(scenario, replicate_seeds(root, n))])


def prop(x: pd.Series) -> str:
    k, n = int(x.sum()), len(x)
    lo, hi = wilson_interval(k, n)
    return f"{k / n:.3f} [{float(lo):.3f}, {float(hi):.3f}]"


def mean(x: pd.Series) -> str:
    x = x.astype(float)
    half = 1.96 * x.std(ddof=1) / math.sqrt(len(x))
    return f"{x.mean():.3f} [{x.mean() - half:.3f}, {x.mean() + half:.3f}]"


FACTS = {
    "F1 P(trilateral ever)": lambda d: d.target_formed.astype(float),
    "F2 P(RUS-PRK within 12 rounds)": lambda d: (
        d["first_round.RUS-PRK"].notna() & (d["first_round.RUS-PRK"] < 12)
    ).astype(float),
    "F3 P(CHN-PRK active at end)": lambda d: (d["level_end.CHN-PRK"] > 0).astype(float),
    "F4 P(RUS-PRK at 18) - P(at end)": lambda d: (
        d["active_r18.RUS-PRK"].astype(float) - (d["level_end.RUS-PRK"] > 0).astype(float)
    ),
    "F5 share PRK from CHN, end - r18": lambda d: (
        d["support_share_end.PRK.CHN"] - d["support_share_r18.PRK.CHN"]
    ),
}

CHANNELS = [
    (
        "F1",
        "China's stake in US ties",
        ["states.CHN.weights.us_ties=0"],
        [],
        "F1 P(trilateral ever)",
    ),
    (
        "F1",
        "US counter-balancing (at CHN us_ties 0.01)",
        ["us.reactivity=0"],
        ["states.CHN.weights.us_ties=0.01"],
        "F1 P(trilateral ever)",
    ),
    ("F2", "Russia's war", NO_WAR, [], "F2 P(RUS-PRK within 12 rounds)"),
    (
        "F2",
        "North Korean munitions",
        ["states.PRK.offers.munitions=0.1"],
        [],
        "F2 P(RUS-PRK within 12 rounds)",
    ),
    (
        "F3",
        "China's stake in North Korea",
        ["states.CHN.stakes.PRK=0"],
        [],
        "F3 P(CHN-PRK active at end)",
    ),
    (
        "F3",
        "North Korea's trade with China",
        ["states.PRK.trade_share.CHN=0"],
        [],
        "F3 P(CHN-PRK active at end)",
    ),
    (
        "F4",
        "a ceasefire (war ends)",
        ["drivers.rus_war.switch_hazard=0"],
        [],
        "F4 P(RUS-PRK at 18) - P(at end)",
    ),
    (
        "F5",
        "a ceasefire (war ends)",
        ["drivers.rus_war.switch_hazard=0"],
        [],
        "F5 share PRK from CHN, end - r18",
    ),
    (
        "F5",
        "North Korea's trade with China",
        ["states.PRK.trade_share.CHN=0"],
        [],
        "F5 share PRK from CHN, end - r18",
    ),
    (
        "F5",
        "its trade with China going to Russia instead",
        ["states.PRK.trade_share.CHN=0", "states.PRK.trade_share.RUS=0.3"],
        [],
        "F5 share PRK from CHN, end - r18",
    ),
    (
        "F5 level",
        "North Korea's trade with China",
        ["states.PRK.trade_share.CHN=0"],
        [],
        "share PRK from CHN at end",
    ),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=1000)
    n = ap.parse_args().seeds
    base = runs([], n)
    print(f"## Facts at the default ({n} seeds, 95% intervals)\n")
    print("| fact | measured |\n| --- | --- |")
    for name, f in FACTS.items():
        x = f(base)
        print(f"| {name} | {prop(x) if set(x.unique()) <= {0.0, 1.0} else mean(x)} |")
    first = base["first_round.RUS-PRK"]
    print(
        f"\nfirst RUS-PRK pact: median round {first.median():g}; in round 0 {prop(first == 0)}; "
        f"in rounds 3-8 {prop(first.between(3, 8))}; treaty signed "
        f"{prop(base['first_round.RUS-PRK.treaty'].notna())}"
    )
    print("\n## Noise: temperature sweep\n")
    print(
        "| temperature | P(trilateral ever) | P(trilateral active at end) | P(CHN-PRK at end) |"
        " modal final configuration |"
    )
    print("| --- | --- | --- | --- | --- |")
    for t in (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1e9):
        d = runs([f"negotiation.temperature={t}"], n)
        top = d.final_pacts.replace("", "(none)").value_counts(normalize=True)
        print(
            f"| {t:g} | {prop(d.target_formed)} | {prop(d['level_end.CHN-RUS-PRK'] > 0)} |"
            f" {prop(d['level_end.CHN-PRK'] > 0)} | {top.index[0]} ({top.iloc[0]:.2f}) |"
        )
    print("\n## Causal channels (paired: same seeds with and without the cause)\n")
    print("| fact | channel removed | with | without | effect (with - without) |")
    print("| --- | --- | --- | --- | --- |")
    stats = dict(FACTS)
    stats["share PRK from CHN at end"] = lambda d: d["support_share_end.PRK.CHN"]
    cache: dict[tuple, pd.DataFrame] = {(): base}
    for fact, channel, cf, at, stat in CHANNELS:
        a = cache.setdefault(tuple(at), runs(at, n))
        b = runs(at + cf, n)
        xa, xb = stats[stat](a).astype(float), stats[stat](b).astype(float)
        d = xa - xb
        half = 1.96 * d.std(ddof=1) / math.sqrt(n)
        print(
            f"| {fact} | {channel} | {xa.mean():.3f} | {xb.mean():.3f} |"
            f" {d.mean():+.3f} [{d.mean() - half:+.3f}, {d.mean() + half:+.3f}] |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
