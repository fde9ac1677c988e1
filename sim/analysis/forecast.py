"""Forecasts from a posterior design: P(each pact at each level by each month).

Each design point of a ``posterior`` batch is one parameter set drawn from the posterior
(by weight, so points count equally). For a point, P(pact at >= level by month m) is the
share of its runs whose ``first_round.<PACT>.<level>`` is <= m (seed uncertainty). The
forecast is the mean over points (the posterior predictive probability) with the 5% and
95% quantiles over points (parameter uncertainty, including each point's seed noise).

Conditioned on the record: only runs that reproduce every target of the calibration
within its tolerance count (each point then estimates P(event | record, parameters), and
the mean over points is the posterior predictive given the record); points none of whose
runs reproduce the record are left out and counted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.batch import Batch
from sim.design.registry import kind_of


def is_posterior(batch: Batch) -> bool:
    """Whether the batch's points come from a posterior (a forecast with a record)."""
    return kind_of((batch.manifest.get("design") or {}).get("kind")).forecast


def record_match(runs: pd.DataFrame, design: dict) -> np.ndarray | None:
    """Per run: reproduces every calibration target (None if the design has no record).

    A target on a cumulative statistic (:data:`sim.calibration.spec.CUMULATIVE`: summed
    over a whole run) is left out when the runs are longer than
    the record (``runs["rounds"]``): a forecast's 84 months of visits say nothing of the
    record's 24 (the other statistics are dated: a first round, a level at a checkpoint)."""
    from sim.calibration.spec import CUMULATIVE, Target
    from sim.calibration.targets import distance, target_values

    record, rounds = design.get("record") or [], design.get("record_rounds")
    if not record or not rounds:
        return None
    longer = "rounds" in runs and bool((runs["rounds"] > rounds).any())
    ok = np.ones(len(runs), dtype=bool)
    for raw in record:
        t = Target.model_validate(raw)
        if longer and t.statistic.startswith(CUMULATIVE):
            continue
        if t.statistic not in runs:
            return None
        ok &= distance(target_values(runs, t, rounds), t, rounds) <= 1.0
    return ok


def events(batch: Batch) -> list[tuple[str, str, str]]:
    """(pact, level name, column) for each pact and level with a first-round column."""
    out = []
    for pact in batch.info.pacts:
        for i, level in enumerate(batch.info.levels, start=1):
            col = f"first_round.{pact}.{level}"
            if col not in batch.runs and i == 1:
                col = f"first_round.{pact}"
            if col in batch.runs:
                out.append((pact, level, col))
    return out


def by_round(first: np.ndarray, point: np.ndarray, n_points: int, rounds: int) -> np.ndarray:
    """(points, rounds): share of each point's runs with ``first <= m``; NaN if no runs."""
    hits = np.zeros((n_points, rounds + 1))
    valid = ~np.isnan(first)
    np.add.at(hits, (point[valid], np.clip(first[valid].astype(int), 0, rounds)), 1)
    n = np.bincount(point, minlength=n_points).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return hits.cumsum(axis=1)[:, :rounds] / n[:, None]


def forecast_table(batch: Batch, conditioned: bool) -> pd.DataFrame:
    """Long table: pact, level, round, date, mean, q05, q95, points (sets used) and, given
    the record, ``mean_all_sets`` and ``sets`` (:func:`with_left_out`)."""
    runs = batch.ok_runs.reset_index(drop=True)
    match = None
    if conditioned:
        match = record_match(runs, batch.manifest.get("design") or {})
        if match is None:
            return pd.DataFrame()
    rounds = int(batch.runs["rounds"].max())
    codes, uniques = pd.factorize(runs["point_id"])
    rows = []
    for pact, level, col in events(batch):
        first = pd.to_numeric(runs[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        every = by_round(first, codes, len(uniques), rounds)  # each set's share, all runs
        p = every if match is None else by_round(first[match], codes[match], len(uniques), rounds)
        filled = with_left_out(p, every)
        p = p[~np.isnan(p[:, 0])] if len(p) else p
        if not len(p):
            continue
        q05, q95 = np.quantile(p, [0.05, 0.95], axis=0)
        for m in range(rounds):
            row = {"pact": pact, "level": level, "round": m, "date": batch.info.date(m),
                   "mean": p[:, m].mean(), "q05": q05[m], "q95": q95[m],
                   "points": len(p)}  # fmt: skip
            if match is not None:
                row["mean_all_sets"] = float(np.nanmean(filled[:, m]))
                row["sets"] = len(uniques)
            rows.append(row)
    out = pd.DataFrame(rows)
    if len(out):
        out.insert(0, "conditioned", conditioned)
    return out


def with_left_out(given: np.ndarray, every: np.ndarray) -> np.ndarray:
    """``(sets, rounds)``: each set's share given the record, and for a set without a
    record-reproducing run (NaN) its share over all its runs. The forecast given the record
    leaves such sets out; they may lean one way (in the 2030 forecast they lean to a
    trilateral), so ``mean_all_sets`` shows what counting them would change."""
    return np.where(np.isnan(given), every, given)


def forecast(batch: Batch) -> pd.DataFrame:
    """Both forecasts (all runs; runs reproducing the record) in one long table."""
    return pd.concat([forecast_table(batch, False), forecast_table(batch, True)],
                     ignore_index=True)  # fmt: skip


def display_forecast(table: pd.DataFrame, batch: Batch) -> pd.DataFrame:
    """Rows: pact and level; columns: each December and the last month."""
    rounds = int(table["round"].max()) + 1
    months = [m for m in range(rounds) if batch.info.date(m).endswith("-12")]
    months = sorted({*months, rounds - 1})
    rows = []
    for (cond, pact, level), g in table.groupby(["conditioned", "pact", "level"], sort=False):
        g = g.set_index("round")
        row = {"runs": "record" if cond else "all", "pact": pact, "level": level,
               "sets": int(g["points"].iloc[0])}  # fmt: skip
        for m in months:
            r = g.loc[m]
            row[batch.info.date(m)] = f"{r['mean']:.1%} [{r['q05']:.1%}, {r['q95']:.1%}]"
        rows.append(row)
    return pd.DataFrame(rows)


def _left_out_note(table: pd.DataFrame) -> str:
    """A paragraph for forecast.md: how many sets the forecast given the record leaves out,
    and the last month's means with them counted at their share over all runs."""
    cond = table[table["conditioned"]] if len(table) and "sets" in table else table.iloc[0:0]
    if not len(cond):
        return ""
    last = cond[cond["round"] == cond["round"].max()]
    left = int(last["sets"].iloc[0] - last["points"].min())
    if left <= 0:
        return ""
    moved = last[(last["mean_all_sets"] - last["mean"]).abs() >= 0.0005]
    shown = "; ".join(f"{r.pact} {r.level} {r.mean:.1%} -> {r.mean_all_sets:.1%}"
                      for r in moved.itertuples())  # fmt: skip
    return (
        f"\n\n{left} of {int(last['sets'].iloc[0])} parameter sets have no run that "
        "reproduces the record and are left out of runs = record. Counting each at its "
        f"share over all its runs, the last month's means become: {shown or 'the same'}.\n"
    )


def write_forecast(batch: Batch) -> tuple[pd.DataFrame, list[Path]]:
    """DIR/forecast.csv (every month) and DIR/forecast.md (Decembers); the display table."""
    from sim.analysis.markdown import markdown
    from sim.files import write_atomic

    table = forecast(batch)
    shown = display_forecast(table, batch)
    csv_path, md_path = batch.path / "forecast.csv", batch.path / "forecast.md"
    write_atomic(csv_path, lambda tmp: table.to_csv(tmp, index=False))
    head = (
        f"# Forecast of experiment '{batch.name}'\n\n"
        "P(pact at >= level by the end of each month): mean over parameter sets drawn from "
        "the posterior [5%, 95% over sets]. runs = all: every run; runs = record: only runs "
        "that reproduce the calibration's record (sets: parameter sets with such runs).\n\n"
    )
    text = head + markdown(shown) + _left_out_note(table)
    write_atomic(md_path, lambda tmp: tmp.write_text(text))
    return shown, [csv_path, md_path]
