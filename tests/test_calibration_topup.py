"""The top-up rule of the ABC-SMC (sim/calibration/smc.py, ``next_basis``), by hand.

A step down in tolerance that leaves the pool at the new eps with an ESS below
``ess_fraction * population`` is followed by a top-up generation: the same eps and a
proposal from the population the step proposed from, not from the thin pool (a kernel
built from ~10 effective sets underestimates the spread and the next steps inherit it:
docs/validation_report.md, "Recovery on the real model")."""

from __future__ import annotations

import numpy as np

from sim.calibration.smc import Generation, SmcResult, _stalled, next_basis
from sim.calibration.targets import Scores


def gen(index: int, tolerance: float, weights: list[float], basis=None, topup=False):
    n = len(weights)
    w = np.array(weights, float)
    scores = Scores(np.zeros((n, 1)), np.zeros(n), {"a": np.zeros((n, 1))},
                    {"a": np.zeros((n, 1))})  # fmt: skip
    z = np.arange(n, dtype=float)[:, None] + index
    return Generation(index, z, z, np.zeros(n), scores, tolerance, w / w.sum(), n, basis,
                      topup)  # fmt: skip


def test_a_full_pool_is_the_next_basis_with_a_free_tolerance():
    g0 = gen(0, 3.0, [1, 1, 1, 1])  # ESS 4
    basis, fixed = next_basis([g0], min_ess=4.0)
    assert fixed is None
    assert basis.ess == 4.0 and basis.tolerance == 3.0


def test_a_thin_pool_is_topped_up_from_the_basis_of_its_step():
    g0 = gen(0, 3.0, [1, 1, 1, 1])
    pool0 = SmcResult([g0], "", 0, 0).posterior
    g1 = gen(1, 2.0, [1, 1, 0, 0], basis=pool0)  # the step to eps 2 keeps ESS 2 < 3
    basis, fixed = next_basis([g0, g1], min_ess=3.0)
    assert fixed == 2.0 and basis is pool0  # same eps, same population as the step
    g2 = gen(2, 2.0, [1, 0, 0, 0], basis=pool0, topup=True)
    # pool at eps 2: g1 (ESS 2) and g2 (ESS 1), shares 2/3 and 1/3:
    # weights 1/3, 1/3, 0, 0, 1/3, 0, 0, 0 -> ESS 3 -> the next step proposes from it
    basis, fixed = next_basis([g0, g1, g2], min_ess=3.0)
    assert fixed is None
    assert basis.tolerance == 2.0 and np.isclose(basis.ess, 3.0) and len(basis.z) == 8


def test_without_top_ups_a_thin_pool_is_the_next_basis_as_before():
    g0 = gen(0, 3.0, [1, 1, 1, 1])
    pool0 = SmcResult([g0], "", 0, 0).posterior
    g1 = gen(1, 2.0, [1, 1, 0, 0], basis=pool0)  # ESS 2 < 3, as above
    basis, fixed = next_basis([g0, g1], min_ess=3.0, top_up=False)
    assert fixed is None and basis.tolerance == 2.0 and np.isclose(basis.ess, 2.0)


def test_top_ups_do_not_count_as_a_stall():
    g = [gen(0, 3.0, [1, 1]), gen(1, 2.0, [1, 1]), gen(2, 2.0, [1, 1], topup=True),
         gen(3, 2.0, [1, 1], topup=True)]  # fmt: skip
    assert not _stalled(g)  # one step (3 -> 2), then top-ups
    g += [gen(4, 2.0, [1, 1]), gen(5, 2.0, [1, 1])]
    assert _stalled(g)  # two steps in a row without a fall: 2 -> 2 -> 2
