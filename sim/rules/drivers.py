"""Exogenous drivers: mean-reverting series with a one-way regime switch and shocks.

A war with a ceasefire hazard is a driver whose mean drops from ``mean`` to ``mean_after``
when the switch fires (probability ``switch_hazard`` per round from ``switch_from``); a
tension index is a driver without a switch. Randomness comes in as pre-drawn arrays, so
the same function serves one run or many in lockstep.
"""

from __future__ import annotations

import numpy as np

from sim.rules.params import Params


def initial_drivers(p: Params, batch: tuple[int, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Driver values and regime flags before round 0: ``(*batch, D)`` each."""
    x = np.broadcast_to(p.drv_initial, (*batch, len(p.drivers))).copy()
    switched = np.zeros((*batch, len(p.drivers)), dtype=bool)
    return x, switched


def step_drivers(
    x: np.ndarray,
    switched: np.ndarray,
    t: int,
    p: Params,
    u_switch: np.ndarray,
    z: np.ndarray,
    u_shock: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Advance drivers one round.

    ``u_switch[..., D]`` uniforms decide regime switches, ``z[..., D]`` standard normals
    drive noise, ``u_shock[..., S_random]`` uniforms decide random shocks.
    Returns new values and regime flags.
    """
    eligible = t >= p.drv_from
    switched = switched | (eligible & (u_switch < p.drv_hazard))
    mu = np.where(switched, p.drv_mean_after, p.drv_mean)
    x = x + p.drv_theta * (mu - x) + p.drv_sigma * z
    for s in np.flatnonzero(p.shock_round == t):
        x[..., p.shock_driver[s]] += p.shock_add[s]
    rand = np.flatnonzero(p.shock_round < 0)
    for col, s in enumerate(rand):
        fired = u_shock[..., col] < p.shock_prob[s]
        x[..., p.shock_driver[s]] += np.where(fired, p.shock_add[s], 0.0)
    return np.clip(x, p.drv_low, p.drv_high), switched
