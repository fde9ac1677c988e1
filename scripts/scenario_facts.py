#!/usr/bin/env python3
"""Facts F1-F5 (docs/model.md 4) for any scenario, with 95% intervals, and what the other
side does (the counter-bloc's pacts and actions, when the scenario has them).

    python scripts/scenario_facts.py --scenario configs/scenarios/northeast_asia_2024.toml \
        [--seeds 1000] [--root 2024] [--set PATH=VALUE ...] [--channels N] [--statics N]
        [--facts FILE]

The facts are measured as in ``run.py validate`` (sim/validation/facts.py: Wilson
intervals for proportions, normal intervals for means), on the lockstep engine; the seeds
are ``replicate_seeds(root, n)``. Beside them: each declared pact's share of runs active
at the end and in which it was ever upgraded or formed, and, per action kind and dyad,
the share of runs in which it was taken and the median month of the first time. With
``--channels N``, docs/model.md 4.1's counterfactuals; with ``--statics N``, the facts
file's comparative statics (docs/model.md 5) in this scenario, each value on the same N
seeds.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.commands import OneLineParser, whole_number
from sim.config import load_scenario
from sim.errors import ConfigError
from sim.runner import run_many
from sim.scenarios import scenario_file
from sim.seeds import replicate_seeds
from sim.validation.facts import facts, load_facts, mean, outcomes, paired_effect, prop


def facts_lines(d: pd.DataFrame, spec) -> list[str]:
    """F1-F5 as a markdown table."""
    lines = ["| fact | measured |", "| --- | --- |"]
    for name, f in list(facts(spec).items())[:5]:
        x = f(d)
        lines.append(f"| {name} | {prop(x) if set(x.unique()) <= {0.0, 1.0} else mean(x)} |")
    cp = f"r{spec.roles.checkpoint}"
    f5 = (spec.support(d, cp).mean(), spec.support(d, "end").mean())
    lines.append(f"\nF5 levels: {f5[0]:.3f} -> {f5[1]:.3f}")
    return lines


def pact_lines(d: pd.DataFrame, keys: list[str]) -> list[str]:
    """Each pact: active at the end, ever at treaty level, first month (median)."""
    lines = ["| pact | active at end | ever a treaty | level at end (mean) |",
             "| --- | --- | --- | --- |"]  # fmt: skip
    for key in keys:
        end = d[f"level_end.{key}"]
        treaty = d.get(f"first_round.{key}.treaty")
        ever = "" if treaty is None else prop(treaty.notna().astype(float))
        lines.append(f"| {key} | {prop((end > 0).astype(float))} | {ever} | {end.mean():.2f} |")
    return lines


def action_lines(d: pd.DataFrame, codes: tuple[str, ...]) -> list[str]:
    """Each action kind and dyad that involves one of ``codes``: share of runs taken,
    median month of the first time, mean count."""
    lines = ["| action | share of runs | median first month | mean count |",
             "| --- | --- | --- | --- |"]  # fmt: skip
    for col in sorted(c for c in d.columns if c.startswith("action_count.")):
        key = col.removeprefix("action_count.")
        dyad = key.split(".")[1]
        if not any(c in dyad.split(">") for c in codes):
            continue
        count = d[col]
        first = d[f"action_first.{key}"]
        taken = (count > 0).astype(float)
        med = f"{first.median():g}" if first.notna().any() else "-"
        lines.append(f"| {key} | {prop(taken)} | {med} | {count.mean():.2f} |")
    return lines


# The counter-bloc's record rows (docs/record_counter_bloc.md), at round 23 = 2025-12: run
# with --set 'checkpoints=["2025-07","2025-12"]' so the runs table has the r23 columns.
RECORD = (
    ("US-ROK treaty holds", "min_level_r23.USA-KOR", 2, 2),
    ("US-Japan treaty holds", "min_level_r23.USA-JPN", 2, 2),
    ("Camp David framework at least a partnership", "min_level_r23.USA-KOR-JPN", 1, 2),
    ("Camp David framework without a defence clause", "max_level_r23.USA-KOR-JPN", 0, 1),
    ("no China-South Korea pact", "max_level_r23.CHN-KOR", 0, 0),
    ("no China-Japan pact", "max_level_r23.CHN-JPN", 0, 0),
    ("no Russia-ROK pact", "max_level_r23.RUS-KOR", 0, 0),
    ("no Russia-Japan pact", "max_level_r23.RUS-JPN", 0, 0),
    ("no bilateral Korea-Japan pact", "max_level_r23.KOR-JPN", 0, 0),
)


def record_lines(d: pd.DataFrame) -> list[str]:
    """Share of runs reproducing each record row (value within [low, high])."""
    lines = ["| record row | statistic | share of runs |", "| --- | --- | --- |"]
    for name, col, low, high in RECORD:
        if col in d.columns:
            ok = d[col].between(low, high).astype(float)
            lines.append(f"| {name} | `{col}` in [{low}, {high}] | {prop(ok)} |")
    return lines if len(lines) > 2 else []


def channel_lines(path: Path, sets: list[str], seeds: list[int], spec) -> list[str]:
    """docs/model.md 4.1's counterfactuals in this scenario: each cause removed on the same
    seeds (common random numbers), the paired effect with its 95% interval."""
    cache: dict[tuple[str, ...], pd.DataFrame] = {}

    def runs(extra: tuple[str, ...]) -> pd.DataFrame:
        if extra not in cache:
            sc = load_scenario(path, [*sets, *extra])
            cache[extra] = pd.DataFrame([o.outcome for o in run_many(sc, seeds)])
        return cache[extra]

    lines = ["| fact | channel removed | with | without | effect (with - without) |",
             "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for c in spec.channels:
        fact, channel, stat = c.fact, c.channel, facts(spec)[spec.names[c.statistic]]
        xa = stat(runs(c.at)).astype(float)
        xb = stat(runs((*c.at, *c.remove))).astype(float)
        effect = paired_effect(xa.to_numpy(), xb.to_numpy())
        lines.append(f"| {fact} | {channel} | {xa.mean():.3f} | {xb.mean():.3f} | {effect} |")
    return lines


def statics_lines(path: Path, sets: list[str], seeds: list[int], spec) -> list[str]:
    """The facts file's comparative statics in this scenario: one parameter at a time over
    its values, on top of its ``base`` changes and ``sets``, every value on ``seeds``
    (common random numbers); a share with its 95% Wilson interval, "survival" as
    :func:`~sim.validation.facts.outcomes` gives it."""
    measures = outcomes(spec)
    lines = ["| parameter (base) | value | outcome | measured |", "| --- | --- | --- | --- |"]
    for st in spec.statics:
        label, f = measures[st.outcome]
        at = f" ({', '.join(st.base)})" if st.base else ""
        for v in st.values:
            sc = load_scenario(path, [*sets, *st.base, f"{st.parameter}={v}"])
            d = pd.DataFrame([o.outcome for o in run_many(sc, seeds, engine="lockstep")])
            if st.outcome == "survival":
                text = f(d)
            else:
                hit = d.target_formed if st.outcome == "trilateral" else spec.within(d)
                text = prop(hit.astype(float))
            lines.append(f"| `{st.parameter}`{at} | {v:g} | {label} | {text} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = OneLineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--seeds", type=whole_number(1), default=1000)
    ap.add_argument("--root", type=whole_number(0), default=2024)
    ap.add_argument("--set", action="append", default=[], dest="sets")
    ap.add_argument("--players", default="USA,KOR,JPN", help="codes whose actions to list")
    ap.add_argument("--no-player", action="store_true", help="[us] player unset")
    ap.add_argument(
        "--channels", type=whole_number(0), default=0, help="seeds for 4.1's counterfactuals"
    )
    ap.add_argument(
        "--statics", type=whole_number(0), default=0, help="seeds for the comparative statics"
    )
    ap.add_argument(
        "--facts",
        type=Path,
        default=None,
        help="facts file (roles, channels, statics; default configs/validation/korea_2024.toml)",
    )
    args = ap.parse_args(argv)
    try:  # a bad scenario, --set or facts file: one line and exit 2, before any run
        path = scenario_file(args.scenario)
        scenario = load_scenario(path, args.sets)
        spec = load_facts() if args.facts is None else load_facts(args.facts)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.no_player:
        us = scenario.us.model_copy(update={"player": None})
        scenario = scenario.model_copy(update={"us": us})
    t0 = time.perf_counter()
    out = run_many(scenario, replicate_seeds(args.root, args.seeds), engine="lockstep")
    d = pd.DataFrame([o.outcome for o in out])
    took = time.perf_counter() - t0
    codes = tuple(c for c in args.players.split(",") if c in scenario.codes)
    keys = [c.removeprefix("level_end.") for c in d.columns if c.startswith("level_end.")]
    name = scenario.name + (" without a US player" if args.no_player else "")
    print(f"## {name}: {args.seeds} seeds (root {args.root}), 95% intervals, "
          f"{took:.0f} s on one process\n")  # fmt: skip
    print("\n".join(facts_lines(d, spec)), end="\n\n")
    print("\n".join(pact_lines(d, keys)), end="\n\n")
    if record := record_lines(d):
        print("\n".join(record), end="\n\n")
    if codes:
        print("\n".join(action_lines(d, codes)), end="\n\n")
    if args.channels:
        seeds = replicate_seeds(args.root, args.channels)
        print(f"Counterfactuals ({args.channels} seeds, paired):\n")
        print("\n".join(channel_lines(path, args.sets, seeds, spec)), end="\n\n")
    if args.statics:
        seeds = replicate_seeds(args.root, args.statics)
        print(f"Comparative statics ({args.statics} seeds per value, the same for each):\n")
        print("\n".join(statics_lines(path, args.sets, seeds, spec)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
