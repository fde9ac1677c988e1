"""`run.py hindcast`: the split at the cutoff (no leak), the scores by hand, the command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from runcli import main
from small_results import cal_text

from sim.batch.store import BatchStore
from sim.calibration.hindcast import (
    event_forecast,
    horizon,
    per_set_weights,
    persisted_statistic,
    reproduces,
    set_bootstrap,
    setup,
)
from sim.calibration.scoring import brier, crps, reliability
from sim.calibration.spec import Target, load_calibration
from sim.config import ConfigError

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION = ROOT / "configs" / "calibration" / "korea_2024.toml"


def test_brier_and_crps_by_hand():
    assert brier(0.7, 1.0) == pytest.approx(0.09)
    assert brier(0.0, 0.0) == 0.0
    # a point forecast: CRPS = |error|; half at 3, half at 5, observed 5:
    # F = 0.5 on [3, 5), H = 0 there: 0.25 x 2 = 0.5
    assert crps(np.array([4.0, 4.0]), 6.0) == pytest.approx(2.0)
    assert crps(np.array([3.0, 5.0]), 5.0) == pytest.approx(0.5)
    # observed below the sample: F = 0 on [2, 3), H = 1: 1; F = 0.5 on [3, 5): 0.25 x 2
    assert crps(np.array([3.0, 5.0]), 2.0) == pytest.approx(1.0 + 0.5)


def test_reliability_counts_each_event_with_its_complement():
    table = reliability(np.array([0.9, 0.1]), np.array([1.0, 1.0]), bins=5)
    # forecasts 0.9, 0.1 (events, y = 1) and 0.1, 0.9 (complements, y = 0)
    assert table["events"].tolist() == [2, 2]
    assert table["forecast"].tolist() == pytest.approx([0.1, 0.9])
    assert table["observed"].tolist() == pytest.approx([0.5, 0.5])


def test_persistence_reads_the_statistic_at_the_cutoff():
    assert persisted_statistic("level_r23.RUS-PRK", 11) == "level_r11.RUS-PRK"
    assert persisted_statistic("max_level_r23.CHN-RUS-PRK", 17) == "max_level_r17.CHN-RUS-PRK"
    assert persisted_statistic("switch_round.rus_war", 11) == "switch_round.rus_war"
    assert persisted_statistic("utility_end.CHN", 11) is None


def test_reproduces_leaves_a_cumulative_target_out_for_runs_longer_than_the_fit():
    """A fit of 8 rounds. The visit count (a cumulative statistic, summed over the whole
    run) of a 24-round run includes months after the fit's, so it is left out for runs of
    24 rounds and applied to runs of 6; the signing (not cumulative) is applied to every
    run, read over the fit's 8 rounds."""
    visits = Target(name="visits", statistic="action_count.CHN-PRK.visit", observed=2,
                    tolerance=0, date="2024-06")  # fmt: skip
    signed = Target(name="signed", statistic="first_round.RUS-PRK", observed=5,
                    tolerance=1, date="2024-06")  # fmt: skip
    assert horizon(visits, "2024-01", 8) == 6
    runs = pd.DataFrame({
        "status": ["ok"] * 4,
        "rounds": [24, 24, 6, 6],
        # 7 visits over the whole run: |7 - 2| > 0, a miss if it were applied
        "action_count.CHN-PRK.visit": [7, 7, 7, 2],
        # signed in round 5, 2 (|2 - 5| = 3 > 1), 5, 5
        "first_round.RUS-PRK": [5, 2, 5, 5],
    })  # fmt: skip
    kept = reproduces(runs, [visits, signed], 8)
    # run 0: count left out, signed ok; run 1: signing missed; run 2: 6 rounds, so the
    # count is applied and missed; run 3: both met
    assert kept.tolist() == [True, False, False, True]
    # without a rounds column the count is applied to every run (as record_match does)
    assert reproduces(runs.drop(columns="rounds"), [visits], 8).tolist() == [
        False, False, False, True
    ]  # fmt: skip


def test_reproduces_reads_a_timing_over_the_fit_not_to_the_targets_date():
    """Signed in round 5 +- 1, dated 2024-06 (round 5), in a fit of 12 rounds: the
    calibration reads the first round over 12 rounds, so a signing in round 7, 8 or never
    misses it. Read to the date (6 rounds), each was "not by round 6" = 6, within the
    tolerance: 27% of the runs kept at the 2024-12 cutoff were such runs."""
    signed = Target(name="signed", statistic="first_round.RUS-PRK", observed=5,
                    tolerance=1, date="2024-06")  # fmt: skip
    runs = pd.DataFrame({"status": ["ok"] * 5, "rounds": [24] * 5,
                         "first_round.RUS-PRK": [4, 6, 7, 8, None]})  # fmt: skip
    assert reproduces(runs, [signed], 12).tolist() == [True, True, False, False, False]


def test_the_model_forecast_is_the_mean_over_sets_of_each_sets_share():
    """Sets drawn from the posterior already carry the likelihood: set A kept 1 run (the
    event holds), set B kept 3 (it does not). P = (1/1 + 0/3) / 2 = 0.5; pooling the 4
    runs gave 0.25, weighting B by its reproduction rate a second time."""
    w = per_set_weights(np.array([0, 1, 1, 1]))
    assert w.tolist() == pytest.approx([0.5, 1 / 6, 1 / 6, 1 / 6]) and w.sum() == pytest.approx(1)
    held = Target(name="held", statistic="level_r23.RUS-PRK", observed=2, tolerance=0,
                  date="2025-12")  # fmt: skip
    p, values, weights = event_forecast(np.array([2.0, 1.0, 1.0, 1.0]), held, 24, w)
    assert p == pytest.approx(0.5) and weights.tolist() == pytest.approx(w.tolist())
    # CRPS of the weighted forecast: F = 0.5 on [1, 2), observed 2: 0.25 x 1
    assert crps(values, 2.0, weights) == pytest.approx(0.25)
    assert event_forecast(np.array([2.0, 1.0, 1.0, 1.0]), held, 24)[0] == 0.25  # pooled
    assert per_set_weights(np.array([])).size == 0


def test_set_bootstrap_resamples_parameter_sets_not_runs():
    """Two sets: A's 2 runs both hit, B's 4 runs none. Every resample is a multiset of
    sets: per set (the model) P* in {1, 0.5, 0}; pooled (the base rate) P* in {1, 2/6,
    0}. With 2,000 resamples each value comes up about 1/4, 1/2, 1/4 of the time. A NaN
    value is dropped; a run of set A that is NaN leaves A's share at 1."""
    point = np.array([0, 0, 1, 1, 1, 1])
    hit = np.array([True, True, False, False, False, False])
    valid = np.ones(6, bool)
    rng = np.random.default_rng(7)
    per_set = set_bootstrap(hit, valid, point, True, rng, n=2000)
    assert set(np.round(per_set, 6)) == {0.0, 0.5, 1.0}
    assert abs((per_set == 0.5).mean() - 0.5) < 0.05  # 2 of the 4 equally likely draws
    pooled = set_bootstrap(hit, valid, point, False, rng, n=2000)
    assert set(np.round(pooled, 6)) == {0.0, round(2 / 6, 6), 1.0}
    valid[1] = False  # A: one run left, still a hit
    assert set(np.round(set_bootstrap(hit, valid, point, True, rng, n=200), 6)) <= {0, 0.5, 1}
    assert np.isnan(set_bootstrap(hit, np.zeros(6, bool), point, True, rng, n=5)).all()


def test_mean_crps_is_per_unit_months_and_levels_are_not_summed():
    """A war's timing (CRPS 3.0 months) and two pact levels (0.2 and 0.0 levels): the mean
    CRPS was (3.0 + 0.2 + 0.0) / 3 = 1.067 of nothing; now months 3.0, levels 0.1."""
    from sim.calibration.hindcast import unit
    from sim.calibration.hindcast_run import mean_scores

    assert unit("switch_round.rus_war") == unit("action_first.troops.PRK>RUS") == "months"
    assert unit("level_r23.RUS-PRK") == "levels" and unit("action_count.CHN-PRK.visit") == "count"
    scores = pd.DataFrame({
        "unit": ["months", "levels", "levels"], "brier_model": [0.3, 0.1, 0.2],
        "crps_model": [3.0, 0.2, 0.0], "brier_diff_lo": [0.0, 0.0, 0.0],
    })  # fmt: skip
    means = mean_scores(scores)
    assert means == pytest.approx({"brier_model": 0.2, "crps_model.levels": 0.1,
                                   "crps_model.months": 3.0})  # fmt: skip


def test_cutoff_splits_targets_and_removes_later_scheduled_shocks():
    """2024-12 = round 11: the fit sees the targets dated to 2024-12 and runs 12 rounds; the
    April 2025 tariff shock (round 15) is removed from the scenario of both the fit and the
    forecast; the random peninsula shock stays; round 11 is a checkpoint."""
    cal = load_calibration(CALIBRATION)
    hc = setup(cal, "2024-12")
    assert hc.cutoff_round == 11 and hc.fit.spec.rounds == 12
    assert {t.date for t in hc.fit.spec.targets} <= {"2024-01", "2024-06", "2024-07", "2024-12"}
    assert {t.date for t in hc.events} == {"2025-06", "2025-12"}
    assert len(hc.fit.spec.targets) + len(hc.events) == len(cal.spec.targets)
    for c in (hc.fit, hc.forecast):
        assert [s.get("round") for s in c.scenario_raw["shocks"]] == [None]
        assert 11 in c.scenario_raw["checkpoints"]
    assert hc.removed_shocks == ("2025-04: US tariff escalation (record 2025-04; size judgement)",)
    assert [s.get("round") for s in cal.scenario_raw["shocks"]] == ["2025-04", None]
    later = setup(cal, "2025-06")
    assert later.removed_shocks == () and later.fit.spec.rounds == 18


def test_cutoff_removes_the_occasions_after_it():
    """An occasion's guest list is who came: the six-state scenario's four occasions of
    2025 are removed for a 2024-12 cutoff, its two of 2024 stay (an occasion exactly at
    the cutoff month stays: 2024-05 for a 2024-05 cutoff)."""
    cal = load_calibration(ROOT / "configs" / "calibration" / "northeast_asia_2024.toml")
    hc = setup(cal, "2024-12")
    for c in (hc.fit, hc.forecast):
        assert [o["at"] for o in c.scenario_raw["occasions"]] == ["2024-04", "2024-05"]
    assert [r.split(":")[0] for r in hc.removed_occasions] == [
        "2025-05", "2025-09", "2025-10", "2025-10"
    ]  # fmt: skip
    assert len(cal.scenario_raw["occasions"]) == 6  # the calibration itself keeps them
    at_cutoff = setup(cal, "2024-05")
    assert [o["at"] for o in at_cutoff.fit.scenario_raw["occasions"]] == ["2024-04", "2024-05"]


CAL = cal_text(
    """[[targets]]
name = "no_trilateral"
statistic = "max_level_r11.CHN-RUS-PRK"
observed = 0
tolerance = 0
date = "2024-12"
"""
)


def test_hindcast_command_writes_scores_figure_and_manifest(tmp_path, capsys):
    path = tmp_path / "cal.toml"
    path.write_text(CAL)
    out = tmp_path / "hc"
    args = ["hindcast", str(path), "--cutoff", "2024-08", "--out", str(out), "--sets", "10",
            "--workers", "1", "--quiet"]  # fmt: skip
    assert main(args) == 0, capsys.readouterr().err
    scores = pd.read_csv(out / "scores.csv")
    assert scores["event"].tolist() == ["holds", "no_trilateral"]
    for f in ("model", "persistence", "base_rate"):
        assert scores[f"brier_{f}"].between(0, 1).all()
        assert np.allclose(scores[f"brier_{f}"], (1 - scores[f"p_{f}"]) ** 2)
    # persistence: the RUS-PRK level of 2024-08 (a treaty in the runs that reproduce the
    # signing) and no trilateral by then
    assert scores["p_persistence"].tolist() == [1.0, 1.0]
    assert (out / "reliability.png").stat().st_size > 0
    # the forecast runs' length, read for the fit's cumulative targets
    assert BatchStore(out / "forecast").read_columns(["rounds"])["rounds"].eq(12).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["fitted_targets"] == ["signed"] and manifest["cutoff_round"] == 7
    assert manifest["removed_shocks"] == [
        "2025-04: US tariff escalation (record 2025-04; size judgement)"
    ]
    assert main(args) == 0  # same command again: resumes, same table
    pd.testing.assert_frame_equal(scores, pd.read_csv(out / "scores.csv"))


def test_hindcast_refuses_undated_targets_and_bad_cutoffs(tmp_path, capsys):
    path = tmp_path / "cal.toml"
    path.write_text(CAL.replace('date = "2024-06"\n', ""))
    args = ["hindcast", str(path), "--cutoff", "2024-08", "--out", str(tmp_path / "o")]
    assert main(args) == 2
    assert "a date on every target" in capsys.readouterr().err
    path.write_text(CAL)
    assert main([*args[:3], "2026-01", *args[4:]]) == 2
    assert main([*args[:3], "2024-8", *args[4:]]) == 2
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("cutoff", ["2023-06", "2025-12"])
def test_a_cutoff_outside_the_targets_names_the_months_it_may_take(cutoff):
    """It said 'after the first dated target and before the last one' without the months."""
    cal = load_calibration(CALIBRATION)  # targets dated 2024-01 .. 2025-12, 24 rounds
    with pytest.raises(ConfigError) as err:
        setup(cal, cutoff)
    assert str(err.value) == (
        "--cutoff: expected a month from 2024-01 (the first target's date) to 2025-11 "
        f"(before the last target's, 2025-12), got '{cutoff}'"
    )
    assert setup(cal, "2024-01").cutoff == "2024-01" and setup(cal, "2025-11")


def test_a_cutoff_bound_by_the_rounds_or_by_one_date_says_so():
    import dataclasses

    cal = load_calibration(CALIBRATION)
    short = dataclasses.replace(cal, spec=cal.spec.model_copy(update={"rounds": 12}))
    with pytest.raises(ConfigError, match=r"to 2024-12 \(the calibration's last month\)"):
        setup(short, "2025-03")
    one = [t.model_copy(update={"date": "2025-12"}) for t in cal.spec.targets]
    single = dataclasses.replace(cal, spec=cal.spec.model_copy(update={"targets": one}))
    with pytest.raises(ConfigError, match=r"needs targets of two dates \(all are 2025-12\)"):
        setup(single, "2025-03")


def test_a_prior_on_an_occasion_is_refused_when_the_cutoff_removes_occasions():
    """Removing later occasions moves the indexes a prior on ``occasions.N`` names."""
    import dataclasses

    from sim.calibration.spec import Prior

    cal = load_calibration(ROOT / "configs" / "calibration" / "northeast_asia_2024.toml")
    priors = {**cal.spec.priors, "occasions.3.bonus": Prior(dist="uniform", low=0.0, high=0.1)}
    cal = dataclasses.replace(cal, spec=cal.spec.model_copy(update={"priors": priors}))
    with pytest.raises(ConfigError) as err:
        setup(cal, "2024-12")
    assert err.value.field == "priors.occasions.3.bonus"
    assert setup(cal, "2025-10").removed_occasions == ()  # nothing removed: allowed


def test_removed_occasions_are_named_by_month_and_an_old_manifest_says_not_recorded():
    import dataclasses

    from sim.report.calibration import _removed

    cal = load_calibration(ROOT / "configs" / "calibration" / "northeast_asia_2024.toml")
    raw = dict(cal.scenario_raw)
    raw["occasions"] = [{**o, "at": 16} if o["at"] == "2025-05" else o for o in raw["occasions"]]
    hc = setup(dataclasses.replace(cal, scenario_raw=raw), "2024-12")
    assert hc.removed_occasions[0].startswith("2025-05: ")  # round 16 told as its month
    assert _removed({}, "removed_occasions", "occasions").startswith("not recorded")
    assert _removed({"removed_occasions": []}, "removed_occasions", "occasions") == "none"


def test_cutoff_removes_the_changes_that_begin_after_it():
    """A dated change is a policy or regime that came: one beginning after the cutoff is
    removed (named by month, path, value and note); one begun by the cutoff stays with its
    ramp, also when the ramp runs past the cutoff; a prior on ``changes.N`` is refused when
    changes are removed (the indexes would move); an old manifest says "not recorded"."""
    import dataclasses

    from sim.calibration.spec import Prior
    from sim.report.calibration import _removed

    cal = load_calibration(CALIBRATION)
    raw = dict(cal.scenario_raw)
    raw["changes"] = [
        {"at": "2024-10", "path": "us.reactivity", "value": 0.4, "ramp": 6},
        {"at": "2025-01", "path": "us.reactivity", "value": 0.5, "note": "new administration"},
    ]
    cal = dataclasses.replace(cal, scenario_raw=raw)
    hc = setup(cal, "2024-12")
    for c in (hc.fit, hc.forecast):
        assert c.scenario_raw["changes"] == [raw["changes"][0]]
    assert hc.removed_changes == ("2025-01: us.reactivity -> 0.5 (new administration)",)
    assert setup(cal, "2025-01").removed_changes == ()  # at the cutoff month: stays
    priors = {**cal.spec.priors, "changes.1.value": Prior(dist="uniform", low=0.0, high=1.0)}
    with pytest.raises(ConfigError) as err:
        setup(dataclasses.replace(cal, spec=cal.spec.model_copy(update={"priors": priors})),
              "2024-12")  # fmt: skip
    assert err.value.field == "priors.changes.1.value"
    assert _removed({}, "removed_changes", "dated changes").startswith("not recorded")
