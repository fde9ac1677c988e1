"""Next month's relations compiled (numba): :func:`sim.rules.round.relation_events` and
:func:`sim.rules.relations.update_affinity` in one loop per run.

The same operations in the same order as the numpy definitions, which stay (docs/model.md
3.9): the events are counts (pacts signed or walked out of by a pair, refusals,
defections: sums of 0s and 1s, exact in any order) and the trust of the actions in force
summed over kinds in index order; the update adds the terms in the order
``update_affinity`` does. ``tests/test_compiled.py`` checks the result bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.rules.kernel_args import at, kept, per_run
from sim.rules.params import Params


def next_affinity(state_affinity: np.ndarray, p: Params, on: np.ndarray, signed, walked,
                  proposer, refused, acts, move, loss) -> np.ndarray:  # fmt: skip
    """``(B, N, N)``: ``update_affinity(state_affinity, p.affinity, relation_events(...),
    p.relations, loss)`` for the month's events (``on (B, N, N, K)`` actions in force,
    ``signed (B, P)``, ``walked (B, P, N)``, the proposal's ``proposer``, ``refused (B,
    N)``, ``acts (B,)`` lowering or leaving done, ``move (B,)``)."""
    r = p.relations
    b, n = state_affinity.shape[:2]
    rates = kept(p, f"_relation_rates_{b}", lambda: np.ascontiguousarray(np.stack([
        np.broadcast_to(np.asarray(x, dtype=float), (b,))
        for x in (r.drift, r.signing, r.refusal, r.walkout, r.defection)], axis=-1)))  # fmt: skip
    trust = kept(p, "_trust", lambda: per_run(p.actions.trust, 1))
    baseline = kept(p, "_baseline_affinity", lambda: per_run(p.affinity, 2))
    out = np.empty((b, n, n))
    _next_affinity(
        np.ascontiguousarray(state_affinity), baseline, np.ascontiguousarray(rates),
        np.ascontiguousarray(on), trust, np.ascontiguousarray(signed),
        np.ascontiguousarray(walked), p.space.membership,
        np.ascontiguousarray(proposer, dtype=np.int64), np.ascontiguousarray(refused),
        np.ascontiguousarray(acts), p.space.pact[np.asarray(move)].astype(np.int64),
        loss is not None, np.zeros((1, n, n)) if loss is None else np.ascontiguousarray(loss),
        out,
    )  # fmt: skip
    return out


@njit(cache=True)
def _next_affinity(affinity, baseline, rates, on, trust, signed, walked, member, proposer,
                   refused, acts, pact, has_loss, loss, out):  # fmt: skip
    """update_affinity of relation_events, run by run (their names in the comments)."""
    n_runs, n, _, n_kinds = on.shape
    n_pacts = member.shape[0]
    coop = np.empty((n, n))
    for b in range(n_runs):
        tb, ab = at(trust, b), at(baseline, b)
        drift, signing, refusal, walkout, defection = (
            rates[b, 0], rates[b, 1], rates[b, 2], rates[b, 3], rates[b, 4])  # fmt: skip
        for i in range(n):  # cooperation: trust of the actions in force, kinds in order
            for j in range(n):
                acc = 0.0
                for k in range(n_kinds):
                    term = (1.0 if on[b, i, j, k] else 0.0) * trust[tb, k]
                    acc = term if k == 0 else acc + term
                coop[i, j] = acc
        s, q = proposer[b], pact[b]
        for i in range(n):
            for j in range(n):
                if i == j:
                    out[b, i, j] = 0.0
                    continue
                sign = 0.0  # pacts signed together, talks walked out of (counts)
                walk_ij = walk_ji = 0.0
                for k in range(n_pacts):
                    if member[k, i] and member[k, j]:
                        sign += 1.0 if signed[b, k] else 0.0
                        walk_ij += 1.0 if walked[b, k, i] else 0.0
                        walk_ji += 1.0 if walked[b, k, j] else 0.0
                ref_ij = 1.0 if (i == s and refused[b, j]) else 0.0  # [proposer, refuser]
                ref_ji = 1.0 if (j == s and refused[b, i]) else 0.0
                both = member[q, i] and member[q, j]
                def_ij = 1.0 if (acts[b] and i == s and both) else 0.0  # [leaver, member]
                def_ji = 1.0 if (acts[b] and j == s and both) else 0.0
                moved = affinity[b, i, j] + drift * (baseline[ab, i, j] - affinity[b, i, j])
                if has_loss:
                    moved = moved - loss[b, i, j]
                moved = moved + (coop[i, j] + coop[j, i])
                moved = moved + signing * sign
                moved = moved - refusal * (ref_ij + ref_ji)
                moved = moved - walkout * (walk_ij + walk_ji)
                moved = moved - defection * (def_ij + def_ji)
                out[b, i, j] = min(max(moved, -1.0), 1.0)
