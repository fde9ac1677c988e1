"""Stacked design points (sim.rules.stack): the runs of several points advanced in one
lockstep batch are, bit for bit, the runs each point gives alone."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import load_scenario
from sim.lockstep import run_lockstep, run_stacked
from sim.records import outcome_columns
from sim.rules.params import compile_params
from sim.rules.stack import Unstackable, runwise, stack_params, take_runs
from sim.runner import run_table, run_table_points
from tests.conftest import DEFAULT_SCENARIO as SCENARIO

# Every kind of value a design can vary: weights, noise and costs, US reaction, level
# strengths and talk lengths, drivers (noise, ceasefire hazard and month), shocks (month,
# probability), capabilities (per-pact sums, asymmetry), goods, trade, affinities, and
# stakes and autonomy switched off at one point only (the stacked sums cover the others').
POINTS = [
    [],
    ["states.CHN.weights.us_ties=0.01", "us.reactivity=0.2", "us.bloc_visibility=1"],
    ["negotiation.temperature=0.2", "negotiation.formation_cost=0.0", "negotiation.eagerness=0"],
    ["negotiation.exit_threshold=0.0", "levels.0.commitment=0.9", "levels.1.entanglement=0.2"],
    ["levels.0.talks_min=1", "levels.1.talks_max=20", "drivers.rus_war.sigma=0.2"],
    ["drivers.rus_war.switch_hazard=0.3", "drivers.rus_war.switch_from=3", "shocks.0.round=5"],
    ["shocks.1.probability=0.5", "states.CHN.capability=0.01", "states.PRK.needs.technology=0"],
    ["states.PRK.trade_share.CHN=0.3", "relations.CHN-PRK.affinity=-0.3", "states.PRK.autonomy=0"],
    ["states.CHN.stakes.PRK=0", "states.RUS.stakes.PRK=0", "states.PRK.recognition=3"],
]


def test_stacked_runs_are_the_runs_of_each_point_alone():
    scenarios = [load_scenario(SCENARIO, o) for o in POINTS]
    seeds = [[3 * k + 1, 3 * k + 2, 3 * k + 3][: 1 + k % 3] for k in range(len(POINTS))]
    stacked = run_stacked(scenarios, seeds, 84)
    together = outcome_columns(stacked.history, stacked.params)
    start = 0
    for scenario, point_seeds in zip(scenarios, seeds, strict=True):
        alone = run_lockstep(scenario, point_seeds, 84)
        cols = outcome_columns(alone.history, alone.params)
        end = start + len(point_seeds)
        for name, values in cols.items():
            floats = values.dtype.kind == "f"
            assert np.array_equal(values, together[name][start:end], equal_nan=floats), name
        start = end
    assert start == len(together["rounds"])


def test_run_table_points_matches_per_point_tables_and_falls_back():
    base = load_scenario(SCENARIO)
    other = load_scenario(SCENARIO, ["states.CHN.weights.us_ties=0.01"])
    # a point whose start differs cannot be stacked: its runs are played on their own
    talks = load_scenario(SCENARIO, ["initial_talks.RUS-PRK.level=partnership"])
    scenarios, seeds = [base, other, talks], [[1, 2], [3], [4, 5]]
    got = run_table_points(scenarios, seeds, 30)
    want = [run_table(s, x, 30) for s, x in zip(scenarios, seeds, strict=True)]
    import pandas as pd

    pd.testing.assert_frame_equal(got, pd.concat(want, ignore_index=True))


def test_points_that_differ_in_structure_are_refused():
    base = compile_params(load_scenario(SCENARIO))
    fewer = compile_params(load_scenario(SCENARIO, ["target_level=treaty"]))
    with pytest.raises(Unstackable, match="target_level"):
        stack_params([base, fewer], [1, 1])
    talks = load_scenario(SCENARIO, ["initial_talks.RUS-PRK.level=partnership"])
    with pytest.raises(Unstackable, match="start"):
        run_stacked([load_scenario(SCENARIO), talks], [[1], [2]], 5)


def test_stacked_values_repeat_per_run_and_take_runs_slices_them():
    a = compile_params(load_scenario(SCENARIO))
    b = compile_params(load_scenario(SCENARIO, ["negotiation.temperature=0.5"]))
    p = stack_params([a, b], [2, 3])
    assert p.stacked and p.negotiation.temperature.tolist() == [0.01, 0.01, 0.5, 0.5, 0.5]
    assert p.weights.shape == (5, *a.weights.shape)
    assert p.space is a.space  # shared, not stacked
    n_configs = len(a.configs.levels)
    assert p.configs.offset.tolist() == [0, 0, n_configs, n_configs, n_configs]
    sub = take_runs(p, np.array([1, 4]))
    assert sub.negotiation.temperature.tolist() == [0.01, 0.5]
    assert sub.configs.offset.tolist() == [0, n_configs]
    assert take_runs(a, np.array([0])) is a  # one scenario: nothing to slice


def test_runwise_inserts_axes_after_the_run_axis_only_when_stacked():
    a = compile_params(load_scenario(SCENARIO))
    p = stack_params([a, a], [1, 1])
    assert runwise(p.negotiation.temperature, p, 2).shape == (2, 1, 1)
    assert runwise(p.offers, p, 1).shape == (2, 1, *a.offers.shape)
    assert runwise(p.offers, p, 0) is p.offers
    assert runwise(a.offers, a, 3) is a.offers  # not stacked: unchanged
