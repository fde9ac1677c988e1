"""A design kind is one module and one registry line: a test-only kind ("diagonal": the
i-th values of every parameter make point i), registered here, validates, sizes, runs a
batch and is stored in the manifest; nothing else in sim/ names it."""

from __future__ import annotations

import json
from typing import Literal

import pandas as pd
import pytest
from conftest import DEFAULT_SCENARIO

from sim.batch.session import run_batch
from sim.config import ConfigError
from sim.design import registry
from sim.design.kind import DesignContext, DesignKind, DesignPoints, Resolved, rule_broken
from sim.design.spec import DesignTable
from sim.experiment import load_experiment

# -- the test-only kind: what a new module in sim/design/ would hold ----------------------


class DiagonalDesign(DesignTable):
    kind: Literal["diagonal"]
    parameters: dict[str, list[float]]


class Diagonal(DesignKind):
    name = "diagonal"
    model = DiagonalDesign
    size_field = "design.parameters"

    def validate(self, design: DiagonalDesign, file: str) -> None:
        if len({len(v) for v in design.parameters.values()}) != 1:
            raise rule_broken(file, "lists of one length")

    def size(self, design: DiagonalDesign) -> int:
        return len(next(iter(design.parameters.values())))

    def resolve(self, design: DiagonalDesign, ctx: DesignContext) -> Resolved:
        names = list(design.parameters)
        rows = zip(*design.parameters.values(), strict=True)
        return Resolved(design, DesignPoints([dict(zip(names, r, strict=True)) for r in rows]))


@pytest.fixture
def diagonal(monkeypatch):
    monkeypatch.setattr(registry, "KINDS", dict(registry.KINDS))  # undone after the test
    registry.register(Diagonal())  # the one registry line


HEAD = f"""
scenario = "{DEFAULT_SCENARIO}"
rounds = 12
replicates = 3
root_seed = 5
"""
DIAGONAL = (
    HEAD
    + """
[design]
kind = "diagonal"
[design.parameters]
"us.reactivity" = [0.0, 0.6]
"states.CHN.weights.us_ties" = [0.0, 0.05]
"""
)
GRID = DIAGONAL.replace('"diagonal"', '"grid"')


def write(tmp_path, text: str, name: str = "exp.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_unregistered_kind_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="expected one of grid, scenarios, lhs") as err:
        load_experiment(write(tmp_path, DIAGONAL))
    assert err.value.field == "design.kind" and "diagonal" not in err.value.expected


def test_registered_kind_validates_by_its_model_and_rule(tmp_path, diagonal):
    with pytest.raises(ConfigError, match="lists of one length") as err:
        load_experiment(write(tmp_path, DIAGONAL.replace("[0.0, 0.05]", "[0.0]")))
    assert err.value.field == "design"
    with pytest.raises(ConfigError) as err:  # the model: strict numbers
        load_experiment(write(tmp_path, DIAGONAL.replace("[0.0, 0.05]", '["a", "b"]')))
    assert err.value.field == "design.parameters.states.CHN.weights.us_ties.0"


def test_registered_kind_runs_a_batch_like_the_same_points_of_a_grid(tmp_path, diagonal):
    exp = load_experiment(write(tmp_path, DIAGONAL))
    assert exp.design.points == [
        {"us.reactivity": 0.0, "states.CHN.weights.us_ties": 0.0},
        {"us.reactivity": 0.6, "states.CHN.weights.us_ties": 0.05},
    ]
    assert exp.runs_total == 2 * 3
    run_batch(exp, tmp_path / "diag", workers=1, progress=False)
    runs = pd.read_parquet(tmp_path / "diag" / "runs").sort_values("run_id")
    manifest = json.loads((tmp_path / "diag" / "manifest.json").read_text())
    assert manifest["design"]["kind"] == "diagonal"
    assert manifest["design"]["points"] == exp.design.points
    # the grid over the same values holds both points (its points 0 and 3): same seeds,
    # same rows, so the new kind changed only which points run
    grid = load_experiment(write(tmp_path, GRID, "grid.toml"))
    run_batch(grid, tmp_path / "grid", workers=1, progress=False)
    gruns = pd.read_parquet(tmp_path / "grid" / "runs")
    gruns = gruns[gruns["point_id"].isin([0, 3])].sort_values(["point_id", "replicate"])
    outcomes = [c for c in runs.columns if c not in ("run_id", "point_id", "elapsed_s")]
    left = runs.sort_values(["point_id", "replicate"])[outcomes].reset_index(drop=True)
    pd.testing.assert_frame_equal(left, gruns[outcomes].reset_index(drop=True))
