"""Facts F1-F5, the noise sweep, the causal channels (docs/model.md §4) and the comparative
statics (§5) of the default scenario, as markdown tables with 95% intervals (Wilson for
proportions, normal for means and paired differences; common random numbers across arms).

What they are about (the scenario, its pacts, states and drivers, the causes removed and
the parameters varied) is read from the facts file, configs/validation/korea_2024.toml.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import load_scenario
from sim.errors import ConfigError
from sim.stats import wilson_interval
from sim.validation.record import RecordRow
from sim.validation.variants import Variant, prefetch, result

ROOT = Path(__file__).resolve().parents[2]
FACTS_FILE = ROOT / "configs" / "validation" / "korea_2024.toml"
# the random-move limit: the largest temperature the scenario accepts (1e6; utilities are
# ~0.1, so every logit choice is a coin flip to within 1e-7)
TEMPERATURES = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1e6)


@dataclass(frozen=True)
class Roles:
    """What the facts are about (the facts file's ``[roles]``)."""

    new_pact: str  # F2, F4: the pact whose formation is timed
    old_pact: str  # F3: the standing pact whose survival is measured
    client: str  # F5: the state whose external support is split
    patron: str  # F5: the patron whose share is measured
    within: int  # F2: rounds
    checkpoint: int  # F4, F5: the checkpoint round compared with the end


@dataclass(frozen=True)
class Channel:
    """A cause removed on the same seeds: --set changes ``remove`` on top of ``at``."""

    fact: str
    channel: str
    remove: tuple[str, ...]
    at: tuple[str, ...]
    statistic: str  # F1 .. F5 or "F5 level"


@dataclass(frozen=True)
class Static:
    """One parameter at a time over ``values`` on top of ``base``; ``outcome``: trilateral,
    within or survival."""

    parameter: str
    base: tuple[str, ...]
    values: tuple[float, ...]
    outcome: str


@dataclass(frozen=True)
class FactsSpec:
    """The facts file (configs/validation/): the scenario, the roles, the channels and the
    statics; ``target`` is the scenario's target pact key and ``top`` its number of levels."""

    scenario: Path
    roles: Roles
    channels: tuple[Channel, ...]
    statics: tuple[Static, ...]
    target: str
    top: int
    record: RecordRow | None = None  # a record row checked out of sample (record.py)

    @property
    def names(self) -> dict[str, str]:
        """Short name (F1 .. F5, "F5 level") -> the fact's name in the tables."""
        r = self.roles
        share = f"share {r.client} from {r.patron}"
        return {
            "F1": "F1 P(trilateral ever)",
            "F2": f"F2 P({r.new_pact} within {r.within} rounds)",
            "F3": f"F3 P({r.old_pact} active at end)",
            "F4": f"F4 P({r.new_pact} at {r.checkpoint}) - P(at end)",
            "F5": f"F5 {share}, end - r{r.checkpoint}",
            "F5 level": f"{share} at end",
        }

    def support(self, d: pd.DataFrame, at: str) -> pd.Series:
        """The client's share of support from the patron at ``end`` or ``r<checkpoint>``."""
        return d[f"support_share_{at}.{self.roles.client}.{self.roles.patron}"]

    def within(self, d: pd.DataFrame) -> pd.Series:
        """1.0 if the new pact formed within ``within`` rounds, else 0.0."""
        first = d[f"first_round.{self.roles.new_pact}"]
        return (first.notna() & (first < self.roles.within)).astype(float)


@cache
def load_facts(path: Path = FACTS_FILE) -> FactsSpec:
    """The facts file at ``path``; raises ConfigError (one line) if it is not one."""
    from sim.runner import scenario_info

    try:
        raw = tomllib.loads(path.read_text())
        scenario = (path.parent / raw["scenario"]).resolve()
        loaded = load_scenario(scenario)
        info = scenario_info(loaded)
        record = None
        if "record" in raw:
            record = RecordRow.parse(raw["record"], set(loaded.states), set(loaded.actions))
        return FactsSpec(
            scenario=scenario,
            roles=Roles(**raw["roles"]),
            channels=tuple(Channel(**_tuples(c)) for c in raw["channels"]),
            statics=tuple(Static(**_tuples(c)) for c in raw["statics"]),
            target=str(info["target"]),
            top=len(info["levels"]) - 1,
            record=record,
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            str(path), "", f"not a facts file ({type(exc).__name__}: {exc})"
        ) from None


def _tuples(table: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}


def variant(sets: tuple[str, ...], n: int, root: int = 2024, kind: str = "outcomes") -> Variant:
    """The facts file's scenario with the --set changes ``sets``, seeds
    ``replicate_seeds(root, n)`` (sim/validation/variants.py)."""
    return Variant(load_facts().scenario, tuple(sets), n, root, kind)


def runs(sets: tuple[str, ...], n: int, root: int = 2024) -> pd.DataFrame:
    """The outcome table of :func:`variant` (run once per process, lockstep engine)."""
    out = result(variant(sets, n, root))
    assert isinstance(out, pd.DataFrame)
    return out


def _temperature(t: float) -> tuple[str]:
    return (f"negotiation.temperature={t}",)


def prop(x: pd.Series) -> str:
    k, n = int(x.sum()), len(x)
    lo, hi = wilson_interval(k, n)
    return f"{k / n:.3f} [{float(lo):.3f}, {float(hi):.3f}]"


def mean(x: pd.Series) -> str:
    x = x.astype(float)
    half = 1.96 * x.std(ddof=1) / math.sqrt(len(x))
    return f"{x.mean():.3f} [{x.mean() - half:.3f}, {x.mean() + half:.3f}]"


def paired_effect(xa: np.ndarray, xb: np.ndarray) -> str:
    """``mean(xa - xb) [95%]`` over runs paired by seed: for 0/1 outcomes Newcombe's
    (1998) interval for paired proportions (method 10; Wald's, the normal interval of the
    differences, is zero-width at an effect of +-1 over every seed), else the normal
    interval of the paired differences."""
    from sim.analysis.compare import diff_interval

    xa, xb = np.asarray(xa, float), np.asarray(xb, float)
    if np.isin(xa, (0.0, 1.0)).all() and np.isin(xb, (0.0, 1.0)).all():
        d, lo, hi = diff_interval(xa == 1.0, xb == 1.0, paired=True)
    else:
        diff = xa - xb
        d = float(diff.mean())
        half = 1.96 * diff.std(ddof=1) / math.sqrt(len(diff))
        lo, hi = d - half, d + half
    return f"{d:+.3f} [{lo:+.3f}, {hi:+.3f}]"


def facts(spec: FactsSpec) -> dict[str, Callable[[pd.DataFrame], pd.Series]]:
    """The fact's name in the tables -> its statistic per run (F1 .. F5, then the F5 level)."""
    r, cp = spec.roles, f"r{spec.roles.checkpoint}"
    new, old = r.new_pact, r.old_pact
    stats: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
        "F1": lambda d: d.target_formed.astype(float),
        "F2": spec.within,
        "F3": lambda d: (d[f"level_end.{old}"] > 0).astype(float),
        "F4": lambda d: (
            d[f"active_{cp}.{new}"].astype(float) - (d[f"level_end.{new}"] > 0).astype(float)
        ),
        "F5": lambda d: spec.support(d, "end") - spec.support(d, cp),
        "F5 level": lambda d: spec.support(d, "end"),
    }
    return {spec.names[k]: f for k, f in stats.items()}


def facts_table(n: int, workers: int = 1) -> list[str]:
    """README's and §4's fact table, and the timing of the new pact (runs on ``workers``
    local processes: the same lines for any number)."""
    spec = load_facts()
    prefetch([variant((), n)], workers)
    new, cp = spec.roles.new_pact, f"r{spec.roles.checkpoint}"
    base = runs((), n)
    lines = [f"## Facts at the default ({n} seeds, 95% intervals)", "",
             "| fact | measured |", "| --- | --- |"]  # fmt: skip
    for name, f in list(facts(spec).items())[:5]:
        x = f(base)
        lines.append(f"| {name} | {prop(x) if set(x.unique()) <= {0.0, 1.0} else mean(x)} |")
    first = base[f"first_round.{new}"]
    f5 = (spec.support(base, cp).mean(), spec.support(base, "end").mean())
    treaty = base[f"first_round.{new}.{load_scenario(spec.scenario).levels[-1].name}"]
    lines += ["", f"F5 levels: {f5[0]:.3f} -> {f5[1]:.3f}; first {new} pact: median round "
              f"{first.median():g}; in round 0 {prop(first == 0)}; in rounds 3-8 "
              f"{prop(first.between(3, 8))}; treaty signed {prop(treaty.notna())}"]  # fmt: skip
    return lines


def noise_table(n: int, workers: int = 1) -> list[str]:
    """§4.2: P(trilateral ever / active at end), P(old pact at end), modal configuration
    (runs on ``workers`` local processes: the same lines for any number)."""
    spec = load_facts()
    prefetch(_noise_variants(n), workers)
    old = spec.roles.old_pact
    lines = ["## Noise: temperature sweep", "",
             "| temperature | P(trilateral ever) | P(trilateral active at end) | "
             f"P({old} at end) | modal final configuration |",
             "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for t in TEMPERATURES:
        d = runs(_temperature(t), n)
        top = d.final_pacts.replace("", "(none)").value_counts(normalize=True)
        label = f"{t:g}" + (" (random moves)" if t == TEMPERATURES[-1] else "")
        tri, bi = d[f"level_end.{spec.target}"] > 0, d[f"level_end.{old}"] > 0
        lines.append(f"| {label} | {prop(d.target_formed)} | {prop(tri)} | {prop(bi)}"
                     f" | {top.index[0]} ({top.iloc[0]:.2f}) |")  # fmt: skip
    return lines


def channels_table(n: int, workers: int = 1) -> list[str]:
    """§4.1: each cause removed on the same seeds; the paired effect with its interval (runs
    on ``workers`` local processes: the same lines for any number)."""
    spec = load_facts()
    prefetch(_channel_variants(spec, n), workers)
    stats = facts(spec)
    lines = ["## Causal channels (paired: same seeds with and without the cause)", "",
             "| fact | channel removed | with | without | effect (with - without) |",
             "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for c in spec.channels:
        stat = stats[spec.names[c.statistic]]
        xa = stat(runs(c.at, n)).astype(float)
        xb = stat(runs((*c.at, *c.remove), n)).astype(float)
        effect = paired_effect(xa.to_numpy(), xb.to_numpy())
        lines.append(f"| {c.fact} | {c.channel} | {xa.mean():.3f} | {xb.mean():.3f} | {effect} |")
    return lines


def outcomes(spec: FactsSpec) -> dict[str, tuple[str, Callable[[pd.DataFrame], str]]]:
    """A static's outcome -> (its label, its value over runs as text)."""
    new = spec.roles.new_pact

    def survival(d: pd.DataFrame) -> str:
        end = d[f"level_end.{new}"]
        return (f"{(end > 0).mean():.3f}; {(end == spec.top).mean():.3f}"
                f"; {d[f'rounds_active.{new}'].mean():.1f}")  # fmt: skip

    return {
        "trilateral": ("P(tri)", lambda d: f"{d.target_formed.mean():.3f}"),
        "within": (spec.names["F2"][3:], lambda d: f"{spec.within(d).mean():.3f}"),
        "survival": (f"P({new} active at end); P(treaty at end); mean months active", survival),
    }


STATICS_TEMPERATURES = (0.005, 0.01, 0.1)  # the statics' pact changes per run


def _changes(value: float, n: int) -> tuple[float, float, float]:
    changes = result(variant(_temperature(value), n, 99, "changes"))
    assert isinstance(changes, np.ndarray)
    stable = runs(_temperature(value), n, 99).final_stable.mean()
    return float(changes.mean()), float(changes.std(ddof=1)), float(stable)


def _noise_variants(n: int) -> list[Variant]:
    return [variant(_temperature(t), n) for t in TEMPERATURES]


def _channel_variants(spec: FactsSpec, n: int) -> list[Variant]:
    arms = [(c.at, (*c.at, *c.remove)) for c in spec.channels]
    return [variant(sets, n) for arm in arms for sets in arm]


def _statics_variants(spec: FactsSpec, n: int) -> list[Variant]:
    values = [(*st.base, f"{st.parameter}={v}") for st in spec.statics for v in st.values]
    temps = [_temperature(t) for t in STATICS_TEMPERATURES]
    return [*(variant(sets, n, 99) for sets in [*values, *temps]),
            *(variant(sets, n, 99, "changes") for sets in temps)]  # fmt: skip


def statics_table(n: int, workers: int = 1) -> list[str]:
    """§5: one parameter at a time, ``replicate_seeds(99, n)``, lockstep engine (runs on
    ``workers`` local processes: the same lines for any number)."""
    spec = load_facts()
    prefetch(_statics_variants(spec, n), workers)
    measures = outcomes(spec)
    lines = [f"## Comparative statics ({n} seeds per value)", "",
             "| parameter (base) | values | outcome | result |",
             "| --- | --- | --- | --- |"]  # fmt: skip
    for st in spec.statics:
        label, f = measures[st.outcome]
        res = [f(runs((*st.base, f"{st.parameter}={v}"), n, 99)) for v in st.values]
        at = f" ({', '.join(st.base)})" if st.base else ""
        lines.append(f"| `{st.parameter}`{at} | {' / '.join(f'{v:g}' for v in st.values)} | "
                     f"{label} | {' / '.join(res)} |")  # fmt: skip
    temps = [_changes(t, n) for t in STATICS_TEMPERATURES]
    lines.append("| `negotiation.temperature` | 0.005 / 0.01 / 0.1 | pact changes per run "
                 "(mean, sd); P(final configuration stable) | "
                 + " / ".join(f"{m:.1f} ({s:.1f})" for m, s, _ in temps) + "; "
                 + " / ".join(f"{p:.3f}" for *_, p in temps) + " |")  # fmt: skip
    return lines


def prefetch_tables(n: int, statics_n: int, workers: int) -> None:
    """Run every variant of the four tables (facts, noise and channels at ``n`` seeds,
    statics at ``statics_n``) in one pool of ``workers`` processes, the larger jobs first."""
    spec = load_facts()
    big = [*_noise_variants(n), *_channel_variants(spec, n), variant((), n)]
    small = _statics_variants(spec, statics_n)
    prefetch(big + small if n >= statics_n else small + big, workers)
