"""Per-configuration tables: what the rules read from a configuration, computed once.

There are only ``(L + 1) ** P`` configurations (81 for three states and two levels), so a
scenario's pair strengths, per-pact sums, valid moves and the move -> resulting
configuration transition are tabulated when it is compiled; the hot loop then gathers
rows by configuration index instead of applying moves and recomputing. The table entries
come from the same functions the rules use on any configuration
(:func:`sim.rules.utility.config_terms`, :func:`sim.rules.pacts.apply_moves`,
:func:`sim.rules.pacts.valid_moves`), so gathering gives the same bits as computing.

A scenario with more configurations than :data:`MAX_CONFIGS` gets no table and the rules
compute directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.rules.pacts import PactSpace
from sim.rules.utility import ConfigTerms, config_terms

if TYPE_CHECKING:
    from sim.rules.params import Params

MAX_CONFIGS = 4096


@dataclass(frozen=True)
class ConfigTable:
    """Every configuration ``c`` (``C`` of them) and what the rules read from it."""

    radix: np.ndarray  # (P,) index of a configuration = levels @ radix
    levels: np.ndarray  # (C, P) int8
    valid: np.ndarray  # (C, M) bool: moves that apply to c
    result: np.ndarray  # (C, M) index of the configuration after each move (c if invalid)
    terms: ConfigTerms  # (C, ...) the configuration's part of the utility
    # Stacked points (sim.rules.stack): ``terms`` holds each point's C rows in turn and a
    # run reads its point's rows at ``offset + index``; ``(B,)``, 0 for one scenario.
    offset: np.ndarray | int = 0

    def index(self, levels: np.ndarray) -> np.ndarray:
        """Configuration index of ``levels[..., P]``."""
        return levels.astype(np.intp) @ self.radix


def build_config_table(p: Params) -> ConfigTable | None:
    """The table for ``p``'s pact space, or None if it has more than MAX_CONFIGS entries.
    What depends on the pact space alone is tabulated once per space (``space.tabulated``);
    the utility's configuration terms depend on the scenario's values."""
    sp: PactSpace = p.space
    if len(p.level_names) ** sp.n_pacts > MAX_CONFIGS:
        return None
    radix, levels, valid, result = sp.tabulated
    return ConfigTable(
        radix=radix, levels=levels, valid=valid, result=result, terms=config_terms(levels, p)
    )
