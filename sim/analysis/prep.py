"""Data preparation for each figure and for the summary table (pure pandas/numpy).

Every function takes a loaded Batch (or plain tables) and returns a tidy DataFrame; the
drawing code in sim.plots only draws what these return, so the numbers are tested here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.batch import Batch, Design, ScenarioInfo, short_name
from sim.point_summary import point_counts, point_summary
from sim.stats import kaplan_meier, quantile_envelope, wilson_interval

OTHER = "other configurations"


def outcome_column(info: ScenarioInfo, pact: str) -> str:
    """Boolean runs column saying whether `pact` ever formed."""
    return "target_formed" if pact == info.target else f"formed.{pact}"


def round_column(info: ScenarioInfo, pact: str) -> str:
    """Runs column with the first round `pact` was active (null if never)."""
    return "target_round" if pact == info.target else f"first_round.{pact}"


def plotted_pacts(info: ScenarioInfo, runs: pd.DataFrame) -> list[str]:
    """Target pact first, then every other pact that has a `formed.` column."""
    pacts = [info.target] + [p for p in info.other_pacts if f"formed.{p}" in runs.columns]
    return [p for p in pacts if outcome_column(info, p) in runs.columns]


def fmt_value(v: float) -> str:
    """Compact number for labels (0.5, 12, 0.125)."""
    return f"{v:.3g}" if isinstance(v, float | np.floating) else str(v)


def param_keys(params: list[str]) -> dict[str, str]:
    """Short names for parameters in labels: the path's last 3 parts, or letters a, b, ...

    Letters are used when there are more than two parameters or the short names clash;
    the caller prints the key (letter = dotted path) next to the figure.
    """
    short = [short_name(p, 3) for p in params]
    if len(params) <= 2 and len(set(short)) == len(short):
        return dict(zip(params, short, strict=True))
    return {p: chr(ord("a") + i) for i, p in enumerate(params)}


def point_labels(points: pd.DataFrame, params: list[str]) -> pd.Series:
    """One label per design point from its parameter values (names as in param_keys)."""
    if not params:
        return pd.Series("all runs", index=points.index)
    if len(params) == 1:
        return points[params[0]].map(fmt_value)
    keys = param_keys(params)
    return points[params].apply(
        lambda r: ", ".join(f"{keys[p]}={fmt_value(r[p])}" for p in params), axis=1
    )


def pact_probabilities(batch: Batch, design: Design, measure: str = "formed") -> pd.DataFrame:
    """P(pact) per design point and pact with a Wilson (1927) 95% interval.

    measure: "formed" = the pact was ever active; "end" = active after the last round
    (level_end > 0; pacts lacking that column are left out), with, for a bilateral pact,
    its two states tied at the end by any pact (tied_k, tied_p, tied_lo, tied_hi).
    Columns: point_id, <varying params>, pact, label, k, n, p, lo, hi, started (the
    scenario starts with the pact), failed.
    n counts the point's successful runs; failed runs are counted apart.
    """
    runs, info = batch.runs, batch.info
    params = list(design.varying)
    ok = runs["status"] == "ok"
    points = runs.groupby("point_id")[params].first() if params else None
    failed = (~ok).groupby(runs["point_id"]).sum()
    from sim.analysis.ties import initial_pacts

    started = initial_pacts(batch.manifest, info)
    rows = []
    for pact in plotted_pacts(info, runs):
        if measure == "end":
            if f"level_end.{pact}" not in runs:
                continue
            hit = pd.to_numeric(runs[f"level_end.{pact}"], errors="coerce").fillna(0) > 0
        else:
            hit = runs[outcome_column(info, pact)].astype("boolean").fillna(False).astype(bool)
        g = hit[ok].groupby(runs.loc[ok, "point_id"])
        k = g.sum().astype(int)
        n = g.count().astype(int)
        lo, hi = wilson_interval(k.to_numpy(), n.to_numpy())
        df = pd.DataFrame({"point_id": k.index, "pact": pact, "label": info.pact_label(pact)})
        df["k"], df["n"] = k.to_numpy(), n.to_numpy()
        df["p"] = df["k"] / df["n"]
        df["lo"], df["hi"] = lo, hi
        df["started"] = pact in started
        if measure == "end" and pact.count("-") == 1:
            df = _with_tied(df, runs[ok], info, pact)
        rows.append(df)
    if not rows:
        return pd.DataFrame(columns=["point_id", "pact", "label", "k", "n", "p", "lo", "hi"])
    out = pd.concat(rows, ignore_index=True)
    out["failed"] = out["point_id"].map(failed).fillna(0).astype(int)
    if points is not None:
        out = out.merge(points.reset_index(), on="point_id", how="left")
    return out


def _with_tied(df: pd.DataFrame, ok: pd.DataFrame, info: ScenarioInfo, pact: str):
    """Add P(the pact's two states are tied at the end by any pact) per point."""
    from sim.analysis.ties import tied_at_end

    pair = tuple(pact.split("-"))
    hit = pd.Series(tied_at_end(ok, info, pair), index=ok.index).groupby(ok["point_id"])
    k = hit.sum().astype(int).reindex(df["point_id"]).to_numpy()
    lo, hi = wilson_interval(k, df["n"].to_numpy())
    return df.assign(tied_k=k, tied_p=k / df["n"].to_numpy(), tied_lo=lo, tied_hi=hi)


def formation_times(runs: pd.DataFrame, info: ScenarioInfo, pact: str):
    """(times, observed) for Kaplan–Meier: first active round, or last round if censored."""
    ok = runs[runs["status"] == "ok"]
    first = pd.to_numeric(ok[round_column(info, pact)], errors="coerce")
    observed = first.notna().to_numpy()
    last = ok["rounds"].to_numpy(dtype=float) - 1
    times = np.where(observed, first.to_numpy(dtype=float), last)
    return times, observed


def _ordered(labels: pd.Series, order: list[str]) -> pd.Series:
    """Group labels as an ordered categorical, so curves and legends follow design order."""
    return pd.Series(pd.Categorical(labels, categories=order, ordered=True), index=labels.index)


def group_order(groups: pd.Series) -> list:
    """The groups in design order (categorical) or in order of first appearance."""
    if isinstance(groups.dtype, pd.CategoricalDtype):
        present = set(groups.dropna())
        return [g for g in groups.cat.categories if g in present]
    return list(pd.unique(groups.dropna()))


def named(values: pd.Series) -> bool:
    """Whether design values are names (scenarios), which have no order: no line joins
    them in a figure, and no "evenly spread" subset of them means anything."""
    return not pd.api.types.is_numeric_dtype(values)


def formation_groups(batch: Batch, design: Design, max_groups: int = 6) -> pd.Series:
    """Group label per run for the time-to-formation curves.

    One curve per design point when there are few points; for a longer sweep, up to
    `max_groups` evenly spread points; for a larger two-parameter grid, one curve per value
    of the parameter with fewer values; otherwise all runs pooled.
    """
    runs = batch.runs
    params = list(design.varying)
    if design.shape == "single" or not params:
        return pd.Series("all runs", index=runs.index)
    points = runs.groupby("point_id")[params].first()
    if design.shape == "sweep" and named(points[params[0]]):
        return _named_points(runs, points, params)
    if design.shape in {"sweep", "grid2"}:
        if len(points) > max_groups and design.shape == "sweep":
            order = points.sort_values(params[0]).index.to_numpy()
            keep = order[np.unique(np.linspace(0, len(order) - 1, max_groups).round().astype(int))]
            points = points.loc[keep]
        if len(points) <= max_groups:
            labels = point_labels(points.sort_values(params), params)
            return _ordered(runs["point_id"].map(labels), list(labels))
        # A larger grid: one curve per value of its coarser parameter, pooling the other.
        by, other = sorted(params, key=lambda p: (points[p].nunique(), params.index(p)))
        if points[by].nunique() <= max_groups:
            name, suffix = short_name(by, 3), f" (pooled over {short_name(other, 3)})"
            order = [f"{name} = {fmt_value(v)}{suffix}" for v in sorted(points[by].unique())]
            return _ordered(f"{name} = " + runs[by].map(fmt_value) + suffix, order)
    return pd.Series("all runs (pooled over design)", index=runs.index)


NAMED_GROUPS = 10  # curves for a sweep over names (scenarios): one colour each (tab10)


def _named_points(runs: pd.DataFrame, points: pd.DataFrame, params: list[str]) -> pd.Series:
    """A sweep over names (e.g. the scenario library): names have no order to spread over,
    so every point is shown up to :data:`NAMED_GROUPS`; beyond, the first point (the
    design's reference) and those with the highest share of runs forming the target pact
    (the others are left out, and the figure says so)."""
    if len(points) > NAMED_GROUPS and "target_formed" in runs:
        share = pd.to_numeric(runs["target_formed"], errors="coerce").groupby(runs["point_id"])
        ranked = share.mean().drop(points.index[0]).sort_values(ascending=False, kind="stable")
        points = points.loc[[points.index[0], *ranked.index[: NAMED_GROUPS - 1]]]
    labels = point_labels(points, params)
    return _ordered(runs["point_id"].map(labels), list(labels))


def time_to_formation(
    batch: Batch, pact: str, groups: pd.Series, horizon: int | None = None
) -> pd.DataFrame:
    """Kaplan–Meier cumulative probability that `pact` formed by each round, per group.

    Columns: group, round, date, cum_inc, lo, hi, at_risk, n. Rows of each group keep
    the order the groups first appear in `groups` (sorted design values).
    """
    runs, info = batch.runs, batch.info
    if horizon is None:
        horizon = int(runs["rounds"].max())
    frames = []
    for label in group_order(groups):
        sub = runs[groups == label]
        times, observed = formation_times(sub, info, pact)
        if len(times) == 0:
            continue
        km = kaplan_meier(times, observed, horizon)
        frames.append(
            pd.DataFrame(
                {
                    "group": label,
                    "round": np.arange(horizon),
                    "cum_inc": km.cum_inc,
                    "lo": km.lo,
                    "hi": km.hi,
                    "at_risk": km.at_risk,
                    "n": len(times),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["date"] = out["round"].map(info.date)
    return out


def active_from_start(runs: pd.DataFrame, info: ScenarioInfo, pact: str) -> bool:
    """True if the pact was active at round 0 in every successful run."""
    col = round_column(info, pact)
    ok = runs[runs["status"] == "ok"]
    first = pd.to_numeric(ok[col], errors="coerce").astype(float).fillna(-1.0)
    return bool(len(ok) and (first == 0).all())


def config_label(config: str, info: ScenarioInfo) -> str:
    """'A-C:treaty;B-C:treaty' -> 'A–C treaty + B–C treaty'."""
    if not isinstance(config, str) or not config.strip():
        return "no pact"
    parts = []
    for item in config.split(";"):
        key, _, level = item.partition(":")
        parts.append(f"{key.replace('-', '–')} {level}".strip())
    return " + ".join(parts)


def config_shares(
    series: pd.DataFrame, info: ScenarioInfo, top: int = 7, columns: list[str] | None = None
) -> pd.DataFrame:
    """Share of runs in each pact configuration per round (rows: round; columns: labels).

    The `top` most common configurations (by mean share) keep their name, or the given
    `columns` (to compare groups with the same legend); the rest are summed as 'other
    configurations'. Rows sum to 1.
    """
    labels = series["config"].map(lambda c: config_label(c, info))
    counts = pd.crosstab(series["round"], labels)
    shares = counts.div(counts.sum(axis=1), axis=0)
    order = shares.mean().sort_values(ascending=False).index.tolist()
    keep = [c for c in columns if c != OTHER] if columns is not None else order[:top]
    out = shares.reindex(columns=keep, fill_value=0.0)
    rest = [c for c in order if c not in keep]
    if rest or (columns is not None and OTHER in columns):
        out[OTHER] = shares[rest].sum(axis=1) if rest else 0.0
    return out


def utility_envelopes(series: pd.DataFrame, info: ScenarioInfo) -> pd.DataFrame:
    """Quantiles over runs of each state's total utility per round (long: state, round)."""
    frames = []
    for s in info.states:
        col = f"utility.{s}.total"
        if col in series:
            env = quantile_envelope(series, col)
            env.insert(0, "state", s)
            frames.append(env)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def support_envelopes(series: pd.DataFrame) -> pd.DataFrame:
    """Quantiles over runs of each `support_share.<CLIENT>.<PATRON>` column per round."""
    frames = []
    for col in [c for c in series.columns if c.startswith("support_share.")]:
        client, patron = col.split(".")[1:3]
        env = quantile_envelope(series, col)
        env.insert(0, "client", client)
        env.insert(1, "patron", patron)
        frames.append(env)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def summary_table(batch: Batch, design: Design) -> pd.DataFrame:
    """Per design point: the counts and P(trilateral) [95% CI] of
    :func:`sim.point_summary.point_summary`, the median formation round (and ``median_n``,
    the runs it is over), P(other pacts) ever formed (``p.``) and active at the end
    (``p_end.``), P(tied at the end) per pair of states (``tied.``), and ``scenario_value``
    (the point at the scenario's own values).

    The median round is over runs where the trilateral pact formed (nan if none did).
    Points whose runs all failed stay visible, with their parameter values.
    """
    info, runs, ok = batch.info, batch.runs, batch.ok_runs
    params = list(design.varying)
    points = sorted(runs["point_id"].unique())
    table = point_summary(point_counts(runs), pd.Index(points, name="point_id"))
    if params:
        table = runs.groupby("point_id")[params].first().reindex(table.index).join(table)
    med = pd.to_numeric(ok["target_round"], errors="coerce").groupby(ok["point_id"]).median()
    table["median_round"] = med.reindex(table.index)
    count = pd.to_numeric(ok["target_round"], errors="coerce").notna()
    table["median_n"] = count.groupby(ok["point_id"]).sum().reindex(table.index).fillna(0)
    table["median_n"] = table["median_n"].astype(int)  # runs behind the median
    table["median_date"] = table["median_round"].map(
        lambda r: info.date(int(np.floor(r))) if pd.notna(r) else ""
    )
    probs = pact_probabilities(batch, design)
    for pact in info.other_pacts:
        sub = probs[probs["pact"] == pact].set_index("point_id")
        if len(sub):
            table[f"p.{pact}"] = sub["p"].reindex(table.index)
    ends = pact_probabilities(batch, design, measure="end")
    for pact in info.other_pacts:
        sub = ends[ends["pact"] == pact].set_index("point_id")
        if len(sub):
            table[f"p_end.{pact}"] = sub["p"].reindex(table.index)
    table = _with_ties(table, batch)
    from sim.analysis.checks import scenario_points

    table["scenario_value"] = scenario_points(batch.manifest, table, params)
    return table.reset_index()


def _with_ties(table: pd.DataFrame, batch: Batch) -> pd.DataFrame:
    """Add ``tied.A-B``: P(some pact holding both A and B is active at the end)."""
    from sim.analysis.ties import ties_table

    ties = ties_table(batch.runs, batch.info)
    for pair, t in ties.groupby("pair", sort=False):
        key = pair.replace("–", "-")
        table[f"tied.{key}"] = t.set_index("point_id")["p"].reindex(table.index)
    return table


@dataclass(frozen=True)
class PactSpell:
    """One spell of a pact being active in a single run: rounds [start, end) at `level`."""

    pact: str
    start: int
    end: int
    level: int


def pact_spells(series_one: pd.DataFrame, info: ScenarioInfo) -> list[PactSpell]:
    """Contiguous spells of constant non-zero level per pact in one run's series."""
    s = series_one.sort_values("round")
    rounds = s["round"].to_numpy()
    spells = []
    pacts = info.pacts or tuple(c.split(".", 1)[1] for c in s.columns if c.startswith("level."))
    for pact in pacts:
        col = f"level.{pact}"
        if col not in s:
            continue
        lev = s[col].to_numpy(dtype=int)
        i = 0
        while i < len(lev):
            j = i
            while j + 1 < len(lev) and lev[j + 1] == lev[i]:
                j += 1
            if lev[i] > 0:
                spells.append(PactSpell(pact, int(rounds[i]), int(rounds[j]) + 1, int(lev[i])))
            i = j + 1
    return spells
