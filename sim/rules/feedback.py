"""Drivers that respond: feedback from actions and pacts to the drivers (docs/model.md 3.10).

Each ``[[feedback]]`` entry f adds, every month before the driver is clipped,

    x_d += coef_f * source_f(t - 1)

where the source is the number of actions of a kind in force last month (any pair, or
one directed pair) or a pact's level. Examples of the default scenario: North Korean
munitions in force sustain the intensity of Russia's war; Russia's diplomatic cover
erodes the UN sanction regime (its panel of experts ended after Russia's veto, 2024-03); a visible
Russia-North Korea alignment raises tension on the peninsula.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.config import Scenario
    from sim.rules.pacts import PactSpace


@dataclass(frozen=True)
class FeedbackParams:
    """``F`` feedback entries; ``coef`` gains a run axis when stacked."""

    driver: np.ndarray  # (F,) int driver index
    kind: np.ndarray  # (F,) int action kind, -1 for a pact source
    actor: np.ndarray  # (F,) int, -1: any actor
    recipient: np.ndarray  # (F,) int, -1: any recipient
    pact: np.ndarray  # (F,) int pact index, -1 for an action source
    coef: np.ndarray  # (F,)


def compile_feedback(s: Scenario, space: PactSpace) -> FeedbackParams:
    """The scenario's feedback entries as arrays."""
    dpos = {d: k for k, d in enumerate(s.drivers)}
    kpos = {a: k for k, a in enumerate(s.actions)}
    idx = {c: i for i, c in enumerate(s.codes)}
    rows = []
    for f in s.feedback:
        head, _, rest = f.source.partition(".")
        if head == "pacts":
            rows.append((dpos[f.driver], -1, -1, -1, space.index(rest.split("-")), f.coef))
            continue
        kind, _, dyad = rest.partition(".")
        actor, recipient = (idx[c] for c in dyad.split(">")) if dyad else (-1, -1)
        rows.append((dpos[f.driver], kpos[kind], actor, recipient, -1, f.coef))
    cols = list(zip(*rows, strict=True)) if rows else [()] * 6
    ints = [np.array(c, dtype=int) for c in cols[:5]]
    return FeedbackParams(*ints, coef=np.array(cols[5], dtype=float))


def feedback_push(fb: FeedbackParams, act_left: np.ndarray, levels: np.ndarray,
                  n_drivers: int) -> np.ndarray:  # fmt: skip
    """``(B, D)``: what the feedback adds to each driver this month, from last month's
    actions in force ``act_left (B, N, N, K)`` (> 0) and pact ``levels (B, P)``."""
    b = levels.shape[0]
    out = np.zeros((b, n_drivers))
    on = act_left > 0
    for f in range(len(fb.driver)):
        if fb.pact[f] >= 0:
            source = levels[:, fb.pact[f]].astype(float)
        else:
            sel = on[..., fb.kind[f]]  # (B, N, N)
            if fb.actor[f] >= 0:
                sel = sel[:, fb.actor[f], fb.recipient[f]][:, None, None]
            source = sel.reshape(b, -1).sum(axis=-1).astype(float)
        coef = fb.coef[f] if fb.coef.ndim == 1 else fb.coef[:, f]
        out[:, fb.driver[f]] += coef * source
    return out
