"""Golden baseline: the outcome rows of fixed seeds at fixed design points do not drift.

A failure here means results changed. If the change is intended, regenerate the baseline
with ``python tests/update_baseline.py`` in the same commit and say why in the message.
"""

from __future__ import annotations

import io

import pandas as pd
from update_baseline import BASELINE, BASELINE_V2, SCENARIO_V2, baseline_frame, write


def test_outcomes_match_the_golden_baseline(tmp_path):
    fresh = tmp_path / "fresh.csv"
    write(baseline_frame(), fresh)  # the same CSV writer, so types and digits compare
    want = pd.read_csv(BASELINE, keep_default_na=False)
    got = pd.read_csv(io.StringIO(fresh.read_text()), keep_default_na=False)
    assert list(got.columns) == list(want.columns), "outcome columns changed"
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_a_v2_scenario_gives_v2_rows_bit_for_bit(tmp_path):
    """Model v3's actions, relation dynamics, feedback, dated changes and refusal memory
    are off unless declared: model v2's default scenario gives v2's golden rows."""
    fresh = tmp_path / "fresh.csv"
    write(baseline_frame(SCENARIO_V2), fresh)
    want = pd.read_csv(BASELINE_V2, keep_default_na=False)
    got = pd.read_csv(io.StringIO(fresh.read_text()), keep_default_na=False)
    assert set(want.columns) <= set(got.columns), "v2 outcome columns missing"
    pd.testing.assert_frame_equal(got[list(want.columns)], want, check_exact=True)
