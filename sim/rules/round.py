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

from sim.rules.arrays import small_max
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
from sim.rules.pacts import RAISE, apply_moves
from sim.rules.params import Params
from sim.rules.stack import runwise
from sim.rules.talks import progress_talks, start_talks, talk_months
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

    @property
    def failed(self) -> np.ndarray:
        """``(B, P)``: talks that ended in a walk-out this round."""
        return self.walked.any(axis=-1)


def initial_state(
    levels: np.ndarray, talks: dict[int, tuple[int, int]], p: Params, u_start: np.ndarray
) -> RunState:
    """State before round 0 for a batch: ``levels (P,)`` broadcast over ``u_start[B, P]``;
    ``talks`` maps a pact index to (level, round opened) of talks under way."""
    b = u_start.shape[:-1]
    keys = sorted(talks)
    talk_level, talk_due = start_talks(
        keys, [talks[q][0] for q in keys], [talks[q][1] for q in keys], p, u_start
    )
    x, switched = initial_drivers(p, b)
    return RunState(
        levels=np.broadcast_to(levels, (*b, p.space.n_pacts)).astype(np.int8),
        talk_level=talk_level,
        talk_due=talk_due,
        drivers=x,
        switched=switched,
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
    x, switched = step_drivers(state.drivers, state.switched, t, p, d.u_switch, d.z, d.u_shock)
    attrs = attributes(x, p)
    mv = evaluate_moves(state.levels, attrs, p)

    levels, talk_level, talk_due, signed, walked = progress_talks(
        state.levels, state.talk_level, state.talk_due, t, mv, p, d.u_talks
    )
    mv = update_rows(mv, np.flatnonzero(signed.any(axis=-1)), levels, attrs, p)

    values = move_values(mv, p, talk_level)  # (B, M, N)
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
    end_values = update_rows(mv, np.flatnonzero(acts), levels, attrs, p) if value_end else None

    new = RunState(levels, talk_level, talk_due, x, switched)
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
    )
    return new, out


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
    return Observation(
        weighted=weighted_terms(state.levels, out.attrs, p),
        shares=support_shares(state.levels, out.attrs, p),
        counterbalancing=counterbalancing(state.levels, p),
        stable=is_stable(out.values, p),
    )
