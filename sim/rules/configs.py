"""Per-configuration tables: what the rules read from a configuration, computed once.

There are only ``(L + 1) ** P`` configurations (81 for three states and two levels), so a
scenario's pair strengths, per-pact sums, valid moves and the move -> resulting
configuration transition are tabulated when it is compiled; the hot loop then gathers
rows by configuration index instead of applying moves and recomputing. The table entries
come from the same functions the rules use on any configuration
(:func:`sim.rules.utility.config_terms`, :func:`sim.rules.pacts.apply_moves`,
:func:`sim.rules.pacts.valid_moves`), so gathering gives the same bits as computing.

A scenario with more configurations than :data:`MAX_CONFIGS` (six states: 3^17) gets no
table; it gets a :class:`SeenTerms` instead, which computes a configuration's terms with
the same function the first time a run meets it and gathers them afterwards (runs stay in
a few configurations for months, while their candidate moves are valued every month).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.rules.pacts import PactSpace
from sim.rules.utility import CONFIG_TERMS, ConfigTerms, config_terms

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


class SeenTerms:
    """The :class:`ConfigTerms` of the configurations met so far, for a pact space too large
    to tabulate (``Params.seen``). A configuration's row is computed by
    :func:`~sim.rules.utility.config_terms` (the same function, elementwise over
    configurations, so gathered rows have the bits computing them would give) when a run
    first meets it, and gathered afterwards. A cache only: pickling drops the rows (a
    worker fills its own), and it never changes a value."""

    def __init__(self, n_levels: int, n_pacts: int) -> None:
        self.radix = n_levels ** np.arange(n_pacts, dtype=np.int64)  # code = levels @ radix
        self.codes = np.empty(0, dtype=np.int64)  # sorted codes of the rows held
        self.terms: ConfigTerms | None = None  # rows aligned with ``codes``

    @staticmethod
    def usable(n_levels: int, n_pacts: int) -> bool:
        """Codes fit in int64 (up to 39 pacts at three levels)."""
        return n_pacts * np.log2(max(n_levels, 2)) < 62

    def __getstate__(self) -> dict:
        return {"radix": self.radix}

    def __setstate__(self, state: dict) -> None:
        self.radix = state["radix"]
        self.codes = np.empty(0, dtype=np.int64)
        self.terms = None

    def take(self, configs: np.ndarray, p: Params) -> ConfigTerms:
        """The terms of ``configs[..., P]`` (any leading shape), computing the new ones."""
        pos = self.positions(configs, p)
        return self.terms_held().take(pos)

    def terms_held(self) -> ConfigTerms:
        """The rows held (valid until the next :meth:`positions` or :meth:`take`)."""
        assert self.terms is not None, "positions() first"
        return self.terms

    def positions(self, configs: np.ndarray, p: Params) -> np.ndarray:
        """The rows of ``configs[..., P]`` in :meth:`terms_held`, computing the new ones.
        Levels must lie in 0..L: a code is a configuration's levels in base L + 1, so a
        level of -1 (an invalid move's result) would take another configuration's code and
        its row would be computed from the wrong levels."""
        if configs.size and configs.min() < 0:
            raise ValueError("SeenTerms: a configuration with a negative level (an invalid move)")
        flat = configs.reshape(-1, configs.shape[-1])
        code = _codes(np.ascontiguousarray(flat), self.radix)  # levels @ radix, exactly
        return self.positions_of(code, p, flat).reshape(configs.shape[:-1])

    def positions_of(self, code: np.ndarray, p: Params, levels: np.ndarray | None = None,
                     dtype: type = np.int8) -> np.ndarray:  # fmt: skip
        """:meth:`positions` of configurations given by their codes ``(R,)``: ``levels[r]``
        is the configuration of ``code[r]``, or (None) the new ones are decoded from their
        codes, as ``dtype`` (the digits in base L + 1: the same levels)."""
        pos = np.searchsorted(self.codes, code)
        if len(self.codes) and (self.codes[np.minimum(pos, len(self.codes) - 1)] == code).all():
            return pos  # every configuration met before
        uniq, first = np.unique(code, return_index=True)
        held = np.zeros(len(uniq), dtype=bool)
        if len(self.codes):
            at = np.minimum(np.searchsorted(self.codes, uniq), len(self.codes) - 1)
            held = self.codes[at] == uniq
        if not held.all():  # one configuration per new code, computed at once
            new = uniq[~held]
            fresh = levels[first[~held]] if levels is not None else self.decode(new, dtype)
            self._insert(new, config_terms(fresh, p))
        return np.searchsorted(self.codes, code)

    def decode(self, code: np.ndarray, dtype: type = np.int8) -> np.ndarray:
        """``(R, P)``: the levels of each code (its digits, least significant first)."""
        rest = np.array(code, dtype=np.int64)
        out = np.empty((len(rest), len(self.radix)), dtype=dtype)
        for k in range(len(self.radix) - 1, -1, -1):
            out[:, k], rest = np.divmod(rest, self.radix[k])
        return out

    def _insert(self, codes: np.ndarray, fresh: ConfigTerms) -> None:
        """Add the rows ``fresh`` of the new ``codes``, keeping the codes sorted."""
        merged = np.concatenate([self.codes, codes])
        order = np.argsort(merged, kind="stable")
        if self.terms is not None:
            fresh = ConfigTerms(*(np.concatenate([getattr(self.terms, f), getattr(fresh, f)])
                                  for f in CONFIG_TERMS))  # fmt: skip
        self.terms = fresh.take(order)
        self.codes = merged[order]


@njit(cache=True)
def _codes(levels, radix):
    """``(R,)`` int64: each row of ``levels (R, P)`` (any integer type) in base L + 1,
    ``sum_k levels[r, k] x radix[k]`` (integers: exact in any order)."""
    out = np.empty(levels.shape[0], dtype=np.int64)
    for r in range(levels.shape[0]):
        acc = 0
        for k in range(levels.shape[1]):
            acc += np.int64(levels[r, k]) * radix[k]
        out[r] = acc
    return out
