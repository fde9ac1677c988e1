"""Extending a batch: more replicates or design points appended keep every run written and
add the new ones with a fresh batch's seeds; the result equals a fresh batch of the larger
experiment (issue 26, "Extend a finished batch")."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DEFAULT_SCENARIO as SCENARIO
from conftest import runs_table as runs

from sim.batch.extend import renumber
from sim.batch.store import BatchStore
from sim.commands.batch import run_experiment
from sim.seeds import replicate_seeds

P = "states.CHN.weights.us_ties"


def experiment(tmp_path: Path, replicates: int, values: str = "[0.0, 0.45]") -> Path:
    path = tmp_path / f"exp-{replicates}-{len(values)}.toml"
    path.write_text(
        f'scenario = "{SCENARIO}"\nrounds = 24\nreplicates = {replicates}\nroot_seed = 9\n'
        f'[design]\nkind = "grid"\n[design.parameters]\n"{P}" = {values}\n'
    )
    return path


def batch(exp: Path, out: Path, series: bool = False) -> int:
    return run_experiment(exp, out, workers=1, chunk_size=7, series=series, progress=False)


def series(out: Path) -> pd.DataFrame:
    frame = pd.read_parquet(out / "series")
    return frame.sort_values(["run_id", "round"]).reset_index(drop=True)


def test_seeds_of_a_replicate_do_not_depend_on_the_replicate_count() -> None:
    assert replicate_seeds(9, 30)[:20] == replicate_seeds(9, 20)
    spawned = np.random.SeedSequence(9).spawn(30)  # the children numpy spawns, one by one
    assert replicate_seeds(9, 30) == [
        int(s.generate_state(1, np.uint64)[0]) & ((1 << 63) - 1) for s in spawned
    ]


def test_20_to_30_replicates_equals_a_fresh_batch_of_30(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    assert batch(experiment(tmp_path, 20), out, series=True) == 0
    kept = runs(out).set_index(["point_id", "replicate"])
    capsys.readouterr()
    assert batch(experiment(tmp_path, 30), out, series=True) == 0  # no --force
    captured = capsys.readouterr()
    assert "60/60 runs in" in captured.out and "(20 run now, 0 failed)" in captured.out
    assert captured.err.strip() == (
        f"extending {out}: 2 point(s) x 20 replicate(s) -> 2 x 30; the runs written are kept"
    )
    assert batch(experiment(tmp_path, 30), fresh, series=True) == 0
    pd.testing.assert_frame_equal(runs(out), runs(fresh))
    pd.testing.assert_frame_equal(series(out), series(fresh))
    again = runs(out).set_index(["point_id", "replicate"]).loc[kept.index]
    pd.testing.assert_frame_equal(again.drop(columns="run_id"), kept.drop(columns="run_id"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["extended"] == [{"points": 2, "replicates": 20}]
    assert manifest["runs_done"] == 60 and len(manifest["sessions"]) == 2


def test_points_appended_to_a_grid_extend_the_batch(tmp_path: Path) -> None:
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    assert batch(experiment(tmp_path, 6), out) == 0
    assert batch(experiment(tmp_path, 8, "[0.0, 0.45, 0.9]"), out) == 0
    assert batch(experiment(tmp_path, 8, "[0.0, 0.45, 0.9]"), fresh) == 0
    pd.testing.assert_frame_equal(runs(out), runs(fresh))
    assert renumber(BatchStore(out), 8) == 0  # idempotent: a rewrite cut short is redone


@pytest.mark.parametrize(
    ("replicates", "values"), [(4, "[0.0, 0.45]"), (6, "[0.9, 0.0, 0.45]"), (6, "[0.0, 0.4]")]
)
def test_fewer_replicates_or_other_points_are_still_refused(
    tmp_path: Path, replicates: int, values: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert batch(experiment(tmp_path, 6), out) == 0
    before = runs(out)
    capsys.readouterr()
    assert batch(experiment(tmp_path, replicates, values), out) == 2
    assert "holds results of a different experiment" in capsys.readouterr().err
    pd.testing.assert_frame_equal(runs(out), before)
