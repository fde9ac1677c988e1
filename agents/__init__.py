"""Mesa agents of the trilateral diplomacy model."""

from agents.outside import OutsidePower
from agents.state import StateAgent

__all__ = ["OutsidePower", "StateAgent"]
