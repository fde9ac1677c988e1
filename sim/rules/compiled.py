"""The utility of configurations, compiled (numba): the lockstep engine's hot loop.

Every move's result and every open action are valued by :func:`table_utility`: one
compiled loop over (configuration, run) rows that reads the configuration's terms from a
table of them and the runs' rows where they are, instead of gathering them into arrays
first and running the utility's numpy expressions over those (about 40 passes over
memory). The table is the configuration table (``Params.configs``, small pact spaces) or,
for pact spaces too large to tabulate, the configurations met so far (``Params.seen``,
one scenario); with a US player, the kernel adds the player's terms
(:mod:`sim.rules.players`). The loop is generated for the world's shape (its states
as named scalars: :mod:`sim.rules.kernel_source`) and compiled
once per machine (:mod:`sim.rules.kernel_files`).

It computes :func:`sim.rules.utility.settled`, :func:`~sim.rules.utility.terms_with` and
:func:`~sim.rules.utility.weigh` term by term, with the same operations in the same
order, so it gives the same bits as :func:`~sim.rules.utility.utility_given` on the
gathered terms (numba compiles without fast-math: no reassociation, no fused
multiply-add); ``tests/test_compiled.py`` checks this equality on random rows, with and
without actions in force, for one scenario and for stacked design points. The numpy
functions stay the definition (docs/model.md 3.1-3.2) and serve every other case.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.rules.actions import Cooperation
from sim.rules.arrays import runwise
from sim.rules.context import Context
from sim.rules.kernel_args import kept, per_run
from sim.rules.kernel_files import kernels
from sim.rules.kernel_source import KernelShape
from sim.rules.params import Params
from sim.rules.players import NO_PLAYER, rivalry
from sim.rules.utility import CONFIG_TERMS, Attributes, ConfigTerms, goods_value


class Added(NamedTuple):
    """The month's open actions, one added to each row (:func:`table_utility`): ``ijk
    (R, 3)`` actor, recipient, kind, and the month's prices (``value``, ``cost`` ``(B, N,
    N, K)``, ``partner`` ``(B, N, N)`` or None: :func:`sim.rules.act.priced_actions`)."""

    ijk: np.ndarray
    value: np.ndarray
    cost: np.ndarray
    partner: np.ndarray | None


def applies(p: Params) -> bool:
    """The scenario's moves and actions are valued by :func:`table_utility`: it has a
    configuration table, or (one scenario, not stacked points) the configurations met."""
    return p.configs is not None or (p.seen is not None and not p.stacked)


def held_terms(p: Params) -> ConfigTerms:
    """The table :func:`table_utility` reads configurations' terms from: the configuration
    table's, or the configurations met so far (rows valid until ``p.seen`` meets more)."""
    return p.configs.terms if p.configs is not None else p.seen.terms_held()


def rows_of(levels: np.ndarray, p: Params, run: np.ndarray | None = None) -> np.ndarray:
    """The rows of :func:`held_terms` of configurations ``levels (..., P)`` (the seen ones
    added first); with ``run`` (same leading shape), a stacked table's offsets of those
    runs included, as :func:`table_utility` reads ``cfg``."""
    if p.configs is None:
        return p.seen.positions(levels, p)
    here = p.configs.index(levels)
    offset = p.configs.offset
    return here if run is None else here + (offset[run] if np.ndim(offset) else offset)


def table_utility(
    cfg: np.ndarray,
    run: np.ndarray,
    attrs: Attributes,
    p: Params,
    ctx: Context,
    coop: Cooperation | None = None,
    coop_run: np.ndarray | None = None,
    added: Added | None = None,
    source: np.ndarray | None = None,
    need: np.ndarray | None = None,
    pair_only: bool = False,
) -> np.ndarray:
    """Total utility ``(..., N)`` of the configurations ``cfg`` (rows of
    :func:`held_terms`, a configuration table's offset included) in the runs ``run`` (same
    shape) of a batch whose attributes and context are ``attrs`` and ``ctx`` ``(B, ...)``,
    with the actions in force of row ``coop_run`` of ``coop`` (None: ``ctx.coop``, run by
    run) and, for each entry of a 1-D ``cfg``, the action ``added.ijk`` added
    (:func:`sim.rules.actions.one_action` and :func:`~sim.rules.actions.with_one`): what
    :func:`sim.rules.utility.utility_given` gives on the gathered rows. ``source`` (same
    shape as ``cfg``, flat index or -1): an entry that is a copy of another (the same
    configuration, run and actions). ``need`` (bool ``(K, N)``; entry r of the flattened
    ``cfg`` reads row ``r % K``): the states whose utility is read; the others are not
    computed (NaN); ``pair_only`` (with ``added``): only the added action's actor and
    recipient are. Each state's utility is computed on its own, so the states computed
    have the bits computing all would give them."""
    _check(p)
    n = p.n_states
    shape = np.shape(cfg)
    if coop is None:
        coop, coop_run = ctx.coop, run
    kernels, middle = _middle(attrs, p, ctx, coop, added)
    out = np.empty((int(np.prod(shape)), 1, n))
    kernels.utility(
        False, _ints(cfg).reshape(-1, 1), _ints(run), _ints(coop_run), *middle,
        np.zeros(0, dtype=np.int64) if source is None else _ints(source), *_need_args(need),
        bool(pair_only and added is not None), 0, *_NO_SPREAD, out,
    )  # fmt: skip
    return out.reshape(*shape, n)


_NO_SPREAD = (np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64))


def move_utility(
    after: np.ndarray,
    run: np.ndarray,
    status_quo: int,
    spread: tuple[np.ndarray, np.ndarray],
    out: np.ndarray,
    attrs: Attributes,
    p: Params,
    ctx: Context,
    need: np.ndarray | None = None,
) -> np.ndarray:
    """``out (R, M, N)``: for each row r (run ``run[r]``, its actions in force) the
    utility of each needed move result ``after[r, e]`` (rows of :func:`held_terms`, a
    table's offset included), written to every move of that result (``spread``: CSR
    ``first (E + 1,)``, ``moves``); a result equal to the row's status quo
    (``after[r, status_quo]``) is its copy. ``need`` ``(E, N)``: as :func:`table_utility`'s,
    row e for result e. The same bits as :func:`table_utility` of the rows spread."""
    _check(p)
    kernels, middle = _middle(attrs, p, ctx, ctx.coop, None)
    first, moves = spread
    run = _ints(run)
    kernels.utility(True, np.ascontiguousarray(after, dtype=np.int64), run, run, *middle,
                    np.zeros(0, dtype=np.int64), *_need_args(need), False, int(status_quo),
                    _ints(first), _ints(moves), out)  # fmt: skip
    return out


def _check(p: Params) -> None:
    if not applies(p):
        raise ValueError(
            "table_utility needs a configuration table or the configurations met (one scenario)"
        )


def _middle(attrs: Attributes, p: Params, ctx: Context, coop: Cooperation | None,
            added: Added | None) -> tuple:  # fmt: skip
    """The kernels of ``p``'s shape and the arguments both take (kernel_source.MIDDLE)."""
    shared, params = _scenario_args(p)
    terms = held_terms(p)
    table = (_floats(getattr(terms, f)) for f in CONFIG_TERMS)
    if p.player == NO_PLAYER:
        player = [False, 0, np.zeros((1, 1, 1))]
    else:  # players.rival_alignment reads each pact's rivalry, per run
        player = [True, p.player, _rivalry(ctx, p)]
    gv = goods_value(attrs, p) if attrs.goods is None else attrs.goods
    middle = (
        *table,
        *(_floats(x) for x in (attrs.threat, attrs.conflict_risk, attrs.us_stake,
                               attrs.trade_need, gv, ctx.affinity, ctx.affinity_trade,
                               ctx.co_capability)),
        *shared, *_coop_args(coop, p.n_states), *params, *_added_args(added, attrs, p), *player,
    )  # fmt: skip
    return kernels(_shape(p, terms)), middle


def _shape(p: Params, terms: ConfigTerms) -> KernelShape:
    """The generated kernel's shape for ``p`` (its states and pacts)."""
    return KernelShape(n=p.n_states, pacts=terms.weight.shape[-1])


def _rivalry(ctx: Context, p: Params) -> np.ndarray:
    """:func:`~sim.rules.players.rivalry` of ``ctx``'s relations, computed once per
    context and kept with it (the month's moves, talks and actions are valued in the same
    context; its arrays are not changed in place)."""
    kept = vars(ctx).get("_rivalry")
    if kept is None or kept[0] is not p.space.membership:
        kept = vars(ctx)["_rivalry"] = (
            p.space.membership,
            rivalry(ctx.affinity, p.space.membership),
        )
    return kept[1]


def _need_args(need: np.ndarray | None) -> list:
    """The kernel's ``need`` ``(K, N)`` (a placeholder if None)."""
    if need is None:
        return [np.zeros((0, 1), dtype=bool)]
    need = np.ascontiguousarray(need, dtype=bool)
    return [need.reshape(-1, need.shape[-1])]


def _coop_args(coop: Cooperation | None, n: int) -> list:
    """The kernel's arguments for the actions in force (placeholders if none)."""
    if coop is None:
        nothing = np.zeros((1, 1))
        return [False, np.zeros((1, n, n)), nothing, nothing, nothing, nothing]
    fields = (coop.flow, coop.exposure, coop.seen_us, coop.seen_cb, coop.economy)
    return [True, *(_floats(x) for x in fields)]


def _added_args(added: Added | None, attrs: Attributes, p: Params) -> list:
    """The kernel's arguments for the action added to each row (placeholders if none)."""
    if added is None:
        one = [False, np.zeros((1, 3), dtype=np.int64), *(np.zeros((1, 1, 1, 1)),) * 2]
        return one + [np.zeros((1, 1))] * 5 + [False, np.zeros((1, 1, 1))]
    a = p.actions  # the kinds' parameters, laid out once per p
    kinds = kept(p, "_added_kinds", lambda: [per_run(x, 1) for x in (
        a.payment, a.visibility, a.entanglement, p.hostility)])  # fmt: skip
    one = [True, np.ascontiguousarray(added.ijk, dtype=np.int64), _floats(added.value),
           _floats(added.cost), *kinds, _floats(attrs.conflict_risk),
           added.partner is not None]  # fmt: skip
    one.append(np.zeros((1, 1, 1)) if added.partner is None else _floats(added.partner))
    return one


def _scenario_args(p: Params) -> tuple[tuple, tuple]:
    """The kernel's arguments that depend on ``p`` alone (the trade shares and
    membership, the states' parameters and the stake and dependence pairs), laid out once
    per ``p`` and kept with it (:func:`~sim.rules.kernel_args.kept`)."""
    return kept(p, "_compiled_args", lambda: _lay_out(p))


def _lay_out(p: Params) -> tuple[tuple, tuple]:
    shared = (per_run(p.trade_share, 2), p.space.membership)
    params = [per_run(p.entrapment_aversion, 1), per_run(runwise(p.reactivity, p, 1), 1),
              per_run(p.presence, 1), per_run(p.autonomy, 1),
              per_run(np.swapaxes(p.weights, -1, -2), 2)]  # fmt: skip
    n = p.n_states
    for group in (p.stake_pairs, p.dependence_pairs):  # each as (n, n): present, value
        present = np.zeros((n, n), dtype=bool)
        values = np.zeros((*(np.shape(group[0][2]) if group else ()), n, n))
        for i, k, value in group:
            present[i, k], values[..., i, k] = True, value
        params += [present, per_run(values, 2)]
    return shared, tuple(params)


def _ints(x) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.int64).reshape(-1)


def _floats(x) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=float)
