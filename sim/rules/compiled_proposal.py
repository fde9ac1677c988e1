"""The month's proposal compiled (numba): every move's value, the recognised proposer and
its choice.

:func:`proposal` gives what :func:`sim.rules.round.propose` computes with
:func:`~sim.rules.decisions.move_values`, :func:`~sim.rules.decisions.recognize` and
:func:`~sim.rules.decisions.choose`, run by run in loops instead of a few dozen numpy
passes over ``(B, M, N)`` and ``(B, M)`` arrays, with the same operations in the same
order (the product of the other members' consent in index order, the recognition
weights' cumulative sum in order, the choice weights summed as numpy sums a row:
:func:`~sim.rules.kernel_args.pairwise_sum`). Exponentials stay in numpy: numpy's
``exp`` is its own SIMD code where the processor has AVX-512, and it differs from the C
library's (which compiled code calls) in the last bit of about 1 value in 20. So a loop
computes each logistic's argument, numpy its exponential, and a loop goes on from there.
The numpy functions stay the definition (docs/model.md 3.3);
``tests/test_compiled_proposal.py`` checks every value bit for bit and the choices at
the cumulative probabilities' boundaries.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.rules.decisions import MoveValues, move_costs
from sim.rules.kernel_args import at, logistic, pairwise_sum, per_run
from sim.rules.pacts import RAISE
from sim.rules.params import Params


def proposal(mv: MoveValues, p: Params, talk_level: np.ndarray, blocked: np.ndarray,
             u_recognize: np.ndarray, u_choice: np.ndarray) -> tuple[np.ndarray, ...]:  # fmt: skip
    """``(proposer, move)``, ``(B,)`` each: the recognised state and its move (0 =
    nothing), for ``mv`` valued on ``(B, M, N)``; ``blocked (B, M)`` the raises refused
    within the refusal memory."""
    sp = p.space
    b = len(u_recognize)
    u = np.ascontiguousarray(mv.utility)
    temperature = per_run(p.temperature, 0)
    x = np.empty((b, len(sp.raises), p.n_states))  # logit.accept_probability, then its exp
    _consent_x(u, sp.raises.astype(np.int64), per_run(move_costs(p), 1), temperature, x)
    agree = logistic(x)
    proposer, own = np.empty(b, dtype=np.int64), np.empty((b, sp.n_moves))
    _proposal(*_inputs(mv, p, talk_level, blocked, agree), per_run(p.recognition, 1),
              per_run(p.negotiation.eagerness, 0), np.ascontiguousarray(u_recognize),
              proposer, own)  # fmt: skip
    return proposer, choose(own, temperature, np.ascontiguousarray(u_choice))


def answers(mv: MoveValues, p: Params, proposer: np.ndarray, move: np.ndarray,
            u_consent: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """``(gains (B, N), refused (B, N), accepted (B,))`` of each run's proposed ``move``, as
    :func:`sim.rules.round.answers` gives them (the consent logit's argument in a loop,
    its exponential in numpy, the answers in a second loop)."""
    sp = p.space
    b, n = len(move), p.n_states
    gains, x = np.empty((b, n)), np.empty((b, n))
    _gains_x(np.ascontiguousarray(mv.utility), move, per_run(move_costs(p), 1),
             per_run(p.temperature, 0), gains, x)  # fmt: skip
    agree = logistic(x)  # logit.accept_probability
    refused, accepted = np.empty((b, n), dtype=bool), np.empty(b, dtype=bool)
    _answers(agree, np.ascontiguousarray(u_consent), move, proposer, sp.consent,
             sp.kind == RAISE, refused, accepted)  # fmt: skip
    return gains, refused, accepted


@njit(cache=True)
def _gains_x(utility, move, cost, temperature, gains, x):
    """round.answers' gains and its consent logit's clipped argument."""
    for b in range(gains.shape[0]):
        m = move[b]
        c, t = cost[at(cost, b), m], temperature[at(temperature, b)]
        for i in range(gains.shape[1]):
            g = utility[b, m, i] - utility[b, 0, i]
            gains[b, i] = g
            x[b, i] = min(max((g - c) / t, -700.0), 700.0)


@njit(cache=True)
def _answers(agree, u_consent, move, proposer, consent, is_raise, refused, accepted):
    """round.answers' refusals (u >= P(agree) of a member whose consent a raise needs,
    the proposer aside) and whether the move goes ahead."""
    for b in range(refused.shape[0]):
        m = move[b]
        any_ = False
        for i in range(refused.shape[1]):
            no = is_raise[m] and consent[m, i] and i != proposer[b]
            no = no and not (u_consent[b, i] < agree[b, i])
            refused[b, i] = no
            any_ = any_ or no
        accepted[b] = m > 0 and not any_


def choose(values: np.ndarray, temperature: np.ndarray, u: np.ndarray) -> np.ndarray:
    """:func:`sim.rules.decisions.choose` of ``values (B, M)`` at ``temperature``
    (``(1,)`` or per run ``(B,)``) with ``u (B,)``: the same option, from the same
    probabilities (the exponential in numpy between two loops)."""
    x = np.empty(values.shape)
    _choice_x(values, temperature, x)
    w = np.exp(x, out=x)
    out = np.empty(len(values), dtype=np.int64)
    _choose(values, w, u, out)
    return out


@njit(cache=True)
def _consent_x(u, asked, cost, temperature, x):
    """logit.accept_probability's clipped argument for each member's consent to each
    raise: ``(gain - cost) / T`` in [-700, 700], gain = MoveValues.gains of the raise."""
    for b in range(u.shape[0]):
        cb, t = at(cost, b), temperature[at(temperature, b)]
        for f in range(asked.shape[0]):
            m = asked[f]
            for i in range(u.shape[2]):
                v = (u[b, m, i] - u[b, 0, i] - cost[cb, m]) / t
                x[b, f, i] = min(max(v, -700.0), 700.0)


@njit(cache=True)
def _choice_x(values, temperature, x):
    """decisions.choice_probabilities' exponent: ``(v - max) / T`` in [-700, 0]."""
    for b in range(values.shape[0]):
        t = temperature[at(temperature, b)]
        top = values[b, 0]
        for m in range(1, values.shape[1]):
            top = max(top, values[b, m])
        for m in range(values.shape[1]):
            x[b, m] = min(max((values[b, m] - top) / t, -700.0), 0.0)


@njit(cache=True)
def _choose(values, w, u, out):
    """decisions.choose from the weights ``w = exp(x)``: unavailable options weigh 0, the
    weights are summed as numpy sums a row (arrays.pairwise_sum), divided by the sum and
    accumulated in order; the option is the inverse CDF at ``u``, never past the last
    available one."""
    n_moves = values.shape[1]
    cum = np.empty(n_moves)
    for b in range(values.shape[0]):
        last = -1
        for m in range(n_moves):
            if np.isfinite(values[b, m]):
                last = m
            else:
                w[b, m] = 0.0
        if last < 0:  # nothing available (never: the status quo is)
            last = n_moves - 1
        total = pairwise_sum(w[b])
        acc, pick = 0.0, 0
        for m in range(n_moves):
            acc = w[b, m] / total if m == 0 else acc + w[b, m] / total
            cum[m] = acc
        for m in range(n_moves):
            if u[b] * cum[n_moves - 1] >= cum[m]:
                pick += 1
        out[b] = min(pick, last)


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


@njit(cache=True, inline="always")
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
            if not (free and mover[m, i]):  # not the state's to propose: never valued
                values[m, i] = -np.inf
                continue
            acc = 1.0
            if f >= 0:  # decisions.acceptance: the product over the others in index order
                first = True
                for j in range(n):
                    if j != i:
                        factor = agree[b, f, j] if consent[m, j] else 1.0
                        acc = factor if first else acc * factor
                        first = False
            gain = utility[b, m, i] - utility[b, 0, i]  # MoveValues.gains
            values[m, i] = (gain - cost[cb, m]) * acc
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
