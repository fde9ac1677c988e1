"""The quantal response (McKelvey & Palfrey 1995) that every decision of the model uses."""

from __future__ import annotations

import numpy as np


def accept_probability(
    gain: np.ndarray, cost: np.ndarray | float, temperature: float
) -> np.ndarray:
    """Logit (quantal response) probability of taking a change worth ``gain`` at ``cost``."""
    x = np.clip((gain - cost) / temperature, -700.0, 700.0)
    return 1.0 / (1.0 + np.exp(-x))
