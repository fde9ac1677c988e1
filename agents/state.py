"""The negotiating state: a thin Mesa agent holding its attributes and intentions."""

from __future__ import annotations

import mesa
import numpy as np

from sim.config import StateConfig
from sim.rules.decisions import accept_probability


class StateAgent(mesa.Agent):
    """A state (e.g. China) that proposes pacts, consents to them, and leaves them.

    The decision maths lives in :mod:`sim.rules`; the agent holds what it knows this
    round (its attributes, its utility by term, its best move) and makes its own calls.
    """

    def __init__(self, model: mesa.Model, code: str, index: int, config: StateConfig):
        super().__init__(model)
        self.code = code
        self.index = index
        self.config = config
        self.terms = np.zeros(4)  # weighted utility terms of the current configuration
        self.best_move = 0  # the move it would propose this round (0 = none)
        self.best_value = 0.0  # its net value of that move

    @property
    def utility(self) -> float:
        """Total utility of the current configuration."""
        return float(self.terms.sum())

    def intend(self, best_move: int, best_value: float) -> None:
        """Record the move this state would propose if recognised."""
        self.best_move, self.best_value = int(best_move), float(best_value)

    def consent(self, gain: float, cost: float, temperature: float, u: float) -> bool:
        """Accept a proposal worth ``gain`` to this state, with logit noise (draw ``u``)."""
        return bool(u < accept_probability(np.float64(gain), cost, temperature))
