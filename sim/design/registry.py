"""The design kinds by name. Adding a kind: one module defining a
:class:`~sim.design.kind.DesignKind` and one line in :data:`KINDS` (or, in a test,
:func:`register`)."""

from __future__ import annotations

from sim.design.grid import GRID, SCENARIOS
from sim.design.kind import DesignKind
from sim.design.lhs import LHS
from sim.design.morris import MORRIS
from sim.design.posterior import POSTERIOR
from sim.design.sobol import SOBOL

KINDS: dict[str, DesignKind] = {k.name: k for k in (GRID, SCENARIOS, LHS, SOBOL, MORRIS, POSTERIOR)}
"""Kinds an experiment file may name, in the order error messages list them."""

PLAIN = DesignKind()
"""What a design of no known kind needs: nothing (e.g. a calibration generation's points)."""


def register(kind: DesignKind) -> None:
    """Add ``kind`` (replacing one of the same name)."""
    KINDS[kind.name] = kind


def file_kind(name: object) -> DesignKind | None:
    """The kind an experiment file names, or None if there is no such kind."""
    return KINDS.get(name) if isinstance(name, str) else None


def kind_of(name: object) -> DesignKind:
    """The kind of a stored design (``design.kind`` of a manifest, any case, older names
    accepted); :data:`PLAIN` for none or an unknown one."""
    text = str(name or "").lower()
    for kind in KINDS.values():
        if text == kind.name or text in kind.aliases:
            return kind
    return PLAIN
