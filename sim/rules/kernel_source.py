"""The source of the valuation kernel (:func:`sim.rules.compiled.table_utility`,
:func:`~sim.rules.compiled.move_utility`), written out for one
world's shape: its number of states and of pacts (unrolled below 8; :class:`KernelShape`).

Why generated: the kernel values ~17 rows per run and month, and written as loops over
the states it spent most of its time on loop control, index arithmetic and small arrays
(94 ns a row for three states); with the states' terms as named scalars, the same
operations in the same order take 37-43 ns (``tests/test_compiled.py`` checks the bits
against :func:`sim.rules.utility.utility_given`, the definition). The stake and
dependence pairs are data: every ordered pair of states is a statement, in index order,
guarded by whether the scenario has the pair (``so{i}_{k}``, ``do{i}_{j}``), so worlds that
differ in their pairs share one kernel (one compilation: 5-8 s for three states, 20-35 s
for six on the project's machine) and add the same terms in the same order as
``utility._leverage`` and ``_dependence``, which follow :attr:`Params.stake_pairs`'
index order. Each
line below emits one statement of the kernel, in the order of docs/model.md 3.1-3.2:
``utility.settled``, ``terms_with``, ``weigh``. Names: ``wt{i}_{j}`` support's factor
(goods + trade), ``sp{i}_{j}`` supply's (affinity x goods), ``su{i}_{j}`` support with the
actions' flow ``f{i}_{j}``, ``det{i} spl{i} exo{i} eco{i}`` the settled terms,
``pu{i}`` a US player's push (players.player_terms).
"""

from __future__ import annotations

from typing import NamedTuple

UNROLL_BELOW = 8  # pacts: fewer are unrolled; from 8, deterrence reads members' pacts only

MIDDLE = (
    "t_commit, t_entangle, t_weight, t_us_ties, t_cb_member, threat, risk, us_stake, "
    "trade_need, goods, affinity, aff_trade, co_cap, trade_share, membership, has_coop, flow, "
    "c_exposure, seen_us, seen_cb, c_economy, aversion, react, presence, autonomy, weights, "
    "stake_on, stake_v, dep_on, dep_v, has_one, ijk, value, cost, payment, "
    "visibility, entanglement, hostility, conflict_risk, has_partner, partner, has_player, "
    "player, riv"
)
"""The arguments that describe the world, the runs and the actions (``compiled._middle``)."""
ARGS = (
    f"moves, cfg, run, coop_run, {MIDDLE}, source, need, pair_only, sq, spread_first, "
    "spread_move, out"
)
"""The kernel's arguments: its mode and rows first, then :data:`MIDDLE`, then each
mode's own (``compiled.table_utility``, ``compiled.move_utility``)."""


class KernelShape(NamedTuple):
    """What a generated kernel is specialised to: ``n`` states and ``pacts`` (the
    table's pact count)."""

    n: int
    pacts: int


class _Lines:
    """Source lines at an indentation depth (``with out.block("if x:")``)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def __call__(self, *statements: str) -> None:
        self.lines.extend("    " * self.depth + s for s in statements)

    def block(self, head: str) -> _Lines:
        self(head)
        return self

    def __enter__(self) -> _Lines:
        self.depth += 1
        return self

    def __exit__(self, *exc) -> None:
        self.depth -= 1


def kernel_source(shape: KernelShape) -> str:
    """The module source of the kernel ``utility`` for worlds of ``shape``, one function
    with two modes (one body to compile). Rows (``moves`` False): ``cfg (R, 1)`` one
    configuration per row, in run ``run[r]`` with the actions of row ``coop_run[r]``, row
    r of ``out (R, 1, N)``; a row whose ``source[r]`` >= 0 is a copy of that row.
    Moves: ``cfg (R, E)`` every needed move result of row r's run, each written to the
    moves of its column (``spread_move[spread_first[e]:spread_first[e + 1]]``) in ``out
    (R, M, N)``; a result equal to the status quo's (column ``sq``) is its copy."""
    w = _Lines()
    w("import numpy as np", "from numba import njit", "", "from sim.rules.kernel_args import at",
      "", "", '@njit(cache=True, error_model="numpy")  # every divisor is >= 1 or > 0',
      f"def utility({ARGS}):")  # fmt: skip
    with w:
        _start(w, shape.n)
        with w.block("for g in range(cfg.shape[0]):"):
            w("b, q = run[g], coop_run[g]")
            with w.block("for e in range(cfg.shape[1]):"):
                _row_head(w)
                _row(w, shape)
                with w.block("if moves:"):
                    _spread(w, shape.n, "t{i}")
                with w.block("else:"):
                    w(*(f"out[r, 0, {i}] = t{i}" for i in range(shape.n)))
            with w.block("if moves:  # the status quo's copies"):
                w("r = g", "m0 = spread_move[spread_first[sq]]")
                copy = "if e != sq and cfg[g, e] == cfg[g, sq]:"
                with w.block("for e in range(cfg.shape[1]):"), w.block(copy):
                    _spread(w, shape.n, "out[r, m0, {i}]")
        with w.block("for r in range(source.shape[0]):"), w.block("if source[r] >= 0:"):
            w(*(f"out[r, 0, {i}] = out[source[r], 0, {i}]" for i in range(shape.n)))
    return "\n".join(w.lines) + "\n"


def _row_head(w: _Lines) -> None:
    """Row (g, e): ``r`` (the row of ``ijk`` and ``out``), ``c``, ``nr`` (the need row:
    ``r % K`` or the result's column), or ``continue`` for a copy."""
    w("r = g", "c = cfg[g, e]")
    with w.block("if moves:"):
        with w.block("if e != sq and c == cfg[g, sq]:  # the status quo's, copied below"):
            w("continue")
        w("nr = e")
    with w.block("else:"):
        w("nr += 1")
        with w.block("if nr == rows_of_need:"):
            w("nr = 0")
        with w.block("if source.shape[0] and source[r] >= 0:"):
            w("continue")


def _spread(w: _Lines, n: int, value: str) -> None:
    """Write ``value`` (per state i) to every move of result column ``e``."""
    with w.block("for d in range(spread_first[e], spread_first[e + 1]):"):
        w("m = spread_move[d]", *(f"out[r, m, {i}] = {value.format(i=i)}" for i in range(n)))


READ = "(not has_need or need[nr, {i}]) and (not pair_only or ijk[r, 0] == {i} or ijk[r, 1] == {i})"
"""Whether state i's utility is read (else NaN): its need row's entry, if any, and, with
``pair_only``, whether it is the added action's actor or recipient."""


def _row(w: _Lines, shape: KernelShape) -> None:
    """``t{i}``: the utility of configuration ``c`` in run ``b`` with the actions of row
    ``q`` (and, ``has_one``, the added action of row ``r``) for each state read."""
    _row_inputs(w, shape.n)
    _settled(w, shape, READ)
    _shares(w, shape)
    _weighed(w, shape, READ)


def _pairs(n: int):
    return [(i, j) for i in range(n) for j in range(n)]


def _start(w: _Lines, n: int) -> None:
    """The kernel's locals: the row of actions in force (arrays: an added action indexes
    them at run time) and the scalars carried from row to row."""
    w("has_need = need.shape[0] > 0", "rows_of_need = max(need.shape[0], 1)", "nr = -1",
      f"fl = np.empty(({n}, {n}))",
      *(f"{x} = np.empty({n})" for x in ("l_exp", "l_seen", "l_cb", "l_eco")),
      *(f"wt{i}_{j} = sp{i}_{j} = su{i}_{j} = s0{i}_{j} = f{i}_{j} = 0.0" for i, j in _pairs(n)),
      *(f"det{i} = spl{i} = exo{i} = eco{i} = pu{i} = 0.0" for i in range(n)),
      *(f"done{i} = False" for i in range(n)),
      *(f"so{i}_{j}, do{i}_{j} = stake_on[{i}, {j}], dep_on[{i}, {j}]" for i, j in _pairs(n)),
      "last_c, last_b, last_q = -1, -1, -1")  # fmt: skip


def _row_inputs(w: _Lines, n: int) -> None:
    """The row's actions in force with the added one (actions.one_action,
    actions.with_one) and its run's products."""
    with w.block("if has_coop and (has_one or q != last_q):  # (an added action changes them)"):
        w("last_q = q")
        w(*(f"fl[{i}, {j}] = flow[q, {i}, {j}]" for i, j in _pairs(n)))
        for i in range(n):
            w(f"l_exp[{i}], l_seen[{i}] = c_exposure[q, {i}], seen_us[q, {i}]",
              f"l_cb[{i}], l_eco[{i}] = seen_cb[q, {i}], c_economy[q, {i}]")  # fmt: skip
    with w.block("if has_one:  # actions.one_action, then actions.with_one"):
        w("i, j, k = ijk[r, 0], ijk[r, 1], ijk[r, 2]", "hb = at(hostility, b)",
          "v = value[b, i, j, k]", "pay = v * payment[at(payment, b), k]",
          "vis = visibility[at(visibility, b), k]",
          "read_ij = partner[b, i, j] if has_partner else hostility[hb, j]",
          "read_ji = partner[b, j, i] if has_partner else hostility[hb, i]",
          "pair = 0.5 * (hostility[hb, i] + hostility[hb, j])", "fl[j, i] += v",
          "l_eco[i] += pay - cost[b, i, j, k]", "l_eco[j] -= pay",
          "l_seen[i] += vis * read_ij", "l_seen[j] += vis * read_ji",
          "l_cb[i] += vis * pair", "l_cb[j] += vis * pair",
          "l_exp[i] += entanglement[at(entanglement, b), k] * conflict_risk[b, j]")  # fmt: skip
    with w.block("if has_coop:"):
        w(*(f"f{i}_{j} = fl[{i}, {j}]" for i, j in _pairs(n)))
    w("rr = react[at(react, b), 0]")
    with w.block("if b != last_b:  # the run's products the configurations' terms multiply"):
        w("ts = at(trade_share, b)")
        for i, j in _pairs(n):  # utility.support's factor, utility.supply's
            w(f"wt{i}_{j} = goods[b, {i}, {j}] + trade_share[ts, {i}, {j}] * trade_need[b, {i}]",
              f"sp{i}_{j} = affinity[b, {i}, {j}] * goods[b, {i}, {j}]")  # fmt: skip


def _settled(w: _Lines, shape: KernelShape, read: str) -> None:
    """utility.settled: support for every state, then each state's deterrence, supply,
    exposure and economy, for the states read not yet computed for (c, b)."""
    n = shape.n
    with w.block("if c != last_c or b != last_b:"):
        w(*(f"done{i} = False" for i in range(n)))
        w(*(f"su{i}_{j} = t_commit[c, {i}, {j}] * wt{i}_{j}" for i, j in _pairs(n)))
        w(*(f"s0{i}_{j} = su{i}_{j}" for i, j in _pairs(n)), "last_c, last_b = c, b")
    with w.block("else:  # the same configuration and run as the row before"):
        w(*(f"su{i}_{j} = s0{i}_{j}" for i, j in _pairs(n)))
    for i in range(n):
        with w.block(f"if not done{i} and ({read.format(i=i)}):"):
            w(f"done{i} = True", f"thr = threat[b, {i}]")
            with w.block("if has_player:  # players.rival_alignment: pacts in index order"):
                _pact_sum(w, shape.pacts, f"riv[b, {{k}}, {i}]", members_only=None)
                w(f"pu{i} = rr * acc", f"thr = min(thr + pu{i}, 1.0)")
            _pact_sum(w, shape.pacts, f"co_cap[b, {{k}}, {i}]", members_only=i)  # _deterrence
            w(f"det{i} = thr * (acc / (1.0 + abs(acc)))", f"s_sup = t_commit[c, {i}, 0] * sp{i}_0",
              f"s_ex = t_entangle[c, {i}, 0] * risk[b, 0]",
              f"s_eco = t_commit[c, {i}, 0] * aff_trade[b, {i}, 0]")  # fmt: skip
            for j in range(1, n):
                w(f"s_sup += t_commit[c, {i}, {j}] * sp{i}_{j}",
                  f"s_ex += t_entangle[c, {i}, {j}] * risk[b, {j}]",
                  f"s_eco += t_commit[c, {i}, {j}] * aff_trade[b, {i}, {j}]")  # fmt: skip
            w(f"spl{i}, exo{i}, eco{i} = s_sup, s_ex, trade_need[b, {i}] * s_eco")


def _pact_sum(w: _Lines, pacts: int, term: str, members_only: int | None) -> None:
    """``acc``: the sum over pacts k, in index order, of ``t_weight[c, k] * term``; with
    ``members_only`` and 8 or more pacts (a loop), the pacts containing that state only
    (utility._deterrence: the others add exactly +0.0). An empty sum is 0.0."""
    if pacts < UNROLL_BELOW:
        w("acc = 0.0" if pacts == 0 else f"acc = t_weight[c, 0] * {term.format(k=0)}")
        w(*(f"acc = acc + t_weight[c, {k}] * {term.format(k=k)}" for k in range(1, pacts)))
        return
    term = term.format(k="k")
    w("acc = 0.0", "first = True")
    with w.block("for k in range(t_weight.shape[-1]):"):
        if members_only is not None:
            with w.block(f"if not membership[k, {members_only}]:"):
                w("continue")
        with w.block("if first:"):
            w(f"acc = t_weight[c, k] * {term}", "first = False")
        with w.block("else:"):
            w(f"acc = acc + t_weight[c, k] * {term}")


def _shares(w: _Lines, shape: KernelShape) -> None:
    """utility.terms_with: support with the actions' flow, its denominators
    (utility.share_denominator), leverage and dependence over the pairs in order."""
    n = shape.n
    for k in range(n):
        with w.block("if has_coop:"):
            w(*(f"su{k}_{j} = su{k}_{j} + f{k}_{j}" for j in range(n)))
        w(f"acc = su{k}_0", *(f"acc += su{k}_{j}" for j in range(1, n)),
          f"den{k} = acc if acc > 0 else 1.0")  # fmt: skip
    w(*(f"lev{i} = 0.0" for i in range(n)), *(f"dep{i} = 0.0" for i in range(n)),
      "sv, dv = at(stake_v, b), at(dep_v, b)")  # fmt: skip
    for i, k in _pairs(n):  # utility._leverage: the scenario's pairs, in index order
        with w.block(f"if so{i}_{k}:"):
            w(f"lev{i} += stake_v[sv, {i}, {k}] * t_commit[c, {i}, {k}] * (su{k}_{i} / den{k})")
    for i, j in _pairs(n):  # utility._dependence
        with w.block(f"if do{i}_{j}:"):
            w(f"share = su{i}_{j} / den{i}", f"dep{i} += share * share * dep_v[dv, {i}, {j}]")


def _weighed(w: _Lines, shape: KernelShape, read: str) -> None:
    """Each state's terms with the actions in force, a US player's, and their weighed
    sum (utility.weigh, in term order); NaN for a state not read."""
    n = shape.n
    w("pb, wr = at(aversion, b), at(weights, b)", "pr, au = at(presence, b), at(autonomy, b)")
    for i in range(n):
        with w.block(f"if not ({read.format(i=i)}):"):
            w(f"t{i} = np.nan  # not read")
        with w.block("else:"):
            w(f"sp_, ex, eco_ = spl{i}, exo{i}, eco{i}",
              f"seen, cb = t_us_ties[c, {i}], t_cb_member[c, {i}]")  # fmt: skip
            with w.block("if has_coop:"):
                w(f"acc = affinity[b, {i}, 0] * f{i}_0",
                  *(f"acc += affinity[b, {i}, {j}] * f{i}_{j}" for j in range(1, n)),
                  "sp_ = sp_ + acc", f"ex = ex + l_exp[{i}]", f"seen = seen + l_seen[{i}]",
                  f"cb = cb + rr * l_cb[{i}]", f"eco_ = eco_ + l_eco[{i}]")  # fmt: skip
            w(f"security = det{i} + sp_ / (1.0 + abs(sp_))",
              f"security -= aversion[pb, {i}] * ex")  # fmt: skip
            _us_ties(w, i)
            w(f"influence = lev{i} - presence[pr, {i}] * cb",
              f"influence = influence - autonomy[au, {i}] * dep{i}",
              f"total = security * weights[wr, 0, {i}]", f"total += us * weights[wr, 1, {i}]",
              f"total += influence * weights[wr, 2, {i}]", f"total += eco_ * weights[wr, 3, {i}]",
              f"t{i} = total")  # fmt: skip


def _us_ties(w: _Lines, i: int) -> None:
    """``us``: the reaction function's (no player) or players.us_ties with
    players.tie_with_player (0 for the player itself); with a player, ``cb`` gains the
    alignment its rivals formed."""
    with w.block("if not has_player:"):
        w(f"us = -us_stake[b, {i}] * rr * seen")
    with w.block(f"elif player == {i}:"):
        w("us = 0.0")
    with w.block("else:"):
        w(
            f"tie = affinity[b, {i}, player] + t_commit[c, {i}, player]",
            f"us = us_stake[b, {i}] * (tie - rr * seen * (1.0 + affinity[b, {i}, player]))",
        )
    with w.block("if has_player:"):
        w(f"cb = cb + pu{i}")
