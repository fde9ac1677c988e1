"""A month of talks compiled (numba): :func:`sim.rules.talks.progress_talks` in two loops
around numpy's exponential.

Each member of each open talk stays or walks out on the logit of its gain from the pact
at the talks' level (3.4): the numpy definition takes the gains out of ``(B, M, N)`` with
``take_along_axis``, masks, clips, compares and reduces in about fifteen passes over
``(B, P, N)`` arrays. Here one loop writes the logistic's clipped argument, numpy takes
its exponential (the reason is in :mod:`sim.rules.compiled_proposal`), and a second loop
decides who stays, which talks fail or are signed and what the pacts become. The numpy
function stays the definition; ``tests/test_talks.py`` checks every output against it
(and its hand-computed boundaries on both).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.rules.decisions import MoveValues
from sim.rules.kernel_args import at, logistic, per_run
from sim.rules.params import Params


def progress_talks(
    levels: np.ndarray,
    talk_level: np.ndarray,
    talk_due: np.ndarray,
    t: int,
    mv: MoveValues,
    p: Params,
    u_talks: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What :func:`sim.rules.talks.progress_talks` returns for a batch ``(B, ...)``:
    ``(levels, talk_level, talk_due, signed (B, P), walked (B, P, N))``."""
    sp = p.space
    b, n_pacts = talk_level.shape
    x = np.empty((b, n_pacts, p.n_states))
    _stay_x(np.ascontiguousarray(mv.utility), np.ascontiguousarray(mv.valid), talk_level,
            sp.raise_move.astype(np.int64), per_run(p.negotiation.formation_cost, 0),
            per_run(p.temperature, 0), x)  # fmt: skip
    stay = logistic(x)  # logit.accept_probability
    out = (
        np.empty(levels.shape, dtype=levels.dtype),
        np.empty(talk_level.shape, dtype=talk_level.dtype),
        np.empty(talk_due.shape, dtype=talk_due.dtype),
        np.empty((b, n_pacts), dtype=bool),
        np.empty(x.shape, dtype=bool),
    )
    _settle(levels, talk_level, talk_due, t, stay, u_talks, sp.membership, *out)
    return out


@njit(cache=True)
def _stay_x(utility, valid, talk_level, raise_move, cost, temperature, x):
    """The clipped logit argument ``(gain - formation cost) / T`` of each member staying
    in each pact's talks: the gain of the raise to the talks' level (MoveValues.gains),
    0 where that raise is invalid (a leave lifted the pact to the level or past it)."""
    for b in range(x.shape[0]):
        c, tb = cost[at(cost, b)], temperature[at(temperature, b)]
        for q in range(x.shape[1]):
            m = raise_move[q, talk_level[b, q]]
            for i in range(x.shape[2]):
                gain = utility[b, m, i] - utility[b, 0, i] if valid[b, m] else 0.0
                x[b, q, i] = min(max((gain - c) / tb, -700.0), 700.0)


@njit(cache=True)
def _settle(levels, talk_level, talk_due, t, stay, u_talks, membership,
            new_levels, new_talk_level, new_talk_due, signed, walked):  # fmt: skip
    """talks.progress_talks from the members' probabilities of staying: a member walks
    out iff ``u >= P(stay)``; talks with a walk-out fail, the others are signed when due;
    a signed pact takes the talks' level if higher; failed and signed talks close."""
    for b in range(levels.shape[0]):
        for q in range(levels.shape[1]):
            is_open = talk_level[b, q] > 0
            failed = False
            for i in range(walked.shape[2]):
                w = is_open and membership[q, i] and not (u_talks[b, q, i] < stay[b, q, i])
                walked[b, q, i] = w
                failed = failed or w
            done = is_open and not failed and talk_due[b, q] <= t
            signed[b, q] = done
            lv = levels[b, q]
            new_levels[b, q] = max(lv, talk_level[b, q]) if done else lv
            closed = failed or done
            new_talk_level[b, q] = 0 if closed else talk_level[b, q]
            new_talk_due[b, q] = 0 if closed else talk_due[b, q]
