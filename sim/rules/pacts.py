"""Possible pacts, the moves that change them, and applying moves to level arrays.

A configuration is an integer array of levels, one per possible pact (every subset of two
or more states): 0 = no pact, 1.. = the scenario's levels. Arrays carry leading batch axes
(``levels[..., P]``) so the same functions serve one run or many runs in lockstep.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

RAISE, INVITE, LEAVE = 0, 1, 2
KIND_NAMES = ("form", "invite", "leave")


@dataclass(frozen=True)
class PactSpace:
    """All possible pacts over ``codes`` and every move that changes one of them.

    Move 0 is the status quo. For move m: ``kind[m]``; ``pact[m]`` is the pact it sets to
    ``value[m]`` (the new level for a raise, 0 for invite/leave); ``other[m]`` (or -1) is
    a second pact that receives the old level (the enlarged pact of an invite, the
    remaining members of a left pact of three or more); ``mover[m, i]`` says whether
    state i may propose it; ``consent[m, i]`` whether i must accept it.
    """

    codes: tuple[str, ...]
    keys: tuple[str, ...]
    membership: np.ndarray  # (P, N) bool
    sizes: np.ndarray  # (P,) int
    kind: np.ndarray  # (M,) int, -1 for the status quo
    pact: np.ndarray  # (M,) int
    value: np.ndarray  # (M,) int
    other: np.ndarray  # (M,) int
    mover: np.ndarray  # (M, N) bool
    consent: np.ndarray  # (M, N) bool
    labels: tuple[str, ...]  # (M,) readable, e.g. "form RUS-PRK treaty"
    effect: np.ndarray  # (M,) index of the move's distinct resulting change
    effect_move: np.ndarray  # (E,) one move per distinct change (e.g. either member leaving)

    @property
    def n_pacts(self) -> int:
        return len(self.keys)

    @property
    def n_moves(self) -> int:
        return len(self.kind)

    def index(self, members: tuple[str, ...] | list[str]) -> int:
        """Index of the pact whose member set is ``members``."""
        want = frozenset(members)
        for p, key in enumerate(self.keys):
            if frozenset(key.split("-")) == want:
                return p
        raise KeyError(f"no pact with members {sorted(want)}")


def build_pact_space(codes: tuple[str, ...], level_names: tuple[str, ...]) -> PactSpace:
    """Enumerate pacts (bilaterals first, then larger) and all raise/invite/leave moves."""
    n = len(codes)
    subsets = [c for size in range(2, n + 1) for c in combinations(range(n), size)]
    membership = np.zeros((len(subsets), n), dtype=bool)
    for p, members in enumerate(subsets):
        membership[p, list(members)] = True
    keys = tuple("-".join(codes[i] for i in s) for s in subsets)
    index = {frozenset(s): p for p, s in enumerate(subsets)}
    n_levels = len(level_names) - 1

    rows: list[tuple[int, int, int, int, np.ndarray, np.ndarray, str]] = []
    none = np.zeros(n, dtype=bool)
    rows.append((-1, 0, 0, -1, none, none, "none"))
    for p in range(len(subsets)):
        members = membership[p]
        for lv in range(1, n_levels + 1):
            rows.append((RAISE, p, lv, -1, members, members, f"form {keys[p]} {level_names[lv]}"))
    for p, s in enumerate(subsets):
        for k in range(n):
            if k in s:
                continue
            q = index[frozenset((*s, k))]
            rows.append(
                (INVITE, p, 0, q, membership[p], membership[q], f"invite {codes[k]} to {keys[p]}")
            )
    for p, s in enumerate(subsets):
        for i in s:
            rest = frozenset(s) - {i}
            q = index[rest] if len(rest) >= 2 else -1
            mover = np.zeros(n, dtype=bool)
            mover[i] = True
            rows.append((LEAVE, p, 0, q, mover, none, f"{codes[i]} leaves {keys[p]}"))
    kind, pact, value, other, mover, consent, labels = zip(*rows, strict=True)
    # Moves with the same result (either member leaving a bilateral) are valued once.
    keys_seen: dict[tuple[int, int, int, int], int] = {}
    effect, effect_move = [], []
    for m, row in enumerate(rows):
        key = (int(row[0] == -1), row[1], row[2], row[3])
        if key not in keys_seen:
            keys_seen[key] = len(effect_move)
            effect_move.append(m)
        effect.append(keys_seen[key])
    return PactSpace(
        codes=tuple(codes),
        keys=keys,
        membership=membership,
        sizes=membership.sum(axis=1),
        kind=np.array(kind),
        pact=np.array(pact),
        value=np.array(value),
        other=np.array(other),
        mover=np.array(mover),
        consent=np.array(consent),
        labels=tuple(labels),
        effect=np.array(effect),
        effect_move=np.array(effect_move),
    )


def valid_moves(levels: np.ndarray, space: PactSpace) -> np.ndarray:
    """Which moves can apply to each configuration: ``levels[..., P] -> bool[..., M]``."""
    cur = levels[..., space.pact]  # (..., M)
    ok = np.where(space.kind == RAISE, cur < space.value, cur > 0)
    # An invitation creates the enlarged pact; it is no move if that pact already exists.
    enlarged = levels[..., np.where(space.other >= 0, space.other, 0)]
    ok &= (space.kind != INVITE) | (enlarged == 0)
    ok[..., 0] = True
    return ok


def apply_moves(
    levels: np.ndarray, space: PactSpace, moves: np.ndarray | None = None
) -> np.ndarray:
    """Configurations after each move.

    With ``moves=None`` returns every move's result, ``(..., M, P)``; with an integer
    array ``moves[...]`` returns the chosen move's result per configuration, ``(..., P)``.
    Invalid moves are the caller's concern (see :func:`valid_moves`).
    """
    if moves is None:
        idx = np.arange(space.n_moves)
        out = np.repeat(levels[..., None, :], space.n_moves, axis=-2)
        old = levels[..., space.pact]  # (..., M)
        has_other = space.other >= 0
        out[..., idx[1:], space.pact[1:]] = space.value[1:]
        m_o = idx[has_other]
        out[..., m_o, space.other[m_o]] = np.maximum(levels[..., space.other[m_o]], old[..., m_o])
        return out
    moves = np.asarray(moves)
    out = levels.copy()
    p = space.pact[moves]
    q = space.other[moves]
    old = np.take_along_axis(levels, p[..., None], axis=-1)[..., 0]
    act = moves > 0
    new_p = np.where(act, space.value[moves], old)
    np.put_along_axis(out, p[..., None], new_p[..., None], axis=-1)
    has_q = act & (q >= 0)
    q_safe = np.where(q >= 0, q, 0)
    cur_q = np.take_along_axis(out, q_safe[..., None], axis=-1)[..., 0]
    new_q = np.where(has_q, np.maximum(cur_q, old), cur_q)
    np.put_along_axis(out, q_safe[..., None], new_q[..., None], axis=-1)
    return out


def config_label(levels: np.ndarray, space: PactSpace, level_names: tuple[str, ...]) -> str:
    """Readable label of one configuration, e.g. ``CHN-PRK:treaty;RUS-PRK:treaty``."""
    return ";".join(
        f"{space.keys[p]}:{level_names[int(lv)]}" for p, lv in enumerate(levels) if lv > 0
    )
