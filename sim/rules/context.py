"""The run's context for the utility: this month's relations and the cooperation actions
in force (what the utility reads besides the configuration and the attributes)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.rules import compiled_actions
from sim.rules.actions import Cooperation
from sim.rules.arrays import runwise, small_sum
from sim.rules.params import Params


@dataclass(frozen=True)
class Context:
    """What the utility reads from the run besides the configuration and attributes: the
    relations this month and the cooperation actions in force, ``(B, ...)``."""

    affinity: np.ndarray  # (..., N, N) affinity this month (sim.rules.relations)
    affinity_trade: np.ndarray  # (..., N, N) affinity x trade share (economy)
    co_capability: np.ndarray  # (..., P, N) affinity-weighted co-members' capability
    coop: Cooperation | None = None  # actions in force (None: none)

    def with_coop(self, coop: Cooperation | None) -> Context:
        return Context(self.affinity, self.affinity_trade, self.co_capability, coop)

    def take(self, rows: np.ndarray, coop: bool = True) -> Context:
        """The context of some runs of a batch (first axis); without the actions in force
        if not ``coop``."""
        coop = None if self.coop is None or not coop else _map(self.coop, lambda x: x[rows])
        return Context(self.affinity[rows], self.affinity_trade[rows],
                       self.co_capability[rows], coop)  # fmt: skip

    def expand(self) -> Context:
        """Insert a broadcast axis after the run axis (e.g. for candidate moves)."""
        coop = None if self.coop is None else _map(self.coop, lambda x: x[:, None])
        return Context(self.affinity[:, None], self.affinity_trade[:, None],
                       self.co_capability[:, None], coop)  # fmt: skip


def _map(c: Cooperation, f) -> Cooperation:
    return Cooperation(**{k: f(v) for k, v in vars(c).items()})


def context(affinity: np.ndarray, p: Params, coop: Cooperation | None = None) -> Context:
    """The :class:`Context` of ``affinity (..., N, N)``: deterrence pools co-members'
    capability weighted by affinity (Walt 1987; Axelrod & Bennett 1993), so it is
    recomputed from this month's relations."""
    m = p.space.membership  # (P, N)
    rel_cap = p.capability / runwise(p.us_capability, p, 1)  # (N,) or stacked (B, N)
    if affinity.ndim == 3:  # a batch: the same sums, compiled
        co_cap = compiled_actions.co_capability(affinity, m, rel_cap)
    else:
        rel_cap = runwise(rel_cap, p, 1)  # (..., 1, N)
        per = small_sum(m[:, None, :] * affinity[..., None, :, :] * rel_cap[..., None, :], -1)
        co_cap = np.where(m, per, 0.0)  # (..., P, N)
    return Context(affinity, affinity * p.trade_share, co_cap, coop)


def baseline_context(p: Params) -> Context:
    """The context of the scenario's own affinities and no actions (a single state)."""
    return context(p.affinity, p)
