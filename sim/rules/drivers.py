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
    d = p.drivers
    x = np.broadcast_to(d.initial, (*batch, len(d.names))).copy()
    switched = np.zeros((*batch, len(d.names)), dtype=bool)
    return x, switched


def step_drivers(
    x: np.ndarray,
    switched: np.ndarray,
    t: int,
    p: Params,
    u_switch: np.ndarray,
    z: np.ndarray,
    u_shock: np.ndarray,
    push: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Advance drivers one round.

    ``u_switch[..., D]`` uniforms decide regime switches, ``z[..., D]`` standard normals
    drive noise, ``u_shock[..., S_random]`` uniforms decide random shocks.
    ``push[..., D]``: what feedback from actions and pacts adds (:mod:`sim.rules.feedback`).
    Returns new values and regime flags.
    """
    d, sh = p.drivers, p.shocks
    switched = switched | ((t >= d.switch_from) & (u_switch < d.hazard))
    mu = np.where(switched, d.mean_after, d.mean)
    x = x + d.theta * (mu - x) + d.sigma * z
    if p.stacked:  # (B, S): each run's own schedule; 0 is added where none fires
        for s in np.flatnonzero((sh.round == t).any(axis=0)):
            x[..., sh.driver[s]] += np.where(sh.round[:, s] == t, sh.add[:, s], 0.0)
    else:
        for s in np.flatnonzero(sh.round == t):
            x[..., sh.driver[s]] += sh.add[s]
    for col, s in enumerate(sh.random):
        fired = u_shock[..., col] < sh.prob[..., s]
        x[..., sh.driver[s]] += np.where(fired, sh.add[..., s], 0.0)
    if push is not None:
        x = x + push
    return np.clip(x, d.low, d.high), switched


def fired_shocks(t: int, p: Params, u_shock: np.ndarray) -> np.ndarray:
    """Indices of the shocks (scheduled or random) that fire in round ``t`` of one run."""
    sh = p.shocks  # one run: not stacked
    random = [s for col, s in enumerate(sh.random) if u_shock[col] < sh.prob[s]]
    return np.array(sorted([*np.flatnonzero(sh.round == t), *random]), dtype=int)
