"""Occasions (docs/model.md 3.15): a host's dated invitation makes a guest's visit worth a
one-off bonus to both sides that month, and reopens a visit declined lately."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.config import ConfigError, load_scenario
from sim.rules.actions import occasion_bonus
from sim.rules.compile import compile_params
from sim.rules.stack import Unstackable, stack_params
from sim.runner import run_many, run_model
from tests import runcli
from tests.test_actions import ROOT_SCENARIO, two_kinds

GRID = Path(__file__).resolve().parents[1] / "scripts" / "occasions_grid.py"
CHN, RUS, PRK = 0, 1, 2
SUMMIT = 3  # korea_2024's kinds: munitions, technology, troops, summit, aid, cover


def _occasion(at: str = "2024-05", bonus: float = 1.0, guests: str = '["CHN"]') -> str:
    return f'occasions=[{{at="{at}", host="PRK", guests={guests}, bonus={bonus}}}]'


def test_the_bonus_falls_only_in_its_round_and_only_on_its_actions():
    slots = np.zeros((1, 2, 2, 2), dtype=bool)
    slots[0, 0, 1, 0] = True  # guest 0 -> host 1, kind 0
    a = two_kinds(occasion_at=np.array([5]), occasion_slots=slots, occasion_bonus=np.array([0.03]))
    assert occasion_bonus(a, 4) is None
    assert occasion_bonus(a, 6) is None
    at5 = occasion_bonus(a, 5)
    expected = np.zeros((2, 2, 2))
    expected[0, 1, 0] = 0.03
    assert np.array_equal(at5, expected)


def test_two_occasions_in_one_round_add_up_and_a_stacked_bonus_is_per_run():
    slots = np.zeros((2, 2, 2, 2), dtype=bool)
    slots[0, 0, 1, 0] = slots[1, 0, 1, 0] = slots[1, 1, 0, 1] = True
    a = two_kinds(occasion_at=np.array([3, 3]), occasion_slots=slots,
                  occasion_bonus=np.array([0.01, 0.02]))  # fmt: skip
    out = occasion_bonus(a, 3)
    assert out[0, 1, 0] == pytest.approx(0.03, abs=1e-15)
    assert out[1, 0, 1] == 0.02 and out.sum() == pytest.approx(0.05, abs=1e-15)
    stacked = dataclasses.replace(a, occasion_bonus=np.array([[0.01, 0.02], [0.0, 0.5]]))
    per_run = occasion_bonus(stacked, 3)  # (B=2, N, N, K)
    assert per_run.shape == (2, 2, 2, 2)
    assert per_run[0, 0, 1, 0] == pytest.approx(0.03, abs=1e-15)
    assert per_run[1, 0, 1, 0] == 0.5 and per_run[1, 1, 0, 1] == 0.5


def test_an_occasion_compiles_to_its_guests_actions_toward_the_host():
    s = load_scenario(ROOT_SCENARIO, [_occasion(guests='["CHN", "RUS"]', bonus=0.02)])
    a = compile_params(s).actions
    assert a.occasion_at.tolist() == [4]  # 2024-05 is round 4
    assert a.occasion_bonus.tolist() == [0.02]
    invited = np.argwhere(a.occasion_slots[0])
    assert invited.tolist() == [[CHN, PRK, SUMMIT], [RUS, PRK, SUMMIT]]  # the default kind


def _summit_rounds(occasion: str, seeds: list[int], engine: str = "lockstep"):
    """``(taken, on)`` of the China -> North Korea summit, ``(runs, rounds)`` each."""
    s = load_scenario(ROOT_SCENARIO, [occasion])
    runs = run_many(s, seeds, 8, series=True, engine=engine)
    taken = np.array([r.series["taken.summit.CHN>PRK"].to_numpy(bool) for r in runs])
    on = np.array([r.series["action.summit.CHN>PRK"].to_numpy(bool) for r in runs])
    return taken, on


def test_a_guest_comes_whenever_it_can_at_a_bonus_far_above_the_noise():
    """Bonus 1 utility at the scenario's action temperature 0.0005: both sides agree with
    probability 1 (logit of +2000), so at round 4 the summit is taken in every run where
    it is not still in force, including runs that declined it lately (reopened)."""
    seeds = list(range(60))
    taken, on = _summit_rounds(_occasion(bonus=1.0), seeds)
    still_on = on[:, 3] & on[:, 4] & ~taken[:, 4]  # in force from before: not open
    assert np.all(taken[:, 4] | still_on)
    base_taken, base_on = _summit_rounds(_occasion(bonus=0.0), seeds)
    base_open = ~(base_on[:, 3] & base_on[:, 4] & ~base_taken[:, 4])
    assert base_open.sum() > base_taken[:, 4].sum()  # without it some open runs stay away
    # before its month the occasion changes nothing
    assert np.array_equal(taken[:, :4], base_taken[:, :4])


def test_a_bonus_of_zero_changes_no_row():
    """A bonus of 0 invites nothing (no visit reopened, gains + 0): the same rows as
    without the occasion, in both engines."""
    s0 = load_scenario(ROOT_SCENARIO)
    s1 = load_scenario(ROOT_SCENARIO, [_occasion(bonus=0.0)])
    for engine in ("lockstep", "mesa"):
        a = run_many(s0, [1, 2, 3], 12, engine=engine)
        b = run_many(s1, [1, 2, 3], 12, engine=engine)
        for x, y in zip(a, b, strict=True):
            assert x.outcome == y.outcome


def test_the_two_engines_agree_with_an_occasion():
    s = load_scenario(ROOT_SCENARIO, [_occasion(bonus=0.004)])
    lock = run_many(s, [5, 6, 7], 10, series=True)
    mesa = run_many(s, [5, 6, 7], 10, series=True, engine="mesa")
    for x, y in zip(lock, mesa, strict=True):
        assert x.outcome == y.outcome
        assert x.series.equals(y.series)


def test_points_share_their_occasions_months_but_not_their_bonus():
    p1 = compile_params(load_scenario(ROOT_SCENARIO, [_occasion(bonus=0.01)]))
    p2 = compile_params(load_scenario(ROOT_SCENARIO, [_occasion(bonus=0.03)]))
    stacked = stack_params([p1, p2], [2, 1])
    assert stacked.actions.occasion_bonus.tolist() == [[0.01], [0.01], [0.03]]
    p3 = compile_params(load_scenario(ROOT_SCENARIO, [_occasion(at="2024-06")]))
    with pytest.raises(Unstackable):
        stack_params([p1, p3], [1, 1])


@pytest.mark.parametrize(
    ("occasion", "field"),
    [
        ('[{at="2024-05", host="USA", guests=["CHN"], bonus=0.01}]', "occasions.0.host"),
        ('[{at="2024-05", host="PRK", guests=["PRK"], bonus=0.01}]', "occasions.0.guests"),
        (
            '[{at="2024-05", host="PRK", guests=["CHN"], kinds=["gifts"], bonus=0.01}]',
            "occasions.0.kinds",
        ),
        # troops may go only North Korea -> Russia (the kind's dyads)
        (
            '[{at="2024-05", host="PRK", guests=["CHN"], kinds=["troops"], bonus=0.01}]',
            "occasions.0.guests",
        ),
        ('[{at="2023-05", host="PRK", guests=["CHN"], bonus=0.01}]', "occasions.0.at"),
        ('[{at="2024-05", host="PRK", guests=["CHN"], bonus=-0.01}]', "occasions.0.bonus"),
        ('[{at="2024-05", host="PRK", guests=[], bonus=0.01}]', "occasions.0.guests"),
    ],
)
def test_a_bad_occasion_names_its_field(occasion, field):
    with pytest.raises(ConfigError) as err:
        load_scenario(ROOT_SCENARIO, [f"occasions={occasion}"])
    assert field in str(err.value)


def test_a_bad_occasion_exits_2_with_one_line(tmp_path, capsys):
    bad = '[{at="2024-05", host="XXX", guests=["CHN"], bonus=0.01}]'
    code = runcli.main(["simulate", "--seed", "1", "--set", f"occasions={bad}"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "occasions.0.host" in err and len(err.splitlines()) == 1


def test_the_timeline_tells_the_occasion_and_who_came_to_it():
    s = load_scenario(
        ROOT_SCENARIO,
        ['occasions=[{at="2024-05", host="PRK", guests=["CHN"], bonus=1.0, label="a parade"}]'],
    )
    events = run_model(s, 4, rounds=8).events
    told = [e for e in events if e.kind == "occasion"]
    assert [(e.date, e.text, e.states) for e in told] == [
        ("2024-05", "PRK hosts a parade; invited: CHN", ("PRK", "CHN"))
    ]
    came = [(e.date, e.text) for e in events if e.kind == "action" and "at a parade" in e.text]
    assert came == [("2024-05", "CHN -> PRK: summit (6 months, at a parade)")]
    none = load_scenario(ROOT_SCENARIO, [_occasion(bonus=0.0)])
    assert not [e for e in run_model(none, 4, rounds=8).events if e.kind == "occasion"]


def test_simulate_notes_dated_entries_after_the_scenarios_last_month(capsys):
    """A mistyped year does not pass unnoticed: an occasion (or shock, or change) dated
    after the last month of the scenario acts in no run; simulate says so on stderr, one
    line each, and still runs (stdout unchanged, exit 0). Library scenarios have none."""
    from runcli import main

    from sim.changes import after_horizon

    args = ["simulate", "--scenario", "china_cool_2024", "--rounds", "3", "--json"]
    assert main([*args, "--set", "occasions.1.at=2031-01"]) == 0
    out, err = capsys.readouterr()
    assert err == (
        "note: occasions.1 is dated 2031-01, after the run's last month (2030-12): "
        "it does nothing\n"
    )
    assert out.startswith("{")
    assert main([*args, "--set", "occasions.1.at=2030-12"]) == 0  # the last month acts
    assert capsys.readouterr().err == ""
    assert after_horizon(load_scenario(ROOT_SCENARIO)) == []


@pytest.mark.parametrize(
    "args,rows",
    [(["--association", "0.3", "--bonus", "0.02"], [("0.3", "0.02")]),
     (["--bonus", "0.02"], [("0", "0.02"), ("0.5", "0.02")])],
)  # fmt: skip
def test_occasions_grid_quick_uses_the_values_given(args, rows, tmp_path):
    """--quick replaced given values by its 2 x 2 grid silently; now it shrinks only the
    seeds and what is not given."""
    done = subprocess.run(
        [sys.executable, str(GRID), "--quick", *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "## china_cool_2024, 20 seeds" in done.stdout
    found = re.findall(r"^\| ([\d.]+) \| ([\d.]+) \|", done.stdout, re.M)
    assert found == rows


def test_occasions_grid_quick_checks_the_values_given(tmp_path):
    done = subprocess.run(
        [sys.executable, str(GRID), "--quick", "--association", "-3"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and "us.association" in line and "-3" in line
