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


def test_a_refusal_names_the_decisions_own_gain_and_says_chance_only_above_the_cost():
    """docs/model.md 3.3-3.4: a member agrees to open talks (and stays in them) with the
    logit probability of its gain minus the formation cost. A refusal's dU is the gain the
    decision read (the month's context at its start, before the month's actions: seed 1
    of the default, 2025-10, PRK refuses at +0.0098 where the end of the month reads
    -0.005); "by chance" only where dU exceeds the cost (china_cool_2024 seed 3, 2026-03:
    CHN refuses at +0.003, below the 0.010 cost: the likelier answer, not chance)."""
    import re

    from sim.config import load_scenario
    from sim.model import DiplomacyModel
    from sim.timeline import collapse

    why = re.compile(r"(\w{3}) \(dU ([+-]\d\.\d{3}): [^;)]*(; [^)]*)?\)")
    seen = set()
    for name, seed in (("configs/scenarios/korea_2024.toml", 1),
                       ("configs/scenarios/china_cool_2024.toml", 3)):  # fmt: skip
        s = load_scenario(name)
        cost = s.negotiation.formation_cost
        model = DiplomacyModel(s, rng=seed, detail=False)
        while model.running:
            n = len(model.events)
            model.step()
            gains = model.last.gains[0]
            for e in model.events[n:]:
                if e.kind not in ("refused", "failed"):
                    continue
                did = "refused" if e.kind == "refused" else "walked out"
                for code, du, note in why.findall(e.text):
                    g = float(du)
                    if e.kind == "refused":  # the decision's own gain
                        assert g == pytest.approx(gains[model.params.codes.index(code)],
                                                  abs=5e-4), e.text  # fmt: skip
                    if g > cost + 5e-4:
                        assert note == f"; a net gain, {did} by chance", e.text
                        seen.add("chance")
                    elif 5e-4 < g < cost - 5e-4:
                        assert note == f"; below its {cost:.3f} formation cost", e.text
                        seen.add("below")
                    elif g < -5e-4:
                        assert note == "", e.text
    assert seen == {"chance", "below"}
    # whether a repeat was against a gain does not split its line
    a = Event(0, "2024-01", "refused", "X: refused by CHN (dU -0.004: security -0.004)")
    b = Event(
        5,
        "2024-06",
        "refused",
        "X: refused by CHN (dU +0.012: security +0.012; a net gain, refused by chance)",
    )
    c = Event(
        7,
        "2024-08",
        "refused",
        "X: refused by CHN (dU +0.002: security +0.002; below its 0.010 formation cost)",
    )
    (row,) = collapse([a, b, c])
    assert row[1] == 3 and row[2] == "2024-08"


def test_a_move_that_does_not_cover_its_exit_cost_says_chance_and_one_month_is_singular(
    default_scenario,
):
    """Seed 3 of the default: lowering or leaving is worth its gain minus the exit
    threshold (0.03) against the status quo's 0, so a move below that cost was the
    proposer's logit noise: PRK lowers RUS-PRK at +0.001 (2024-10), China leaves its
    partnership with Russia at -0.007 (2028-02); talks fail after one month (2024-12)."""
    events = run_model(default_scenario, 3).events
    cost = default_scenario.negotiation.exit_threshold
    moves = [e.text for e in events if e.kind in ("lowered", "left")]
    assert moves
    for text in moves:
        g = float(text.split("(gain ")[1][:6])
        if g < 0:
            assert "; a loss, made by chance" in text, text
        elif g < cost:
            assert f"; below its {cost:.3f} exit cost, made by chance" in text, text
        else:
            assert "by chance" not in text, text
    assert any("; a loss, made by chance" in t for t in moves)
    assert any("exit cost, made by chance" in t for t in moves)
    failed = [e.text for e in events if e.kind == "failed"]
    assert any(" fail after 1 month: " in t for t in failed)
    assert not any(" 1 months" in e.text for e in events)


@pytest.mark.parametrize("seed", [0, 3])
def test_every_action_taken_is_told_once_renewals_included(seed):
    """docs/model.md 3.13: the timeline tells each action taken, in its month, including
    one renewed as it lapsed (in force the month before and after, so "started" alone would
    miss it): per month, the action lines equal the run's ``taken.*`` columns."""
    import numpy as np

    import sim

    frame = sim.simulate("korea_2024", seed=seed, rounds=24)
    taken = frame[[c for c in frame.columns if c.startswith("taken.")]].to_numpy(int).sum(axis=1)
    told = np.zeros(24, dtype=int)
    for e in frame.attrs["events"]:
        if e["kind"] == "action" and not e["text"].endswith("in force at the start"):
            told[e["round"]] += 1
    assert taken.sum() > 0 and told.tolist() == taken.tolist()
    assert any("renewed" in e["text"] for e in frame.attrs["events"])
