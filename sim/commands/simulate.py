"""``run.py simulate``: one run of a scenario, told month by month.

Prints a dated timeline (proposals, acceptances, refusals with the deciding utility
difference, exits, driver regime switches and shocks) and a final summary; ``--json``
prints one JSON object instead; ``--series FILE`` writes the per-round records;
``--plot FILE`` draws the run. ``--about CODES`` and ``--events GROUPS`` keep the events of
some states or of some kinds (a six-state run has many).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

from sim.commands import whole_number
from sim.defaults import DEFAULT_SCENARIO, DEFAULT_SEED

ROOT = Path(__file__).resolve().parents[2]


_non_negative = whole_number(0)
_positive = whole_number(1)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` subcommand."""
    p = subparsers.add_parser(
        "simulate",
        help="run one scenario for one seed and print its timeline",
        description="Run one scenario for one seed and tell, month by month, what happened.",
    )
    p.add_argument(
        "--scenario",
        default=DEFAULT_SCENARIO,
        metavar="NAME|FILE",
        help="a library scenario's name (configs/scenarios; a wrong name lists them) or a "
        f"scenario TOML file (default: {DEFAULT_SCENARIO})",
    )
    p.add_argument(
        "--seed", type=_non_negative, default=DEFAULT_SEED, metavar="N",
        help=f"the run's seed (default {DEFAULT_SEED})",
    )  # fmt: skip
    p.add_argument(
        "--rounds", type=_positive, default=None, metavar="N",
        help="months to simulate (default: the scenario's)",
    )  # fmt: skip
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario field by dotted path or headline parameter, e.g. "
        "states.<STATE>.weights.us_ties=0 or <state>_us_ties=0 (repeatable)",
    )
    p.add_argument(
        "--about", type=_codes, default=None, metavar="CODES",
        help="only the events involving any of these states (the scenario's codes, "
        "comma-separated); driver switches, shocks and dated changes are kept",
    )  # fmt: skip
    p.add_argument(
        "--events", type=_groups, default=None, metavar="GROUPS",
        help="only these kinds of event, comma-separated: pacts (talks, signatures, refusals, "
        "exits), actions, relations, drivers (default: all)",
    )  # fmt: skip
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--series",
        type=Path,
        default=None,
        metavar="FILE",
        help="write per-round records (.csv/.parquet)",
    )
    p.add_argument(
        "--plot", type=Path, default=None, metavar="FILE", help="draw the run (.png/.svg/.pdf)"
    )


def run(args: argparse.Namespace) -> int:
    """Run, print, write; return the exit code."""
    from sim.config import ConfigError, load_scenario
    from sim.scenarios import scenario_file

    for target, exts in (
        (args.series, (".csv", ".parquet")),
        (args.plot, (".png", ".svg", ".pdf")),
    ):
        if target is not None and target.suffix.lower() not in exts:
            print(
                f"error: {target}: expected a file ending in {' or '.join(exts)}", file=sys.stderr
            )
            return 2
        problem = _unwritable(target) if target is not None else None
        if problem:
            print(f"error: {target}: {problem}", file=sys.stderr)
            return 2
    limit = max_rounds()
    if args.rounds is not None and args.rounds > limit:
        print(f"error: --rounds: expected a number <= {limit}, got {args.rounds}", file=sys.stderr)
        return 2
    try:
        scenario = load_scenario(scenario_file(args.scenario), args.overrides)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _note_late_entries(scenario, args.rounds)
    codes = list(scenario.states)
    unknown = sorted(set(args.about or ()) - set(codes))
    if unknown:
        print(f"error: --about: unknown state {', '.join(unknown)}; expected codes of the "
              f"scenario's states: {', '.join(codes)}", file=sys.stderr)  # fmt: skip
        return 2
    from sim.records import outcomes
    from sim.runner import model_series, run_model, scenario_info

    model = run_model(scenario, args.seed, args.rounds)
    (outcome,) = outcomes(model.history(), model.schedule.recorded)
    series = model_series(model) if (args.series or args.plot) else None
    label = ", ".join(args.overrides)
    written = [] if args.series is None else [args.series]
    try:
        if args.series is not None:
            _write_table(series, args.series)
        if args.plot is not None:
            written += _plot(series, scenario_info(scenario), args.plot, args.seed, label)
    except OSError as exc:
        print(f"error: {_write_failure(exc)}", file=sys.stderr)
        return 2
    report = build_report(model, outcome, args.seed, args.about, args.events)
    report["overrides"] = list(args.overrides)
    if args.json:
        print(json.dumps(report, indent=2, allow_nan=False))
    else:
        print(format_report(model, report))
        for path in written:
            print(f"wrote {path}")
    return 0


def max_rounds() -> int:
    """The most months a run may have: the scenario schema's bound on ``rounds``."""
    from sim.schema import Scenario

    bounds = [getattr(m, "le", None) for m in Scenario.model_fields["rounds"].metadata]
    return int(next((b for b in bounds if b is not None), 1200))


def build_report(model, outcome: dict, seed: int, about: set[str] | None = None,
                 groups: set[str] | None = None) -> dict:  # fmt: skip
    """The JSON-serialisable summary of one run (its events those of :func:`sim.timeline.select`
    for ``about`` and ``groups``, None: all)."""
    from sim.timeline import select

    p = model.params
    pacts = []
    for key in p.space.keys:
        pacts.append(
            {
                "members": key.split("-"),
                "first_round": outcome[f"first_round.{key}"],
                "rounds_active": outcome[f"rounds_active.{key}"],
                "level_end": p.level_names[outcome[f"level_end.{key}"]],
            }
        )
    final = [
        {"members": key.split("-"), "level": p.level_names[int(lv)]}
        for key, lv in zip(p.space.keys, model.levels, strict=True)
        if lv > 0
    ]
    shares = {
        k.removeprefix("support_share_end."): (None if math.isnan(v) else round(v, 6))
        for k, v in outcome.items()
        if k.startswith("support_share_end.")
    }
    return {
        "scenario": model.config.name,
        "seed": seed,
        "rounds": model.round,
        "trilateral": p.space.keys[p.target],
        "target_formed": outcome["target_formed"],
        "target_round": outcome["target_round"],
        "pacts": pacts,
        "final_pacts": final,
        "final_stable": outcome["final_stable"],
        "final_utility": {c: round(outcome[f"utility_end.{c}"], 6) for c in p.codes},
        "support_share_end": shares,
        "events_about": None if about is None else sorted(about),
        "event_groups": None if groups is None else sorted(groups),
        "events": [e.to_dict() for e in select(model.events, about, groups)],
    }


def timeline_lines(events: list) -> list[str]:
    """One line per event, repeats folded into the first with a count and a last date."""
    from sim.timeline import collapse

    out = []
    for e, count, last in collapse(events):
        again = f"  [x{count}, last {last}]" if count > 1 else ""
        out.append(f"  {e.date}  {e.text}{again}")
    return out


def _note_late_entries(scenario, rounds: int | None) -> None:
    """One stderr line per dated entry after the run's last month (it acts in no run of
    that length; stderr, so --json keeps stdout clean)."""
    from sim.changes import after_horizon

    for line in after_horizon(scenario, rounds):
        print(f"note: {line}", file=sys.stderr)


def format_report(model, report: dict) -> str:
    """Human-readable timeline and summary."""
    from sim.calendar import round_date
    from sim.timeline import select

    sc = model.config
    start = sc.start
    end = round_date(start, report["rounds"] - 1)
    lines = [
        f"{sc.name}: {sc.description}",
        f"seed {report['seed']}, {report['rounds']} months ({start} .. {end})",
        *([f"overrides: {', '.join(report['overrides'])}"] if report.get("overrides") else []),
        "",
        "Timeline",
    ]
    about, groups = report.get("events_about"), report.get("event_groups")
    if about or groups:
        who = ", ".join(about or ["any state"])
        lines[-1] = f"Timeline ({', '.join(groups or ['all events'])} involving {who})"
    shown = select(model.events, about and set(about), groups and set(groups))
    lines += timeline_lines(shown) or ["  (nothing happened)"]
    lines += ["", "Summary"]
    tri = report["trilateral"]
    if report["target_formed"]:
        when = round_date(start, report["target_round"])
        lines.append(f"  trilateral {tri}: FORMED in {when} (round {report['target_round']})")
    else:
        lines.append(f"  trilateral {tri}: never formed")
    lines.append("  pacts (first month active, months active, level at end):")
    for pact in report["pacts"]:
        key = "-".join(pact["members"])
        first = "never" if pact["first_round"] is None else round_date(start, pact["first_round"])
        lines.append(
            f"    {key:<14} {first:>7}  {pact['rounds_active']:>3} months  {pact['level_end']}"
        )
    final = ", ".join(f"{'-'.join(x['members'])} {x['level']}" for x in report["final_pacts"])
    stable = "stable" if report["final_stable"] else "not stable"
    lines.append(f"  final configuration: {final or 'no pacts'} ({stable})")
    util = ", ".join(f"{c} {u:+.3f}" for c, u in report["final_utility"].items())
    lines.append(f"  final utility: {util}")
    return "\n".join(lines)


def _codes(text: str) -> set[str]:
    """``--about``: comma-separated state codes."""
    codes = {c.strip() for c in text.split(",") if c.strip()}
    if not codes:
        raise argparse.ArgumentTypeError("expected comma-separated state codes of the scenario")
    return codes


def _groups(text: str) -> set[str]:
    """``--events``: comma-separated groups of :data:`sim.timeline.GROUPS`."""
    from sim.timeline import GROUPS

    groups = {g.strip() for g in text.split(",") if g.strip()}
    bad = sorted(groups - set(GROUPS))
    if bad or not groups:
        raise argparse.ArgumentTypeError(
            f"unknown group {', '.join(bad) or '(none)'}; expected some of {', '.join(GROUPS)}"
        )
    return groups


def _unwritable(path: Path) -> str | None:
    """Why ``path`` cannot be written (checked before the run), or None."""
    if path.is_dir():
        return "is a directory, expected a file name"
    ancestor = path.absolute().parent  # missing folders are created, under a writable one
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return f"{ancestor} is a file, expected a folder"
    if not os.access(ancestor, os.W_OK):
        return f"cannot create or write in {ancestor}"
    return None


def _write_failure(exc: OSError) -> str:
    """'cannot write F: why' (a WriteError of sim.files says so already)."""
    from sim.files import WriteError

    return (
        str(exc) if isinstance(exc, WriteError) else f"cannot write {exc.filename}: {exc.strerror}"
    )


def _write_table(frame, path: Path) -> None:
    from sim.files import write_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))
    else:
        write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))


def _plot(series, info: dict, path: Path, seed: int, overrides: str = "") -> list[Path]:
    """The run's figure at ``path`` and, with actions, their timeline beside it
    (``<stem>_actions<suffix>``); returns the paths written."""
    import matplotlib

    matplotlib.use("Agg")

    from sim.plots import save_figure
    from sim.plots.single import plot_single_run

    title = f"{info['name']}, seed {seed}" + (f" ({overrides})" if overrides else "")
    save_figure(plot_single_run(series, info, title=title), path)
    if any(c.startswith("action.") for c in series.columns):  # model v3: actions by pair
        from sim.plots.actions import plot_action_timeline

        where = path.with_name(f"{path.stem}_actions{path.suffix}")
        fig = plot_action_timeline(series, info.get("cameo", {}), title=f"{title}: actions")
        save_figure(fig, where)
        return [path, where]
    return [path]
