"""The month's action choices compiled (numba): which actions are open, each side's gain,
and the decisions written back (:func:`sim.rules.act.take_actions`).

Every month each run has a dozen open actions to weigh: :func:`~sim.rules.actions.open_actions`
and :func:`~sim.rules.actions.open_pairs` find them, the gains subtract each side's
end-of-month utility, :func:`~sim.rules.actions.decide` draws, and the decisions are
scattered into ``(B, N, N, K)`` arrays: about twenty numpy passes of fancy indexing over
``(C,)`` candidates, here three loops. The logistic's exponential stays in numpy (the
reason is in :mod:`sim.rules.compiled_proposal`): :func:`gains` returns both sides'
clipped logit arguments as one ``(2, C)`` array, and ``1 / (1 + exp(-x))`` of it is
elementwise what the two ``(C,)`` calls of :func:`~sim.rules.actions.decide` compute.
The numpy functions stay the definition (docs/model.md 3.8);
``tests/test_compiled_take.py`` checks every output against them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.rules.actions import ActionParams
from sim.rules.kernel_args import at, per_run


def open_slots(a: ActionParams, act_left: np.ndarray, top: np.ndarray, waiting: np.ndarray,
               bonus: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """``(rows, slot, ijk)``: every (run, slot) whose action is open now, run-major, as
    ``open_pairs(open_actions(a, act_left, top) & ~waiting, a.slots)`` gives them, with
    ``waiting`` lifted where ``bonus`` (an occasion's invitation) is positive; ``ijk``
    the slots' (actor, recipient, kind)."""
    b = act_left.shape[0]
    n_slots = len(a.slots)
    rows, slot = np.empty(b * n_slots, dtype=np.int64), np.empty(b * n_slots, dtype=np.int64)
    ijk = np.empty((b * n_slots, 3), dtype=np.int64)
    invited = np.zeros((1, *act_left.shape[1:]), dtype=bool) if bonus is None else bonus > 0
    if invited.ndim == 3:
        invited = invited[None]
    allowed = a.allowed if a.allowed.ndim == 4 else a.allowed[None]
    min_level = a.min_level if a.min_level.ndim == 2 else a.min_level[None]
    count = _open(
        np.ascontiguousarray(act_left), np.ascontiguousarray(top), np.ascontiguousarray(waiting),
        bonus is not None, np.ascontiguousarray(invited), np.ascontiguousarray(allowed),
        np.ascontiguousarray(min_level), np.ascontiguousarray(a.slots, dtype=np.int64),
        rows, slot, ijk,
    )  # fmt: skip
    return rows[:count], slot[:count], ijk[:count]


@njit(cache=True)
def _open(act_left, top, waiting, has_bonus, invited, allowed, min_level, slots, rows, slot,
          ijk):  # fmt: skip
    """actions.open_actions & ~waiting at each run's slots, in open_pairs' order (flat
    offsets of each slot's (actor, recipient, kind) and pair, read run by run)."""
    n_runs, n, _, n_kinds = act_left.shape
    n_slots = slots.shape[0]
    cell, pair = np.empty(n_slots, dtype=np.int64), np.empty(n_slots, dtype=np.int64)
    floor = np.empty((min_level.shape[0], n_slots), dtype=np.int64)
    for s in range(n_slots):
        i, j, k = slots[s, 0], slots[s, 1], slots[s, 2]
        pair[s], cell[s] = i * n + j, (i * n + j) * n_kinds + k
        for r in range(min_level.shape[0]):
            floor[r, s] = min_level[r, k]
    left, wait_, top_ = act_left.reshape(-1), waiting.reshape(-1), top.reshape(-1)
    allowed_, invited_ = allowed.reshape(-1), invited.reshape(-1)
    size, count = n * n * n_kinds, 0
    for b in range(n_runs):
        ab, wb, mb = at(allowed, b) * size, at(invited, b) * size, at(min_level, b)
        for s in range(n_slots):
            e = b * size + cell[s]
            wait = wait_[e] & ~(has_bonus & invited_[wb + cell[s]])
            ok = allowed_[ab + cell[s]] & (left[e] <= 0)
            ok = ok & (top_[b * n * n + pair[s]] >= floor[mb, s]) & ~wait
            rows[count], slot[count] = b, s  # written always, kept if open (no branch)
            ijk[count, 0], ijk[count, 1], ijk[count, 2] = slots[s, 0], slots[s, 1], slots[s, 2]
            count += ok
    return count


def gains(u: np.ndarray, u0: np.ndarray, rows: np.ndarray, ijk: np.ndarray,
          bonus: np.ndarray | None, temperature=1.0) -> np.ndarray:  # fmt: skip
    """``(2, C)``: the actor's and the recipient's utility change for each candidate
    (``u (C, N)`` with the action, ``u0 (B, N)`` without), plus the occasion's ``bonus``
    ``(N, N, K)`` or ``(B, N, N, K)`` (None: no occasion), as the argument of their logit
    consent: divided by ``temperature`` (one, or one per candidate) and clipped to
    [-700, 700] (:func:`~sim.rules.logit.accept_probability` at cost 0)."""
    out = np.empty((2, len(rows)))
    extra = np.zeros((1, 1, 1, 1)) if bonus is None else bonus
    if extra.ndim == 3:
        extra = extra[None]
    _gains(np.ascontiguousarray(u), np.ascontiguousarray(u0), rows,
           np.ascontiguousarray(ijk, dtype=np.int64), bonus is not None,
           np.ascontiguousarray(extra, dtype=float), per_run(temperature, 0), out)  # fmt: skip
    return out


@njit(cache=True)
def _gains(u, u0, rows, ijk, has_bonus, bonus, temperature, out):
    """take_actions' gain_i, gain_j (+ the bonus) of each candidate, as logit arguments."""
    for c in range(rows.shape[0]):
        b, i, j, k = rows[c], ijk[c, 0], ijk[c, 1], ijk[c, 2]
        g_i, g_j = u[c, i] - u0[b, i], u[c, j] - u0[b, j]
        if has_bonus:
            extra = bonus[at(bonus, b), i, j, k]
            g_i, g_j = g_i + extra, g_j + extra
        t = temperature[at(temperature, c)]
        out[0, c] = min(max((g_i - 0.0) / t, -700.0), 700.0)
        out[1, c] = min(max((g_j - 0.0) / t, -700.0), 700.0)


def record(
    agree: np.ndarray,
    rows: np.ndarray,
    slot: np.ndarray,
    ijk: np.ndarray,
    u_act: np.ndarray,
    taken: np.ndarray,
    declined: np.ndarray,
) -> None:
    """Each candidate is taken iff ``u_act[run, slot]`` < the product of both sides'
    consent ``agree (2, C)`` (:func:`~sim.rules.actions.decide`), else declined: written
    into ``taken`` and ``declined`` ``(B, N, N, K)``."""
    _record(np.ascontiguousarray(agree), rows, slot, np.ascontiguousarray(ijk, dtype=np.int64),
            np.ascontiguousarray(u_act), taken, declined)  # fmt: skip


@njit(cache=True)
def _record(agree, rows, slot, ijk, u_act, taken, declined):
    """decide (u < P(actor) x P(recipient)) and the scatter of its outcome."""
    for c in range(rows.shape[0]):
        b, i, j, k = rows[c], ijk[c, 0], ijk[c, 1], ijk[c, 2]
        if u_act[b, slot[c]] < agree[0, c] * agree[1, c]:
            taken[b, i, j, k] = True
        else:
            declined[b, i, j, k] = True


def settle(taken: np.ndarray, declined: np.ndarray, act_left: np.ndarray, act_wait: np.ndarray,
           duration: np.ndarray, until: int) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """``(act_left, act_wait)`` after the month's decisions, int16 ``(B, N, N, K)``: an
    action taken is in force for its kind's ``duration``, one declined waits until round
    ``until`` (this month + the scenario's ``action_review``); the others keep theirs."""
    new_left = np.empty(act_left.shape, dtype=np.int16)
    new_wait = np.empty(act_wait.shape, dtype=np.int16)
    c = np.ascontiguousarray
    _settle(c(taken), c(declined), c(act_left), c(act_wait), c(duration, dtype=np.int64), until,
            new_left, new_wait)  # fmt: skip
    return new_left, new_wait


@njit(cache=True)
def _settle(taken, declined, act_left, act_wait, duration, until, new_left, new_wait):
    """play_round's np.where of the actions taken and declined, in one pass."""
    n_kinds = duration.shape[0]
    flat_taken, flat_declined = taken.reshape(-1), declined.reshape(-1)
    flat_left, flat_wait = act_left.reshape(-1), act_wait.reshape(-1)
    out_left, out_wait = new_left.reshape(-1), new_wait.reshape(-1)
    for e in range(flat_left.shape[0]):
        out_left[e] = duration[e % n_kinds] if flat_taken[e] else flat_left[e]
        out_wait[e] = until if flat_declined[e] else flat_wait[e]
