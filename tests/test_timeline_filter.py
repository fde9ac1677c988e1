"""Events name the states they involve; ``select`` and ``run.py simulate --about/--events``
keep the events of some states or kinds (the world's events stay with ``--about``)."""

from __future__ import annotations

import json

import pytest
from runcli import main

from sim.runner import run_model
from sim.timeline import GROUPS, Event, select

EVENTS = [
    Event(0, "2024-01", "talks", "talks under way on RUS-PRK treaty", ("RUS", "PRK")),
    Event(0, "2024-01", "action", "CHN -> PRK: aid (6 months)", ("CHN", "PRK")),
    Event(1, "2024-02", "switch", "rus_war switches regime"),  # the world's: no state
    Event(2, "2024-03", "relation", "CHN-RUS affinity +0.60 -> +0.70", ("CHN", "RUS")),
    Event(3, "2024-04", "refused", "CHN proposes ...: refused by RUS", ("CHN", "RUS", "PRK")),
]


def texts(events: list[Event]) -> list[str]:
    return [e.text for e in events]


def test_select_keeps_events_of_any_named_state_and_the_worlds():
    assert texts(select(EVENTS, {"CHN"})) == texts([EVENTS[i] for i in (1, 2, 3, 4)])
    assert texts(select(EVENTS, {"RUS", "PRK"})) == texts(EVENTS)  # every event has one
    assert texts(select(EVENTS, {"USA"})) == texts([EVENTS[2]])  # only the world's


def test_select_by_group_and_both():
    assert texts(select(EVENTS, groups={"drivers"})) == texts([EVENTS[2]])
    assert texts(select(EVENTS, groups={"pacts"})) == texts([EVENTS[0], EVENTS[4]])
    both = select(EVENTS, {"CHN"}, {"pacts", "relations"})  # the world's switch is a driver
    assert texts(both) == texts([EVENTS[3], EVENTS[4]])
    assert select(EVENTS) == EVENTS  # None keeps all
    assert {k for g in GROUPS.values() for k in g} == {
        "talks", "signed", "failed", "refused", "lowered", "left", "action", "action_end",
        "relation", "switch", "shock", "change", "occasion",
    }  # fmt: skip


def test_every_event_of_a_run_names_its_states(default_scenario):
    events = run_model(default_scenario, 3).events
    codes = {"CHN", "RUS", "PRK"}
    for e in events:
        if e.kind in GROUPS["drivers"]:
            assert e.states == (), e
            continue
        assert e.states and set(e.states) <= codes, e
        for code in e.states:  # every named state is in the text (its pact's key or pair)
            assert code in e.text, e
        if e.kind in ("action", "action_end", "relation"):
            assert len(e.states) == 2, e
    first = events[0]  # seed 3: the RUS-PRK treaty talks under way at the start
    assert first.text.startswith("talks under way on RUS-PRK") and first.states == ("RUS", "PRK")


def test_simulate_about_shows_only_those_states_and_the_world(capsys):
    assert main(["simulate", "--seed", "3", "--about", "CHN", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["events_about"] == ["CHN"] and report["event_groups"] is None
    assert report["events"], "seed 3 has events involving China"
    assert all(not e["states"] or "CHN" in e["states"] for e in report["events"])
    assert main(["simulate", "--seed", "3", "--about", "CHN", "--events", "actions"]) == 0
    out = capsys.readouterr().out
    assert "Timeline (actions involving CHN)" in out
    lines = [line for line in out.splitlines() if line.startswith("  20")]
    assert lines and all("CHN" in line and "->" in line for line in lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--about", "CHN,XXX"], "error: --about: unknown state XXX; expected codes of the "
         "scenario's states: CHN, RUS, PRK\n"),
        (["--events", "pact"], "argument --events: unknown group pact; expected some of "
         "pacts, actions, relations, drivers"),
    ],
)  # fmt: skip
def test_simulate_filter_errors_are_one_line_exit_2(capsys, args, message):
    try:
        code = main(["simulate", "--seed", "3", *args])
    except SystemExit as exc:  # argparse's own exit for a bad option value
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2
    assert out == "" and message in err and err.count("\n") == 1


def test_a_refusal_against_a_gain_says_chance_and_folds_with_the_others():
    """docs/model.md 3.4: refusing and walking out are logit choices, so a state can
    refuse a pact that gains it utility; the line then says so. Seed 3 of
    china_cool_2024 has both kinds (e.g. 2026-03: CHN refuses a partnership at dU +0.003)."""
    import re

    from sim.config import load_scenario
    from sim.timeline import collapse

    s = load_scenario("configs/scenarios/china_cool_2024.toml")
    events = run_model(s, 3).events
    why = re.compile(
        r"(\w{3}) \(dU ([+-]\d\.\d{3}): [^)]*?(; a gain, (refused|walked out) by chance)?\)"
    )
    seen = set()
    for e in events:
        if e.kind not in ("refused", "failed"):
            continue
        for _, du, chance, did in why.findall(e.text):
            gain = float(du) > 0
            assert bool(chance) == gain, e.text  # exactly the refusals against a gain
            if gain:
                assert did == ("refused" if e.kind == "refused" else "walked out"), e.text
            seen.add(gain)
    assert seen == {True, False}
    # whether a repeat was against a gain does not split its line
    a = Event(0, "2024-01", "refused", "X: refused by CHN (dU -0.004: security -0.004)")
    b = Event(
        5,
        "2024-06",
        "refused",
        "X: refused by CHN (dU +0.002: security +0.002; a gain, refused by chance)",
    )
    (row,) = collapse([a, b])
    assert row[1] == 2 and row[2] == "2024-06"


def test_a_move_at_a_loss_says_chance_and_one_month_is_singular(default_scenario):
    """Seed 3 of the default: China leaves its partnership with Russia at a loss (2028-02,
    gain -0.007: the proposer's logit choice among its moves) and talks fail after one
    month (2024-12); a move at a gain carries no such note."""
    events = run_model(default_scenario, 3).events
    moves = [e.text for e in events if e.kind in ("lowered", "left")]
    assert moves
    for text in moves:
        g = float(text.split("(gain ")[1][:6])
        assert ("; a loss, made by chance" in text) == (g < 0), text
    assert any("; a loss, made by chance" in t for t in moves)
    failed = [e.text for e in events if e.kind == "failed"]
    assert any(" fail after 1 month: " in t for t in failed)
    assert not any(" 1 months" in e.text for e in events)
