"""Every move of a batch valued by the compiled utility (numba): the moves' results as
rows of the configuration table or codes of the configurations met, each distinct result
valued once per run by :func:`sim.rules.compiled.move_utility` and written to every move
that has it (what :func:`sim.rules.decisions.evaluate_moves` gives, read in place).
``tests/test_compiled.py``, ``tests/test_compiled_worlds.py`` and
``tests/test_seen_terms.py`` check it against the numpy definitions.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.rules.compiled import move_utility
from sim.rules.context import Context
from sim.rules.kernel_args import kept
from sim.rules.pacts import LOWER, valid_moves
from sim.rules.params import Params
from sim.rules.utility import Attributes


def move_utilities(levels: np.ndarray, run: np.ndarray, attrs: Attributes, p: Params,
                   ctx: Context, full: bool = True) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """``(utility (R, M, N), valid (R, M))``: every move of configurations ``levels (R,
    P)`` valued as :func:`sim.rules.decisions.evaluate_moves` values them, where row r
    is run ``run[r]`` of the batch of ``attrs``, ``ctx`` (and ``p`` when stacked): the
    whole batch (``run`` = 0..B-1) or the runs whose configuration changed, read in place
    instead of taken out. Each distinct result valid in some row is valued once per row;
    a move that leaves a row where it is (invalid there) copies the row's status quo.
    Not ``full``: each result is valued only for the states a month's decisions read it
    for (:attr:`~sim.rules.pacts.PactSpace.effect_need`; the others are NaN)."""
    sp, table = p.space, p.configs
    if table is not None:
        here = table.index(levels)  # (R,)
        result, valid = table.result[here], table.valid[here]  # (R, M)
    else:
        valid = valid_moves(levels, sp)  # (R, M)
    plan = _plan(sp, valid.any(axis=0))
    idx, status_quo = plan.idx, plan.status_quo
    if table is not None:
        after = np.take(result, plan.moves, axis=1)  # (R, E), C order
        offset = table.offset[run] if np.ndim(table.offset) else table.offset
    else:  # an invalid move's result is the row's status quo (evaluate_moves)
        seen, flat = p.seen, np.ascontiguousarray(levels)
        if flat.size and flat.min() < 0:
            raise ValueError("SeenTerms: a configuration with a negative level")
        codes = np.empty((len(levels), len(idx)), dtype=np.int64)  # (R, E)
        _moved_codes(flat, plan.moves, valid, sp.pact.astype(np.int64),
                     sp.other.astype(np.int64), sp.kind == LOWER, sp.value.astype(np.int64),
                     seen.radix, codes)  # apply_moves, as codes  # fmt: skip
        after = seen.positions_of(codes.reshape(-1), p, dtype=levels.dtype).reshape(codes.shape)
        offset = 0
    cfg = (offset[:, None] if np.ndim(offset) else offset) + after
    out = np.empty((len(levels), sp.n_moves, p.n_states))
    need = None if full else plan.need  # (E, N): result e reads need[e]
    move_utility(cfg, run, status_quo, plan.spread, out, attrs, p, ctx, need)
    return out, valid


class _Plan(NamedTuple):
    """What valuing a batch's moves needs from the moves valid somewhere in it: the
    results to value (``idx``, effects of the pact space) and a move of each
    (``moves``), the status quo's column, each result's ``need`` rows and the moves each
    result is written to (``spread``: :func:`_spread_lists`)."""

    idx: np.ndarray
    moves: np.ndarray
    status_quo: int
    need: np.ndarray
    spread: tuple[np.ndarray, np.ndarray]


_PLANS_KEPT = 256  # patterns of valid moves kept per pact space (then forgotten)


def _plan(sp, valid_somewhere: np.ndarray) -> _Plan:
    """The :class:`_Plan` of the moves ``valid_somewhere (M,)`` (the status quo always),
    kept with the pact space for the next batch with the same moves (a month's batches
    mostly have the same)."""
    plans = kept(sp, "_move_plans", dict)
    key = valid_somewhere.tobytes()
    plan = plans.get(key)
    if plan is None:
        if len(plans) >= _PLANS_KEPT:
            plans.clear()
        needed = np.zeros(len(sp.effect_move), dtype=bool)
        needed[sp.effect[valid_somewhere]] = True
        needed[sp.effect[0]] = True  # the status quo
        idx = np.flatnonzero(needed)
        slot = np.zeros(len(sp.effect_move), dtype=np.int64)  # effect -> its result's column
        slot[idx] = np.arange(len(idx))
        plan = plans[key] = _Plan(
            idx, sp.effect_move[idx].astype(np.int64), int(np.searchsorted(idx, sp.effect[0])),
            np.ascontiguousarray(sp.effect_need[idx]), _spread_lists(slot[sp.effect], len(idx)),
        )  # fmt: skip
    return plan


def _spread_lists(column: np.ndarray, n_columns: int) -> tuple[np.ndarray, np.ndarray]:
    """``(first (E + 1,), moves)``: the moves of each result column ``e``,
    ``moves[first[e]:first[e + 1]]``, from each move's ``column (M,)``."""
    moves = np.argsort(column, kind="stable")
    first = np.searchsorted(column[moves], np.arange(n_columns + 1))
    return first.astype(np.int64), moves.astype(np.int64)


@njit(cache=True)
def _moved_codes(levels, moves, valid, pact, other, lower, value, radix, out):
    """``out[r, e]``: the code (levels in base L + 1) of configuration ``levels[r]`` after
    move ``moves[e]`` as :func:`sim.rules.pacts.apply_moves` moves it (the pact to the
    move's level, or one level down for a lower; a second pact ``other`` receiving the old
    level if higher), or of ``levels[r]`` itself where the move is invalid there."""
    n_pacts = levels.shape[1]
    for r in range(levels.shape[0]):
        here = 0
        for k in range(n_pacts):
            here += np.int64(levels[r, k]) * radix[k]
        for e in range(moves.shape[0]):
            m = moves[e]
            code = here
            if m > 0 and valid[r, m]:
                q = pact[m]
                old = np.int64(levels[r, q])
                new = old - 1 if lower[m] else value[m]
                code += (new - old) * radix[q]
                o = other[m]
                if o >= 0:
                    current = new if o == q else np.int64(levels[r, o])
                    code += (max(current, old) - current) * radix[o]
            out[r, e] = code
