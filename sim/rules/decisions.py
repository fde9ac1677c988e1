"""Negotiation decisions: proposals, recognition, logit consent, exits and stability.

Protocol per round (Baron & Ferejohn 1989 style recognition; quantal response after
McKelvey & Palfrey 1995):

1. every state finds the move it values most among those it may propose (form or
   upgrade a pact it belongs to, invite an outsider into one, leave one), net of the
   formation cost; a state proposes only if that value is positive;
2. a proposer is recognised with probability proportional to its recognition weight,
   raised by its eagerness (best available gain);
3. every other member of the resulting pact accepts with probability
   ``1 / (1 + exp(-(dU - formation_cost) / temperature))``; unanimity is required;
4. afterwards each member whose gain from leaving a pact exceeds the exit threshold
   leaves it (in a fixed order).

All functions take leading batch axes and pre-drawn uniforms.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.rules.pacts import INVITE, LEAVE, RAISE, apply_moves, valid_moves
from sim.rules.params import Params
from sim.rules.utility import Attributes, utility


@dataclass(frozen=True)
class MoveValues:
    """Every move's resulting configuration and utilities, for a batch of configurations."""

    configs: np.ndarray  # (..., M, P)
    utility: np.ndarray  # (..., M, N)
    valid: np.ndarray  # (..., M)

    @cached_property
    def gains(self) -> np.ndarray:
        """``(..., M, N)``: utility change of each state under each move."""
        return self.utility - self.utility[..., :1, :]


def evaluate_moves(levels: np.ndarray, attrs: Attributes, p: Params) -> MoveValues:
    """Apply every move to ``levels[..., P]`` and value the results for every state."""
    sp = p.space
    configs = apply_moves(levels, sp)
    valid = valid_moves(levels, sp)
    # Value each distinct result once, and only those valid somewhere in the batch; moves
    # invalid everywhere get the status quo's utility (they are masked wherever used).
    valid_somewhere = valid.reshape(-1, sp.n_moves).any(axis=0)
    needed = np.zeros(len(sp.effect_move), dtype=bool)
    needed[sp.effect[valid_somewhere]] = True
    needed[sp.effect[0]] = True  # the status quo
    idx = np.flatnonzero(needed)
    u_needed = utility(configs[..., sp.effect_move[idx], :], attrs.expand(), p)
    slot = np.zeros(len(sp.effect_move), dtype=np.intp)  # effect -> column of u_needed
    slot[idx] = np.arange(len(idx))
    u = u_needed[..., slot[sp.effect], :]
    return MoveValues(configs=configs, utility=u, valid=valid)


def update_rows(
    mv: MoveValues, rows: np.ndarray, levels: np.ndarray, attrs: Attributes, p: Params
) -> MoveValues:
    """Re-value only ``rows`` of a batch (whose configuration changed) and merge."""
    sub = evaluate_moves(levels[rows], attrs.take(rows), p)
    configs, utility_, valid = mv.configs.copy(), mv.utility.copy(), mv.valid.copy()
    configs[rows], utility_[rows], valid[rows] = sub.configs, sub.utility, sub.valid
    return MoveValues(configs=configs, utility=utility_, valid=valid)


def move_costs(p: Params) -> np.ndarray:
    """``(M,)``: cost a proposer or acceptor pays for each move (formation cost if it forms)."""
    kind = p.space.kind
    return np.where((kind == RAISE) | (kind == INVITE), p.formation_cost, 0.0)


def acceptance(mv: MoveValues, p: Params) -> np.ndarray:
    """``(..., M, N)``: probability that each move is accepted if state i proposes it.

    The product over the other members who must consent of their logit acceptance.
    """
    prob = accept_probability(mv.gains, move_costs(p)[:, None], p.temperature)  # (..., M, N)
    factor = np.where(p.space.consent, prob, 1.0)  # 1 for states not asked
    n = p.n_states
    out = np.empty_like(factor)
    for i in range(n):  # product over the others, in index order
        others = [j for j in range(n) if j != i]
        acc = factor[..., others[0]].copy()
        for j in others[1:]:
            acc *= factor[..., j]
        out[..., i] = acc
    return out


def best_moves(mv: MoveValues, p: Params) -> tuple[np.ndarray, np.ndarray]:
    """Each state's most valued proposable move and its expected net value: ``(..., N)``.

    A proposer anticipates consent (Baron & Ferejohn 1989): it values a move at
    P(the others accept) x (own gain - cost). Leaving needs no consent and must beat the
    exit threshold. Move 0 (status quo, value 0) when nothing is worth proposing.
    """
    cost = move_costs(p) + np.where(p.space.kind == LEAVE, p.exit_threshold, 0.0)
    net = (mv.gains - cost[:, None]) * acceptance(mv, p)  # (..., M, N)
    allowed = mv.valid[..., :, None] & p.space.mover  # (..., M, N)
    net = np.where(allowed, net, -np.inf)
    net[..., 0, :] = 0.0
    best = net.argmax(axis=-2)
    value = np.take_along_axis(net, best[..., None, :], axis=-2)[..., 0, :]
    best = np.where(value > 0, best, 0)
    return best, np.maximum(value, 0.0)


def recognize(best_value: np.ndarray, p: Params, u: np.ndarray) -> np.ndarray:
    """Proposer index ``(...)`` drawn with weights recognition x (1 + eagerness x gain)."""
    w = p.recognition * (1.0 + p.eagerness * best_value)
    cum = np.cumsum(w, axis=-1)
    pick = (u[..., None] * cum[..., -1:] >= cum).sum(axis=-1)
    return np.minimum(pick, p.n_states - 1)


def accept_probability(
    gain: np.ndarray, cost: np.ndarray | float, temperature: float
) -> np.ndarray:
    """Logit (quantal response) probability of accepting a change worth ``gain``."""
    x = np.clip((gain - cost) / temperature, -700.0, 700.0)
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class Proposal:
    """Outcome of one round's proposal for each configuration in the batch."""

    proposer: np.ndarray  # (...) int
    move: np.ndarray  # (...) int, 0 = none
    accepted: np.ndarray  # (...) bool (False for none)
    accepts: np.ndarray  # (..., N) bool: who had to consent and accepted
    refuses: np.ndarray  # (..., N) bool: who had to consent and refused
    gain: np.ndarray  # (..., N) each state's utility change under the proposed move


def propose(mv: MoveValues, p: Params, u_recognize: np.ndarray, u_consent: np.ndarray) -> Proposal:
    """Recognise a proposer, take its best move, and put it to the members' consent."""
    best, value = best_moves(mv, p)
    proposer = recognize(value, p, u_recognize)
    move = np.take_along_axis(best, proposer[..., None], axis=-1)[..., 0]
    gain = np.take_along_axis(mv.gains, move[..., None, None], axis=-2)[..., 0, :]
    must = p.space.consent[move] & (np.arange(p.n_states) != proposer[..., None])
    prob = accept_probability(gain, move_costs(p)[move][..., None], p.temperature)
    yes = u_consent < prob
    accepted = (move > 0) & np.all(yes | ~must, axis=-1)
    return Proposal(
        proposer=proposer,
        move=move,
        accepted=accepted,
        accepts=must & yes,
        refuses=must & ~yes,
        gain=gain,
    )


def exits(
    levels: np.ndarray, attrs: Attributes, p: Params, mv: MoveValues | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Members leave pacts whose value fell below the exit threshold.

    Each leave move (in pact order) applies where it is still valid and the leaver's gain
    from leaving exceeds ``exit_threshold``. Gains are valued on the configuration at the
    start of this step (pass ``mv`` if already evaluated for ``levels``). Returns the new
    levels and a ``(..., M)`` mask of exits taken.
    """
    if mv is None:
        mv = evaluate_moves(levels, attrs, p)
    leaves = np.flatnonzero(p.space.kind == LEAVE)
    leaver = p.space.mover[leaves].argmax(axis=1)
    gain = mv.gains[..., leaves, leaver]  # (..., n_leave)
    want = mv.valid[..., leaves] & (gain > p.exit_threshold)
    taken = np.zeros(mv.valid.shape, dtype=bool)
    out = levels
    for col, m in enumerate(leaves):
        still = out[..., p.space.pact[m]] > 0
        do = want[..., col] & still
        if not do.any():
            continue
        moved = apply_moves(out, p.space, np.where(do, m, 0))
        out = moved
        taken[..., m] = do
    return out, taken


def is_stable(mv: MoveValues, p: Params) -> np.ndarray:
    """No member gains by leaving and no coalition gains by forming or upgrading.

    Uses the same thresholds as behaviour: leaving must gain more than the exit threshold;
    a formation must give every required member more than the formation cost.
    """
    kind = p.space.kind
    leaves = np.flatnonzero(kind == LEAVE)
    leaver = p.space.mover[leaves].argmax(axis=1)
    leave_ok = ~(mv.valid[..., leaves] & (mv.gains[..., leaves, leaver] > p.exit_threshold))
    forms = np.flatnonzero((kind == RAISE) | (kind == INVITE))
    need = p.space.consent[forms]  # (F, N)
    all_gain = np.all((mv.gains[..., forms, :] > p.formation_cost) | ~need, axis=-1)
    form_ok = ~(mv.valid[..., forms] & all_gain)
    return leave_ok.all(axis=-1) & form_ok.all(axis=-1)


def all_configurations(p: Params, limit: int = 4096) -> np.ndarray | None:
    """Every level vector ``(C, P)``, or None if there are more than ``limit``."""
    n_levels = len(p.level_names)
    if n_levels**p.space.n_pacts > limit:
        return None
    grid = itertools.product(range(n_levels), repeat=p.space.n_pacts)
    return np.array(list(grid), dtype=np.int64)


def preferred_configurations(attrs: Attributes, p: Params, configs: np.ndarray) -> np.ndarray:
    """Index into ``configs`` of each state's most preferred configuration: ``(..., N)``."""
    u = utility(configs, attrs.expand(), p)  # (..., C, N)
    return u.argmax(axis=-2)
