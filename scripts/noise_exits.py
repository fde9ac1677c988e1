#!/usr/bin/env python3
"""How many lowerings and exits of a pact are the logit choice's noise?

    python scripts/noise_exits.py [--seeds 1000] [--pact RUS-PRK] [--temperature T ...]

Runs a scenario (default ``korea_2024``) on the Mesa engine, one run per seed, and reads
each run's timeline (docs/model.md 3.13): a proposer lowers or leaves a pact "by chance"
when its gain is below the move's exit threshold (``negotiation.exit_threshold``: the
status quo was worth more, so only the logit choice's noise picks the move, 3.4). Prints,
per negotiation temperature and per period (the record's 2024-2025, then 2026 on), the
lowerings and exits of ``--pact``, the share of them made by chance, and the share of runs
with at least one of each kind (95% Wilson intervals). Docs: docs/model.md 4.2.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.commands import OneLineParser, whole_number  # noqa: E402
from sim.config import load_scenario  # noqa: E402
from sim.errors import ConfigError  # noqa: E402
from sim.rules.compile import compile_params  # noqa: E402
from sim.runner import run_model  # noqa: E402
from sim.scenarios import scenario_file  # noqa: E402
from sim.seeds import replicate_seeds  # noqa: E402
from sim.validation.record import share_text  # noqa: E402

ROOT_SEED = 20240619  # the Russia-North Korea treaty's date (any value, fixed)
RECORD_END = 23  # round of 2025-12, the record's last month
MOVED = re.compile(r"(?:lowers|leaves) (\S+)")  # the pact a timeline line lowers or leaves


def exits(scenario, seeds: list[int], pact: str) -> dict[str, np.ndarray]:
    """Per run and period: counts of the pact's lowerings/exits by chance and with reason."""
    out = {k: np.zeros(len(seeds), int) for k in ("chance_r", "reason_r", "chance_l", "reason_l")}
    for r, seed in enumerate(seeds):
        for e in run_model(scenario, seed, detail=False).events:
            m = MOVED.search(e.text)
            if e.kind not in ("lowered", "left") or m is None or m.group(1) != pact:
                continue
            period = "r" if e.round <= RECORD_END else "l"
            out[("chance_" if "by chance" in e.text else "reason_") + period][r] += 1
    return out


def rows(path: Path, sets: list[str], temperatures: list[float | None], n: int, pact: str):
    seeds = replicate_seeds(ROOT_SEED, n)
    lines = [
        "| temperature | period | lowerings and exits | by chance | runs with one by chance "
        "| runs with one for a reason |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for t in temperatures:
        extra = [] if t is None else [f"negotiation.temperature={t}"]
        scenario = load_scenario(path, [*sets, *extra])
        c = exits(scenario, seeds, pact)
        shown = f"{scenario.negotiation.temperature:g}"
        for period, label in (("r", "2024-2025"), ("l", "2026 on")):
            chance, reason = c[f"chance_{period}"], c[f"reason_{period}"]
            total = int(chance.sum() + reason.sum())
            share = f"{chance.sum() / total:.2f}" if total else "-"
            lines.append(
                f"| {shown} | {label} | {total} | {share} | {share_text(chance > 0)} "
                f"| {share_text(reason > 0)} |"
            )
    return lines


def main() -> int:
    ap = OneLineParser(prog="noise_exits.py", description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=whole_number(1), default=1000)
    ap.add_argument("--quick", action="store_true", help="20 seeds")
    ap.add_argument("--scenario", default="korea_2024", help="a scenario file or name")
    ap.add_argument("--pact", default="RUS-PRK", help="a pact key, e.g. RUS-PRK")
    ap.add_argument("--temperature", type=float, nargs="+", default=[None],
                    help="negotiation temperatures (default: the scenario's)")  # fmt: skip
    ap.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE")
    args = ap.parse_args()
    n = 20 if args.quick else args.seeds
    try:  # a bad scenario, --set, temperature or pact: one line and exit 2, before any run
        path = scenario_file(args.scenario)
        for t in args.temperature:
            extra = [] if t is None else [f"negotiation.temperature={t}"]
            scenario = load_scenario(path, [*args.sets, *extra])
        known = compile_params(scenario).space.keys
        if args.pact not in known:
            raise ConfigError("--pact", "", f"one of {list(known)}", args.pact)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"## {scenario.name}: lowerings and exits of {args.pact}, {n} seeds\n")
    print("\n".join(rows(path, args.sets, args.temperature, n, args.pact)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
