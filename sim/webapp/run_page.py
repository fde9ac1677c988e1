"""The "One run" page: a form (scenario, seed, headline parameters) with Reset / Play /
Step, and the run month by month (status, pact network, utility by term, drivers, events).

Every browser session builds its own model (:func:`use_run_session`); an error while
building or stepping is shown as one line on the page and the last good run stays.
Only reads the model and calls the plotting layer (:mod:`sim.plots.live`).
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import solara
from matplotlib.figure import Figure

from sim.analysis import ScenarioInfo
from sim.config import TERMS
from sim.model import DiplomacyModel
from sim.plots.live import plot_drivers, plot_pact_network, plot_utility_terms
from sim.runner import scenario_info
from sim.scenarios import scenario_names
from sim.webapp.form import Form, Slider, changes, current, one_line, sliders

PLAY_INTERVAL = 0.3  # seconds between months while playing
HELP = (
    "Step plays one month. ▶ plays a month every 0.3 s until the horizon (❚❚ pauses). "
    "Reset builds a new run from the scenario, seed and sliders below; moving them "
    "changes nothing until Reset."
)


def build(form: Form) -> DiplomacyModel:
    """A model from the form (ConfigError or ValueError for a bad scenario or value)."""
    return DiplomacyModel(form.scenario, seed=form.seed, detail=False, overrides=form.values)


def sliders_or_error(scenario: str) -> tuple[list[Slider], str]:
    try:
        return sliders(scenario), ""
    except Exception as exc:  # an unreadable scenario file: one line on the page
        return [], one_line(exc)


def build_or_error(form: Form) -> tuple[DiplomacyModel | None, str]:
    try:
        return build(form), ""
    except Exception as exc:  # shown on the page as one line, never as a traceback
        return None, one_line(exc)


@dataclass(frozen=True)
class RunSession:
    """One browser session's state: the form, the form the shown model was built from,
    the model, a counter bumped at every month (redraws), the error line, playing."""

    form: solara.Reactive[Form]
    built: solara.Reactive[Form]
    model: solara.Reactive[DiplomacyModel | None]
    tick: solara.Reactive[int]
    error: solara.Reactive[str]
    playing: solara.Reactive[bool]

    def reset(self) -> None:
        self.playing.set(False)
        model, error = build_or_error(self.form.value)
        self.error.set(error)
        if model is not None:  # built first: the cue goes with the old model, not after
            self.built.set(self.form.value)
            self.model.set(model)
            self.tick.set(self.tick.value + 1)

    def step(self) -> None:
        model = self.model.value
        if model is None or not model.running:
            self.playing.set(False)
            return
        try:
            model.step()
        except Exception as exc:
            self.playing.set(False)
            self.error.set(one_line(exc))
        self.tick.set(self.tick.value + 1)


def use_run_session(first: Form | None = None) -> RunSession:
    """The session's state, its model built once when the session starts."""
    first = first or Form()
    model, error = solara.use_memo(lambda: build_or_error(first), [])
    session = RunSession(
        form=solara.use_reactive(first),
        built=solara.use_reactive(first),
        model=solara.use_reactive(model),
        tick=solara.use_reactive(0),
        error=solara.use_reactive(error),
        playing=solara.use_reactive(False),
    )

    def play(cancel: threading.Event) -> None:
        while session.playing.value and not cancel.is_set():
            time.sleep(PLAY_INTERVAL)
            if not cancel.is_set():
                session.step()

    solara.use_thread(play, [session.playing.value, session.model.value], intrusive_cancel=False)
    return session


# -- the form ------------------------------------------------------------------------------


@solara.component
def Controls(session: RunSession):
    """Buttons, what they do, the error line, the changed cue and the form."""
    model, playing = session.model.value, session.playing.value
    running = model is not None and model.running
    with solara.Card("Run controls", margin=0):
        with solara.Row():
            solara.Button("Reset", color="primary", on_click=session.reset)
            solara.Button("❚❚" if playing else "▶", color="primary", disabled=not running,
                          on_click=lambda: session.playing.set(not playing))  # fmt: skip
            solara.Button("Step", color="primary", disabled=playing or not running,
                          on_click=session.step)  # fmt: skip
        solara.Text(HELP, style={"font-size": "0.8em", "color": "#555"})
        if session.error.value:
            solara.Error(session.error.value, dense=True)
        changed = changes(session.form.value, session.built.value)
        scenario = session.form.value.scenario
        items, bad = solara.use_memo(lambda: sliders_or_error(scenario), [scenario])
        if changed and bad:  # Reset would only fail: say what to do instead
            text = f"changed ({', '.join(changed)}): the scenario below does not load; fix it"
            solara.Warning(text + " or choose another, then press Reset", dense=True)
        elif changed:
            solara.Warning(f"changed ({', '.join(changed)}) — press Reset", dense=True)
        ScenarioForm(session.form, items, bad)


@solara.component
def ScenarioForm(form: solara.Reactive[Form], items: list[Slider], error: str):
    """Scenario (library name or file), seed, one slider per headline parameter (``items``,
    or the ``error`` of a scenario that does not load: :func:`sliders_or_error`, read once
    by :func:`Controls`)."""
    names = scenario_names()
    f = form.value

    def choose(name: str | None) -> None:
        if name:
            form.set(Form(scenario=name, seed=f.seed))

    solara.Select("Scenario", values=names, value=f.scenario if f.scenario in names else None,
                  on_value=choose)  # fmt: skip
    solara.InputText("or a scenario file (.toml)",
                     value="" if f.scenario in names else f.scenario,
                     on_value=choose, continuous_update=False)  # fmt: skip
    solara.InputInt(
        "Seed",
        value=f.seed,
        continuous_update=True,
        on_value=lambda seed: form.set(Form(f.scenario, seed, f.values)),
    )
    if error:
        solara.Error(error, dense=True)
    solara.Style(CSS)
    with solara.Column(gap="0px", classes=["headline-sliders"]):
        for slider in items:
            SliderRow(form, slider)


# A slider's label (caption with value and unit) on its own line above a full-width track.
CSS = """
.headline-sliders .v-input__slot { flex-wrap: wrap; }
.headline-sliders .v-input__slot > .v-label { width: 100%; font-size: 0.85em; }
.headline-sliders .v-input { margin-top: 0; }
"""


@solara.component
def SliderRow(form: solara.Reactive[Form], slider: Slider):
    value = current(form.value, slider)
    solara.SliderFloat(
        slider.caption(value), value=value, min=slider.low, max=slider.high, step=slider.step,
        on_value=lambda v: form.set(form.value.with_value(slider, v)),
    )  # fmt: skip


# -- the run -------------------------------------------------------------------------------


def info_of(model: DiplomacyModel) -> ScenarioInfo:
    return ScenarioInfo.from_manifest({"scenario_info": scenario_info(model.config)})


def figure(width: float = 5.2, height: float = 3.6) -> tuple[Figure, object]:
    fig = Figure(figsize=(width, height), layout="constrained", dpi=90)
    return fig, fig.subplots()


def Html(parts: list[str]):
    """Paragraphs of text (escaped by the caller) as HTML: no Markdown, so no KaTeX."""
    return solara.HTML(tag="div", unsafe_innerHTML="".join(parts))


def status_lines(model: DiplomacyModel, built: Form) -> list[str]:
    """The status panel as HTML paragraphs: month, pacts, talks, target, parameters."""
    info, p, e = info_of(model), model.params, html.escape
    month = info.date(model.round - 1) if model.round else (
        f"not started (first month {model.config.start})"
    )  # fmt: skip
    levels = zip(p.space.keys, model.levels, strict=True)
    pacts = [f"{k} {info.level_name(int(v))}" for k, v in levels if v > 0]
    due = model.state.talk_due[0]
    talks = [
        f"{k} {info.level_name(int(lv))} (due {info.date(int(due[q]))})"
        for q, (k, lv) in enumerate(zip(p.space.keys, model.talk_level, strict=True))
        if lv > 0
    ]
    formed = "<b>active</b>" if model.levels[p.target] >= p.target_level else "not active"
    weights = ", ".join(
        f"{c} us_ties {model.config.states[c].weights.us_ties:.2f}" for c in info.states
    )
    changed = ", ".join(f"{k} = {v:g}" for k, v in built.values.items()) or "none"
    return [
        f"<h3>Month: {e(month)}</h3>",
        f"<p>Round {model.round} of {model.rounds} · scenario <code>{e(model.config.name)}"
        f"</code> · seed {built.seed}</p>",
        f"<p><b>Pacts:</b> {e('; '.join(pacts) or 'none')}</p>",
        f"<p><b>Talks under way:</b> {e('; '.join(talks) or 'none')}</p>",
        f"<p><b>Target pact</b> {e(info.pact_label(info.target))}: {formed}</p>",
        f"<p>Temperature {model.config.negotiation.temperature:g} · {e(weights)}</p>",
        f"<p>Changed from the scenario: {e(changed)}</p>",
    ]


@solara.component
def Status(model: DiplomacyModel, built: Form, tick: int):
    return Html(status_lines(model, built))


@solara.component
def Network(model: DiplomacyModel, tick: int):
    info = info_of(model)
    fig, ax = figure(5.0, 3.9)
    levels = dict(zip(model.params.space.keys, (int(v) for v in model.levels), strict=True))
    month = info.date(model.round - 1) if model.round else model.config.start
    plot_pact_network(levels, info, ax, title=f"Pacts in {month}")
    return solara.FigureMatplotlib(fig, format="png")


def _after_first_month(model: DiplomacyModel, what: str, draw: Callable) -> object:
    if model.round == 0:
        return Html([f"<p><i>{what}: press Step to play the first month.</i></p>"])
    fig, ax = figure()
    draw(ax)
    return solara.FigureMatplotlib(fig, format="png")


@solara.component
def Utility(model: DiplomacyModel, tick: int):
    terms = {a.code: a.terms for a in model.states}
    title = "Utility of each state by term (this month)"
    return _after_first_month(
        model, "Utility by term", lambda ax: plot_utility_terms(terms, TERMS, ax, title=title)
    )


@solara.component
def Drivers(model: DiplomacyModel, tick: int):
    frame = model.datacollector.get_model_vars_dataframe() if model.round else None
    return _after_first_month(
        model, "Drivers", lambda ax: plot_drivers(frame, ax, title="Drivers so far")
    )


LOG_LINES = 40  # events the log shows, newest first


@solara.component
def EventLog(model: DiplomacyModel, tick: int):
    """The run's events, newest first."""
    lines = [
        f"<li><code>{html.escape(e.date)}</code> {html.escape(e.text)}</li>"
        for e in reversed(model.events[-LOG_LINES:])
    ]
    body = f"<ul>{''.join(lines)}</ul>" if lines else "<p><i>no events yet</i></p>"
    n = len(model.events)
    shown = (
        f" (the newest {LOG_LINES} of {n}; python run.py simulate tells the whole run)"
        if n > LOG_LINES
        else ""
    )
    return Html([f"<h4>Event log{html.escape(shown)}</h4>", body])


@solara.component
def RunView(session: RunSession):
    """The run's panels, redrawn at each month (``tick``)."""
    model, tick = session.model.value, session.tick.value
    if model is None:
        solara.Info("No run yet: choose a scenario that loads and press Reset.")
        return
    with solara.Columns([1, 1]):
        with solara.Card(margin=0):
            Status(model, session.built.value, tick)
        with solara.Card(margin=0):
            Network(model, tick)
    with solara.Columns([1, 1]):
        with solara.Card(margin=0):
            Utility(model, tick)
        with solara.Card(margin=0):
            Drivers(model, tick)
    with solara.Card(margin=0):
        EventLog(model, tick)


@solara.component
def RunPage(session: RunSession):
    with solara.Columns([1, 3]):
        Controls(session)
        with solara.Column():
            RunView(session)


__all__ = ["RunPage", "RunSession", "build", "status_lines", "use_run_session"]
