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

from sim.rules.actions import (
    action_costs,
    action_values,
    cooperation,
    decide,
    open_actions,
    open_pairs,
    with_one,
)
from sim.rules.arrays import runwise, small_max, small_sum
from sim.rules.context import Context, context
from sim.rules.decisions import (
    MoveValues,
    accept_probability,
    choose,
    evaluate_moves,
    is_stable,
    move_costs,
    move_values,
    recognize,
    update_rows,
)
from sim.rules.draws import Draws
from sim.rules.drivers import initial_drivers, step_drivers
from sim.rules.feedback import feedback_push
from sim.rules.pacts import RAISE, apply_moves
from sim.rules.params import Params
from sim.rules.relations import RelationEvents, update_affinity
from sim.rules.stack import take_runs
from sim.rules.talks import progress_talks, start_talks, talk_months
from sim.rules.utility import (
    Attributes,
    ConfigTerms,
    attributes,
    config_terms,
    counterbalancing,
    pair_strength,
    settled,
    support_shares,
    terms_with,
    weigh,
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


def play_round(
    state: RunState, t: int, d: Draws, p: Params, *, value_end: bool = True
) -> tuple[RunState, RoundOutcome]:
    """Play round ``t`` for every run of the batch with that round's draws ``d``.

    ``value_end``: re-value the runs whose pacts were lowered or left this round, so
    ``out.values`` holds every move's value at the end of the round (what :func:`observe`
    and the agents read). The next round values everything afresh, so a caller that does
    not observe this round may skip it (``out.values`` is then None); the run is the same.
    """
    push = None
    if len(p.feedback.driver):  # drivers respond to last month's actions and pacts
        push = feedback_push(p.feedback, state.act_left, state.levels, len(p.drivers.names))
    x, switched = step_drivers(
        state.drivers, state.switched, t, p, d.u_switch, d.z, d.u_shock, push
    )
    attrs = attributes(x, p)
    act_left = np.maximum(state.act_left - 1, 0).astype(np.int16)
    priced = _priced_actions(state.levels, attrs, p)  # (value, cost) this month, or None
    coop_now = None if priced is None else _coop(act_left > 0, priced, attrs, p)
    ctx = context(state.affinity, p, coop_now)
    mv = evaluate_moves(state.levels, attrs, p, ctx)

    levels, talk_level, talk_due, signed, walked = progress_talks(
        state.levels, state.talk_level, state.talk_due, t, mv, p, d.u_talks
    )
    mv = update_rows(mv, np.flatnonzero(signed.any(axis=-1)), levels, attrs, p, ctx)

    blocked = state.refused_until > t  # (B, M) raises refused within the memory
    values = move_values(mv, p, talk_level, blocked)  # (B, M, N)
    proposer = recognize(small_max(values, axis=-2), p, d.u_recognize)
    rows = np.arange(len(proposer))
    own = values[rows, :, proposer]  # (B, M)
    temperature = runwise(p.temperature, p, 1)
    move = choose(own, temperature, d.u_choice)
    gains = mv.gains[rows, move]  # (B, N)
    is_raise = p.space.kind[move] == RAISE
    must = p.space.consent[move] & (np.arange(p.n_states) != proposer[:, None])
    cost = move_costs(p)[rows, move] if p.stacked else move_costs(p)[move]
    yes = d.u_consent < accept_probability(gains, cost[:, None], temperature)
    refused = is_raise[:, None] & must & ~yes
    accepted = (move > 0) & ~refused.any(axis=-1)

    opens = accepted & is_raise
    q = p.space.pact[move]
    target = p.space.value[move].astype(np.int8)
    due = t + talk_months(target.astype(np.int64), d.u_duration, p)
    talk_level = talk_level.copy()
    talk_due = talk_due.copy()
    opened = np.zeros_like(signed)
    opened[rows[opens], q[opens]] = True
    talk_level[rows[opens], q[opens]] = target[opens]
    talk_due[rows[opens], q[opens]] = due[opens]
    acts = accepted & ~is_raise  # lowering or leaving: at once
    levels = np.where(acts[:, None], moved(levels, np.where(acts, move, 0), p), levels)

    u0 = None
    if priced is not None:  # every state's utility at the end-of-month configuration
        stale = update_rows(mv, np.flatnonzero(acts), levels, attrs, p, ctx)
        u0 = stale.utility[:, 0, :]
    taken, declined = take_actions(
        act_left, state.act_wait > t, levels, attrs, ctx, p, d.u_act, priced, u0
    )
    act_wait = np.where(declined, t + p.negotiation.action_review, state.act_wait)
    act_left = np.where(taken, p.actions.duration, act_left).astype(np.int16)  # shared (K,)
    end_ctx = end_values = None
    if value_end:  # the actions in force at the end of the month, for the record
        coop_end = coop_now if not taken.any() else _coop(act_left > 0, priced, attrs, p)
        end_ctx = ctx.with_coop(coop_end)
        end_values = stale if u0 is not None else update_rows(
            mv, np.flatnonzero(acts), levels, attrs, p, ctx
        )  # fmt: skip

    failed_raise = p.space.raise_move[np.arange(p.space.n_pacts), state.talk_level]  # (B, P)
    refused_until = remember_refusals(
        state.refused_until, t, p, np.where(refused.any(axis=-1), move, 0),
        np.where(walked.any(axis=-1), failed_raise, 0),
    )  # fmt: skip
    events = relation_events(p, act_left > 0, signed, walked, proposer, move, refused, acts)
    affinity = update_affinity(state.affinity, p.affinity, events, p.relations)

    new = RunState(
        levels, talk_level, talk_due, x, switched, affinity, act_left, refused_until,
        act_wait.astype(np.int16),
    )  # fmt: skip
    out = RoundOutcome(
        attrs=attrs,
        switched_now=switched & ~state.switched,
        signed=signed,
        walked=walked,
        proposer=proposer,
        move=move,
        accepted=accepted,
        refused=refused,
        opened=opened,
        gains=gains,
        values=end_values,
        taken=taken,
        context=end_ctx,
    )
    return new, out


def _priced_actions(levels: np.ndarray, attrs: Attributes, p: Params):
    """``(value, cost)`` of every action this month, ``(B, N, N, K)`` each (costs at the
    month's opening configuration); None when the scenario has no actions."""
    a = p.actions
    if a.n_kinds == 0:
        return None
    commit = pair_strength(levels, p.pair_table, p.commitment, p.stacked)
    value = action_values(a, attrs.needs, attrs.trade_need, p.offers, p.trade_share)
    return value, action_costs(a, commit)


def _coop(on: np.ndarray, priced: tuple, attrs: Attributes, p: Params):
    """The :class:`~sim.rules.actions.Cooperation` of the actions ``on``."""
    value, cost = priced
    return cooperation(on, value, cost, p.actions, p.hostility, attrs.conflict_risk)


def take_actions(act_left, waiting, levels, attrs, ctx, p, u_act, priced, u0):
    """Every action open to its actor is taken iff the actor and the recipient each agree
    (logit on its own utility change with the action added, at the end-of-month
    configuration with the actions in force, ``u0 (B, N)``;
    :func:`~sim.rules.actions.decide`). Only the (run, action) pairs open now are valued;
    an action declined (``waiting (B, N, N, K)``) is not open until the scenario's
    ``action_review`` months have passed. Returns ``(taken, declined)``, ``(B, N, N, K)``
    each."""
    a = p.actions
    on = act_left > 0
    declined = np.zeros(on.shape, dtype=bool)
    if priced is None:
        return declined, declined
    value, cost = priced
    level_ids = np.arange(len(p.level_names))
    if p.stacked:
        level_ids = np.broadcast_to(level_ids, p.commitment.shape)
    top = pair_strength(levels, p.pair_table, level_ids, per_run=p.stacked)  # (B, N, N)
    coop_before = ctx.coop
    taken = np.zeros(on.shape, dtype=bool)
    rows, slot = open_pairs(open_actions(a, act_left, top) & ~waiting, a.slots)
    if len(rows):
        ijk = a.slots[slot]
        coop_c = with_one(coop_before, rows, ijk, value, cost, a, p.hostility,
                          attrs.conflict_risk)  # fmt: skip
        u = _utility_with(coop_c, rows, levels, attrs, ctx, p)  # (C, N)
        c = np.arange(len(rows))
        i, j, k = ijk.T
        gain_i, gain_j = u[c, i] - u0[rows, i], u[c, j] - u0[rows, j]
        temperature = p.negotiation.action_temperature
        if p.stacked:
            temperature = np.asarray(temperature)[rows]
        yes = decide(gain_i, gain_j, temperature, u_act[rows, slot])
        taken[rows[yes], i[yes], j[yes], k[yes]] = True
        declined[rows[~yes], i[~yes], j[~yes], k[~yes]] = True
    return taken, declined


def _utility_with(coop_c, rows, levels, attrs, ctx, p):
    """``(C, N)``: utility of runs ``rows`` (at ``levels``) with the actions ``coop_c``.

    What the actions do not change (:class:`~sim.rules.utility.Settled`) is computed once
    per run: for the whole batch when most runs weigh actions (then gathered), else for
    the rows alone; either way each value is the same elementwise product."""
    ct = config_terms(levels, p) if p.configs is None else _table_terms(levels, p)
    if 2 * len(rows) > len(levels):
        base = settled(ct, attrs, p, ctx).take(rows)
    else:
        base = settled(ct.take_rows(rows), attrs.take(rows), take_runs(p, rows),
                       ctx.take(rows, coop=False))  # fmt: skip
    sub = take_runs(p, rows)
    at = Attributes(attrs.threat[rows], None, attrs.us_stake[rows], None, None)  # read
    ct_c = ConfigTerms(ct.commit[rows], None, None, ct.us_ties[rows], ct.cb_member[rows])
    parts = terms_with(base, ct_c, at, sub, ctx.affinity[rows], coop_c)
    return weigh(parts, at, sub)


def _table_terms(levels: np.ndarray, p: Params):
    table = p.configs
    return table.terms.take(table.offset + table.index(levels))


def remember_refusals(refused_until, t, p, refused_move, failed_move):
    """``(B, M)``: a raise refused (``refused_move``, 0 = none) or whose talks failed
    (``failed_move (B, P)``, 0 = none) this round is not proposed again for the scenario's
    ``refusal_memory`` months."""
    memory = runwise(p.negotiation.refusal_memory, p, 0)
    out = refused_until.copy()
    rows = np.arange(len(out))
    until = (t + memory) * np.ones(len(out), dtype=np.int64)
    hit = refused_move > 0
    out[rows[hit], refused_move[hit]] = until[hit]
    for q in range(failed_move.shape[-1]):
        hit = failed_move[:, q] > 0
        out[rows[hit], failed_move[hit, q]] = until[hit]
    return out


def relation_events(p, on, signed, walked, proposer, move, refused, acts):
    """:class:`~sim.rules.relations.RelationEvents` of this round, ``(B, N, N)`` each."""
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
