"""Every random number a run uses, drawn up front from the run's generator.

Drawing a fixed block per round (whatever happens in the run) makes the Mesa model and
the lockstep engine consume identical numbers for the same seed, so both give the same
run for the same seed, and runs at different parameter values with the same seed share
their random numbers (common random numbers). The layout is documented in one place:
docs/model.md, section 3.5.
"""

from __future__ import annotations

import threading
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


_BLOCK = 64  # runs drawn before a copy into the round-major arrays


class DrawBuffers:
    """Arrays :func:`draw_many` fills and returns, kept for the next call of the same
    shapes. A batch's draws are its largest arrays (about 60 MiB for 2,000 runs of 84
    months); allocated afresh for every chunk, glibc maps them from the system and each
    page is faulted in again, which took 6-19% of a worker's time. Whoever owns the
    buffers must be done with the previous call's draws before the next call (the
    lockstep engine keeps one per thread, ``sim.lockstep``)."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """An array of ``shape`` for ``name`` (its previous one if the shape matches)."""
        a = self._arrays.get(name)
        if a is None or a.shape != shape:
            a = self._arrays[name] = _small_pages(shape)
        return a


def _small_pages(shape: tuple[int, ...]) -> np.ndarray:
    """``np.empty(shape)`` without numpy's request for transparent huge pages (its
    ``madvise`` on arrays of 4 MiB or more): where the kernel must compact memory to find
    them, as on the shared machine the figures were measured on, touching a batch's draws
    for the first time took 0.4-1.3 s for 76-229 MiB, against 33-85 ms in small pages."""
    toggle = getattr(getattr(np, "_core", None), "multiarray", None)
    toggle = getattr(toggle, "_set_madvise_hugepage", None)  # numpy's own switch (private)
    if toggle is None:
        return np.empty(shape)
    with _PAGES:  # one thread at a time turns it off and back (the setting is the process's)
        before = toggle(False)
        try:
            return np.empty(shape)
        finally:
            toggle(before)


_PAGES = threading.Lock()


def draw_many(seeds: list[int], p: Params, rounds: int, buffers: DrawBuffers | None = None
              ) -> Draws:  # fmt: skip
    """The draws of several runs (one generator per seed, as :func:`draw`), ``(B, rounds,
    ...)`` laid out round-major, so a round's draws (:meth:`Draws.at`) are contiguous:
    each generator fills its run's block of a small array, copied into the run's column
    of the round-major arrays (``buffers``: reused across calls, else new arrays)."""
    d, s, n, n_p = _widths(p)
    b, n_act = len(seeds), _act_shape(p, rounds)[1]
    width = d + s + 3 + n + n_p * n
    get = (buffers or DrawBuffers()).get
    u, z = get("u", (rounds, b, width)), get("z", (rounds, b, d))
    u_start, u_act = get("u_start", (b, n_p)), get("u_act", (rounds, b, n_act))
    # Each generator fills its run's row of a block of runs (run-major, contiguous), and
    # each block is copied into the round-major arrays at once: one strided copy per block
    # instead of one per run.
    block = max(1, min(b, _BLOCK))
    one_u, one_z, one_act = (get(f"{x}_block", (block, rounds, w)) for x, w in
                             (("u", width), ("z", d), ("act", n_act)))  # fmt: skip
    for k0 in range(0, b, block):
        k1 = min(k0 + block, b)
        for k in range(k0, k1):
            rng = np.random.Generator(np.random.PCG64(seeds[k]))  # default_rng(seed), faster
            rng.random(out=one_u[k - k0])
            rng.standard_normal(out=one_z[k - k0])
            rng.random(out=u_start[k])
            if n_act:
                rng.random(out=one_act[k - k0])
        u[:, k0:k1] = one_u[: k1 - k0].swapaxes(0, 1)
        z[:, k0:k1] = one_z[: k1 - k0].swapaxes(0, 1)
        if n_act:
            u_act[:, k0:k1] = one_act[: k1 - k0].swapaxes(0, 1)
    return _split(u.swapaxes(0, 1), z.swapaxes(0, 1), u_start, u_act.swapaxes(0, 1), p)
