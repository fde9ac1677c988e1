"""Facts F1-F5, the noise sweep, the causal channels (docs/model.md §4) and the comparative
statics (§5) of the default scenario, as markdown tables with 95% intervals (Wilson for
proportions, normal for means and paired differences; common random numbers across arms).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import load_scenario
from sim.runner import run_many
from sim.seeds import replicate_seeds
from sim.stats import wilson_interval

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "configs" / "scenarios" / "korea_2024.toml"
NO_WAR = ("drivers.rus_war.initial=0", "drivers.rus_war.mean=0", "drivers.rus_war.mean_after=0")
# the random-move limit: the largest temperature the scenario accepts (1e6; utilities are
# ~0.1, so every logit choice is a coin flip to within 1e-7)
TEMPERATURES = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1e6)


@cache
def runs(sets: tuple[str, ...], n: int, root: int = 2024) -> pd.DataFrame:
    scenario = load_scenario(SCENARIO, list(sets))
    out = run_many(scenario, replicate_seeds(root, n), engine="lockstep")
    return pd.DataFrame([o.outcome for o in out])


def prop(x: pd.Series) -> str:
    k, n = int(x.sum()), len(x)
    lo, hi = wilson_interval(k, n)
    return f"{k / n:.3f} [{float(lo):.3f}, {float(hi):.3f}]"


def mean(x: pd.Series) -> str:
    x = x.astype(float)
    half = 1.96 * x.std(ddof=1) / math.sqrt(len(x))
    return f"{x.mean():.3f} [{x.mean() - half:.3f}, {x.mean() + half:.3f}]"


def _by_12(d: pd.DataFrame) -> pd.Series:
    return (d["first_round.RUS-PRK"].notna() & (d["first_round.RUS-PRK"] < 12)).astype(float)


FACTS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "F1 P(trilateral ever)": lambda d: d.target_formed.astype(float),
    "F2 P(RUS-PRK within 12 rounds)": _by_12,
    "F3 P(CHN-PRK active at end)": lambda d: (d["level_end.CHN-PRK"] > 0).astype(float),
    "F4 P(RUS-PRK at 18) - P(at end)": lambda d: (
        d["active_r18.RUS-PRK"].astype(float) - (d["level_end.RUS-PRK"] > 0).astype(float)
    ),
    "F5 share PRK from CHN, end - r18": lambda d: (
        d["support_share_end.PRK.CHN"] - d["support_share_r18.PRK.CHN"]
    ),
    "share PRK from CHN at end": lambda d: d["support_share_end.PRK.CHN"],
}

_ZERO_TIES = ("states.CHN.weights.us_ties=0.01",)
_TRADE = ("states.PRK.trade_share.CHN=0",)
_CEASE = ("drivers.rus_war.switch_hazard=0",)
CHANNELS = (  # fact, channel removed, counterfactual sets, base sets, statistic
    ("F1", "China's stake in US ties", ("states.CHN.weights.us_ties=0",), (),
     "F1 P(trilateral ever)"),
    ("F1", "US counter-balancing (at CHN us_ties 0.01)", ("us.reactivity=0",), _ZERO_TIES,
     "F1 P(trilateral ever)"),
    ("F2", "Russia's war", NO_WAR, (), "F2 P(RUS-PRK within 12 rounds)"),
    ("F2", "what North Korea can supply (shells and soldiers)",
     ("states.PRK.offers.munitions=0.1", "states.PRK.offers.manpower=0"), (),
     "F2 P(RUS-PRK within 12 rounds)"),
    ("F3", "China's stake in North Korea", ("states.CHN.stakes.PRK=0",), (),
     "F3 P(CHN-PRK active at end)"),
    ("F3", "North Korea's trade with China", _TRADE, (), "F3 P(CHN-PRK active at end)"),
    ("F4", "a ceasefire (war ends)", _CEASE, (), "F4 P(RUS-PRK at 18) - P(at end)"),
    ("F5", "a ceasefire (war ends)", _CEASE, (), "F5 share PRK from CHN, end - r18"),
    ("F5", "North Korea's trade with China", _TRADE, (), "F5 share PRK from CHN, end - r18"),
    ("F5", "its trade with China going to Russia instead",
     (*_TRADE, "states.PRK.trade_share.RUS=0.3"), (), "F5 share PRK from CHN, end - r18"),
    ("F5 level", "North Korea's trade with China", _TRADE, (), "share PRK from CHN at end"),
)  # fmt: skip


def facts_table(n: int) -> list[str]:
    """README's and §4's fact table, and the timing of the Russia-DPRK treaty."""
    base = runs((), n)
    lines = [f"## Facts at the default ({n} seeds, 95% intervals)", "",
             "| fact | measured |", "| --- | --- |"]  # fmt: skip
    for name, f in list(FACTS.items())[:5]:
        x = f(base)
        lines.append(f"| {name} | {prop(x) if set(x.unique()) <= {0.0, 1.0} else mean(x)} |")
    first = base["first_round.RUS-PRK"]
    f5 = (base["support_share_r18.PRK.CHN"].mean(), base["support_share_end.PRK.CHN"].mean())
    lines += ["", f"F5 levels: {f5[0]:.3f} -> {f5[1]:.3f}; first RUS-PRK pact: median round "
              f"{first.median():g}; in round 0 {prop(first == 0)}; in rounds 3-8 "
              f"{prop(first.between(3, 8))}; treaty signed "
              f"{prop(base['first_round.RUS-PRK.treaty'].notna())}"]  # fmt: skip
    return lines


def noise_table(n: int) -> list[str]:
    """§4.2: P(trilateral ever / active at end), P(CHN-PRK at end), modal configuration."""
    lines = ["## Noise: temperature sweep", "",
             "| temperature | P(trilateral ever) | P(trilateral active at end) | "
             "P(CHN-PRK at end) | modal final configuration |",
             "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for t in TEMPERATURES:
        d = runs((f"negotiation.temperature={t}",), n)
        top = d.final_pacts.replace("", "(none)").value_counts(normalize=True)
        label = f"{t:g}" + (" (random moves)" if t == TEMPERATURES[-1] else "")
        lines.append(f"| {label} | {prop(d.target_formed)} | "
                     f"{prop(d['level_end.CHN-RUS-PRK'] > 0)} | {prop(d['level_end.CHN-PRK'] > 0)}"
                     f" | {top.index[0]} ({top.iloc[0]:.2f}) |")  # fmt: skip
    return lines


def channels_table(n: int) -> list[str]:
    """§4.1: each cause removed on the same seeds; the paired effect with its interval."""
    lines = ["## Causal channels (paired: same seeds with and without the cause)", "",
             "| fact | channel removed | with | without | effect (with - without) |",
             "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for fact, channel, cf, at, stat in CHANNELS:
        xa = FACTS[stat](runs(at, n)).astype(float)
        xb = FACTS[stat](runs((*at, *cf), n)).astype(float)
        d = xa - xb
        half = 1.96 * d.std(ddof=1) / math.sqrt(n)
        effect = f"{d.mean():+.3f} [{d.mean() - half:+.3f}, {d.mean() + half:+.3f}]"
        lines.append(f"| {fact} | {channel} | {xa.mean():.3f} | {xb.mean():.3f} | {effect} |")
    return lines


def _tri(d: pd.DataFrame) -> str:
    return f"{d.target_formed.mean():.3f}"


def _switch(d: pd.DataFrame) -> str:
    return (f"{(d['level_end.RUS-PRK'] > 0).mean():.3f}; {(d['level_end.RUS-PRK'] == 2).mean():.3f}"
            f"; {d['rounds_active.RUS-PRK'].mean():.1f}")  # fmt: skip


_MUNITIONS = 'drivers.rus_war.effects."RUS.needs.munitions"'
STATICS = (  # parameter, base sets, values, outcome label, outcome
    ("states.CHN.weights.us_ties", (), (0, 0.01, 0.02, 0.05, 0.45), "P(tri)", _tri),
    ("us.reactivity", _ZERO_TIES, (0, 0.15, 0.3, 0.6), "P(tri)", _tri),
    ("us.bloc_visibility", _ZERO_TIES, (0, 1, 2, 4, 8), "P(tri)", _tri),
    ("relations.CHN-RUS.affinity", ("states.CHN.weights.us_ties=0",), (-0.4, 0, 0.4, 0.8),
     "P(tri)", _tri),
    ("drivers.us_china_tension.mean", _ZERO_TIES, (0.2, 0.6, 1.0), "P(tri)", _tri),
    ("states.PRK.offers.munitions", ("states.PRK.offers.manpower=0",), (0.1, 0.5, 0.9),
     "P(RUS-PRK within 12 rounds)", lambda d: f"{_by_12(d).mean():.3f}"),
    (_MUNITIONS, ('drivers.rus_war.effects."RUS.needs.manpower"=0',), (0, 0.45, 0.9),
     "P(RUS-PRK within 12 rounds)", lambda d: f"{_by_12(d).mean():.3f}"),
    ("drivers.rus_war.switch_hazard", (), (0, 0.035, 0.15),
     "P(RUS-PRK active at end); P(treaty at end); mean months active", _switch),
)  # fmt: skip


def _changes(value: float, n: int) -> tuple[float, float, float]:
    from sim.lockstep import run_lockstep

    scenario = load_scenario(SCENARIO, [f"negotiation.temperature={value}"])
    levels = run_lockstep(scenario, replicate_seeds(99, n), scenario.rounds).history.levels
    changes = (np.diff(levels, axis=1) != 0).any(axis=2).sum(axis=1)
    stable = runs((f"negotiation.temperature={value}",), n, 99).final_stable.mean()
    return float(changes.mean()), float(changes.std(ddof=1)), float(stable)


def statics_table(n: int) -> list[str]:
    """§5: one parameter at a time, ``replicate_seeds(99, n)``, lockstep engine."""
    lines = [f"## Comparative statics ({n} seeds per value)", "",
             "| parameter (base) | values | outcome | result |",
             "| --- | --- | --- | --- |"]  # fmt: skip
    for path, base, values, label, f in STATICS:
        res = [f(runs((*base, f"{path}={v}"), n, 99)) for v in values]
        at = f" ({', '.join(base)})" if base else ""
        lines.append(f"| `{path}`{at} | {' / '.join(f'{v:g}' for v in values)} | {label} | "
                     f"{' / '.join(res)} |")  # fmt: skip
    temps = [_changes(t, n) for t in (0.005, 0.01, 0.1)]
    lines.append("| `negotiation.temperature` | 0.005 / 0.01 / 0.1 | pact changes per run "
                 "(mean, sd); P(final configuration stable) | "
                 + " / ".join(f"{m:.1f} ({s:.1f})" for m, s, _ in temps) + "; "
                 + " / ".join(f"{p:.3f}" for *_, p in temps) + " |")  # fmt: skip
    return lines
