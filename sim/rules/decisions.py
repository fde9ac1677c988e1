"""Negotiation decisions: valuing moves, logit choices, recognition and stability.

Every decision that changes a pact is a quantal response (McKelvey & Palfrey 1995) with
one temperature T: a state takes an option worth ``v`` (net of its cost) against the
status quo with probability ``1 / (1 + exp(-v / T))``. This holds for agreeing to open
talks, staying in talks each month (:mod:`sim.rules.talks`), and, for the recognised
proposer, choosing among its moves (multinomial logit over its options, status quo
included, each valued at P(the others agree) x (own gain - cost); Baron & Ferejohn 1989
recognition). Leaving a pact or lowering its level is the proposer's own choice, so it is
as noisy as forming one: no configuration is absorbing, and as T grows every choice tends
to a coin flip, i.e. to what random moves would give.

All functions take leading batch axes and pre-drawn uniforms.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.rules import compiled, compiled_moves
from sim.rules.arrays import runwise, small_max
from sim.rules.context import Context
from sim.rules.logit import accept_probability
from sim.rules.pacts import RAISE, apply_moves, valid_moves
from sim.rules.params import Params
from sim.rules.stack import take_runs
from sim.rules.utility import Attributes, utility, utility_given


@dataclass(frozen=True)
class MoveValues:
    """Every move's resulting configuration and utilities, for a batch of configurations."""

    configs: np.ndarray | None  # (..., M, P); None where read from the configuration table
    # (..., M, N). A move invalid in a run has a value that depends on the other runs of
    # the batch (the status quo's, or its result's where it is valid in another run):
    # every reader masks it with ``valid`` (a run's row never depends on its batch).
    utility: np.ndarray
    valid: np.ndarray  # (..., M)

    @cached_property
    def gains(self) -> np.ndarray:
        """``(..., M, N)``: utility change of each state under each move."""
        return self.utility - self.utility[..., :1, :]


def evaluate_moves(
    levels: np.ndarray,
    attrs: Attributes,
    p: Params,
    ctx: Context | None = None,
    full: bool = True,
) -> MoveValues:
    """Apply every move to ``levels[B, P]`` and value the results for every state, in the
    run's context ``ctx`` (relations, actions in force; the scenario's baseline if None).
    Not ``full`` (a month not observed): compiled, each result is valued only for the
    states the month's decisions read (:func:`sim.rules.compiled_moves.move_utilities`;
    the others are NaN)."""
    sp = p.space
    table = p.configs
    if ctx is not None and compiled.applies(p) and levels.ndim == 2:  # the same, compiled
        rows = np.arange(len(levels))
        u, valid = compiled_moves.move_utilities(levels, rows, attrs, p, ctx, full)
        return MoveValues(configs=None, utility=u, valid=valid)
    if table is None:
        configs = apply_moves(levels, sp)
        valid = valid_moves(levels, sp)
    else:
        here = table.index(levels)
        result = table.result[here]  # (..., M) configuration after each move
        valid = table.valid[here]
    # Value each distinct result once, and only those valid somewhere in the batch; moves
    # invalid everywhere get the status quo's utility.
    valid_somewhere = valid.reshape(-1, sp.n_moves).any(axis=0)
    needed = np.zeros(len(sp.effect_move), dtype=bool)
    needed[sp.effect[valid_somewhere]] = True
    needed[sp.effect[0]] = True  # the status quo
    idx = np.flatnonzero(needed)
    if table is None:  # runs first, effects next (the configurations' terms seen or computed)
        ctx_e = None if ctx is None else ctx.expand()
        # A move invalid in a run (lowering a pact not in force) has no configuration (its
        # levels would read -1): that run values its status quo there instead.
        ok = valid[..., sp.effect_move[idx], None]
        after = np.where(ok, configs[..., sp.effect_move[idx], :], levels[..., None, :])
        if p.seen is None:
            u_needed = utility(after, attrs.expand(), p, ctx_e)
        else:
            u_needed = utility_given(p.seen.take(after, p), attrs.expand(), p, ctx_e)
    else:
        # Effects first, runs next: every product with a run's attributes then runs over
        # long contiguous rows (numpy's inner loops), instead of rows of N states.
        configs_after = np.moveaxis(result[..., sp.effect_move[idx]], -1, 0)  # (E, ...)
        ct = table.terms.take(table.offset + configs_after)
        u_needed = np.moveaxis(utility_given(ct, attrs, p, ctx), 0, -2)  # (..., E, N)
        configs = None  # table.levels[result] if ever needed
    slot = np.zeros(len(sp.effect_move), dtype=np.intp)  # effect -> column of u_needed
    slot[idx] = np.arange(len(idx))
    u = u_needed[..., slot[sp.effect], :]
    return MoveValues(configs=configs, utility=u, valid=valid)


def update_rows(
    mv: MoveValues,
    rows: np.ndarray,
    levels: np.ndarray,
    attrs: Attributes,
    p: Params,
    ctx: Context | None = None,
    full: bool = True,
    *,
    in_place: bool = False,
) -> MoveValues:
    """Re-value only ``rows`` of a batch (whose configuration changed) and merge (``full``:
    as :func:`evaluate_moves`): into copies, or (``in_place``, for a caller that reads
    ``mv`` no more) into ``mv``'s own arrays, returned in a new :class:`MoveValues` (so
    no gains cached before the merge)."""
    if rows.size == 0:
        return mv
    if ctx is not None and compiled.applies(p) and levels.ndim == 2:  # read in place
        u, valid = compiled_moves.move_utilities(levels[rows], rows, attrs, p, ctx, full)
        sub = MoveValues(None, u, valid)
    else:
        sub_ctx = None if ctx is None else ctx.take(rows)
        sub = evaluate_moves(levels[rows], attrs.take(rows), take_runs(p, rows), sub_ctx)
    utility_, valid = (mv.utility, mv.valid) if in_place else (mv.utility.copy(), mv.valid.copy())
    utility_[rows], valid[rows] = sub.utility, sub.valid
    configs = None
    if mv.configs is not None and sub.configs is not None:
        configs = mv.configs.copy()
        configs[rows] = sub.configs
    return MoveValues(configs=configs, utility=utility_, valid=valid)


def move_costs(p: Params) -> np.ndarray:
    """``(M,)``: what a move costs each state that takes it: the formation cost for a raise
    (paid by every member), the exit threshold for lowering or leaving (the audience and
    reputation costs of breaking a commitment; Leeds & Savun 2007). Computed once per
    ``p`` (:attr:`Params.move_cost`); read-only."""
    return p.move_cost


def consent_probability(mv: MoveValues, p: Params) -> np.ndarray:
    """``(..., M, N)``: each state's probability of agreeing to each move."""
    return accept_probability(mv.gains, move_costs(p)[..., None], runwise(p.temperature, p, 2))


def acceptance(mv: MoveValues, p: Params) -> np.ndarray:
    """``(..., M, N)``: probability that the others agree if state i proposes a move.

    The product over the other members who must consent of their logit agreement (in
    index order, so one run and a batch round identically). Moves that need nobody's
    consent (lowering, leaving, the status quo) are accepted with probability 1.
    """
    asked = p.space.raises  # the moves that need consent
    gains = mv.gains[..., asked, :]
    cost = move_costs(p)[..., asked, None]
    agree = accept_probability(gains, cost, runwise(p.temperature, p, 2))
    factor = np.where(p.space.consent[asked], agree, 1.0)  # 1: not asked
    n = p.n_states
    out = np.ones(mv.gains.shape)
    for i in range(n):
        others = [j for j in range(n) if j != i]
        acc = factor[..., others[0]].copy()
        for j in others[1:]:
            acc *= factor[..., j]
        out[..., asked, i] = acc
    return out


def proposable(
    mv: MoveValues, p: Params, talk_level: np.ndarray, blocked: np.ndarray | None = None
) -> np.ndarray:
    """``(..., M, N)``: moves state i may propose now: valid, i may move it, for a raise no
    talks already open on that pact, and not ``blocked`` (``(..., M)``: a raise refused or
    walked out of within the scenario's ``refusal_memory`` months)."""
    sp = p.space
    busy = np.take(talk_level, sp.pact, axis=-1) > 0  # (..., M)
    free = (sp.kind != RAISE) | ~busy
    if blocked is not None:
        free = free & ~blocked
    return (mv.valid & free)[..., :, None] & sp.mover


def move_values(
    mv: MoveValues, p: Params, talk_level: np.ndarray, blocked: np.ndarray | None = None
) -> np.ndarray:
    """``(..., M, N)``: each state's expected net value of proposing each move.

    A proposer anticipates consent (Baron & Ferejohn 1989): P(others agree) x (own gain -
    cost). Lowering and leaving need no consent. Moves a state may not propose are -inf;
    the status quo is worth 0.
    """
    net = (mv.gains - move_costs(p)[..., None]) * acceptance(mv, p)
    net = np.where(proposable(mv, p, talk_level, blocked), net, -np.inf)
    net[..., 0, :] = 0.0
    return net


def recognize(best_value: np.ndarray, p: Params, u: np.ndarray) -> np.ndarray:
    """Proposer index ``(...)`` drawn with weights recognition x (1 + eagerness x gain)."""
    w = p.recognition * (1.0 + runwise(p.negotiation.eagerness, p, 1) * best_value)
    cum = np.cumsum(w, axis=-1)
    pick = (u[..., None] * cum[..., -1:] >= cum).sum(axis=-1)
    return np.minimum(pick, p.n_states - 1)


def choice_probabilities(values: np.ndarray, temperature: float) -> np.ndarray:
    """Multinomial logit over options ``values[..., M]`` (-inf = not available)."""
    top = small_max(values, axis=-1)[..., None]
    w = np.exp(np.clip((values - top) / temperature, -700.0, 0.0))
    w = np.where(np.isfinite(values), w, 0.0)
    return w / w.sum(axis=-1, keepdims=True)


def choose(values: np.ndarray, temperature: float, u: np.ndarray) -> np.ndarray:
    """The option drawn from :func:`choice_probabilities` by inverse CDF with ``u[...]``."""
    cum = np.cumsum(choice_probabilities(values, temperature), axis=-1)
    pick = (u[..., None] * cum[..., -1:] >= cum).sum(axis=-1)
    last = values.shape[-1] - 1 - np.argmax(np.isfinite(values)[..., ::-1], axis=-1)
    return np.minimum(pick, last)  # never an unavailable option through rounding


def is_stable(mv: MoveValues, p: Params) -> np.ndarray:
    """No member gains by lowering or leaving, and no coalition gains by forming or
    upgrading (the same thresholds as behaviour: more than the exit threshold, more than
    the formation cost for every member whose consent a raise needs)."""
    neg = p.negotiation
    unilateral = p.space.unilateral
    movers = p.space.mover[unilateral]  # (U, N)
    gains = mv.gains[..., unilateral, :]
    wants = (gains > runwise(neg.exit_threshold, p, 2)) & movers
    leave_ok = ~(mv.valid[..., unilateral] & wants.any(axis=-1))
    raises = p.space.raises
    need = p.space.consent[raises]  # (F, N)
    formation = runwise(neg.formation_cost, p, 2)
    all_gain = np.all((mv.gains[..., raises, :] > formation) | ~need, axis=-1)
    form_ok = ~(mv.valid[..., raises] & all_gain)
    return leave_ok.all(axis=-1) & form_ok.all(axis=-1)


def all_configurations(p: Params, limit: int = 4096) -> np.ndarray | None:
    """Every level vector ``(C, P)``, or None if there are more than ``limit``."""
    n_levels = len(p.level_names)
    if n_levels**p.space.n_pacts > limit:
        return None
    grid = itertools.product(range(n_levels), repeat=p.space.n_pacts)
    return np.array(list(grid), dtype=np.int64)


def preferred_configurations(
    attrs: Attributes, p: Params, configs: np.ndarray, ctx: Context | None = None
) -> np.ndarray:
    """Index into ``configs`` of each state's most preferred configuration: ``(..., N)``."""
    u = utility(configs, attrs.expand(), p, None if ctx is None else ctx.expand())  # (..., C, N)
    return u.argmax(axis=-2)
