"""Every random number a run uses, drawn up front from the run's generator.

Drawing a fixed block per round (whatever happens in the run) makes the Mesa model and
the lockstep engine consume identical numbers for the same seed, so both give the same
run for the same seed, and the layout is documented in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.rules.params import Params


@dataclass(frozen=True)
class Draws:
    """Pre-drawn randomness with shape ``(*batch, rounds, ...)``."""

    u_switch: np.ndarray  # (..., R, D) regime switches of drivers
    u_shock: np.ndarray  # (..., R, S_random) random shocks
    u_recognize: np.ndarray  # (..., R) proposer recognition
    u_consent: np.ndarray  # (..., R, N) consent of each state
    z: np.ndarray  # (..., R, D) driver noise

    def at(self, t: int) -> Draws:
        """The draws of round ``t`` (drops the round axis)."""
        return Draws(
            self.u_switch[..., t, :],
            self.u_shock[..., t, :],
            self.u_recognize[..., t],
            self.u_consent[..., t, :],
            self.z[..., t, :],
        )


def draw(rng: np.random.Generator, p: Params, rounds: int) -> Draws:
    """Draw one run's randomness: uniforms ``(rounds, D + S + 1 + N)`` then normals."""
    d, s, n = len(p.drivers), p.n_random_shocks, p.n_states
    u = rng.random((rounds, d + s + 1 + n))
    z = rng.standard_normal((rounds, d))
    return Draws(
        u_switch=u[:, :d],
        u_shock=u[:, d : d + s],
        u_recognize=u[:, d + s],
        u_consent=u[:, d + s + 1 :],
        z=z,
    )


def draw_many(seeds: list[int], p: Params, rounds: int) -> Draws:
    """Stack the draws of several runs (one generator per seed): ``(B, rounds, ...)``."""
    runs = [draw(np.random.default_rng(seed), p, rounds) for seed in seeds]
    return Draws(*(np.stack([getattr(r, f) for r in runs]) for f in Draws.__dataclass_fields__))
