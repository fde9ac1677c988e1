"""Every random number a run uses, drawn up front from the run's generator.

Drawing a fixed block per round (whatever happens in the run) makes the Mesa model and
the lockstep engine consume identical numbers for the same seed, so both give the same
run for the same seed, and runs at different parameter values with the same seed share
their random numbers (common random numbers). The layout is documented in one place:
docs/model.md, section 3.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.rules.params import Params


@dataclass(frozen=True)
class Draws:
    """Pre-drawn randomness with shape ``(*batch, rounds, ...)`` (``u_start``: no rounds)."""

    u_switch: np.ndarray  # (..., R, D) regime switches of drivers
    u_shock: np.ndarray  # (..., R, S_random) random shocks
    u_recognize: np.ndarray  # (..., R) proposer recognition
    u_choice: np.ndarray  # (..., R) the proposer's choice among its moves
    u_duration: np.ndarray  # (..., R) length of talks opened this round
    u_consent: np.ndarray  # (..., R, N) each state's agreement to open talks
    u_talks: np.ndarray  # (..., R, P, N) each member's stay-or-walk-out in each pact's talks
    z: np.ndarray  # (..., R, D) driver noise
    u_start: np.ndarray  # (..., P) length of talks under way at round 0
    u_act: np.ndarray  # (..., R, S) the choice of each action slot (actor and recipient)

    def at(self, t: int) -> Draws:
        """The draws of round ``t`` (drops the round axis; ``u_start`` unchanged)."""
        return Draws(
            self.u_switch[..., t, :],
            self.u_shock[..., t, :],
            self.u_recognize[..., t],
            self.u_choice[..., t],
            self.u_duration[..., t],
            self.u_consent[..., t, :],
            self.u_talks[..., t, :, :],
            self.z[..., t, :],
            self.u_start,
            self.u_act[..., t, :],
        )


def _widths(p: Params) -> tuple[int, int, int, int]:
    """Drivers, random shocks, states and pacts: the widths of a round's block."""
    return len(p.drivers.names), len(p.shocks.random), p.n_states, p.space.n_pacts


def _split(
    u: np.ndarray, z: np.ndarray, u_start: np.ndarray, u_act: np.ndarray, p: Params
) -> Draws:
    """Name the columns of the uniforms ``u[..., R, D + S + 3 + N + P*N]``."""
    d, s, n, n_p = _widths(p)
    c = d + s
    return Draws(
        u_switch=u[..., :d],
        u_shock=u[..., d:c],
        u_recognize=u[..., c],
        u_choice=u[..., c + 1],
        u_duration=u[..., c + 2],
        u_consent=u[..., c + 3 : c + 3 + n],
        u_talks=u[..., c + 3 + n :].reshape((*u.shape[:-1], n_p, n)),
        z=z,
        u_start=u_start,
        u_act=u_act,
    )


def draw(rng: np.random.Generator, p: Params, rounds: int) -> Draws:
    """One run's randomness: uniforms ``(rounds, D + S + 3 + N + P*N)``, normals
    ``(rounds, D)``, then ``P`` uniforms for talks under way at the start."""
    d, s, n, n_p = _widths(p)
    u = rng.random((rounds, d + s + 3 + n + n_p * n))
    z = rng.standard_normal((rounds, d))
    u_start = rng.random(n_p)
    return _split(u, z, u_start, rng.random(_act_shape(p, rounds)), p)


def _act_shape(p: Params, rounds: int) -> tuple[int, ...]:
    """Shape of one run's action draws: one uniform per round and action slot (the
    scenario's (actor, recipient, kind) triples); empty without actions, so v2 draws are
    unchanged."""
    return (rounds, len(p.actions.slots))


def draw_many(seeds: list[int], p: Params, rounds: int) -> Draws:
    """The draws of several runs (one generator per seed, as :func:`draw`), ``(B, rounds,
    ...)``: each generator fills its run's rows of preallocated arrays, which are then
    laid out round-major, so a round's draws (:meth:`Draws.at`) are contiguous."""
    d, s, n, n_p = _widths(p)
    b = len(seeds)
    u = np.empty((b, rounds, d + s + 3 + n + n_p * n))
    z = np.empty((b, rounds, d))
    u_start = np.empty((b, n_p))
    u_act = np.empty((b, *_act_shape(p, rounds)))
    for k, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)
        rng.random(out=u[k])
        rng.standard_normal(out=z[k])
        rng.random(out=u_start[k])
        if u_act.size:
            rng.random(out=u_act[k])

    def round_major(x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(x.swapaxes(0, 1)).swapaxes(0, 1)

    return _split(round_major(u), round_major(z), u_start, round_major(u_act), p)
