"""Compare scenarios side by side: P(pact formed by each month), differences, log-rank.

A *group* is a set of successful runs: one batch directory, or one design point (e.g. one
named scenario) of a batch. Group 0 is the reference. When a group's seeds are the
reference's (common random numbers: replicate k has the same seed everywhere), runs are
paired by seed and differences get the paired interval, which is much tighter.

Intervals: Wilson (1927) for each probability; for a difference of two proportions
Newcombe's (1998) hybrid score interval: method 10 (unpaired) or, paired, with the phi
correlation of the 2x2 table (Newcombe 1998b, method 10). The log-rank test of time to
formation is ``scipy.stats.logrank`` (it assumes independent samples: with shared seeds
its p-value is conservative).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from sim.analysis.batch import Batch, ScenarioInfo
from sim.analysis.prep import point_labels, round_column
from sim.analysis.selection import MAX_PACT_PANELS, PactSelection, select_pacts, target_first
from sim.stats import wilson_interval


@dataclass(frozen=True)
class Group:
    """The successful runs of one batch or design point, and how to name them."""

    label: str
    runs: pd.DataFrame
    info: ScenarioInfo
    initial: frozenset[str] = frozenset()  # pacts the scenario starts with
    scenario: str = ""  # the scenario's name (a point of a library names its own)

    @property
    def horizon(self) -> int:
        return int(self.runs["rounds"].min())

    @property
    def seeds(self) -> np.ndarray:
        return self.runs["seed"].to_numpy()


def groups_from_batches(batches: list[Batch]) -> list[Group]:
    """One group per batch, or per design point of a batch with several ('scenario' names
    them when present); labels get the batch name when several batches are compared."""
    from sim.analysis.ties import initial_pacts

    out: list[Group] = []
    names = [b.name for b in batches]
    for batch in batches:
        ok = batch.ok_runs
        started = initial_pacts(batch.manifest, batch.info)
        name = batch.name if names.count(batch.name) == 1 else str(batch.path)
        scenario = str((batch.manifest.get("scenario") or {}).get("name", ""))
        if ok["point_id"].nunique() <= 1:
            out.append(Group(name, ok.reset_index(drop=True), batch.info, started,
                             _scenario_of(ok, scenario)))  # fmt: skip
            continue
        params = _design_columns(batch)
        points = ok.groupby("point_id")[params].first() if params else ok.groupby("point_id").size()
        labels = (
            points["scenario"].astype(str)
            if "scenario" in params and len(params) == 1
            else point_labels(points, params)
            if params
            else pd.Series(points.index.astype(str), index=points.index)
        )
        for pid, label in labels.items():
            runs = ok[ok["point_id"] == pid].reset_index(drop=True)
            label = label if len(batches) == 1 else f"{name}: {label}"
            out.append(Group(label, runs, batch.info, started, _scenario_of(runs, scenario)))
    return _unique_labels(out)


def _unique_labels(groups: list[Group]) -> list[Group]:
    """Labels made distinct with ' (2)', ' (3)', ... (e.g. a directory given twice)."""
    seen: dict[str, int] = {}
    out = []
    for g in groups:
        seen[g.label] = seen.get(g.label, 0) + 1
        label = g.label if seen[g.label] == 1 else f"{g.label} ({seen[g.label]})"
        out.append(Group(label, g.runs, g.info, g.initial, g.scenario))
    return out


def _scenario_of(runs: pd.DataFrame, default: str) -> str:
    """The scenario the runs played: their ``scenario`` column (a design over scenarios),
    else the batch's one scenario."""
    if "scenario" in runs and len(runs) and runs["scenario"].nunique() == 1:
        return str(runs["scenario"].iloc[0])
    return default


def _design_columns(batch: Batch) -> list[str]:
    from sim.analysis.batch import design_parameters

    return design_parameters(batch.manifest, batch.runs)


# -- intervals -------------------------------------------------------------------------


def diff_interval(x: np.ndarray, y: np.ndarray, paired: bool) -> tuple[float, float, float]:
    """P(x) - P(y) with a 95% Newcombe interval; x, y boolean (paired: same length, run i
    of x shares its seed with run i of y)."""
    x, y = np.asarray(x, bool), np.asarray(y, bool)
    p1, p2 = x.mean(), y.mean()
    l1, u1 = wilson_interval(int(x.sum()), len(x))
    l2, u2 = wilson_interval(int(y.sum()), len(y))
    phi = 0.0
    if paired:
        a, b = np.sum(x & y), np.sum(x & ~y)
        c, d = np.sum(~x & y), np.sum(~x & ~y)
        den = float((a + b) * (c + d) * (a + c) * (b + d))
        phi = float(a * d - b * c) / np.sqrt(den) if den > 0 else 0.0
    delta = p1 - p2
    lo = delta - np.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0))
    hi = delta + np.sqrt(max((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0))
    return float(delta), float(lo), float(hi)


def paired_with(group: Group, ref: Group) -> bool:
    """Same seeds, each once (common random numbers): runs can be paired by seed."""
    a, b = group.seeds, ref.seeds
    return len(a) == len(b) == len(set(a)) and set(a) == set(b)


def _aligned(group: Group, ref: Group) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both groups' runs sorted by seed (so row i of each is the same seed)."""
    return (
        group.runs.sort_values("seed").reset_index(drop=True),
        ref.runs.sort_values("seed").reset_index(drop=True),
    )


# -- measures --------------------------------------------------------------------------


def first_rounds(runs: pd.DataFrame, info: ScenarioInfo, pact: str) -> np.ndarray:
    """First round the pact was active per run (nan: never)."""
    col = round_column(info, pact)
    if col not in runs:
        return np.full(len(runs), np.nan)
    return pd.to_numeric(runs[col], errors="coerce").astype(float).to_numpy()


def formed_by(runs: pd.DataFrame, info: ScenarioInfo, pact: str, horizon: int) -> np.ndarray:
    """Boolean (runs, horizon): the pact had been active by the end of round t."""
    first = first_rounds(runs, info, pact)
    return np.nan_to_num(first, nan=np.inf)[:, None] <= np.arange(horizon)[None, :]


def active_at_start(groups: list[Group], pact: str) -> bool:
    """Started with by some group's scenario, or active at round 0 in every run of every
    group: then 'ever formed' says nothing."""
    if any(pact in g.initial for g in groups):
        return True
    firsts = [first_rounds(g.runs, g.info, pact) for g in groups]
    return all(len(f) and np.all(f == 0) for f in firsts)


def end_measure(runs: pd.DataFrame, info: ScenarioInfo, pact: str, still_active: bool):
    """Per run: the pact formed by the end, or (pacts active at the start) is still active."""
    if still_active:
        return pd.to_numeric(runs[f"level_end.{pact}"], errors="coerce").fillna(0).to_numpy() > 0
    return ~np.isnan(first_rounds(runs, info, pact))


def formation_curves(groups: list[Group], pact: str) -> pd.DataFrame:
    """P(pact formed by each month) per group with Wilson 95% intervals, and the difference
    from group 0 with its Newcombe interval (paired when seeds are shared).

    Columns: group, round, date, n, p, lo, hi, diff, diff_lo, diff_hi, paired.
    """
    ref = groups[0]
    horizon = min(g.horizon for g in groups)
    frames = []
    for g in groups:
        paired = paired_with(g, ref)
        runs, ref_runs = _aligned(g, ref) if paired else (g.runs, ref.runs)
        x = formed_by(runs, g.info, pact, horizon)
        y = formed_by(ref_runs, ref.info, pact, horizon)
        k = x.sum(axis=0)
        lo, hi = wilson_interval(k, np.full(horizon, len(x)))
        diffs = np.array([diff_interval(x[:, t], y[:, t], paired) for t in range(horizon)])
        frames.append(
            pd.DataFrame(
                {
                    "group": g.label,
                    "round": np.arange(horizon),
                    "date": [g.info.date(t) for t in range(horizon)],
                    "n": len(x),
                    "p": k / len(x),
                    "lo": lo,
                    "hi": hi,
                    "diff": diffs[:, 0],
                    "diff_lo": diffs[:, 1],
                    "diff_hi": diffs[:, 2],
                    "paired": paired,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def logrank_p(g: Group, ref: Group, pact: str) -> tuple[float, float]:
    """(statistic, p-value) of scipy.stats.logrank on time to formation (nan if no event)."""
    from scipy.stats import CensoredData, logrank

    def data(group: Group) -> CensoredData:
        first = first_rounds(group.runs, group.info, pact)
        seen = ~np.isnan(first)
        last = group.runs["rounds"].to_numpy(dtype=float) - 1
        # event in round t -> time t + 1 (rounds start at 0; scipy wants positive times)
        return CensoredData(uncensored=first[seen] + 1, right=last[~seen] + 1)

    a, b = data(g), data(ref)
    if a.num_censored() == len(a) and b.num_censored() == len(b):
        return float("nan"), float("nan")
    res = logrank(a, b)
    return float(res.statistic), float(res.pvalue)


def comparison_table(groups: list[Group]) -> pd.DataFrame:
    """One row per measure and group: P at the end [95% CI], difference from group 0
    [95% CI] (paired when seeds are shared) and, for formation, the log-rank test.

    Measures: each pact formed by the end and active at the end, or still active at the
    end for pacts active at the start; and, per pair of states, tied at the end (any pact
    holding both).
    """
    from sim.analysis.ties import pair_label, state_pairs

    ref = groups[0]
    info = ref.info
    end = info.date(min(g.horizon for g in groups) - 1)
    measures = []
    for pact in info.pacts:
        if round_column(info, pact) not in ref.runs:
            continue
        has_end = f"level_end.{pact}" in ref.runs
        still = active_at_start(groups, pact) and has_end
        what = f"still active at the end ({end})" if still else f"formed by {end}"
        fn = partial(_end, pact=pact, still=still)
        measures.append((info.pact_label(pact), what, fn, None if still else pact))
        if has_end and not still:  # formed, and still in force at the end (F4's measure)
            fn = partial(_end, pact=pact, still=True)
            measures.append((info.pact_label(pact), f"active at the end ({end})", fn, None))
    for pair in state_pairs(info):
        fn = partial(_tied, pair=pair)
        measures.append((pair_label(pair), "tied at the end (any pact)", fn, None))
    rows = []
    for subject, what, fn, pact in measures:
        for g in groups:
            rows.append(_row(g, ref, subject, what, fn, pact))
    return pd.DataFrame(rows)


def _end(runs: pd.DataFrame, info: ScenarioInfo, pact: str, still: bool) -> np.ndarray:
    return end_measure(runs, info, pact, still)


def _tied(runs: pd.DataFrame, info: ScenarioInfo, pair: tuple[str, str]) -> np.ndarray:
    from sim.analysis.ties import tied_at_end

    return tied_at_end(runs, info, pair)


def _row(g: Group, ref: Group, subject: str, what: str, fn, pact: str | None) -> dict:
    paired = paired_with(g, ref)
    runs, ref_runs = _aligned(g, ref) if paired else (g.runs, ref.runs)
    x, y = fn(runs, g.info), fn(ref_runs, ref.info)
    lo, hi = wilson_interval(int(x.sum()), len(x))
    diff, dlo, dhi = diff_interval(x, y, paired)
    stat, pval = logrank_p(g, ref, pact) if pact and g is not ref else (np.nan, np.nan)
    return {
        "subject": subject,
        "measure": what,
        "group": g.label,
        "n": len(x),
        "k": int(x.sum()),
        "p": x.mean(),
        "lo": lo,
        "hi": hi,
        "diff": diff,
        "diff_lo": dlo,
        "diff_hi": dhi,
        "paired": paired,
        "logrank_chi2": stat,
        "logrank_p": pval,
    }


def figure_pacts(groups: list[Group]) -> PactSelection:
    """The pacts the comparison's curves draw, the target first: in a world of many pacts
    (:mod:`sim.analysis.selection`) those that formed in some run of some group and are
    not in force in every run of every group."""
    info = groups[0].info
    return select_pacts(info, [g.runs for g in groups], target_first(info.pacts, info))


def flat_measures(table: pd.DataFrame, info: ScenarioInfo) -> list[tuple[str, str]]:
    """``(subject, measure)`` rows of :func:`comparison_table` at 0% in every group or at
    100% in every group: nothing to compare. Listed only in a world of more than
    :data:`~sim.analysis.selection.MAX_PACT_PANELS` pacts, where they are most of the
    table (six states: 32 measures, about 26 flat); the figures and the printed table
    leave them out and say so, the CSV keeps them."""
    if len(info.pacts) <= MAX_PACT_PANELS:
        return []
    out = []
    for key, d in table.groupby(["subject", "measure"], sort=False):
        if (d["k"] == 0).all() or (d["k"] == d["n"]).all():
            out.append((str(key[0]), str(key[1])))
    return out


def without(table: pd.DataFrame, keys: list[tuple[str, str]]) -> pd.DataFrame:
    """``table`` without the rows of the measures ``keys``."""
    if not keys:
        return table
    drop = pd.MultiIndex.from_frame(table[["subject", "measure"]]).isin(keys)
    return table[~drop]


def flat_note(table: pd.DataFrame, keys: list[tuple[str, str]], width: int = 120) -> str:
    """What :func:`flat_measures` left out, in words, by measure ('' if nothing): e.g.
    'not drawn, 0% in every group: formed: A–B, A–C; tied: A–C'."""
    import textwrap

    if not keys:
        return ""
    by_level: dict[str, dict[str, list[str]]] = {"0%": {}, "100%": {}}
    for subject, measure in keys:
        d = table[(table["subject"] == subject) & (table["measure"] == measure)]
        level = "0%" if (d["k"] == 0).all() else "100%"
        by_level[level].setdefault(_short(measure), []).append(subject)
    parts = []
    for level, measures in by_level.items():
        if measures:
            listed = "; ".join(f"{m}: {', '.join(subjects)}" for m, subjects in measures.items())
            parts.append(f"not drawn, {level} in every group: {listed}")
    return "\n".join(textwrap.fill(p, width) for p in parts)


def _short(measure: str) -> str:
    """'still active at the end (2030-12)' -> 'still active'; 'tied at the end (any pact)'
    -> 'tied'; 'formed by 2030-12' -> 'formed'; 'active at the end (...)' -> 'active'."""
    for word in ("still active", "tied", "formed", "active"):
        if measure.startswith(word):
            return word
    return measure
