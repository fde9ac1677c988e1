"""Experiment batches end to end: backends agree, failures are recorded, resume is exact."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from batch_fakes import FAIL_ROOT_SEED, FAIL_SEED
from conftest import DEFAULT_SCENARIO, runs_table

from sim.batch.manifest_read import read_manifest
from sim.batch.prepare import BatchRefused, differences
from sim.batch.session import run_batch
from sim.batch.store import BatchStore
from sim.commands.batch import run_experiment
from sim.config import build_scenario
from sim.experiment import Experiment, load_experiment
from sim.runner import run_many

SCENARIO = DEFAULT_SCENARIO

SMALL = f"""
scenario = "{SCENARIO}"
rounds = 12
replicates = 4
root_seed = {FAIL_ROOT_SEED}
[design]
kind = "grid"
[design.parameters]
"states.CHN.weights.us_ties" = [0.0, 0.2, 0.45]
"""


def experiment(tmp_path: Path, text: str = SMALL, name: str = "small.toml") -> Experiment:
    path = tmp_path / name
    path.write_text(text)
    return load_experiment(path)


@pytest.fixture(scope="module")
def reference_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small experiment run uninterrupted in this process (1 worker)."""
    tmp = tmp_path_factory.mktemp("reference")
    run_batch(experiment(tmp), tmp / "out", workers=1, progress=False)
    return tmp / "out"


@pytest.fixture(scope="module")
def reference(reference_dir: Path) -> pd.DataFrame:
    return runs_table(reference_dir)


def test_runs_table_shape_and_bookkeeping(
    tmp_path: Path, reference: pd.DataFrame, reference_dir: Path
) -> None:
    exp = experiment(tmp_path)
    assert list(reference["run_id"]) == list(range(12))
    assert (reference["run_id"] == reference["point_id"] * 4 + reference["replicate"]).all()
    assert (reference["status"] == "ok").all() and reference["error"].isna().all()
    # common random numbers: replicate k has the same seed at every point
    seeds = reference.pivot(index="replicate", columns="point_id", values="seed")
    assert (seeds.nunique(axis=1) == 1).all()
    assert list(seeds[0]) == exp.seeds
    us_ties = reference.groupby("point_id")["states.CHN.weights.us_ties"].first()
    assert list(us_ties) == [0.0, 0.2, 0.45]
    assert (reference["rounds"] == 12).all()
    assert reference["target_round"].dtype == "Int64"
    manifest = json.loads((reference_dir / "manifest.json").read_text())
    assert manifest["runs_done"] == 12 and manifest["runs_failed"] == 0
    assert manifest["design"]["points"] == [{"states.CHN.weights.us_ties": v} for v in us_ties]
    assert manifest["experiment_hash"] == exp.hash()
    assert manifest["scenario_info"]["target"] and manifest["versions"]["mesa"]
    assert manifest["finished"] is not None


def test_row_reproduced_by_a_single_run_with_its_seed(
    tmp_path: Path, reference: pd.DataFrame
) -> None:
    """What `run.py simulate --seed SEED --set PATH=VALUE` does gives the same outcome."""
    exp = experiment(tmp_path)
    row = reference.iloc[9]  # point 2, replicate 1
    overrides = {"states.CHN.weights.us_ties": float(row["states.CHN.weights.us_ties"])}
    scenario = build_scenario(exp.scenario_raw, str(exp.scenario_path), overrides)
    (out,) = run_many(scenario, [int(row["seed"])], 12)
    for col, value in out.outcome.items():
        assert (pd.isna(value) and pd.isna(row[col])) or row[col] == value, col


def test_same_table_for_two_workers_and_dask(tmp_path: Path, reference: pd.DataFrame) -> None:
    exp = experiment(tmp_path)
    run_batch(exp, tmp_path / "two", workers=2, chunk_size=1, progress=False)
    pd.testing.assert_frame_equal(runs_table(tmp_path / "two"), reference)

    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        run_batch(exp, tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False)
    pd.testing.assert_frame_equal(runs_table(tmp_path / "dask"), reference)


def test_series_has_one_row_per_run_and_round(tmp_path: Path, reference: pd.DataFrame) -> None:
    run_batch(experiment(tmp_path), tmp_path / "s", workers=1, series=True, progress=False)
    series = pd.read_parquet(tmp_path / "s" / "series")
    assert len(series) == 12 * 12
    assert set(series.groupby("run_id")["round"].apply(tuple)) == {tuple(range(12))}
    ids = series.groupby("run_id")[["point_id", "replicate", "seed"]].first().reset_index()
    pd.testing.assert_frame_equal(ids, reference[["run_id", "point_id", "replicate", "seed"]])
    pd.testing.assert_frame_equal(runs_table(tmp_path / "s"), reference)
    # killed between a chunk's series part and its runs part: the series part is dropped
    store = BatchStore(tmp_path / "s")
    store.parts()[0].unlink()
    result = run_batch(experiment(tmp_path), tmp_path / "s", workers=1, series=True, progress=False)
    assert result.ran_now > 0
    again = pd.read_parquet(tmp_path / "s" / "series")
    assert len(again) == 12 * 12 and not again.duplicated(["run_id", "round"]).any()


@pytest.mark.parametrize("workers", [1, 2])
def test_failing_run_recorded_others_complete(
    tmp_path: Path, reference: pd.DataFrame, workers: int
) -> None:
    exp = experiment(tmp_path)
    result = run_batch(
        exp, tmp_path / "f", workers=workers, chunk_size=4, runner="batch_fakes:fail_one",
        progress=False,
    )  # fmt: skip
    runs = runs_table(tmp_path / "f")
    failed = runs[runs["status"] == "failed"]
    assert list(failed["run_id"]) == [1] and int(failed["seed"].iloc[0]) == FAIL_SEED
    assert "ValueError: injected failure" in failed["error"].iloc[0]
    assert failed["target_formed"].isna().all()
    ok = runs["status"] == "ok"
    assert ok.sum() == 11 and runs.loc[ok, "error"].isna().all()
    outcome = [c for c in reference.columns if c not in ("status", "error")]
    pd.testing.assert_frame_equal(
        runs.loc[ok, outcome].reset_index(drop=True),
        reference.loc[ok, outcome].reset_index(drop=True),
        check_dtype=False,
    )
    assert (result.runs_done, result.runs_failed) == (12, 1)
    assert int(result.summary.loc[0, "failed"]) == 1 and int(result.summary.loc[0, "n"]) == 3


def test_parts_of_failed_runs_get_all_columns(tmp_path: Path) -> None:
    """A point whose runs all fail, written first, must not hide columns from readers."""
    run_batch(
        experiment(tmp_path), tmp_path / "f", workers=1, chunk_size=2,
        runner="batch_fakes:fail_point", progress=False,
    )  # fmt: skip
    store = BatchStore(tmp_path / "f")
    import pyarrow.parquet as pq

    schemas = {pq.read_schema(p).remove_metadata() for p in store.parts()}
    assert len(schemas) == 1
    runs = runs_table(tmp_path / "f")
    assert "target_formed" in runs and list(runs["status"]) == ["failed"] * 4 + ["ok"] * 8


def test_resume_runs_only_missing_runs(tmp_path: Path, reference: pd.DataFrame) -> None:
    exp = experiment(tmp_path)
    out = tmp_path / "r"
    run_batch(exp, out, workers=1, chunk_size=3, progress=False)
    store = BatchStore(out)
    parts = store.parts()
    assert len(parts) == 4  # 12 runs in chunks of 3 (lockstep chunks span points)
    lost = pd.read_parquet(parts[2])
    parts[2].unlink()
    (out / "runs" / ".part-x.parquet.tmp").write_bytes(b"half a file")  # killed mid-write
    result = run_batch(exp, out, workers=2, chunk_size=2, progress=False)
    assert result.ran_now == len(lost) == 3
    assert not list((out / "runs").glob(".*"))
    pd.testing.assert_frame_equal(runs_table(out), reference)
    again = run_batch(exp, out, workers=1, progress=False)
    assert again.ran_now == 0 and len(runs_table(out)) == 12
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["runs"] for s in manifest["sessions"]] == [12, 3, 0]


def test_resume_with_the_other_engine_gives_the_same_table(
    tmp_path: Path, reference: pd.DataFrame
) -> None:
    exp = experiment(tmp_path)
    out = tmp_path / "e"
    run_batch(exp, out, workers=1, chunk_size=4, progress=False, engine="lockstep")
    BatchStore(out).parts()[1].unlink()
    result = run_batch(exp, out, workers=1, progress=False, engine="mesa")
    assert result.ran_now == 4
    pd.testing.assert_frame_equal(runs_table(out), reference)
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["engine"] for s in manifest["sessions"]] == ["lockstep", "mesa"]


def test_other_experiment_refused_unless_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "o"
    run_batch(experiment(tmp_path), out, workers=1, progress=False)
    other = experiment(tmp_path, SMALL.replace("replicates = 4", "replicates = 2"), "b.toml")
    with pytest.raises(BatchRefused, match=r"different experiment .*: replicates 4 there, 2 here"):
        run_batch(other, out, workers=1, progress=False)
    assert len(runs_table(out)) == 12
    assert run_experiment(other.file, out, workers=1, progress=False) == 2
    assert "--force" in capsys.readouterr().err
    # asking for series changes the experiment too: the message says so
    with pytest.raises(BatchRefused, match=r"it was run without --series \(leave out --series"):
        run_batch(experiment(tmp_path), out, workers=1, series=True, progress=False)
    (out / "summary.md").write_text("summary of the old batch")
    capsys.readouterr()
    result = run_batch(other, out, workers=1, force=True, progress=False)
    assert result.ran_now == 6 and len(runs_table(out)) == 6
    # what --force does not delete is named, so no one reads it as the new batch's
    warning = capsys.readouterr().err.strip()
    assert warning.startswith(f"warning: {out}: --force deleted the old results")
    assert "left summary.md:" in warning and len(warning.splitlines()) == 1
    assert (out / "summary.md").read_text() == "summary of the old batch"  # nothing lost


def test_what_differs_from_a_batch_is_named(tmp_path: Path, reference_dir: Path) -> None:
    """The refusal said only 'a different experiment' (of the same file, when only
    --series differed); it names the parts that differ."""
    old = read_manifest(reference_dir / "manifest.json")
    assert differences(old, experiment(tmp_path), series=False) == []
    assert differences(old, experiment(tmp_path), series=True) == [
        "it was run without --series (leave out --series to resume it)"
    ]
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIO.read_text().replace('start = "2024-01"', 'start = "2023-12"'))
    text = SMALL.replace(str(SCENARIO), str(scenario)).replace("rounds = 12", "rounds = 6")
    assert differences(old, experiment(tmp_path, text.replace("0.2,", "0.3,")), False) == [
        "rounds 12 there, 6 here", "the design differs", "the scenario's content differs"
    ]  # fmt: skip
    integer = experiment(tmp_path, SMALL.replace("[0.0,", "[0,"), "int.toml")
    assert integer.hash() != experiment(tmp_path).hash()  # another experiment, for a reason:
    assert differences(old, integer, series=False) == [
        "the design's values differ in type (e.g. 0 there, 0.0 here; the hash tells them apart)"
    ]


def test_sobol_batch_rows_match_design_points(tmp_path: Path) -> None:
    text = f"""
scenario = "{SCENARIO}"
rounds = 6
replicates = 2
root_seed = 4
[design]
kind = "sobol"
samples = 2
[design.parameters]
"states.CHN.weights.us_ties" = {{ low = 0.0, high = 0.45 }}
"us.reactivity" = {{ low = 0.1, high = 0.5 }}
"""
    exp = experiment(tmp_path, text)
    result = run_batch(exp, tmp_path / "s", workers=1, progress=False)
    assert result.runs_done == 2 * (2 + 2) * 2 and result.runs_failed == 0
    runs = runs_table(tmp_path / "s")
    per_point = runs.groupby("point_id")[exp.parameters].first()
    assert per_point.to_dict("records") == exp.design.points
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert manifest["design"]["problem"]["names"] == exp.parameters
    assert manifest["design"]["kind"] == "sobol" and len(manifest["design"]["points"]) == 8


def test_scheduler_without_dask_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "e.toml"
    path.write_text(SMALL)
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    code = run_experiment(path, tmp_path / "o", scheduler="tcp://127.0.0.1:1", progress=False)
    assert code == 2  # a missing optional extra is a setup error, like bad input
    assert "pip install '.[cluster]'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_grid_of_whole_numbers_extended_by_a_fraction_is_refused_saying_why(
    tmp_path: Path,
) -> None:
    """[0, 1] then [0, 1, 0.5]: the old points come first, so it reads as an extension,
    but the new grid is read as floats and the runs written hold integers; the refusal
    says that, not only 'the design differs'."""
    ints = SMALL.replace("[0.0, 0.2, 0.45]", "[0, 1]").replace("rounds = 12", "rounds = 3")
    out = tmp_path / "o"
    run_batch(experiment(tmp_path, ints), out, workers=1, progress=False)
    wider = experiment(tmp_path, ints.replace("[0, 1]", "[0, 1, 0.5]"), "wider.toml")
    with pytest.raises(BatchRefused, match=r"turn whole numbers into fractions"):
        run_batch(wider, out, workers=1, progress=False)
    assert len(runs_table(out)) == 8  # nothing lost
    appended = experiment(tmp_path, ints.replace("[0, 1]", "[0, 1, 2]"), "ints.toml")
    assert run_batch(appended, out, workers=1, progress=False).ran_now == 4  # extended
