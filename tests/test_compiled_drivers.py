"""A month of the drivers compiled (sim/rules/compiled_drivers.py) gives the bits of
drivers.step_drivers: the regime switch, the mean-reverting step, the scheduled shock of
its month, the random shocks, the feedback's push and the clip; for one scenario and for
stacked points whose scheduled shocks fall in different months."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import load_scenario
from sim.rules import compiled_drivers
from sim.rules.compile import compile_params
from sim.rules.drivers import step_drivers
from sim.rules.stack import stack_params
from tests.conftest import DEFAULT_SCENARIO

RUNS = 500


def _month(p, seed: int):
    rng = np.random.default_rng(seed)
    d, s = len(p.drivers.names), len(p.shocks.random)
    x = rng.uniform(-0.2, 1.2, (RUNS, d))
    switched = rng.random((RUNS, d)) < 0.3
    u_switch, z, u_shock = (
        rng.random((RUNS, d)),
        rng.standard_normal((RUNS, d)),
        rng.random((RUNS, s)),
    )
    u_shock[: RUNS // 2] *= 0.05  # many random shocks fire
    push = rng.normal(0.0, 0.1, (RUNS, d))
    return x, switched, u_switch, z, u_shock, push


@pytest.mark.parametrize("stacked", [False, True])
@pytest.mark.parametrize("with_push", [False, True])
def test_compiled_drivers_are_step_drivers_bit_for_bit(stacked, with_push):
    a = compile_params(load_scenario(DEFAULT_SCENARIO))
    p = a
    if stacked:  # the second point's tariff shock two months later
        b = compile_params(load_scenario(DEFAULT_SCENARIO, ['shocks.0.round="2025-06"']))
        p = stack_params([a, b], [RUNS // 2, RUNS - RUNS // 2])
    x, switched, u_switch, z, u_shock, push = _month(p, 3)
    rounds = p.shocks.round if p.shocks.round.ndim == 1 else p.shocks.round[0]
    t_shock = int(rounds[rounds >= 0][0])
    if stacked:
        assert p.shocks.round[-1, 0] == t_shock + 2
    for t in (0, t_shock, t_shock + 2, 40):
        args = (x, switched, t, p, u_switch, z, u_shock, push if with_push else None)
        got, want = compiled_drivers.step_drivers(*args), step_drivers(*args)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
    assert (want[1] != switched).any()  # some regimes switch
