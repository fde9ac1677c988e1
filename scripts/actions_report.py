#!/usr/bin/env python3
"""Model v3's figures below the pact, with 95% intervals (docs/model.md 4.3):

    python scripts/actions_report.py [--seeds 1000] [--quick]

1. The default scenario: share of runs and median month of munitions flowing from North
   Korea to Russia, troops deployed, a China-North Korea summit, the China-North Korea
   treaty lowered or left, the Russia-North Korea treaty signed; China-North Korea summits
   per year, and the record's pattern of China-North Korea visits (one by 2024-06, none
   from 2024-07 to 2025-08 as the "friendship year" faded, one in 2025-09/10) in the
   default, the six-state scenario and the library's china_cool_2024: China's cool 2024
   and warmer 2025; who comes to each occasion (docs/model.md 3.15) of china_cool_2024 and
   the six-state scenario.
2. P(trilateral ever) across China's US-ties weight 0 .. 0.45.
3. P(trilateral ever) across the scenario library.

With ``--posterior DIR`` (a ``run.py calibrate configs/calibration/korea_2024.toml --out DIR``
folder) the record's visit pattern is also checked on the posterior: 200 parameter sets
drawn by weight, 5 fresh seeds each (seeds no generation and no predictive check used). The
pattern is not a calibration target, so this is an out-of-sample check. With
``--association A [A ...]`` the pattern is also given at those values of ``us.association``
(guilt by association, docs/model.md 3.8; 0 in the scenario), with ``--set PATH=VALUE``
(repeatable) applied to those runs too, e.g. ``--set shocks.0.add=0.8`` for a larger 2025
tariff shock.

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
from sim.calibration.spec import load_calibration  # noqa: E402
from sim.commands import OneLineParser, whole_number  # noqa: E402
from sim.config import load_scenario  # noqa: E402
from sim.errors import ConfigError  # noqa: E402
from sim.runner import run_many, run_table  # noqa: E402
from sim.scenarios import scenario_names, scenario_path  # noqa: E402
from sim.seeds import replicate_seeds  # noqa: E402
from sim.validation.facts import load_facts  # noqa: E402
from sim.validation.record import (  # noqa: E402
    ALL_WINDOWS,
    guest_came,
    pattern_table,
    posterior_sets,
    posterior_visits,
    record_pattern,
    scenario_visits,
    share_text,
    summits_per_year,
)

DEFAULT = ROOT / "configs" / "scenarios" / "korea_2024.toml"
SIX = ROOT / "configs" / "scenarios" / "northeast_asia_2024.toml"
COOL = ROOT / "configs" / "scenarios" / "china_cool_2024.toml"  # occasions, association
CALIBRATION = ROOT / "configs" / "calibration" / "korea_2024.toml"
ROOT_SEED = 20240619
WEIGHTS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.45)


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


ROW = load_facts().record  # the record row: China-North Korea visits (the facts file)


def visits(path: Path, n: int, overrides: tuple[str, ...] = ()) -> np.ndarray:
    """``(runs, rounds)`` bool over the scenario's whole horizon: a China-North Korea
    summit taken that month, either way (:mod:`sim.validation.record`)."""
    scenario = load_scenario(path, list(overrides))
    return scenario_visits(scenario, replicate_seeds(ROOT_SEED, n), ROW, scenario.rounds)


def association_table(values: list[float], n: int, extra: tuple[str, ...] = ()) -> list[str]:
    """Markdown rows: the record's visit pattern in korea_2024 at each ``us.association``
    (docs/model.md 3.8, "Guilt by association"), with the mean visits of 2024 and 2025;
    ``extra`` overrides (``PATH=VALUE``) apply to every row."""
    names = [w.label for w in ROW.windows] + [ALL_WINDOWS]
    short = [name.split(" (")[0] for name in names]  # the labels without their notes
    rows = ["| us.association | " + " | ".join(short) + " | visits 2024 | visits 2025 |",
            "|" + " --- |" * (len(short) + 3)]  # fmt: skip
    for v in values:
        taken = visits(DEFAULT, n, (*extra, f"us.association={v}"))
        parts = record_pattern(taken, ROW)
        per_year = summits_per_year(taken)
        cells = [share_text(parts[name]) for name in names]
        rows.append(
            f"| {v:g} | " + " | ".join(cells) + f" | {per_year[0]:.2f} | {per_year[1]:.2f} |"
        )
    return rows


def attendance(path: Path, n: int) -> list[str]:
    """Markdown rows: for each occasion of the scenario and each guest, the share of runs
    in which the guest took an invited kind toward the host that month (runs as long as
    the last occasion needs, so their random numbers differ from the 84-month runs')."""
    scenario = load_scenario(path)
    rounds = max(o.at for o in scenario.occasions) + 1
    runs = run_many(scenario, replicate_seeds(ROOT_SEED, n), rounds, series=True)
    rows = ["| occasion | month | guest -> host | came |", "| --- | --- | --- | --- |"]
    for o in scenario.occasions:
        for g in o.guests:
            came = guest_came([r.series for r in runs], o, g)
            when = round_date(scenario.start, o.at)
            rows.append(f"| {o.label} | {when} | {g} -> {o.host} | {share_text(came)} |")
    return rows


def checked_posterior(folder: Path):
    """korea_2024's calibration, if ``folder`` holds a posterior of it (a table with its
    parameters and positive weights); raises ConfigError naming the folder."""
    cal = load_calibration(CALIBRATION)
    table = folder / "posterior.parquet"
    expected = (
        f"expected a korea_2024 calibration's output folder with posterior.parquet "
        f"(run.py calibrate {CALIBRATION.relative_to(ROOT)} --out DIR)"
    )
    if not table.is_file():
        found = "no such folder" if not folder.is_dir() else "no posterior.parquet in it"
        raise ConfigError(f"--posterior {folder}", None, f"{found}; {expected}")
    try:
        post = pd.read_parquet(table)
    except (OSError, ValueError) as exc:
        raise ConfigError(str(table), None, f"not a readable table ({exc}); {expected}") from None
    missing = [p for p in [*cal.parameters, "weight"] if p not in post]
    if missing or post["weight"].sum() <= 0:
        found = f"no column {', '.join(missing)}" if missing else "no positive weight"
        raise ConfigError(str(table), None, f"{found}; {expected}")
    return cal


def _arguments() -> argparse.Namespace:
    ap = OneLineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=whole_number(1), default=1000)
    ap.add_argument("--quick", action="store_true", help="60 seeds")
    ap.add_argument("--posterior", type=Path, help="a korea_2024 calibration's output folder")
    ap.add_argument("--association", type=float, nargs="+", metavar="A",
                    help="also the visit pattern at these values of us.association")  # fmt: skip
    ap.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE",
                    help="with --association: a value for those runs (repeatable)")  # fmt: skip
    return ap.parse_args()


def _below_the_pact(n: int, seeds: list[int]) -> None:
    """The default scenario's events below the pact (docs/model.md 4.3)."""
    s = load_scenario(DEFAULT)
    t = run_table(s, seeds)
    print(f"## Below the pact: default scenario, {n} seeds (95% intervals)\n")
    print("| event | share of runs | median month [95% rank interval, rounds] |")
    print("| --- | --- | --- |")
    for name, (happened, first) in events(t).items():
        when = "" if first is None else median_month(first, s.start)
        print(f"| {name} | {share_text(happened)} | {when} |")


def _visits(args: argparse.Namespace, n: int, cal) -> None:
    """Summits per year, the record's visit pattern (and the posterior's), attendance."""
    taken = {
        name: visits(path, n)
        for name, path in (
            ("korea_2024", DEFAULT),
            ("northeast_asia_2024", SIX),
            ("china_cool_2024", COOL),
        )
    }
    for name in taken:
        per_year = enumerate(summits_per_year(taken[name]))
        years = ", ".join(f"{2024 + y}: {v:.2f}" for y, v in per_year)
        print(f"\nChina-North Korea summits per year in {name}, either way (mean over runs): "
              f"{years}")  # fmt: skip
    print()
    print(f"## The record's China-North Korea visits, {n} seeds (either direction)\n")
    clusters = {}  # the posterior's runs come 5 per parameter set
    if args.posterior is not None:
        sets = 20 if args.quick else 200
        column = "korea_2024 posterior (fresh runs)"
        taken[column] = posterior_visits(cal, args.posterior, ROW, sets, 5)
        clusters[column] = posterior_sets(sets, 5)
    print("\n".join(pattern_table(taken, ROW, clusters)) + "\n")
    for name, path in (("china_cool_2024", COOL), ("northeast_asia_2024", SIX)):
        print(f"## Who comes to each occasion in {name}, {n} seeds\n")
        print("\n".join(attendance(path, n)) + "\n")
    if args.association:
        with_sets = "".join(f", {x}" for x in args.sets)
        print(f"## The record's visits by us.association (korea_2024{with_sets}), {n} seeds\n")
        print("\n".join(association_table(args.association, n, tuple(args.sets))) + "\n")


def _trilateral(n: int, seeds: list[int]) -> None:
    """P(trilateral ever) by China's US-ties weight and across the scenario library."""
    print(f"## P(trilateral ever) by China's US-ties weight, {n} seeds\n")
    print("| states.CHN.weights.us_ties | P(trilateral ever) |")
    print("| --- | --- |")
    for w in WEIGHTS:
        tw = run_table(load_scenario(DEFAULT, [f"states.CHN.weights.us_ties={w}"]), seeds)
        print(f"| {w:g} | {share_text(tw['target_formed'].astype(bool))} |")
    print(f"\n## P(trilateral ever) across the scenario library, {n} seeds\n")
    print("| scenario | P(trilateral ever) | P(RUS-PRK active at the end) |")
    print("| --- | --- | --- |")
    for name in scenario_names():
        tl = run_table(load_scenario(scenario_path(name)), seeds)
        active = tl["level_end.RUS-PRK"] > 0
        print(f"| {name} | {share_text(tl['target_formed'].astype(bool))} | {share_text(active)} |")


def main() -> None:
    args = _arguments()
    try:  # a bad --set or --posterior is one line and exit 2, before any run
        load_scenario(DEFAULT, args.sets)
        cal = None if args.posterior is None else checked_posterior(args.posterior)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    n = 60 if args.quick else args.seeds
    seeds = replicate_seeds(ROOT_SEED, n)
    _below_the_pact(n, seeds)
    _visits(args, n, cal)
    _trilateral(n, seeds)


if __name__ == "__main__":
    main()
