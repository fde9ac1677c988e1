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

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.rules.pacts import PactSpace, apply_moves, valid_moves

if TYPE_CHECKING:
    from sim.rules.params import Params
    from sim.rules.utility import ConfigTerms

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


def enumerate_levels(n_levels: int, n_pacts: int) -> np.ndarray:
    """Every level vector ``(C, P)``, first pact most significant (itertools order)."""
    grid = itertools.product(range(n_levels), repeat=n_pacts)
    return np.array(list(grid), dtype=np.int8).reshape(-1, n_pacts)


def build_config_table(p: Params) -> ConfigTable | None:
    """The table for ``p``'s pact space, or None if it has more than MAX_CONFIGS entries.
    What depends on the pact space alone is tabulated once per space (``space.tabulated``);
    the utility's configuration terms depend on the scenario's values."""
    from sim.rules.utility import config_terms

    sp: PactSpace = p.space
    if len(p.level_names) ** sp.n_pacts > MAX_CONFIGS:
        return None
    radix, levels, valid, result = sp.tabulated
    return ConfigTable(
        radix=radix, levels=levels, valid=valid, result=result, terms=config_terms(levels, p)
    )


def tabulate(sp: PactSpace) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(radix, levels, valid, result)`` of every configuration of ``sp`` (read-only)."""
    n_levels, n_pacts = sp.raise_move.shape[1], sp.n_pacts
    levels = enumerate_levels(n_levels, n_pacts)
    radix = n_levels ** np.arange(n_pacts - 1, -1, -1, dtype=np.intp)
    valid = valid_moves(levels, sp)
    after = apply_moves(levels, sp).astype(np.intp)  # (C, M, P)
    # An invalid move's result is still tabulated where it is a configuration (a raise to a
    # level already passed is valued as setting that level, as applying it would); a lower
    # below level 0 has none and stays put (its value is never used).
    in_range = ((after >= 0) & (after < n_levels)).all(axis=-1)
    result = np.where(in_range, after @ radix, np.arange(len(levels))[:, None])
    for array in (radix, levels, valid, result):
        array.flags.writeable = False
    return radix, levels, valid, result
