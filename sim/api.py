"""The Python API in one place (for notebooks and scripts); see docs/python.md.

Scenarios by name, path or object with overrides; one run to a DataFrame; a batch from
code; a results directory to DataFrames; each plot into a given matplotlib ``Axes``.
Everything here delegates to the modules that do the work (config, model, runner,
batch, analysis, plots).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import Scenario
from sim.model import DiplomacyModel
from sim.scenarios import (
    DEFAULT_SCENARIO,
    DEFAULT_SEED,
    config_dir,
    resolve_scenario,
    scenario_path,
)

# -- scenarios and single runs -------------------------------------------------------------


def load(
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    overrides: Mapping[str, Any] | None = None,
    **headline: Any,
) -> Scenario:
    """A scenario by shipped name, TOML path or object, with dotted-path ``overrides``
    and headline keywords (``chn_us_ties=0.2``, ``temperature=0.05``; sim.scenarios)."""
    return resolve_scenario(scenario, {**(overrides or {}), **headline})


def simulate(
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    seed: int = DEFAULT_SEED,
    rounds: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    **headline: Any,
) -> pd.DataFrame:
    """One run as a DataFrame: one row per month (the ``series`` columns of
    docs/results_schema.md, plus ``seed``); the run's event log is in ``.attrs["events"]``."""
    from sim.runner import model_series

    model = DiplomacyModel(scenario, seed=seed, rounds=rounds, overrides=overrides, **headline)
    frame = model_series(model.run())
    frame.insert(0, "seed", seed)
    frame.attrs["events"] = [e.to_dict() for e in model.events]
    return frame


# -- batches -------------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value))
    if isinstance(value, Sequence):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} to an experiment file")


def write_experiment(
    path: str | Path,
    parameters: Mapping[str, Sequence[float] | tuple[float, float]],
    *,
    scenario: str | Path = DEFAULT_SCENARIO,
    replicates: int = 100,
    root_seed: int = 0,
    kind: str = "grid",
    samples: int | None = None,
    rounds: int | None = None,
) -> Path:
    """Write an experiment file (as in configs/experiments) and return its path.

    ``parameters``: dotted path -> values (grid) or (low, high) (lhs, sobol, morris, with
    ``samples``). ``scenario``: a shipped name or a TOML path.
    """
    text = str(scenario)
    file = Path(text) if text.endswith(".toml") else scenario_path(text)
    lines = [
        f"scenario = {_toml_value(file.resolve())}",
        f"replicates = {replicates}",
        f"root_seed = {root_seed}",
        *([f"rounds = {rounds}"] if rounds is not None else []),
        "",
        "[design]",
        f"kind = {_toml_value(kind)}",
        *([f"samples = {samples}"] if samples is not None else []),
        "",
    ]
    if kind == "grid":
        lines += ["[design.parameters]"]
        lines += [f"{json.dumps(k)} = {_toml_value(list(v))}" for k, v in parameters.items()]
    else:
        for k, (low, high) in parameters.items():
            lines += [f"[design.parameters.{json.dumps(k)}]", f"low = {low}", f"high = {high}"]
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    return out


def experiment_path(experiment: str | Path) -> Path:
    """An experiment file by path, or a shipped one by name (e.g. ``"default"``)."""
    text = str(experiment)
    if text.endswith(".toml") or Path(text).exists():
        return Path(text)
    return Path(str(config_dir() / "experiments" / f"{text}.toml"))


def run_batch(
    experiment: str | Path,
    out: str | Path,
    *,
    workers: int = 1,
    series: bool = False,
    engine: str | None = None,
    force: bool = False,
    progress: bool = False,
):
    """Run (or resume) an experiment into ``out``; returns :class:`sim.batch.summarise.BatchResult`.

    ``workers=1`` (the default) runs in this process: safe in a notebook and in a script
    without an ``if __name__ == "__main__":`` guard. With ``workers > 1`` a script needs
    that guard (worker processes re-import the main module); a notebook does not.
    """
    from sim.batch.session import run_batch as _run_batch
    from sim.experiment import load_experiment

    exp = load_experiment(experiment_path(experiment))
    return _run_batch(
        exp, out, workers=workers, series=series, engine=engine, force=force, progress=progress
    )


# -- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Results:
    """A results directory as DataFrames.

    ``runs``: one row per run (outcomes and design columns); ``series``: one row per run
    and month with the design columns joined (None if the batch kept no series);
    ``parameters``: the design columns; ``batch``: the loaded batch for the plots.
    """

    runs: pd.DataFrame
    series: pd.DataFrame | None
    parameters: list[str]
    manifest: dict
    batch: Any

    @property
    def points(self) -> pd.DataFrame:
        """One row per design point: ``point_id`` and the design columns."""
        cols = ["point_id", *self.parameters]
        return self.runs[cols].drop_duplicates("point_id").reset_index(drop=True)

    def point(self, point_id: int) -> Results:
        """The results of one design point only."""
        runs = self.runs[self.runs["point_id"] == point_id].reset_index(drop=True)
        if runs.empty:
            raise KeyError(
                f"no design point {point_id} (points: {self.points['point_id'].tolist()})"
            )
        series = None
        if self.series is not None:
            series = self.series[self.series["point_id"] == point_id].reset_index(drop=True)
        batch = replace(self.batch, runs=runs, series=series)
        return Results(runs, series, self.parameters, self.manifest, batch)


def load_results(path: str | Path, series: bool = True) -> Results:
    """Read a results directory (runs, series, manifest); raises sim.analysis.BatchError."""
    from sim.analysis import design_parameters, load_batch

    batch = load_batch(path, with_series=series)
    params = [p for p in design_parameters(batch.manifest, batch.runs) if p in batch.runs]
    joined = None
    if batch.series is not None:
        design = batch.runs[["run_id", *params]]
        joined = batch.series.merge(design, on="run_id", how="left", validate="many_to_one")
    batch = replace(batch, series=joined)
    return Results(batch.runs, joined, params, batch.manifest, batch)


# -- plots into given axes -----------------------------------------------------------------


def _design(results: Results):
    from sim.analysis import detect_design

    return detect_design(results.batch)


def _subtitle(results: Results, ax) -> str:
    """The batch's subtitle on a figure of our own; just the run count in a given Axes."""
    batch = results.batch
    return batch.subtitle() if ax is None else f"n = {len(batch.ok_runs):,} runs"


def _end_label(results: Results) -> str:
    horizon = int(results.batch.ok_runs["rounds"].max())
    return f"active at the end ({results.batch.info.date(horizon - 1)})"


def plot_probability(results: Results, ax=None, pact: str | None = None):
    """P(each pact forms): dots for one point, a curve of ``pact`` for a sweep, a heat map
    of ``pact`` for a two-parameter grid, ranked points otherwise. Returns the Figure."""
    from sim.analysis import pact_probabilities
    from sim.plots import (
        plot_probability_heatmap,
        plot_probability_ranked,
        plot_probability_single,
        plot_probability_sweep,
    )

    batch, design = results.batch, _design(results)
    probs = pact_probabilities(batch, design)
    ends = pact_probabilities(batch, design, measure="end")
    end_label, sub = _end_label(results), _subtitle(results, ax)
    if design.shape == "single":
        return plot_probability_single(
            probs, batch.info, sub, ax=ax, probs_end=ends, end_label=end_label
        )
    if design.shape not in {"sweep", "grid2"}:
        return plot_probability_ranked(probs, list(design.varying), batch.info, sub, ax=ax)
    pact = pact or batch.info.target
    rows, rows_end = probs[probs["pact"] == pact], ends[ends["pact"] == pact]
    title = f"P({batch.info.pact_label(pact)} forms)"
    if design.shape == "sweep":
        return plot_probability_sweep(
            rows, design.varying[0], batch.info, sub,
            ax=ax, title=title, probs_end=rows_end, end_label=end_label,
        )  # fmt: skip
    x, y = design.varying
    return plot_probability_heatmap(rows, x, y, title=title, subtitle=sub, ax=ax, info=batch.info)


def plot_time_to_formation(results: Results, pact: str | None = None, ax=None):
    """Kaplan–Meier curve of the time until ``pact`` (default: the target) forms."""
    from sim.analysis import formation_groups, time_to_formation
    from sim.plots import Formation
    from sim.plots import plot_time_to_formation as draw

    batch = results.batch
    pact = pact or batch.info.target
    groups = formation_groups(batch, _design(results))
    ttf = time_to_formation(batch, pact, groups)
    data = Formation(ttf, batch.info, batch.info.pact_label(pact), legend_title="design point")
    return draw(data, _subtitle(results, ax), ax=ax)


def _series(results: Results) -> pd.DataFrame:
    if results.series is None or results.series.empty:
        raise ValueError(
            "these results have no series (run the batch with --series, or series=True from Python)"
        )
    return results.series


def plot_configurations(results: Results, ax=None, top: int = 9, legend: str = "right"):
    """Share of runs in each pact configuration, month by month (needs series): the
    ``top`` most common, the rest pooled; ``legend``: "right", "below" or "none"."""
    from sim.analysis import config_shares
    from sim.plots import Shares, plot_config_shares

    info = results.batch.info
    shares = Shares(config_shares(_series(results), info, top=top), info)
    fig = plot_config_shares(shares, ax=ax, legend=legend == "right")
    if legend == "below":
        axes = ax or fig.axes[0]
        handles, labels = axes.get_legend_handles_labels()
        style = {"fontsize": 7, "ncols": 1, "frameon": False}
        owner = axes.get_figure()
        engine = owner.get_layout_engine()
        if len(owner.axes) == 1 and type(engine).__name__ == "ConstrainedLayoutEngine":
            # the layout makes room under the month labels and the axis title
            owner.legend(handles[::-1], labels[::-1], loc="outside lower center", **style)
        else:  # beside other axes: under this one, clear of its slanted month labels
            axes.legend(handles[::-1], labels[::-1], loc="upper center",
                        bbox_to_anchor=(0.5, -0.3), **style)  # fmt: skip
    return fig


def plot_utility(results: Results, state: str, ax=None):
    """Median and 50%/90% bands of ``state``'s utility over time (needs series)."""
    from sim.analysis import utility_envelopes
    from sim.plots import Envelopes, plot_utility_envelopes

    info = results.batch.info
    env = utility_envelopes(_series(results), info)
    data = Envelopes(env[env["state"] == state], info)
    return plot_utility_envelopes(data, axes=None if ax is None else [ax])


def plot_support(results: Results, client: str, ax=None):
    """Where ``client``'s external support comes from over time (needs series)."""
    from sim.analysis import support_envelopes
    from sim.plots import Envelopes, plot_support_envelopes

    env = support_envelopes(_series(results))
    info = results.batch.info
    title = f"{info.state_label(client)}: its support comes from"
    return plot_support_envelopes(Envelopes(env[env["client"] == client], info), ax=ax,
                                  title=title)  # fmt: skip


def plot_run(frame: pd.DataFrame, scenario: Scenario | str | Path = DEFAULT_SCENARIO, axes=None):
    """One run's timeline and utilities (``simulate``'s frame); ``axes``: the timeline
    first, then one per state."""
    from sim.plots import plot_single_run
    from sim.runner import scenario_info

    return plot_single_run(frame, scenario_info(load(scenario)), axes)


__all__ = [  # the names sim/__init__.py re-exports (its _API; tests/test_layout.py)
    "DiplomacyModel",
    "Results",
    "experiment_path",
    "load",
    "load_results",
    "plot_configurations",
    "plot_probability",
    "plot_run",
    "plot_support",
    "plot_time_to_formation",
    "plot_utility",
    "run_batch",
    "simulate",
    "write_experiment",
]
