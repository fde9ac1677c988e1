"""The outside power (the United States with its allies): reacts, never negotiates."""

from __future__ import annotations

import mesa

from sim.config import UnitedStates


class OutsidePower(mesa.Agent):
    """Counter-balances visible anti-US alignment; its level is recorded every round."""

    def __init__(self, model: mesa.Model, config: UnitedStates):
        super().__init__(model)
        self.config = config
        self.counterbalancing = 0.0

    def react(self, level: float) -> None:
        """Set counter-balancing to the level the current configuration provokes."""
        self.counterbalancing = float(level)
