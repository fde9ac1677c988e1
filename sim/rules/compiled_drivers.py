"""A month of the drivers compiled (numba): :func:`sim.rules.drivers.step_drivers` for a
batch in one loop per run, with the same operations in the same order (the regime switch,
the mean-reverting step, the scheduled shocks in scenario order, then the random ones,
the feedback's push, the clip). The numpy function stays the definition (docs/model.md
3.5); ``tests/test_compiled_drivers.py`` checks every value bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.rules.kernel_args import at, kept, per_run
from sim.rules.params import Params


def step_drivers(x: np.ndarray, switched: np.ndarray, t: int, p: Params, u_switch: np.ndarray,
                 z: np.ndarray, u_shock: np.ndarray, push: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """What :func:`sim.rules.drivers.step_drivers` returns for a batch ``x (B, D)``."""
    sh = p.shocks
    rounds = sh.round if sh.round.ndim == 2 else sh.round[None]
    out, now = np.empty(x.shape), np.empty(switched.shape, dtype=bool)
    c = np.ascontiguousarray
    drivers, shocks = kept(p, "_driver_args", lambda: _scenario_args(p))
    _step(c(x), c(switched), t, c(u_switch), c(z), c(u_shock), *drivers,
          np.asarray(sh.driver, dtype=np.int64), c(rounds, dtype=np.int64),
          (rounds == t).any(axis=0), *shocks, push is not None,
          np.zeros((1, 1)) if push is None else c(push, dtype=float), out, now)  # fmt: skip
    return out, now


def _scenario_args(p: Params) -> tuple[list, list]:
    """The drivers' parameters and the shocks' sizes and chances, as the kernel takes them."""
    d, sh = p.drivers, p.shocks
    drivers = [per_run(x, 1) for x in (d.switch_from, d.hazard, d.mean, d.mean_after, d.theta,
                                       d.sigma, d.low, d.high)]  # fmt: skip
    return drivers, [per_run(sh.add, 1), per_run(sh.prob, 1), np.asarray(sh.random, np.int64)]


@njit(cache=True)
def _step(x, switched, t, u_switch, z, u_shock, switch_from, hazard, mean, mean_after, theta,
          sigma, low, high, driver, rounds, active, add, prob, random, has_push, push, out,
          now):  # fmt: skip
    """drivers.step_drivers run by run (its names in the comments)."""
    n_d = x.shape[1]
    for b in range(x.shape[0]):
        for k in range(n_d):
            fires = t >= switch_from[at(switch_from, b), k]
            fires = fires and u_switch[b, k] < hazard[at(hazard, b), k]
            now[b, k] = switched[b, k] or fires
            mu = mean_after[at(mean_after, b), k] if now[b, k] else mean[at(mean, b), k]
            v = x[b, k] + theta[at(theta, b), k] * (mu - x[b, k])
            out[b, k] = v + sigma[at(sigma, b), k] * z[b, k]
        rb, ab = at(rounds, b), at(add, b)
        for s in range(rounds.shape[1]):  # scheduled shocks, in scenario order; stacked
            if active[s]:  # points add 0 in the runs where a shock of this month is not
                out[b, driver[s]] += add[ab, s] if rounds[rb, s] == t else 0.0
        for col in range(random.shape[0]):  # random shocks: 0 is added where none fires
            s = random[col]
            fired = u_shock[b, col] < prob[at(prob, b), s]
            out[b, driver[s]] += add[ab, s] if fired else 0.0
        for k in range(n_d):
            v = out[b, k] + push[b, k] if has_push else out[b, k]
            out[b, k] = min(max(v, low[at(low, b), k]), high[at(high, b), k])  # np.clip
