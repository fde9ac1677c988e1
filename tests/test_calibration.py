"""`run.py calibrate` on the real model (tiny configurations), its errors, resume and the
forecast from a posterior design."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from runcli import main

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "configs" / "scenarios" / "korea_2024.toml"

HEAD = f"""
scenario = "{SCENARIO}"
rounds = 4
replicates = 4
root_seed = 11
[scenario_overrides]
checkpoints = [3]
[smc]
population = 10
max_generations = 8
budget = 1000
"""
PRIORS = """
[priors]
"negotiation.temperature" = { dist = "loguniform", low = 0.005, high = 0.2 }
"relations.RUS-PRK.affinity" = { dist = "normal", mean = 0.6, sd = 0.2, low = 0.0, high = 1.0 }
"""
TARGET = """
[[targets]]
name = "{name}"
statistic = "{statistic}"
observed = {observed}
tolerance = {tolerance}
"""


def cal_file(tmp_path: Path, *targets: tuple, head: str = HEAD, priors: str = PRIORS) -> Path:
    text = head + priors
    for name, statistic, observed, tolerance in targets:
        text += TARGET.format(name=name, statistic=statistic, observed=observed,
                              tolerance=tolerance)  # fmt: skip
    path = tmp_path / "cal.toml"
    path.write_text(text)
    return path


REACHABLE = (("treaty_r3", "level_r3.RUS-PRK", 2, 0), ("no_tri", "max_level_r3.CHN-RUS-PRK", 0, 0))


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory) -> tuple[Path, Path, int, str]:
    tmp = tmp_path_factory.mktemp("cal")
    cal = cal_file(tmp, *REACHABLE)
    out = tmp / "out"
    code = main(["calibrate", str(cal), "--out", str(out), "--workers", "1", "--quiet"])
    return cal, out, code, tmp


def test_calibration_writes_posterior_manifest_and_figures(calibrated) -> None:
    _cal, out, code, _tmp = calibrated
    assert code == 0
    post = pd.read_parquet(out / "posterior.parquet")
    assert {"negotiation.temperature", "relations.RUS-PRK.affinity", "weight"} <= set(post)
    assert post["weight"].sum() == pytest.approx(1.0)
    assert (post["weight"] > 0).all()
    assert post["negotiation.temperature"].between(0.005, 0.2).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "converged"
    assert manifest["tolerance"] == 1.0
    assert manifest["runs_used"] == 40 * len(manifest["generations"])
    names = {"posterior_marginals.png", "posterior_corner.png", "posterior_predictive.png"}
    assert names == {p.name for p in (out / "plots").iterdir()}
    runs = pd.read_parquet(out / "gen-00" / "runs")
    assert len(runs) == 40 and runs["seed"].nunique() == 40  # own seeds per parameter set


def test_predictive_check_runs_fresh_seeds_never_the_fitting_runs(calibrated) -> None:
    """200 sets drawn from the posterior x 4 replicates = 800 new runs in DIR/predictive,
    none with a seed of a fitting run; every target's fresh share is in the manifest (the
    two targets here are met together by the share of runs meeting all of them)."""
    _cal, out, _code, _tmp = calibrated
    fresh = pd.read_parquet(out / "predictive" / "runs")
    assert len(fresh) == 800 and fresh["seed"].nunique() == 800
    fitting = pd.concat(pd.read_parquet(g / "runs") for g in sorted(out.glob("gen-*")))
    assert not set(fresh["seed"]) & set(fitting["seed"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["predictive"]["sets"] == 200
    shares = {c["name"]: c["fresh_within_tolerance"] for c in manifest["targets"]}
    assert set(shares) == {"treaty_r3", "no_tri"}
    level = fresh["level_r3.RUS-PRK"].to_numpy()
    assert shares["treaty_r3"] == pytest.approx(float((level == 2).mean()))
    assert manifest["predictive"]["all_run_level_targets"] <= min(shares.values())


def test_rerun_resumes_with_nothing_to_do_and_the_same_posterior(calibrated, capsys) -> None:
    cal, out, _code, _tmp = calibrated
    before = pd.read_parquet(out / "posterior.parquet")
    assert main(["calibrate", str(cal), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "(0 run now)" in capsys.readouterr().out
    pd.testing.assert_frame_equal(before, pd.read_parquet(out / "posterior.parquet"))


def test_lost_runs_are_rerun_and_give_the_same_posterior(calibrated, tmp_path) -> None:
    """A kill mid-generation leaves some parts: the rerun completes them identically."""
    import shutil

    cal, out, _code, _tmp = calibrated
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    parts = sorted((copy / "gen-01" / "runs").glob("part-*.parquet"))
    for part in parts[::2]:
        part.unlink()
    (copy / "posterior.parquet").unlink()
    assert main(["calibrate", str(cal), "--out", str(copy), "--workers", "2", "--quiet"]) == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "posterior.parquet"), pd.read_parquet(copy / "posterior.parquet")
    )


def test_unreachable_target_says_so_and_writes_no_posterior(tmp_path, capsys) -> None:
    cal = cal_file(tmp_path, REACHABLE[0], ("level_seven", "level_r3.RUS-PRK", 7, 0))
    out = tmp_path / "out"
    assert main(["calibrate", str(cal), "--out", str(out), "--workers", "1", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "did not reproduce 1 target(s)" in err
    assert "level_seven: level_r3.RUS-PRK = 7.0 ± 0 never reached (closest value seen: 2)" in err
    assert not (out / "posterior.parquet").exists()
    assert json.loads((out / "manifest.json").read_text())["status"] == "unreachable"


BAD = [
    ("colour = 1\n" + HEAD + PRIORS, "field 'colour': unknown field"),
    (HEAD + PRIORS + "colour = 1\n", "field 'priors.colour': expected a table"),
    (HEAD.replace("rounds = 4\n", "") + PRIORS, "field 'rounds': a value (required"),
    (HEAD + PRIORS.replace('"loguniform", low = 0.005', '"loguniform", low = 0.5'),
     "priors.negotiation.temperature"),
    (HEAD + PRIORS.replace('"loguniform"', '"lognormal"'), "priors.negotiation.temperature.dist"),
    (HEAD + PRIORS.replace("negotiation.temperature", "negotiation.temprature"),
     "field 'priors.negotiation.temprature'"),
    (HEAD.replace(str(SCENARIO), "nowhere.toml") + PRIORS, "'scenario': expected an exist"),
    (HEAD + PRIORS.replace("0.005", "0.0"), "low > 0 for a loguniform prior"),
    (HEAD.replace("population = 10", "population = 2") + PRIORS,
     "field 'smc.population': expected a number >= 4"),
]  # fmt: skip
BAD_TARGETS = [
    (("t", "level_r3.RUS-PKR", 2, 0), "targets.0.statistic': expected a column of the runs "
     "table (docs/results_schema.md); did you mean level_r3.RUS-PRK"),
    (("t", "level_r3.RUS-PRK", '"never"', 0), "targets.0.observed"),
    (("t", "level_r3.RUS-PRK", 2, -1), "targets.0.tolerance': expected a number >= 0"),
    (("t", "level_r9.RUS-PRK", 2, 0), "targets.0.statistic"),  # not a checkpoint
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BAD)
def test_malformed_calibration_file_one_line_exit_2_nothing_written(
    tmp_path, capsys, text, message
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text + TARGET.format(name="t", statistic="level_r3.RUS-PRK", observed=2,
                                         tolerance=0))  # fmt: skip
    _assert_rejected(path, tmp_path, capsys, message)


@pytest.mark.parametrize(("target", "message"), BAD_TARGETS)
def test_malformed_target_one_line_exit_2_nothing_written(
    tmp_path, capsys, target, message
) -> None:
    _assert_rejected(cal_file(tmp_path, target), tmp_path, capsys, message)


def _assert_rejected(path: Path, tmp_path: Path, capsys, message: str) -> None:
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err and str(path) in err, err
    assert not out.exists()


def test_duplicate_target_names_and_small_budget_rejected(tmp_path, capsys) -> None:
    dup = cal_file(tmp_path, REACHABLE[0], REACHABLE[0])
    assert main(["calibrate", str(dup), "--out", str(tmp_path / "o")]) == 2
    assert "unique target names (repeated: treaty_r3)" in capsys.readouterr().err
    ok = cal_file(tmp_path, REACHABLE[0])
    assert main(["calibrate", str(ok), "--out", str(tmp_path / "o"), "--budget", "39"]) == 2
    assert "below one generation (40 runs)" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_other_calibration_in_out_dir_refused(calibrated, tmp_path, capsys) -> None:
    _cal, out, _code, _tmp = calibrated
    other = cal_file(tmp_path, REACHABLE[1])
    assert main(["calibrate", str(other), "--out", str(out)]) == 2
    assert "holds a different calibration" in capsys.readouterr().err


def test_forecast_from_the_posterior(calibrated, tmp_path, capsys) -> None:
    _cal, out, _code, _tmp = calibrated
    exp = tmp_path / "forecast.toml"
    exp.write_text(
        f'scenario = "{SCENARIO}"\nrounds = 12\nreplicates = 5\nroot_seed = 4\n'
        f'[design]\nkind = "posterior"\nposterior = "{out}"\nsamples = 6\n'
    )
    fc = tmp_path / "fc"
    assert main(["batch", str(exp), "--out", str(fc), "--workers", "1", "--no-progress"]) == 0
    runs = pd.read_parquet(fc / "runs")
    assert len(runs) == 30 and runs["seed"].nunique() == 30
    assert "level_r3.RUS-PRK" in runs  # the calibration's checkpoints apply
    post = pd.read_parquet(out / "posterior.parquet")
    assert set(runs["negotiation.temperature"]) <= set(post["negotiation.temperature"])
    capsys.readouterr()
    assert main(["summary", str(fc)]) == 0
    printed = capsys.readouterr().out
    assert "CHN-RUS-PRK" in printed and "record" in printed
    table = pd.read_csv(fc / "forecast.csv")
    tri = table[(table["pact"] == "CHN-RUS-PRK") & (table["level"] == "partnership")]
    assert set(tri["conditioned"]) == {True, False}
    # conditioned on the record (no trilateral through round 3): zero through round 3
    cond = tri[tri["conditioned"]].set_index("round")
    assert (cond.loc[0:3, "mean"] == 0).all()
    assert ((tri["q05"] <= tri["q95"]) & tri["mean"].between(0, 1)).all()
    assert cond["mean_all_sets"].between(0, 1).all() and (cond["sets"] == 6).all()
    assert (cond["points"] <= cond["sets"]).all()
    assert main(["plot", str(fc)]) == 0
    assert (fc / "plots" / "forecast.png").exists()


def test_posterior_design_without_posterior_is_one_line_exit_2(tmp_path, capsys) -> None:
    exp = tmp_path / "forecast.toml"
    exp.write_text(
        f'scenario = "{SCENARIO}"\nreplicates = 5\nroot_seed = 4\n'
        f'[design]\nkind = "posterior"\nposterior = "missing"\nsamples = 6\n'
    )
    assert main(["batch", str(exp), "--out", str(tmp_path / "fc")]) == 2
    err = capsys.readouterr().err
    assert "design.posterior" in err and "a calibration output directory" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "fc").exists()


def test_systematic_resampling_follows_the_weights() -> None:
    from sim.design.posterior import systematic_resample

    idx = systematic_resample(np.array([0.5, 0.25, 0.0, 0.25]), 8, np.random.default_rng(0))
    assert np.bincount(idx, minlength=4).tolist() == [4, 2, 0, 2]


CALIBRATIONS = sorted((ROOT / "configs" / "calibration").glob("*.toml"))


@pytest.mark.parametrize("path", CALIBRATIONS, ids=[p.name for p in CALIBRATIONS])
def test_calibration_files_are_commented_and_valid(path: Path) -> None:
    from test_config_documented import undocumented

    from sim.calibration.spec import load_calibration

    missing = undocumented(path.read_text(encoding="utf-8"))
    assert not missing, f"lines without a comment: {missing}"
    assert load_calibration(path).parameters  # validates, including a pilot run


def test_same_posterior_on_a_dask_cluster(calibrated, tmp_path) -> None:
    distributed = pytest.importorskip("distributed")
    cal, out, _code, _tmp = calibrated
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        args = ["calibrate", str(cal), "--out", str(tmp_path / "dask"), "--quiet", "--no-plots"]
        assert main([*args, "--scheduler", cluster.scheduler_address]) == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "posterior.parquet"),
        pd.read_parquet(tmp_path / "dask" / "posterior.parquet"),
    )
