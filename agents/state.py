"""The negotiating state: a thin Mesa agent holding its utility and its options."""

from __future__ import annotations

import mesa
import numpy as np

from sim.config import StateConfig
from sim.rules.decisions import MoveValues, consent_probability, move_values


class StateAgent(mesa.Agent):
    """A state (e.g. China) that proposes pacts, agrees to talks, and leaves pacts.

    The decision maths lives in :mod:`sim.rules`; the agent holds what it knows this
    round (its utility by term, every move's value) and answers for its own row of the
    same rules the round uses: what it would propose, whether it would agree to a move,
    whether it would stay in talks.
    """

    def __init__(self, model: mesa.Model, code: str, index: int, config: StateConfig):
        super().__init__(model)
        self.code = code
        self.index = index
        self.config = config
        self.terms = np.zeros(4)  # weighted utility terms of the current configuration
        self._values: MoveValues | None = None

    @property
    def utility(self) -> float:
        """Total utility of the current configuration."""
        return float(self.terms.sum())

    def update(self, terms: np.ndarray, values: MoveValues) -> None:
        """Take this round's utility terms and the valuation of every move."""
        self.terms = terms
        self._values = values

    def proposal_values(self) -> np.ndarray:
        """``(M,)``: its expected net value of proposing each move now (-inf: not its
        move), as the round's proposer choice uses it."""
        model, state = self.model, self.model.state
        # as next month's round will read them: its refusal memory and its stretch's costs
        p = model.schedule.at(min(model.round, model.rounds - 1))
        blocked = state.refused_until > model.round
        return move_values(self._values, p, state.talk_level, blocked)[0, :, self.index]

    def best_proposal(self) -> str:
        """Label of the move it values most (``"none"`` if nothing beats the status quo)."""
        return self.model.params.space.labels[int(np.argmax(self.proposal_values()))]

    def actions_in_force(self) -> list[str]:
        """``KIND>RECIPIENT`` of the cooperation actions it is taking now (model v3)."""
        p = self.model.params
        on = self.model.state.act_left[0, self.index] > 0  # (N, K) [recipient, kind]
        return [f"{p.actions.names[k]}>{p.codes[j]}" for j, k in np.argwhere(on)]

    def agree_probability(self, move: int) -> float:
        """Probability that it agrees to ``move`` (to open talks, or to stay in them)."""
        return float(consent_probability(self._values, self.model.params)[0, move, self.index])
