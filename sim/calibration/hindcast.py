"""Hindcast: calibrate on the record up to a cutoff month, forecast what came after it, and
score the forecasts against naive baselines (out of sample, as conflict forecasters do:
Hegre et al. 2019, ViEWS).

What the hindcast may see (no leak of information from after the cutoff):
- targets dated up to the cutoff only (a target's ``date`` is the month the record settles
  it; every target needs one), and the calibration runs only to the cutoff
  (``rounds = cutoff round + 1``): a "never" statistic means "not by the cutoff";
- the scenario without its scheduled shocks dated after the cutoff (e.g. the April 2025
  tariff shock for a 2024-12 cutoff): the forecast does not know them. Random shocks and
  drivers' regimes stay: they are the model's uncertainty, not events;
- the scenario without its occasions dated after the cutoff (docs/model.md 3.15): an
  occasion's guest list is who came, which the forecast cannot know (even where the date
  and host were announced years ahead, as APEC 2025 in Gyeongju);
- the scenario without its dated changes (``[[changes]]``) that begin after the cutoff: a
  policy or a regime that came later (docs/model.md 3.11); a change begun by the cutoff
  stays, its ramp included;
- the cutoff round is added to the checkpoints so the state at the cutoff can be read.
Scenario values set with knowledge of later events are listed in the calibration file and
docs/calibration.md ("Information after the start"); they are not removed here.

Forecasters, each giving per event (a target dated after the cutoff) the probability that
the target's statement holds, and the distribution of its statistic:
- ``model``: fresh runs of parameter sets drawn from the hindcast posterior, over the full
  record, kept when they reproduce every run-level target up to the cutoff (the forecast
  given what happened to the cutoff);
- ``persistence``: nothing changes after the cutoff: the same conditioned runs with the
  statistic frozen at the cutoff (a level read at the cutoff round, a first round after
  the cutoff read as never);
- ``base_rate``: the prior predictive: fresh runs of parameter sets drawn from the prior,
  unconditioned.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calendar import round_date
from sim.calibration.spec import CUMULATIVE, NEVER, Calibration, Target
from sim.calibration.targets import distance, observed_value, target_values
from sim.config import ConfigError
from sim.dates import months_between

_AT_ROUND = re.compile(r"^(level|max_level|min_level|active|support_share)_r(\d+)\.(.+)$")
_FIRST = ("first_round.", "switch_round.", "target_round")


@dataclass(frozen=True)
class HindcastSetup:
    """The calibration restricted to the cutoff, and the events after it."""

    cutoff: str
    cutoff_round: int
    fit: Calibration  # targets up to the cutoff, rounds to the cutoff
    forecast: Calibration  # every target, the full record's rounds, same scenario
    events: tuple[Target, ...]
    removed_shocks: tuple[str, ...]
    removed_occasions: tuple[str, ...] = ()
    removed_changes: tuple[str, ...] = ()


def _round_of(when: object, start: str) -> int:
    """A raw scenario's date, a month ``YYYY-MM`` or a round, as a round."""
    return months_between(start, when) if isinstance(when, str) else int(when)


def _shock_round(shock: dict, start: str) -> int | None:
    when = shock.get("round")
    return None if when is None else _round_of(when, start)


def _cutoffs(cal: Calibration, start: str) -> str:
    """The cutoffs a hindcast of ``cal`` takes, in words: from the first target's month
    (one target to fit) to the month before the last target's (one to forecast), within
    the calibration's rounds."""
    dated = sorted(months_between(start, t.date) for t in cal.spec.targets)
    first, last = dated[0], dated[-1]
    latest = min(last - 1, cal.spec.rounds - 1)
    if latest < first:
        return (
            f"no month: a hindcast needs targets of two dates (all are {round_date(start, first)})"
        )
    why = f"before the last target's, {round_date(start, last)}"
    if latest < last - 1:
        why = "the calibration's last month"
    return (
        f"expected a month from {round_date(start, first)} (the first target's date) to "
        f"{round_date(start, latest)} ({why})"
    )


def setup(cal: Calibration, cutoff: str) -> HindcastSetup:
    """The hindcast of ``cal`` at ``cutoff`` (``YYYY-MM``); raises ConfigError."""
    file = str(cal.file)
    undated = [t.name for t in cal.spec.targets if t.date is None]
    if undated:
        raise ConfigError(file, "targets.date", "a date on every target for a hindcast",
                          ", ".join(undated))  # fmt: skip
    start = str(cal.scenario_raw.get("start", ""))
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", cutoff):
        raise ConfigError("--cutoff", "", "a month YYYY-MM", cutoff)
    c = months_between(start, cutoff)
    fit = tuple(t for t in cal.spec.targets if months_between(start, t.date) <= c)
    events = tuple(t for t in cal.spec.targets if months_between(start, t.date) > c)
    if not fit or not events or c + 1 > cal.spec.rounds:
        raise ConfigError("--cutoff", "", _cutoffs(cal, start), cutoff)
    raw = dict(cal.scenario_raw)
    shocks = list(raw.get("shocks", []))
    late = [s for s in shocks if (_shock_round(s, start) or -1) > c]
    raw["shocks"] = [s for s in shocks if s not in late]
    occasions = list(raw.get("occasions", []))
    gone = [o for o in occasions if _round_of(o.get("at"), start) > c]
    raw["occasions"] = [o for o in occasions if o not in gone]
    changes = list(raw.get("changes", []))
    later = [ch for ch in changes if _round_of(ch.get("at"), start) > c]
    raw["changes"] = [ch for ch in changes if ch not in later]
    for table, what, removed_here in (("occasions", "an occasion", gone),
                                      ("changes", "a change", later)):  # fmt: skip
        indexed = sorted(n for n in cal.spec.priors if n.startswith(f"{table}."))
        if removed_here and indexed:  # removing entries moves the indexes priors name
            raise ConfigError(file, f"priors.{indexed[0]}",
                              f"no prior on {what} when the cutoff removes {table}",
                              f"{len(removed_here)} removed at {cutoff}")  # fmt: skip
    marks = [_round_of(m, start) for m in raw.get("checkpoints", [])]
    raw["checkpoints"] = sorted({*marks, c})
    removed = tuple(f"{s.get('round')}: {s.get('note', s.get('driver'))}" for s in late)
    spec_fit = cal.spec.model_copy(update={"targets": list(fit), "rounds": c + 1})
    base = dataclasses.replace(cal, scenario_raw=raw)
    removed_occasions = tuple(
        f"{round_date(start, _round_of(o.get('at'), start))}: {o.get('label') or o.get('host')}"
        for o in gone
    )
    removed_changes = tuple(
        f"{round_date(start, _round_of(ch.get('at'), start))}: {ch.get('path')} -> "
        f"{ch.get('value')}" + (f" ({ch['note']})" if ch.get("note") else "")
        for ch in later
    )
    return HindcastSetup(cutoff, c, dataclasses.replace(base, spec=spec_fit), base, events,
                         removed, removed_occasions, removed_changes)  # fmt: skip


def persisted_statistic(statistic: str, cutoff_round: int) -> str | None:
    """The statistic read at the cutoff instead of later (None if it has no such reading)."""
    m = _AT_ROUND.match(statistic)
    if m:
        return f"{m.group(1)}_r{min(int(m.group(2)), cutoff_round)}.{m.group(3)}"
    return statistic if statistic.startswith(_FIRST) else None


def persisted_values(runs: pd.DataFrame, target: Target, cutoff_round: int, rounds: int):
    """The target's statistic if nothing changed after the cutoff (NaN if undefined)."""
    column = persisted_statistic(target.statistic, cutoff_round)
    if column is None or column not in runs:
        return np.full(len(runs), np.nan)
    frozen = target.model_copy(update={"statistic": column})
    values = target_values(runs, frozen, rounds)
    if target.statistic.startswith(_FIRST):  # not by the cutoff: never
        values = np.where(values > cutoff_round, float(rounds), values)
    return values


def horizon(target: Target, start: str, rounds: int) -> int:
    """Rounds a target's statistic is read over: to its date (a "never" means "not by its
    date"), at most ``rounds``."""
    return min(rounds, months_between(start, target.date) + 1)


def reproduces(runs: pd.DataFrame, targets, rounds: int) -> np.ndarray:
    """Runs within tolerance of every run-level target (``at_least`` ones are set-level),
    each read over the fit's ``rounds`` as the calibration read it (:func:`score`), so
    the runs kept are those the calibration would have accepted: read to a target's date
    instead, a treaty signed after it counted as "by the date" and met a target dated
    there (a run signing in round 8 met "round 5 +- 1" read over 6 rounds). A target on
    a cumulative statistic (:data:`CUMULATIVE`: summed over a whole run, with no reading
    at an earlier month) is left out for a run longer than ``rounds``
    (``runs["rounds"]``; as in :func:`sim.analysis.forecast.record_match`): that run's
    count includes months after the fit's."""
    ok = np.ones(len(runs), bool)
    length = _run_rounds(runs)
    for t in targets:
        if t.at_least is None:
            within = holds(target_values(runs, t, rounds), t, rounds)
            if t.statistic.startswith(CUMULATIVE):
                within |= length > rounds
            ok &= within
    return ok


def per_set_weights(point_id: np.ndarray) -> np.ndarray:
    """Weights of the runs kept (``point_id``: each one's parameter set) that make a
    forecast the mean over sets of each set's share: P(event | record) = mean_s P(event |
    record, theta_s), the sets being draws from the posterior. Pooling the kept runs
    instead weights a set by how often it reproduces the record, i.e. by the likelihood a
    second time (theta ~ prior x L^2). Sum 1; sets without a kept run have no weight."""
    point_id = np.asarray(point_id)
    if not len(point_id):
        return np.zeros(0)
    _, inverse, counts = np.unique(point_id, return_inverse=True, return_counts=True)
    return 1.0 / (counts[inverse] * len(counts))


def _run_rounds(runs: pd.DataFrame) -> np.ndarray:
    """Rounds each run simulated (0, i.e. never longer than a horizon, without the column)."""
    if "rounds" not in runs:
        return np.zeros(len(runs))
    return pd.to_numeric(runs["rounds"], errors="coerce").fillna(0).to_numpy(dtype=float)


def observed(target: Target, rounds: int) -> float:
    return observed_value(target, rounds) if target.observed != NEVER else float(rounds)


def event_forecast(
    values: np.ndarray, target: Target, rounds: int, weights: np.ndarray | None = None
) -> tuple[float, np.ndarray, np.ndarray]:
    """(probability the target holds, the values kept, their weights) for one forecaster's
    values (``weights``: per run, e.g. :func:`per_set_weights`; equal if None)."""
    w = np.ones(len(values)) if weights is None else np.asarray(weights, float)
    keep = ~np.isnan(values)
    values, w = values[keep], w[keep]
    if len(values) == 0 or w.sum() <= 0:
        return float("nan"), values, w
    return float((w * holds(values, target, rounds)).sum() / w.sum()), values, w


def holds(values: np.ndarray, target: Target, rounds: int) -> np.ndarray:
    """Per run: the target's statement holds (within its tolerance; NaN: no)."""
    return distance(values, target, rounds) <= 1.0


BOOTSTRAP = 1000  # resamples of the parameter sets for a hindcast probability's interval


def set_bootstrap(hit: np.ndarray, valid: np.ndarray, point_id: np.ndarray, per_set: bool,
                  rng: np.random.Generator, n: int = BOOTSTRAP) -> np.ndarray:  # fmt: skip
    """``n`` bootstrap replicates of a forecast probability, resampling the parameter sets
    (clusters: a set's runs are alike, so resampling runs would understate the error;
    Davison & Hinkley 1997, 2.4). ``per_set``: the probability is the mean of each set's
    share (the model, :func:`per_set_weights`); else the share of all runs (the base rate:
    prior sets of equal size). ``valid``: runs with a value (NaN dropped)."""
    ids, inverse = np.unique(np.asarray(point_id)[valid], return_inverse=True)
    if not len(ids):
        return np.full(n, np.nan)
    hits = np.bincount(inverse, weights=np.asarray(hit, float)[valid], minlength=len(ids))
    runs = np.bincount(inverse, minlength=len(ids)).astype(float)
    idx = rng.integers(0, len(ids), size=(n, len(ids)))
    if per_set:
        return (hits / runs)[idx].mean(axis=1)
    return hits[idx].sum(axis=1) / runs[idx].sum(axis=1)


def unit(statistic: str) -> str:
    """What a statistic's CRPS is measured in: months (a timing), a count (a cumulative
    statistic) or pact levels. CRPS values in different units are not averaged together."""
    if statistic.startswith((*_FIRST, "action_first.")):
        return "months"
    return "count" if statistic.startswith(CUMULATIVE) else "levels"
