"""The month's proposal compiled (numba): every move's value and the recognised proposer.

:func:`proposal` gives what :func:`sim.rules.round.propose` computes with
:func:`~sim.rules.decisions.move_values` and :func:`~sim.rules.decisions.recognize`, run
by run in one loop instead of a dozen numpy passes over ``(B, M, N)`` arrays, with the
same operations in the same order (the product of the other members' consent in index
order, the recognition weights' cumulative sum in order). Exponentials stay in numpy:
numpy's ``exp`` is its own SIMD code where the processor has AVX-512, and it differs from
the C library's (which compiled code calls) in the last bit of about 1 value in 20. So
the members' consent probabilities (:func:`~sim.rules.decisions.acceptance`'s factors)
come in computed, and the proposer's choice among its moves is
:func:`~sim.rules.decisions.choose` itself. The numpy functions stay the definition
(docs/model.md 3.3); ``tests/test_compiled_proposal.py`` checks every value bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.rules.arrays import runwise
from sim.rules.decisions import MoveValues, choose, move_costs
from sim.rules.kernel_args import at, per_run
from sim.rules.logit import accept_probability
from sim.rules.pacts import RAISE
from sim.rules.params import Params


def proposal(mv: MoveValues, p: Params, talk_level: np.ndarray, blocked: np.ndarray,
             u_recognize: np.ndarray, u_choice: np.ndarray) -> tuple[np.ndarray, ...]:  # fmt: skip
    """``(proposer, move)``, ``(B,)`` each: the recognised state and its move (0 =
    nothing), for ``mv`` valued on ``(B, M, N)``; ``blocked (B, M)`` the raises refused
    within the refusal memory."""
    sp = p.space
    b = len(u_recognize)
    asked = sp.raises
    u = mv.utility
    gains_asked = u[..., asked, :] - u[..., :1, :]  # MoveValues.gains of the raises
    agree = accept_probability(gains_asked, move_costs(p)[..., asked, None],
                               runwise(p.temperature, p, 2))  # fmt: skip
    proposer, own = np.empty(b, dtype=np.int64), np.empty((b, sp.n_moves))
    _proposal(*_inputs(mv, p, talk_level, blocked, agree), per_run(p.recognition, 1),
              per_run(p.negotiation.eagerness, 0), np.ascontiguousarray(u_recognize),
              proposer, own)  # fmt: skip
    return proposer, choose(own, runwise(p.temperature, p, 1), u_choice)


def _inputs(mv: MoveValues, p: Params, talk_level, blocked, agree) -> tuple:
    """The arguments of :func:`_values` before the run."""
    sp = p.space
    raise_index = np.full(sp.n_moves, -1, dtype=np.int64)  # move -> its row of ``agree``
    raise_index[sp.raises] = np.arange(len(sp.raises))
    return (
        np.ascontiguousarray(mv.utility), np.ascontiguousarray(agree),
        np.ascontiguousarray(mv.valid), np.ascontiguousarray(talk_level),
        np.ascontiguousarray(blocked), per_run(p.move_cost, 1), raise_index, sp.consent,
        sp.kind == RAISE, sp.pact.astype(np.int64), sp.mover,
    )  # fmt: skip


@njit(cache=True)
def _values(utility, agree, valid, talk_level, blocked, cost, raise_index, consent, is_raise,
            pact, mover, b, values):  # fmt: skip
    """decisions.move_values of run ``b`` into ``values (M, N)``: P(the others agree) x
    (gain - cost) where the state may propose the move, else -inf; 0 for the status quo.
    ``agree (B, F, N)``: each member's consent probability to each raise."""
    n_moves, n = values.shape
    cb = at(cost, b)
    for m in range(n_moves):
        free = valid[b, m] and not blocked[b, m]
        if is_raise[m] and talk_level[b, pact[m]] > 0:
            free = False
        f = raise_index[m]
        for i in range(n):
            acc = 1.0
            if f >= 0:  # decisions.acceptance: the product over the others in index order
                first = True
                for j in range(n):
                    if j != i:
                        factor = agree[b, f, j] if consent[m, j] else 1.0
                        acc = factor if first else acc * factor
                        first = False
            gain = utility[b, m, i] - utility[b, 0, i]  # MoveValues.gains
            net = (gain - cost[cb, m]) * acc
            values[m, i] = net if (free and mover[m, i]) else -np.inf
    for i in range(n):
        values[0, i] = 0.0


@njit(cache=True)
def _proposal(utility, agree, valid, talk_level, blocked, cost, raise_index, consent, is_raise,
              pact, mover, recognition, eagerness, u_recognize, proposer, own):  # fmt: skip
    """decisions.recognize of every run into ``proposer``, and the proposer's values of
    its moves into ``own (B, M)``."""
    n_runs, n_moves, n = utility.shape
    values, cum = np.empty((n_moves, n)), np.empty(n)
    for b in range(n_runs):
        _values(utility, agree, valid, talk_level, blocked, cost, raise_index, consent,
                is_raise, pact, mover, b, values)  # fmt: skip
        rb, e = at(recognition, b), eagerness[at(eagerness, b)]
        for i in range(n):  # weights recognition x (1 + eagerness x best), summed in order
            best = values[0, i]
            for m in range(1, n_moves):
                best = max(best, values[m, i])
            weight = recognition[rb, i] * (1.0 + e * best)
            cum[i] = weight if i == 0 else cum[i - 1] + weight
        pick = 0
        for i in range(n):
            if u_recognize[b] * cum[n - 1] >= cum[i]:
                pick += 1
        s = min(pick, n - 1)
        proposer[b] = s
        for m in range(n_moves):
            own[b, m] = values[m, s]
