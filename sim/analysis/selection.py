"""Which pacts a batch's figures draw when a world has many: the ones that move.

A six-state world has 17 possible pacts; in a typical batch ten are never formed and a few
are in force in every run from start to end. A panel for each is a page of flat lines that
hides the three that move. Above :data:`MAX_PACT_PANELS` pacts, the figures draw the
target and every pact that is neither never formed nor always in force, and name the
others in a note (as the one-run timeline folds its pacts never active,
``sim.plots.single``). The criteria are exact (no run at all, or every run), so a pact
that formed in a single run keeps its panel. Tables (summary, comparison CSV) keep every
pact.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from sim.analysis.batch import ScenarioInfo
from sim.analysis.prep import outcome_column

MAX_PACT_PANELS = 8
"""Up to this many pacts, every pact gets its panel (the 3- and 4-state worlds)."""


@dataclass(frozen=True)
class PactSelection:
    """The pacts to draw, in the given order (the target first), and those left out."""

    shown: list[str]
    never: list[str]  # formed in no run
    always: list[str]  # in force in every run from the start (or formed in every run) to the end

    def note(self, info: ScenarioInfo, width: int = 120, verb: str = "drawn") -> str:
        """What is left out, one clause per kind, wrapped at ``width`` ('' if nothing)."""
        parts = []
        if self.never:
            names = ", ".join(info.pact_label(p) for p in self.never)
            parts.append(f"not {verb}, formed in no run: {names}")
        if self.always:
            names = ", ".join(info.pact_label(p) for p in self.always)
            parts.append(f"not {verb}, in force in every run to the end: {names}")
        return "\n".join(textwrap.fill(p, width) for p in parts)


def select_pacts(
    info: ScenarioInfo, runs: Sequence[pd.DataFrame], pacts: Sequence[str]
) -> PactSelection:
    """:class:`PactSelection` of ``pacts`` over the successful runs of ``runs`` (one table
    per batch or group compared: a pact is left out only if it is flat in all of them).

    Never formed: its formed column is false in every run. Always in force: it formed in
    every run and is active at the end (``level_end`` > 0) in every run. Every pact is
    shown when there are at most :data:`MAX_PACT_PANELS`; the target always is."""
    pacts = list(pacts)
    if len(pacts) <= MAX_PACT_PANELS:
        return PactSelection(pacts, [], [])
    ok = [r[r["status"] == "ok"] if "status" in r else r for r in runs]
    never, always = [], []
    for pact in pacts:
        if pact == info.target:
            continue
        formed = _column(ok, outcome_column(info, pact))
        end = _column(ok, f"level_end.{pact}")
        if formed is None or not len(formed):
            continue
        hit = formed.astype("boolean").fillna(False).astype(bool)
        if not hit.any():
            never.append(pact)
        elif end is not None and hit.all() and (pd.to_numeric(end, errors="coerce") > 0).all():
            always.append(pact)
    left_out = set(never) | set(always)
    return PactSelection([p for p in pacts if p not in left_out], never, always)


def _column(tables: Sequence[pd.DataFrame], name: str) -> pd.Series | None:
    """The column ``name`` of every table, stacked (None if a table lacks it)."""
    if any(name not in t for t in tables):
        return None
    return pd.concat([t[name] for t in tables], ignore_index=True)


def target_first(pacts: Sequence[str], info: ScenarioInfo) -> list[str]:
    """``pacts`` with the target pact moved to the front (the question's pact leads)."""
    return sorted(pacts, key=lambda p: p != info.target)


__all__ = ["MAX_PACT_PANELS", "PactSelection", "select_pacts", "target_first"]
