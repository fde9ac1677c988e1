"""Possible pacts, the moves that change them, and applying moves to level arrays.

A configuration is an integer array of levels, one per possible pact (every subset of two
or more states, or the pacts a scenario declares: ``pacts = [...]``): 0 = no pact, 1.. =
the scenario's levels. Arrays carry leading batch axes
(``levels[..., P]``) so the same functions serve one run or many runs in lockstep.

Pacts coexist: a trilateral sits beside the bilateral pacts of its members (the 1961
Sino-North Korean treaty was not replaced when Russia signed with Pyongyang), so joining
or leaving one pact never silently dissolves another.

Moves (move 0 is the status quo):

* ``RAISE`` p to level l: form p (from none) or upgrade it. Proposable by any member of p;
  it needs every member's consent and opens talks that end in signature months later
  (:mod:`sim.rules.talks`). Forming a pact that enlarges an active one (a third state
  joining a bilateral) is a ``RAISE`` of the larger pact, beside the bilateral.
* ``LOWER`` p by one level (e.g. treaty -> partnership, dropping the defence clause):
  unilateral, by any member, at once.
* ``LEAVE`` p (member i): unilateral, at once. If two or more members remain and their
  pact is a possible one, the pact continues among them (the remaining members' pact takes
  the higher of its own level and p's), as a treaty outlives one party's withdrawal. In a
  declared space without the remainder's pact (USA-KOR-JPN declared, KOR-JPN not), the
  remaining members' tie through p ends with it; their other pacts are untouched.

A pact that is not possible has no moves at all: nobody can propose it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import combinations

import numpy as np

RAISE, LOWER, LEAVE = 0, 1, 2


@dataclass(frozen=True)
class PactSpace:
    """All possible pacts over ``codes`` and every move that changes one of them.

    For move m: ``kind[m]`` (-1 for the status quo); ``pact[m]`` is the pact it sets to
    ``value[m]`` (the new level for a raise, level - 1 for a lower, 0 for a leave);
    ``other[m]`` (or -1) is a second pact that receives the old level (the remaining
    members of a left pact of three or more); ``mover[m, i]`` whether state i may propose
    it; ``consent[m, i]`` whether i must agree to it (the proposer included).
    """

    codes: tuple[str, ...]
    keys: tuple[str, ...]
    membership: np.ndarray  # (P, N) bool
    sizes: np.ndarray  # (P,) int
    kind: np.ndarray  # (M,) int, -1 for the status quo
    pact: np.ndarray  # (M,) int
    value: np.ndarray  # (M,) int (-1 for a lower: one level down)
    other: np.ndarray  # (M,) int
    mover: np.ndarray  # (M, N) bool
    consent: np.ndarray  # (M, N) bool
    labels: tuple[str, ...]  # (M,) readable, e.g. "form B-C treaty"
    raise_move: np.ndarray  # (P, L + 1) index of the move raising p to level l (0 if none)
    effect: np.ndarray  # (M,) index of the move's distinct resulting change
    effect_move: np.ndarray  # (E,) one move per distinct change (e.g. either member leaving)

    @cached_property
    def pair_table(self) -> np.ndarray:
        """:func:`pair_table` of the membership (read-only)."""
        table = pair_table(self.membership)
        table.flags.writeable = False
        return table

    @cached_property
    def tabulated(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every configuration and what the moves do to it, for
        :func:`sim.rules.configs.build_config_table`: ``(radix, levels, valid, result)``."""
        return tabulate(self)

    @cached_property
    def raises(self) -> np.ndarray:
        """Indices of the raises (the moves whose members must consent), computed once."""
        return np.flatnonzero(self.kind == RAISE)

    @cached_property
    def unilateral(self) -> np.ndarray:
        """Indices of the lowers and leaves (no consent needed), computed once."""
        return np.flatnonzero((self.kind == LOWER) | (self.kind == LEAVE))

    @cached_property
    def effect_need(self) -> np.ndarray:
        """``(E, N)`` bool: the states a month's decisions read each effect's utility for
        (docs/model.md 1.3): those who may propose one of its moves or must consent to it,
        and the members of its pact (talks read a raise's gain for each member); every
        state for the status quo, the baseline of every gain. Read-only."""
        need = np.zeros((len(self.effect_move), len(self.codes)), dtype=bool)
        for m in range(1, len(self.kind)):
            need[self.effect[m]] |= self.mover[m] | self.consent[m] | self.membership[self.pact[m]]
        need[self.effect[0]] = True
        need.flags.writeable = False
        return need

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


def build_pact_space(
    codes: tuple[str, ...],
    level_names: tuple[str, ...],
    declared: tuple[tuple[str, ...], ...] | None = None,
) -> PactSpace:
    """Enumerate pacts (bilaterals first, then larger) and all raise/lower/leave moves.

    ``declared``: the members of each possible pact (``Scenario.declared_pacts``), or None
    for every subset of two or more states. Pacts keep the order of the full space
    whatever the order they are declared in, so declaring every subset gives the same
    space as None. One object per (states, levels, declared pacts), built once: a batch
    compiles a scenario per design point, and their spaces (and what is tabulated from
    them) are the same. Its arrays are read-only."""
    if declared is not None:
        wanted = {frozenset(d) for d in declared}
        full = _all_subsets(tuple(codes))
        declared = tuple(c for c in full if frozenset(c) in wanted)
        if len(declared) == len(full):
            declared = None  # every subset: the full space (one cached object)
    return _pact_space(tuple(codes), tuple(level_names), declared)


def _all_subsets(codes: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every subset of two or more states: by size, then in scenario order."""
    n = len(codes)
    return [
        tuple(codes[i] for i in c) for size in range(2, n + 1) for c in combinations(range(n), size)
    ]


@lru_cache(maxsize=16)
def _pact_space(
    codes: tuple[str, ...],
    level_names: tuple[str, ...],
    declared: tuple[tuple[str, ...], ...] | None,
) -> PactSpace:
    n = len(codes)
    pos = {c: i for i, c in enumerate(codes)}
    subsets = [tuple(pos[c] for c in members) for members in declared or _all_subsets(codes)]
    membership = np.zeros((len(subsets), n), dtype=bool)
    for p, members in enumerate(subsets):
        membership[p, list(members)] = True
    keys = tuple("-".join(codes[i] for i in s) for s in subsets)
    index = {frozenset(s): p for p, s in enumerate(subsets)}
    n_levels = len(level_names) - 1

    none = np.zeros(n, dtype=bool)
    rows: list[tuple[int, int, int, int, np.ndarray, np.ndarray, str]] = [
        (-1, 0, 0, -1, none, none, "none")
    ]
    raise_move = np.zeros((len(subsets), n_levels + 1), dtype=np.intp)
    for p in range(len(subsets)):
        members = membership[p]
        for lv in range(1, n_levels + 1):
            raise_move[p, lv] = len(rows)
            rows.append((RAISE, p, lv, -1, members, members, f"form {keys[p]} {level_names[lv]}"))
    for p in range(len(subsets)):
        if n_levels >= 2:
            rows.append((LOWER, p, -1, -1, membership[p], none, f"lower {keys[p]}"))
    for p, s in enumerate(subsets):
        for i in s:
            rest = frozenset(s) - {i}
            q = index.get(rest, -1)  # -1: one member left, or their pact is not possible
            mover = np.zeros(n, dtype=bool)
            mover[i] = True
            rows.append((LEAVE, p, 0, q, mover, none, f"{codes[i]} leaves {keys[p]}"))
    kind, pact, value, other, mover, consent, labels = zip(*rows, strict=True)
    effect, effect_move = _effects(rows)
    space = PactSpace(
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
        raise_move=raise_move,
        effect=np.array(effect),
        effect_move=np.array(effect_move),
    )
    for value in vars(space).values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return space


def _effects(rows: list[tuple]) -> tuple[list[int], list[int]]:
    """``(effect, effect_move)``: moves with the same result (either member leaving a
    bilateral) share an effect, valued once through its first move."""
    keys_seen: dict[tuple[int, int, int, int], int] = {}
    effect, effect_move = [], []
    for m, row in enumerate(rows):
        key = (int(row[0] == -1), row[1], row[2], row[3])
        if key not in keys_seen:
            keys_seen[key] = len(effect_move)
            effect_move.append(m)
        effect.append(keys_seen[key])
    return effect, effect_move


def pair_table(membership: np.ndarray) -> np.ndarray:
    """``(K, N*N)``: for each ordered pair (i, j), the pacts holding both, padded with P.

    The diagonal and pairs without a shared pact point only at P, which the utility pads
    with level 0 (strength 0).
    """
    n_p, n = membership.shape
    lists = [
        np.flatnonzero(membership[:, i] & membership[:, j]) if i != j else np.array([], int)
        for i in range(n)
        for j in range(n)
    ]
    width = max(1, *(len(x) for x in lists))
    table = np.full((n * n, width), n_p)
    for row, idx in enumerate(lists):
        table[row, : len(idx)] = idx
    return np.ascontiguousarray(table.T)


def valid_moves(levels: np.ndarray, space: PactSpace) -> np.ndarray:
    """Which moves can apply to each configuration: ``levels[..., P] -> bool[..., M]``.

    A raise needs a level below its target, a lower a level of 2 or more (lowering a
    partnership is leaving it), a leave an active pact.
    """
    cur = levels[..., space.pact]  # (..., M)
    ok = np.where(
        space.kind == RAISE, cur < space.value, np.where(space.kind == LOWER, cur >= 2, cur > 0)
    )
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
        moves = np.broadcast_to(np.arange(space.n_moves), (*levels.shape[:-1], space.n_moves))
        return apply_moves(levels[..., None, :], space, moves)
    moves = np.asarray(moves)
    levels = np.broadcast_to(levels, (*moves.shape, levels.shape[-1]))
    out = levels.copy()
    p = space.pact[moves]
    q = space.other[moves]
    old = np.take_along_axis(levels, p[..., None], axis=-1)[..., 0]
    act = moves > 0
    value = space.value[moves]
    new_p = np.where(space.kind[moves] == LOWER, old - 1, value).astype(levels.dtype)
    new_p = np.where(act, new_p, old)
    np.put_along_axis(out, p[..., None], new_p[..., None], axis=-1)
    has_q = act & (q >= 0)
    q_safe = np.where(q >= 0, q, 0)
    cur_q = np.take_along_axis(out, q_safe[..., None], axis=-1)[..., 0]
    new_q = np.where(has_q, np.maximum(cur_q, old), cur_q)
    np.put_along_axis(out, q_safe[..., None], new_q[..., None], axis=-1)
    return out


def config_label(levels: np.ndarray, space: PactSpace, level_names: tuple[str, ...]) -> str:
    """Readable label of one configuration, e.g. ``A-C:treaty;B-C:treaty``."""
    return ";".join(
        f"{space.keys[p]}:{level_names[int(lv)]}" for p, lv in enumerate(levels) if lv > 0
    )


def enumerate_levels(n_levels: int, n_pacts: int) -> np.ndarray:
    """Every level vector ``(C, P)``, first pact most significant (itertools order)."""
    grid = itertools.product(range(n_levels), repeat=n_pacts)
    return np.array(list(grid), dtype=np.int8).reshape(-1, n_pacts)


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
