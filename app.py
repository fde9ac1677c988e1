"""Browser app: ``solara run app.py`` (Mesa's SolaraViz; install with ``pip install -e '.[viz]'``).

Page 0 runs one scenario month by month: sliders for the headline parameters (press
Reset to rebuild the model with them), Step / Play, the pact network, each state's
utility by term, the drivers and the event log. Page 1 opens a results directory and
shows the outcome distributions for all design points or the one picked.

Only reads the model and calls the plotting layer (sim.plots, sim.api); no model logic.
"""

from __future__ import annotations

import functools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz

from sim import api
from sim.analysis import ScenarioInfo
from sim.config import TERMS
from sim.model import DiplomacyModel
from sim.plots.live import plot_drivers, plot_pact_network, plot_utility_terms
from sim.runner import scenario_info
from sim.scenarios import DEFAULT_SCENARIO, resolve_scenario, scenario_headlines, scenario_names

DEFAULT_SEED = 3
DEFAULT_RESULTS = "results/default"
ALL_POINTS = "all design points"


# -- parameters ------------------------------------------------------------------------------


def model_params(scenario: str = DEFAULT_SCENARIO) -> dict:
    """SolaraViz inputs: scenario picker, seed and the headline parameters (sim.headline),
    each starting at the scenario's value."""
    sc = resolve_scenario(scenario)
    params: dict = {
        "scenario_name": {"type": "Select", "value": scenario, "values": scenario_names(),
                          "label": "Scenario"},
        "seed": {"type": "SliderInt", "value": DEFAULT_SEED, "min": 0, "max": 999, "step": 1,
                 "label": "Seed"},
        "detail": False,
    }  # fmt: skip
    for h in scenario_headlines(sc):
        value = float(_value(sc, h.path))
        params[h.key] = _float(h.label, value, min(h.low, value), max(h.high, value), h.step)
    return params


def _value(scenario, path: str):
    """The value at a dotted path of a scenario (``states.CHN.weights.us_ties``)."""
    node = scenario
    for key in path.split("."):
        node = node[key] if isinstance(node, dict) else getattr(node, key)
    return node


def _float(label: str, value: float, low: float, high: float, step: float) -> dict:
    return {"type": "SliderFloat", "value": float(value), "min": low, "max": high,
            "step": step, "label": label}  # fmt: skip


def _info(model: DiplomacyModel) -> ScenarioInfo:
    return ScenarioInfo.from_manifest({"scenario_info": scenario_info(model.config)})


def _figure(width: float = 5.2, height: float = 3.6) -> tuple[Figure, object]:
    fig = Figure(figsize=(width, height), layout="constrained", dpi=90)
    return fig, fig.subplots()


# -- page 0: one run ---------------------------------------------------------------------------


def Status(model: DiplomacyModel):
    """Month, configuration, target pact and the parameters this run was built with."""
    info, p = _info(model), model.params
    if model.round == 0:
        month = f"not started (first month {model.config.start})"
    else:
        month = info.date(model.round - 1)
    levels = zip(p.space.keys, model.levels, strict=True)
    pacts = [f"{k} {info.level_name(int(v))}" for k, v in levels if v > 0]
    due = model.state.talk_due[0]
    talks = [
        f"{k} {info.level_name(int(lv))} (due {info.date(int(due[q]))})"
        for q, (k, lv) in enumerate(zip(p.space.keys, model.talk_level, strict=True))
        if lv > 0
    ]
    target = info.pact_label(info.target)
    formed = "**active**" if model.levels[p.target] >= p.target_level else "not active"
    weights = ", ".join(
        f"{c} us_ties {model.config.states[c].weights.us_ties:.2f}" for c in info.states
    )
    text = (
        f"### Month: {month}\n\n"
        f"Round {model.round} of {model.rounds} · scenario `{model.config.name}`\n\n"
        f"**Pacts:** {'; '.join(pacts) or 'none'}\n\n"
        f"**Talks under way:** {'; '.join(talks) or 'none'}\n\n"
        f"**Target pact** {target}: {formed}\n\n"
        f"Temperature {model.config.negotiation.temperature:g} · {weights}"
    )
    return solara.Markdown(text)


def Network(model: DiplomacyModel):
    info = _info(model)
    fig, ax = _figure(5.0, 3.9)
    levels = dict(zip(model.params.space.keys, (int(v) for v in model.levels), strict=True))
    month = info.date(model.round - 1) if model.round else model.config.start
    plot_pact_network(levels, info, ax, title=f"Pacts in {month}")
    return solara.FigureMatplotlib(fig, format="png")


def Utility(model: DiplomacyModel):
    if model.round == 0:
        return solara.Markdown("_Utility by term: press Step to play the first month._")
    fig, ax = _figure()
    terms = {a.code: a.terms for a in model.states}
    plot_utility_terms(terms, TERMS, ax, title="Utility of each state by term (this month)")
    return solara.FigureMatplotlib(fig, format="png")


def Drivers(model: DiplomacyModel):
    if model.round == 0:
        return solara.Markdown("_Drivers: press Step to play the first month._")
    fig, ax = _figure()
    frame = model.datacollector.get_model_vars_dataframe()
    plot_drivers(frame, ax, title="Drivers so far")
    return solara.FigureMatplotlib(fig, format="png")


def EventLog(model: DiplomacyModel):
    """The run's events, newest first."""
    lines = [f"- `{e.date}` {e.text}" for e in reversed(model.events[-40:])]
    return solara.Markdown("#### Event log\n\n" + ("\n".join(lines) or "_no events yet_"))


# -- page 1: a results directory -----------------------------------------------------------

results_dir = solara.reactive(DEFAULT_RESULTS)
point_choice = solara.reactive(ALL_POINTS)


@functools.lru_cache(maxsize=4)
def _load(path: str, stamp: float) -> api.Results:
    return api.load_results(path)


def opened() -> tuple[api.Results | None, str]:
    """The results at ``results_dir`` (cached), or None with the reason."""
    path = Path(results_dir.value).expanduser()
    manifest = path / "manifest.json"
    try:
        results = _load(str(path.resolve()), manifest.stat().st_mtime if manifest.exists() else 0)
    except Exception as exc:  # BatchError, unreadable Parquet: shown, not raised
        return None, f"cannot open {path}: {exc}"
    return results, ""


def _point_labels(results: api.Results) -> list[str]:
    labels = [ALL_POINTS]
    for point_id, *values in results.points.itertuples(index=False):
        pairs = zip(results.parameters, values, strict=True)
        labels.append(f"{point_id}: " + ", ".join(f"{p.split('.')[-1]}={v:g}" for p, v in pairs))
    return labels


def selected() -> api.Results | None:
    results, _ = opened()
    if results is None or point_choice.value == ALL_POINTS:
        return results
    try:
        return results.point(int(point_choice.value.split(":")[0]))
    except (KeyError, ValueError):
        return results


@solara.component
def ResultsPicker(model=None):
    """Directory input, design-point picker, run counts."""
    results, error = opened()
    with solara.Column():
        solara.InputText("Results directory", value=results_dir, continuous_update=False)
        if results is None:
            solara.Warning(error)
            return
        labels = _point_labels(results)
        if point_choice.value not in labels:
            point_choice.set(ALL_POINTS)
        solara.Select("Design point", value=point_choice, values=labels)
        solara.Markdown(f"{len(results.runs):,} runs · {len(labels) - 1} design points")


def _results_figure(draw, width: float = 5.6, height: float = 4.1):
    results = selected()
    if results is None:
        return solara.Markdown("_open a results directory_")
    fig, ax = _figure(width, height)
    try:
        draw(results, ax)
    except (ValueError, KeyError) as exc:
        return solara.Markdown(f"_{exc}_")
    return solara.FigureMatplotlib(fig, format="png")


@solara.component
def ResultsProbability(model=None):
    return _results_figure(lambda r, ax: api.plot_probability(r, ax=ax))


@solara.component
def ResultsTiming(model=None):
    return _results_figure(lambda r, ax: api.plot_time_to_formation(r, ax=ax))


@solara.component
def ResultsConfigurations(model=None):
    draw = lambda r, ax: api.plot_configurations(r, ax=ax, top=5, legend="below")  # noqa: E731
    return _results_figure(draw, 5.6, 5.0)


COMPONENTS = [
    (Status, 0),
    (Network, 0),
    (Utility, 0),
    (Drivers, 0),
    (EventLog, 0),
    (ResultsPicker, 1),
    (ResultsProbability, 1),
    (ResultsTiming, 1),
    (ResultsConfigurations, 1),
]


def make_page(scenario: str = DEFAULT_SCENARIO, seed: int = DEFAULT_SEED):
    """The SolaraViz page for a scenario (what ``solara run app.py`` serves)."""
    model = DiplomacyModel(scenario_name=scenario, seed=seed, detail=False)
    return SolaraViz(
        model,
        components=COMPONENTS,
        model_params=model_params(scenario),
        name="Trilateral pacts: China, Russia, North Korea",
        play_interval=300,
    )


page = make_page()
page  # noqa: B018
