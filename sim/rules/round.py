"""One round of the model, in one place, over a batch axis.

The same function plays a month for one run (the Mesa model, batch of 1) or thousands
(the lockstep engine). Sequence (docs/model.md 1.3):

1. drivers advance, shocks fire; attributes follow the drivers;
2. every state values every move on the current configuration;
3. talks: every member of open talks stays or walks out (logit); talks at their due
   round are signed;
4. a proposer is recognised and chooses among its moves (multinomial logit): opening
   talks to form or upgrade a pact (the other members agree or refuse, logit), lowering a
   pact's level or leaving one (at once), or nothing;
5. the United States reacts and the round is observed (:func:`observe`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.rules import (
    compiled_drivers,
    compiled_memory,
    compiled_proposal,
    compiled_relations,
    compiled_take,
    compiled_talks,
)
from sim.rules.act import in_force, priced_actions, take_actions
from sim.rules.actions import occasion_bonus
from sim.rules.arrays import runwise, small_sum
from sim.rules.context import Context, context
from sim.rules.decisions import (
    MoveValues,
    accept_probability,
    evaluate_moves,
    is_stable,
    move_costs,
    update_rows,
)
from sim.rules.draws import Draws
from sim.rules.drivers import initial_drivers, step_drivers
from sim.rules.feedback import feedback_push
from sim.rules.pacts import RAISE, apply_moves
from sim.rules.params import Params
from sim.rules.relations import RelationEvents, alignment_loss
from sim.rules.strength import pair_strength
from sim.rules.talks import start_talks, talk_months
from sim.rules.utility import (
    Attributes,
    attributes,
    counterbalancing,
    support_shares,
    weighted_terms,
)


@dataclass(frozen=True)
class RunState:
    """What carries over from one round to the next, with a leading batch axis ``B``."""

    levels: np.ndarray  # (B, P) int8 pact levels
    talk_level: np.ndarray  # (B, P) int8 level open talks aim at (0 = none)
    talk_due: np.ndarray  # (B, P) int16 round the talks are due to be signed
    drivers: np.ndarray  # (B, D) driver values
    switched: np.ndarray  # (B, D) bool regime flags
    affinity: np.ndarray  # (B, N, N) relations this month (sim.rules.relations)
    act_left: np.ndarray  # (B, N, N, K) int16 months each action stays in force (0 = not)
    refused_until: np.ndarray  # (B, M) int16 round until which a refused raise is not proposed
    act_wait: np.ndarray  # (B, N, N, K) int16 round from which a declined action is open again


@dataclass(frozen=True)
class RoundOutcome:
    """What happened in one round, ``(B, ...)``."""

    attrs: Attributes  # state attributes this round
    switched_now: np.ndarray  # (B, D) regimes that switched this round
    signed: np.ndarray  # (B, P) talks signed into a pact
    walked: np.ndarray  # (B, P, N) members who walked out of talks
    proposer: np.ndarray  # (B,) int
    move: np.ndarray  # (B,) int chosen move (0 = nothing)
    accepted: np.ndarray  # (B,) bool: talks opened (raise) or move done (lower, leave)
    refused: np.ndarray  # (B, N) bool: members who refused to open the proposed talks
    opened: np.ndarray  # (B, P) bool: talks opened this round
    gains: np.ndarray  # (B, N) each state's utility change under the chosen move
    values: MoveValues | None  # every move valued at the end of the round (if asked)
    taken: np.ndarray  # (B, N, N, K) actions taken this round [actor, recipient, kind]
    context: Context | None  # relations and actions in force at the end (if values)
    decided: Context | None = None  # the context the month's pact decisions read (its start)

    @property
    def failed(self) -> np.ndarray:
        """``(B, P)``: talks that ended in a walk-out this round."""
        return self.walked.any(axis=-1)


def initial_state(
    levels: np.ndarray,
    talks: dict[int, tuple[int, int]],
    p: Params,
    u_start: np.ndarray,
    actions: dict[tuple[int, int, int], int] | None = None,
    affinity: np.ndarray | None = None,
) -> RunState:
    """State before round 0 for a batch: ``levels (P,)`` broadcast over ``u_start[B, P]``;
    ``talks`` maps a pact index to (level, round opened) of talks under way; ``actions``
    maps (actor, recipient, kind) to the months an action in force at the start has left;
    ``affinity`` is the relations at round 0 (the scenario's baseline if None)."""
    b = u_start.shape[:-1]
    keys = sorted(talks)
    talk_level, talk_due = start_talks(
        keys, [talks[q][0] for q in keys], [talks[q][1] for q in keys], p, u_start
    )
    x, switched = initial_drivers(p, b)
    n = p.n_states
    act_left = np.zeros((*b, n, n, p.actions.n_kinds), dtype=np.int16)
    for (i, j, k), months in (actions or {}).items():
        act_left[..., i, j, k] = months + 1  # one month is spent as round 0 begins
    return RunState(
        levels=np.broadcast_to(levels, (*b, p.space.n_pacts)).astype(np.int8),
        talk_level=talk_level,
        talk_due=talk_due,
        drivers=x,
        switched=switched,
        affinity=np.broadcast_to(p.affinity if affinity is None else affinity, (*b, n, n)).copy(),
        act_left=act_left,
        refused_until=np.full((*b, p.space.n_moves), -1, dtype=np.int16),
        act_wait=np.zeros((*b, n, n, p.actions.n_kinds), dtype=np.int16),
    )


@dataclass(frozen=True)
class Proposal:
    """The recognised proposer's move this round and the others' answers, ``(B, ...)``."""

    proposer: np.ndarray  # (B,) int
    move: np.ndarray  # (B,) int (0 = nothing)
    gains: np.ndarray  # (B, N) each state's utility change under it
    is_raise: np.ndarray  # (B,) bool: a move that opens talks
    refused: np.ndarray  # (B, N) bool: members who refused to open the talks
    accepted: np.ndarray  # (B,) bool: talks opened (raise) or move done (lower, leave)


def play_round(
    state: RunState, t: int, d: Draws, p: Params, *, value_end: bool = True
) -> tuple[RunState, RoundOutcome]:
    """Play round ``t`` for every run of the batch with that round's draws ``d``.

    ``value_end``: ``out.values`` holds every move's value at the end of the round (what
    :func:`observe` and the agents read); a caller that does not observe this round may
    skip it (``out.values`` is then None): the next round values everything afresh."""
    step = compiled_drivers.step_drivers if state.drivers.ndim == 2 else step_drivers
    x, switched = step(
        state.drivers, state.switched, t, p, d.u_switch, d.z, d.u_shock, _push(state, p)
    )
    attrs = attributes(x, p)
    act_left = np.maximum(state.act_left - 1, 0).astype(np.int16)
    priced = priced_actions(state.levels, attrs, p)  # (value, cost, partner) or None
    coop_now = None if priced is None else in_force(act_left > 0, priced, attrs, p)
    ctx = context(state.affinity, p, coop_now)
    mv = evaluate_moves(state.levels, attrs, p, ctx, full=value_end)  # others: what is read

    levels, talk_level, talk_due, signed, walked = compiled_talks.progress_talks(
        state.levels, state.talk_level, state.talk_due, t, mv, p, d.u_talks
    )
    mv = update_rows(mv, np.flatnonzero(signed.any(axis=-1)), levels, attrs, p, ctx, value_end,
                     in_place=True)  # fmt: skip
    after_talks, blocked = _failed_talks(state, t, p, walked)  # not proposable again now
    pr = propose(mv, p, talk_level, blocked, d)
    talk_level, talk_due, opened = open_talks(pr, talk_level, talk_due, t, d, p)
    acts = pr.accepted & ~pr.is_raise  # lowering or leaving: at once
    levels = np.where(acts[:, None], moved(levels, np.where(acts, pr.move, 0), p), levels)

    end = None  # every move's value at the end of the month (read by actions, the record)
    if priced is not None or value_end:
        end = update_rows(mv, np.flatnonzero(acts), levels, attrs, p, ctx, value_end, in_place=True)
    taken, declined = take_actions(
        act_left, state.act_wait > t, levels, attrs, ctx, p, d.u_act, priced,
        None if priced is None else end.utility[:, 0, :],
        None if priced is None else occasion_bonus(p.actions, t),
    )  # fmt: skip
    act_left, act_wait = compiled_take.settle(  # np.where of the taken and declined
        taken, declined, act_left, state.act_wait, p.actions.duration,  # shared (K,)
        t + p.negotiation.action_review,
    )  # fmt: skip
    end_ctx = None
    if value_end:  # the actions in force at the end of the month, for the record
        coop_end = coop_now if not taken.any() else in_force(act_left > 0, priced, attrs, p)
        end_ctx = ctx.with_coop(coop_end)

    refused_until, affinity = _memory(state, after_talks, t, p, pr, signed, walked, acts,
                                      levels, act_left)  # fmt: skip

    new = RunState(
        levels, talk_level, talk_due, x, switched, affinity, act_left, refused_until, act_wait
    )
    out = RoundOutcome(
        attrs=attrs, switched_now=switched & ~state.switched, signed=signed, walked=walked,
        proposer=pr.proposer, move=pr.move, accepted=pr.accepted, refused=pr.refused,
        opened=opened, gains=pr.gains, values=end if value_end else None, taken=taken,
        context=end_ctx, decided=ctx,
    )  # fmt: skip
    return new, out


def _failed_talks(state: RunState, t: int, p: Params, walked: np.ndarray) -> tuple:
    """``(refused_until, blocked)``, ``(B, M)`` each: the memory with the raises whose
    talks failed this month remembered (3.12), and the raises it blocks this month: read by
    the month's proposal, so talks that just failed are not reopened at once."""
    until = t + runwise(p.negotiation.refusal_memory, p, 0)  # shared by stacked points
    return compiled_memory.after_failed_talks(  # remember_refusals(failed_move=...)
        state.refused_until, state.talk_level, walked, p.space.raise_move, t, until
    )


def _memory(state: RunState, after_talks: np.ndarray, t: int, p: Params, pr: Proposal, signed,
            walked, acts, levels, act_left) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """``(refused_until, affinity)`` after the month: the raise refused is remembered on top
    of the talks failed (``after_talks``, :func:`_failed_talks`), and the relations move
    with the month's events (and, with a US player, its loss to the states' alignment with
    its adversaries)."""
    until = t + runwise(p.negotiation.refusal_memory, p, 0)
    refused_until = compiled_memory.after_refusal(after_talks, pr.refused, pr.move, until)
    on = act_left > 0
    loss = _player_loss(levels, on, p)
    affinity = compiled_relations.next_affinity(  # update_affinity of relation_events
        state.affinity, p, on, signed, walked, pr.proposer, pr.refused, acts, pr.move, loss
    )
    return refused_until, affinity


def _push(state: RunState, p: Params) -> np.ndarray | None:
    """Drivers' response to last month's actions and pacts (None: no feedback)."""
    if not len(p.feedback.driver):
        return None
    return feedback_push(p.feedback, state.act_left, state.levels, len(p.drivers.names))


def propose(mv: MoveValues, p: Params, talk_level, blocked, d: Draws) -> Proposal:
    """Recognition, the proposer's choice and the others' consent (docs/model.md 3.3).
    ``blocked (B, M)``: raises refused within the refusal memory."""
    proposer, move = compiled_proposal.proposal(  # move_values, recognize, choose
        mv, p, talk_level, blocked, d.u_recognize, d.u_choice
    )
    is_raise = p.space.kind[move] == RAISE
    gains, refused, accepted = compiled_proposal.answers(mv, p, proposer, move, d.u_consent)
    return Proposal(proposer, move, gains, is_raise, refused, accepted)


def answers(mv: MoveValues, p: Params, proposer, move, u_consent):
    """``(gains, refused, accepted)``: each state's gain from the proposed ``move``, the
    members whose consent it needs (the proposer aside) who refuse to open its talks
    (logit on gain - formation cost; a raise only), and whether it goes ahead. The numpy
    definition of :func:`sim.rules.compiled_proposal.answers`."""
    temperature = runwise(p.temperature, p, 1)
    rows = np.arange(len(proposer))
    gains = mv.utility[rows, move] - mv.utility[rows, 0]  # (B, N): mv.gains[rows, move]
    is_raise = p.space.kind[move] == RAISE
    must = p.space.consent[move] & (np.arange(p.n_states) != proposer[:, None])
    cost = move_costs(p)[rows, move] if p.stacked else move_costs(p)[move]
    yes = u_consent < accept_probability(gains, cost[:, None], temperature)
    refused = is_raise[:, None] & must & ~yes
    accepted = (move > 0) & ~refused.any(axis=-1)
    return gains, refused, accepted


def open_talks(pr: Proposal, talk_level, talk_due, t: int, d: Draws, p: Params):
    """``(talk_level, talk_due, opened)`` after the accepted raises open talks, due after
    :func:`~sim.rules.talks.talk_months`."""
    opens = pr.accepted & pr.is_raise
    rows = np.arange(len(opens))
    q = p.space.pact[pr.move]
    target = p.space.value[pr.move].astype(np.int8)
    due = t + talk_months(target.astype(np.int64), d.u_duration, p)
    talk_level = talk_level.copy()
    talk_due = talk_due.copy()
    opened = np.zeros(talk_level.shape, dtype=bool)
    opened[rows[opens], q[opens]] = True
    talk_level[rows[opens], q[opens]] = target[opens]
    talk_due[rows[opens], q[opens]] = due[opens]
    return talk_level, talk_due, opened


def remember_refusals(refused_until, t, p, refused_move=None, failed_move=None):
    """``(B, M)``: a raise refused (``refused_move (B,)``, 0 = none) or whose talks failed
    (``failed_move (B, P)``, 0 = none) this round is not proposed again for the scenario's
    ``refusal_memory`` months; None: nothing of that kind this round."""
    memory = runwise(p.negotiation.refusal_memory, p, 0)
    out = refused_until.copy()
    rows = np.arange(len(out))
    until = (t + memory) * np.ones(len(out), dtype=np.int64)
    columns = [] if refused_move is None else [refused_move]
    if failed_move is not None:
        columns += [failed_move[:, q] for q in range(failed_move.shape[-1])]
    for move in columns:
        hit = move > 0
        out[rows[hit], move[hit]] = until[hit]
    return out


def _player_loss(levels, on, p: Params):
    """``(B, N, N)``: the US player's affinity lost this month to each state's alignment
    with its adversaries (:func:`~sim.rules.relations.alignment_loss`: the end-of-month
    pacts' commitments and the visibility of the actions in force); None without a player
    or at rate 0 (scenarios without one are unchanged)."""
    rate = p.relations.alignment
    if p.player < 0 or not np.any(rate):
        return None
    commit = pair_strength(levels, p.pair_table, p.commitment, p.stacked)  # (B, N, N)
    visible = np.zeros(commit.shape)
    if p.actions.n_kinds:
        visible = small_sum(on * runwise(p.actions.visibility, p, 2), axis=-1)  # [i, j]
    return alignment_loss(p.affinity, commit, visible, p.player, runwise(rate, p, 1))


def relation_events(p, on, signed, walked, pr: Proposal, acts):
    """:class:`~sim.rules.relations.RelationEvents` of this round, ``(B, N, N)`` each."""
    proposer, move, refused = pr.proposer, pr.move, pr.refused
    b, n = len(move), p.n_states
    m = p.space.membership.astype(float)  # (P, N)
    pair = m[:, :, None] * m[:, None, :] * (1.0 - np.eye(n))  # (P, N, N) co-members
    trust = runwise(p.actions.trust, p, 2)
    cooperation = small_sum(on * trust, axis=-1) if p.actions.n_kinds else np.zeros((b, n, n))
    signed_pairs = np.einsum("bp,pij->bij", signed.astype(float), pair)
    walked_pairs = np.einsum("bpi,pij->bij", walked.astype(float), pair)
    rows = np.arange(b)
    refused_pairs = np.zeros((b, n, n))
    refused_pairs[rows, proposer] = refused
    defected = np.zeros((b, n, n))
    q = p.space.pact[move]
    defected[rows, proposer] = np.where(acts[:, None], pair[q, proposer], 0.0)
    return RelationEvents(cooperation, signed_pairs, refused_pairs, walked_pairs, defected)


def moved(levels: np.ndarray, move: np.ndarray, p: Params) -> np.ndarray:
    """``(B, P)``: each run's configuration after its (valid) ``move``; read from the
    configuration table when the scenario has one (tabulated with the same
    :func:`sim.rules.pacts.apply_moves`)."""
    table = p.configs
    if table is None:
        return apply_moves(levels, p.space, move)
    return table.levels[table.result[table.index(levels), move]]


@dataclass(frozen=True)
class Observation:
    """What is recorded of a round besides the levels, ``(B, ...)``."""

    weighted: np.ndarray  # (B, N, T) weighted utility terms
    shares: np.ndarray  # (B, N, N) support shares [client, patron]
    counterbalancing: np.ndarray  # (B,) the US reaction
    stable: np.ndarray  # (B,) bool


def observe(state: RunState, out: RoundOutcome, p: Params) -> Observation:
    """The US reaction and the recorded quantities at the end of a round (played with
    ``value_end=True``)."""
    if out.values is None:
        raise ValueError("observe() needs the round played with value_end=True")
    ctx = out.context
    return Observation(
        weighted=weighted_terms(state.levels, out.attrs, p, ctx),
        shares=support_shares(state.levels, out.attrs, p, ctx),
        counterbalancing=counterbalancing(state.levels, p, ctx),
        stable=is_stable(out.values, p),
    )
