"""sim.results_schema is the one description of the output tables: the doc is generated
from it, storage takes its dtypes from it, and every column the model writes is in it."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import DEFAULT_SCENARIO, FOUR_STATES

from sim.config import load_scenario
from sim.point_summary import point_counts, point_summary
from sim.results_schema import DOC, Column, describe, render_doc, runs_dtype
from sim.runner import run_many

SCENARIOS = [DEFAULT_SCENARIO, FOUR_STATES]


def test_doc_is_generated_from_the_schema():
    text = DOC.read_text()
    assert "<!-- table:runs -->" in text and "<!-- table:series -->" in text
    assert render_doc(text) == text, "run: python -m sim.results_schema"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_column_the_model_writes_is_described(path):
    runs = run_many(load_scenario(path), [1, 2], rounds=20, series=True, engine="lockstep")
    for out in runs:
        missing = [c for c in out.outcome if describe("runs", c) is None]
        assert not missing, f"outcome columns missing from sim/results_schema.py: {missing}"
        missing = [c for c in out.series.columns if describe("series", c) is None]
        assert not missing, f"series columns missing from sim/results_schema.py: {missing}"


def test_storage_dtypes_by_hand():
    assert runs_dtype("run_id") == "int64"
    assert runs_dtype("target_round") == "Int64"
    assert runs_dtype("formed.CHN-RUS-PRK") == "boolean"
    assert runs_dtype("first_round.CHN-PRK") == "Int64"
    assert runs_dtype("active_r18.RUS-PRK") == "boolean"
    assert runs_dtype("support_share_r18.CHN.RUS") == "float64"
    assert runs_dtype("support_share_end.PRK.CHN") == "float64"
    assert runs_dtype("error") == "string"
    # a design parameter and a misspelt outcome are not described
    assert runs_dtype("states.CHN.weights.us_ties") is None
    assert runs_dtype("formed.chn-rus") is None
    assert runs_dtype("first_round.CHN-RUS.treaty") == "Int64"  # the per-level family
    assert runs_dtype("first_round.CHN-RUS.Treaty") is None
    assert runs_dtype("switch_round.rus_war") == "Int64"
    assert runs_dtype("min_level_r23.CHN-PRK") == "Int64"


def test_a_family_is_one_line_and_does_not_capture_its_neighbours():
    per_level = Column("first_round.<PACT>.<level>", "Int64", "first round at a level")
    switch = Column("switch_round.<driver>", "Int64", "round of a driver's regime switch")
    assert per_level.matches("first_round.CHN-RUS.treaty")
    assert not per_level.matches("first_round.CHN-RUS")
    assert switch.matches("switch_round.rus_war") and not switch.matches("switch_round.CHN")
    level_at = Column("level_r<C>.<PACT>", "Int64", "level after checkpoint round C")
    assert level_at.matches("level_r18.CHN-RUS-PRK") and not level_at.matches("level_rX.A-B")


def test_point_summary_by_hand_and_described():
    runs = pd.DataFrame(
        {
            "point_id": [0, 0, 0, 0, 1],
            "status": ["ok", "ok", "ok", "failed", "failed"],
            "target_formed": pd.array([True, False, True, None, None], dtype="boolean"),
        }
    )
    table = point_summary(point_counts(runs), pd.Index([0, 1, 2]))
    assert table.loc[0, ["runs", "failed", "n", "k"]].tolist() == [4, 1, 3, 2]
    assert table.loc[0, "p_target"] == pytest.approx(2 / 3)
    # Wilson 95% for 2/3: centre (2/3 + z^2/6)/(1 + z^2/3), computed by hand to 1e-6
    assert table.loc[0, "p_target_lo"] == pytest.approx(0.207659, abs=1e-6)
    assert table.loc[0, "p_target_hi"] == pytest.approx(0.938509, abs=1e-6)
    assert table.loc[1, ["runs", "failed", "n", "k"]].tolist() == [1, 1, 0, 0]
    assert table.loc[2, "runs"] == 0 and pd.isna(table.loc[2, "p_target"])
    for col in table.reset_index().columns:
        assert describe("summary", col) is not None, col
