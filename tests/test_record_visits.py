"""A record row checked out of sample (sim/validation/record.py; docs/model.md 4.3,
scripts/actions_report.py, run.py validate): korea_2024's China-North Korea visits, each
window read from the months a visit was taken, rounds inclusive."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibration.spec import load_calibration
from sim.config import build_scenario
from sim.seeds import replicate_seeds
from sim.validation import record as r
from sim.validation.facts import load_facts

ROOT = Path(__file__).resolve().parents[1]
ROW = load_facts().record  # configs/validation/korea_2024.toml [record]


def test_the_facts_file_names_the_visits_and_their_windows():
    assert (ROW.kind, ROW.pair, ROW.rounds) == ("summit", "CHN-PRK", 22)
    assert ROW.columns == ("taken.summit.CHN>PRK", "taken.summit.PRK>CHN")
    assert [(w.first, w.last, w.taken) for w in ROW.windows] == [
        (0, 5, True), (6, 19, False), (20, 21, True)
    ]  # fmt: skip


def _runs(*visit_rounds: tuple[int, ...]) -> np.ndarray:
    taken = np.zeros((len(visit_rounds), 24), dtype=bool)
    for k, rounds in enumerate(visit_rounds):
        taken[k, list(rounds)] = True
    return taken


def test_the_record_itself_reproduces_every_part():
    """Zhao Leji 2024-04 (round 3), Kim 2025-09 (20), Li Qiang 2025-10 (21)."""
    parts = r.record_pattern(_runs((3, 20, 21)), ROW)
    assert all(bool(v[0]) for v in parts.values())


def test_each_part_at_its_boundaries():
    names = [w.label for w in ROW.windows] + [r.ALL_WINDOWS]
    cases = {
        (5, 20): (True, True, True, True),  # round 5 is the last of the first window
        (6, 20): (False, False, True, False),  # round 6 opens the quiet window
        (3, 19, 20): (True, False, True, False),  # round 19 closes it
        (3, 21): (True, True, True, True),  # round 21 is in the last window
        (3, 22): (True, True, False, False),  # round 22 is after it
        (): (False, True, False, False),  # no visit at all: only the quiet window holds
    }
    for rounds, expected in cases.items():
        parts = r.record_pattern(_runs(rounds), ROW)
        got = tuple(bool(parts[name][0]) for name in names)
        assert got == expected, (rounds, got)


def test_a_visit_either_way_counts_and_missing_dyads_are_skipped():
    series = pd.DataFrame({"taken.summit.CHN>PRK": [0, 1, 0], "taken.summit.PRK>CHN": [1, 0, 0]})
    assert r.either_way(series, ROW).tolist() == [True, True, False]
    assert r.either_way(series[["taken.summit.CHN>PRK"]], ROW).tolist() == [False, True, False]


def test_guest_came_reads_the_occasions_month_and_skips_kinds_not_allowed():
    """A guest came if it took an invited kind toward the host in the occasion's month
    (round 2 here); a month early does not count, nor another recipient; a kind the
    scenario lacks (no column) is skipped, not an error."""
    from types import SimpleNamespace

    occasion = SimpleNamespace(host="CHN", kinds=("summit", "aid"), at=2)
    cols = ["taken.summit.PRK>CHN", "taken.summit.PRK>RUS", "action.summit.PRK>CHN"]
    runs = [pd.DataFrame(np.zeros((4, 3), dtype=bool), columns=cols) for _ in range(4)]
    runs[0].loc[2, "taken.summit.PRK>CHN"] = True  # came that month
    runs[1].loc[1, "taken.summit.PRK>CHN"] = True  # a month early
    runs[2].loc[2, "taken.summit.PRK>RUS"] = True  # to someone else
    runs[3].loc[2, "action.summit.PRK>CHN"] = True  # in force, not taken
    assert r.guest_came(runs, occasion, "PRK").tolist() == [True, False, False, False]
    assert r.guest_came(runs, occasion, "PRK", "action").tolist() == [False, False, False, True]


def test_summits_per_year_sums_each_calendar_year_of_the_mean():
    taken = _runs((0, 11, 12), (12, 13, 23))  # run means: 2024 = (2 + 0) / 2, 2025 = (1 + 3) / 2
    assert r.summits_per_year(taken) == [1.0, 2.0]


def test_pattern_table_gives_each_part_with_its_wilson_interval():
    lines = r.pattern_table({"a": _runs((3, 20), (6,)), "b": _runs((3, 20))}, ROW)
    assert lines[0] == "| part of the record | a | b |"
    assert lines[2].startswith("| a visit by 2024-06 (rounds 0-5; record: 2024-04) | 0.500 [")
    assert lines[-1].startswith(f"| {r.ALL_WINDOWS} | 0.500 [0.095, 0.905] | 1.000 [0.207, 1.000]")


def test_posterior_visits_runs_each_drawn_set_with_fresh_seeds(tmp_path):
    """Sets drawn by weight from DIR/posterior.parquet, each run with its own fresh seeds
    for 24 months; the same folder gives the same runs."""
    cal = load_calibration(ROOT / "configs" / "calibration" / "korea_2024.toml")
    row = {"negotiation.temperature": 0.01, "negotiation.formation_cost": 0.01,
           "negotiation.exit_threshold": 0.05, "us.reactivity": 0.2, "us.bloc_visibility": 4.0,
           "states.CHN.weights.us_ties": 0.5, "relations.RUS-PRK.affinity": 0.6,
           "drivers.rus_war.switch_hazard": 0.03, "levels.1.talks_max": 12.0}  # fmt: skip
    assert set(row) == set(cal.parameters)
    other = {**row, "states.CHN.weights.us_ties": 0.0}  # weight 0: never drawn
    pd.DataFrame([{**row, "weight": 1.0}, {**other, "weight": 0.0}]).to_parquet(
        tmp_path / "posterior.parquet"
    )
    first = r.posterior_visits(cal, tmp_path, ROW, sets=2, reps=2)
    assert first.shape == (4, 24) and first.dtype == bool  # the calibration's 24 months
    assert np.array_equal(first, r.posterior_visits(cal, tmp_path, ROW, sets=2, reps=2))


def _posterior(folder: Path, cal) -> None:
    """Two parameter sets of equal weight in ``folder/posterior.parquet``."""
    row = {"negotiation.temperature": 0.01, "negotiation.formation_cost": 0.01,
           "negotiation.exit_threshold": 0.05, "us.reactivity": 0.2, "us.bloc_visibility": 4.0,
           "states.CHN.weights.us_ties": 0.5, "relations.RUS-PRK.affinity": 0.6,
           "drivers.rus_war.switch_hazard": 0.03, "levels.1.talks_max": 12.0}  # fmt: skip
    other = {**row, "states.CHN.weights.us_ties": 0.1, "negotiation.temperature": 0.05}
    pd.DataFrame([{**row, "weight": 1.0}, {**other, "weight": 1.0}]).to_parquet(
        folder / "posterior.parquet"
    )


def test_record_section_gives_the_same_lines_on_two_processes(tmp_path):
    """run.py validate --workers 2: the record row's jobs (50 seeds at the scenario's values
    a job: 60 seeds are jobs of 50 and 10; one job per posterior set) run on two local
    processes and give the same lines as on one. The seeds are derived before any job, and
    the rows at the scenario's values are those of one call over all 60 seeds."""
    cal = load_calibration(ROOT / "configs" / "calibration" / "korea_2024.toml")
    _posterior(tmp_path, cal)
    lines = {w: r.record_section(cal, tmp_path, ROW, seeds=60, sets=4, reps=3, workers=w)
             for w in (1, 2)}  # fmt: skip
    assert lines[1] == lines[2]
    assert "60 runs at the scenario's values, 4 posterior sets x 3 fresh seeds" in lines[1][2]
    seeds = replicate_seeds(cal.spec.root_seed, 60)
    both = {w: r.visits_of(cal, [({}, seeds[:50]), ({}, seeds[50:])], ROW, 24, w)
            for w in (1, 2)}  # fmt: skip
    scenario = build_scenario(cal.scenario_raw, str(cal.scenario_path))
    at_once = r.scenario_visits(scenario, seeds, ROW, 24)
    assert both[1].shape == (60, 24)
    assert np.array_equal(both[1], at_once) and np.array_equal(both[2], at_once)
    posterior = {w: r.posterior_visits(cal, tmp_path, ROW, 4, 3, w) for w in (1, 2)}
    assert posterior[1].shape == (12, 24) and np.array_equal(posterior[1], posterior[2])


def test_every_stream_of_fresh_runs_has_its_own_spawn_key():
    """The record row's posterior runs share seeds with no predictive check or hindcast."""
    from sim.calibration.predictive import FRESH_KEY, RECORD_KEY, SPAWN_KEYS

    assert len(set(SPAWN_KEYS)) == len(SPAWN_KEYS) and RECORD_KEY in SPAWN_KEYS
    assert min(SPAWN_KEYS) == FRESH_KEY  # above every generation's key (0, 1, ...)


BAD_RECORDS = {
    'kind = "visits"': "not an action of the scenario",
    'pair = "CHN-USA"': "need two of the scenario's states",
    'pair = "CHN"': "need two of the scenario's states",
    "first = 7": "need 0 <= first <= last",
    "first = -1": "need 0 <= first <= last",
    "taken = 1": "taken = true or false",
}


def test_a_malformed_record_row_is_a_one_line_config_error(tmp_path):
    """Each bad value of [record] names itself in one line (ConfigError); a window of one
    round (first = last) is valid."""
    import pytest

    from sim.errors import ConfigError

    text = (ROOT / "configs" / "validation" / "korea_2024.toml").read_text()
    text = text.replace('scenario = "../', f'scenario = "{ROOT}/configs/')
    for bad, message in BAD_RECORDS.items():
        key = bad.split(" = ")[0]
        lines = text.splitlines()
        at = next(k for k, line in enumerate(lines) if line.startswith(f"{key} = ")
                  and (key != "first" or lines[k + 1].startswith("last = 5")))  # fmt: skip
        lines[at] = bad
        path = tmp_path / f"bad_{len(list(tmp_path.iterdir()))}.toml"
        path.write_text("\n".join(lines))
        with pytest.raises(ConfigError, match=message) as err:
            load_facts(path)
        assert "\n" not in str(err.value), bad
    one = text.replace("first = 0              # [round] 2024-01", "first = 5")
    (tmp_path / "one.toml").write_text(one)
    assert load_facts(tmp_path / "one.toml").record.windows[0].first == 5


def test_a_record_row_the_scenario_cannot_take_is_an_error_not_a_silent_pass():
    """No column for the pair: 'taken = false' windows would pass by default otherwise."""
    import pytest

    row = r.RecordRow(kind="troops", pair="CHN-PRK", windows=ROW.windows)
    with pytest.raises(ValueError, match="not an action of the scenario"):
        r.either_way(pd.DataFrame({"taken.summit.CHN>PRK": [0]}), row)


def test_a_forecast_leaves_out_counts_it_cannot_read_at_the_records_end():
    """sim.analysis.forecast.record_match: a count over the whole run (here 5 visits in 84
    months) says nothing of the record's 24 months, so it is left out of the record
    filter; in 24-month runs it is read; a dated target is read either way."""
    from sim.analysis.forecast import record_match

    count = {"name": "visits", "statistic": "action_count.summit.CHN>PRK", "observed": 2,
             "tolerance": 1, "at_least": 0.25, "date": "2025-12", "note": "-"}  # fmt: skip
    dated = {"name": "first", "statistic": "first_round.RUS-PRK", "observed": 5,
             "tolerance": 1, "date": "2024-07", "note": "-"}  # fmt: skip
    design = {"record": [count, dated], "record_rounds": 24}
    runs = pd.DataFrame({"action_count.summit.CHN>PRK": [5, 5], "first_round.RUS-PRK": [5, 9],
                         "rounds": [84, 84]})  # fmt: skip
    assert record_match(runs, design).tolist() == [True, False]
    runs["rounds"] = 24
    assert record_match(runs, design).tolist() == [False, False]
    runs["action_count.summit.CHN>PRK"] = 2
    assert record_match(runs, design).tolist() == [True, False]


def test_a_count_target_must_be_dated_at_the_calibrations_last_month(tmp_path):
    """A count over the whole run read at 2024-12 would compare 24 months of visits with
    the record's 12: a one-line error naming the target's date; at 2025-12 it loads."""
    import pytest

    from sim.errors import ConfigError

    src = ROOT / "configs" / "calibration" / "korea_2024_visits.toml"
    text = src.read_text().replace('scenario = "../', f'scenario = "{ROOT}/configs/')
    head, last = text.rsplit("[[targets]]", 1)
    assert "action_count.summit.CHN>PRK" in last and 'date = "2025-12"' in last
    bad = tmp_path / "bad.toml"
    bad.write_text(head + "[[targets]]" + last.replace('date = "2025-12"', 'date = "2024-12"'))
    with pytest.raises(ConfigError, match=r"targets\.21\.date.*last month") as err:
        load_calibration(bad)
    assert "\n" not in str(err.value)
    good = tmp_path / "good.toml"
    good.write_text(text)
    assert load_calibration(good).spec.targets[-1].date == "2025-12"


def _actions_report():
    path = ROOT / "scripts" / "actions_report.py"
    spec = importlib.util.spec_from_file_location("actions_report", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("folder", ["missing", "batch", "other"])
def test_actions_report_checks_the_posterior_folder_before_any_run(folder, tmp_path):
    """A folder that is not a korea_2024 calibration's: one line naming it, exit 2, nothing
    printed (the tables were printed, then pyarrow's FileNotFoundError traceback)."""
    (tmp_path / "batch").mkdir()
    (tmp_path / "other").mkdir()
    pd.DataFrame({"x": [1.0], "weight": [1.0]}).to_parquet(tmp_path / "other" / "posterior.parquet")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "actions_report.py"), "--quick",
         "--posterior", str(tmp_path / folder)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and str(tmp_path / folder) in line
    assert "calibration's output folder with posterior.parquet" in line


def test_actions_report_accepts_a_calibration_posterior(tmp_path):
    cal = load_calibration(ROOT / "configs" / "calibration" / "korea_2024.toml")
    _posterior(tmp_path, cal)
    assert _actions_report().checked_posterior(tmp_path).parameters == cal.parameters


def test_sets_left_out_of_the_forecast_given_the_record_count_at_their_overall_share():
    """Three sets: shares given the record 0.2 and 0.0; the third has no reproducing run
    (NaN), and over all its runs forms the pact in 0.9 of them. Given the record the mean
    is 0.1 (two sets); counting the third at 0.9 gives (0.2 + 0.0 + 0.9) / 3 = 0.367."""
    import numpy as np

    from sim.analysis.forecast import with_left_out

    given = np.array([[0.2], [0.0], [np.nan]])
    every = np.array([[0.3], [0.1], [0.9]])
    filled = with_left_out(given, every)
    assert filled[:, 0].tolist() == [0.2, 0.0, 0.9]
    assert np.nanmean(given) == 0.1 and abs(filled.mean() - 1.1 / 3) < 1e-12
