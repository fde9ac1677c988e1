"""The browser app's components, rendered with solara.render (as Mesa's own tests do).

Rule: the app only reads the model: its inputs are the model's keyword parameters (so
SolaraViz's Reset rebuilds the model with them), Step advances the month shown, and the
results page shows a results directory's plots for all points or one design point.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

solara = pytest.importorskip("solara")
pytest.importorskip("mesa.visualization")

import ipyvuetify as v  # noqa: E402
import ipywidgets  # noqa: E402
from mesa.visualization.solara_viz import (  # noqa: E402
    ModelController,
    ModelCreator,
    _check_model_params,
)
from mesa.visualization.utils import update_counter  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import app  # noqa: E402
from sim import api  # noqa: E402
from sim.model import DiplomacyModel  # noqa: E402
from sim.scenarios import resolve_scenario  # noqa: E402


def markdown_text(rc) -> str:
    """All Markdown rendered, as HTML (solara's Markdown is a Vue template holding it)."""
    return "\n".join(str(w.template) for w in rc.find(v.VuetifyTemplate).widgets)


def test_inputs_are_model_parameters_at_the_scenario_values():
    params = app.model_params()
    _check_model_params(DiplomacyModel.__init__, params)  # what SolaraViz checks
    assert {"chn_us_ties", "prk_security", "temperature", "rus_war_hazard",
            "us_reactivity", "seed", "scenario_name"} <= set(params)  # fmt: skip
    values = {k: (p["value"] if isinstance(p, dict) else p) for k, p in params.items()}
    model = DiplomacyModel(**values)
    assert model.config == resolve_scenario("korea_2024")  # defaults change nothing


@solara.component
def Harness(model, params):
    """Controls and the status panel, as SolaraViz lays them out."""
    ModelController(
        model,
        model_parameters=params,
        play_interval=solara.use_reactive(100),
        render_interval=solara.use_reactive(1),
        use_threads=solara.use_reactive(False),
    )
    ModelCreator(model, app.model_params(), model_parameters=params)
    update_counter.get()
    app.Status(model.value)


def test_step_advances_the_month_and_reset_applies_a_slider():
    model = solara.reactive(DiplomacyModel(seed=3, detail=False))
    params = solara.reactive({})
    _, rc = solara.render(Harness(model, params), handle_error=False)
    assert "Month: not started" in markdown_text(rc)
    rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert "Month: 2024-02" in markdown_text(rc)
    before = markdown_text(rc)

    slider = rc.find(v.Slider, label="CHN weight: us_ties").widget
    slider.v_model = 0.0
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert model.value.config.states["CHN"].weights.us_ties == 0.0
    assert model.value.round == 0
    for _ in range(7):
        rc.find(v.Btn, children=["Step"]).widget.click()
    text = markdown_text(rc)
    assert "Month: 2024-07" in text and "CHN us_ties 0.00" in text
    # seed 3: RUS-PRK signs in 2024-07; with China's us_ties at 0 China opens trilateral talks
    assert "RUS-PRK treaty; " not in before and "RUS-PRK treaty" in text
    assert "Talks under way:</strong> CHN-RUS-PRK partnership (due 2024-10)" in text


def test_run_components_draw_figures_after_the_first_month():
    model = DiplomacyModel(seed=3, detail=False)
    _, rc = solara.render(app.Utility(model), handle_error=False)
    assert "press Step" in markdown_text(rc)
    model.step()
    for component in (app.Network, app.Utility, app.Drivers):
        _, rc = solara.render(component(model), handle_error=False)
        (image,) = rc.find(ipywidgets.Image).widgets
        assert len(image.value) > 5_000  # a PNG with content
    _, rc = solara.render(app.EventLog(model), handle_error=False)
    assert "2024-01" in markdown_text(rc)


@pytest.fixture(scope="module")
def small_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    exp = api.write_experiment(
        out / "exp.toml", {"states.CHN.weights.us_ties": [0.0, 0.45]}, replicates=8, rounds=12
    )
    api.run_batch(exp, out / "batch", series=True)
    return out / "batch"


@solara.component
def ResultsPage():
    app.ResultsPicker()
    app.ResultsProbability()
    app.ResultsTiming()
    app.ResultsConfigurations()


def test_results_page_shows_plots_for_all_points_and_one(small_results):
    app.results_dir.set(str(small_results))
    app.point_choice.set(app.ALL_POINTS)
    _, rc = solara.render(ResultsPage(), handle_error=False)
    assert len(rc.find(ipywidgets.Image).widgets) == 3
    select = rc.find(v.Select, label="Design point").widget
    assert select.items == [app.ALL_POINTS, "0: us_ties=0", "1: us_ties=0.45"]
    assert "16 runs · 2 design points" in markdown_text(rc)
    first = bytes(rc.find(ipywidgets.Image).widgets[0].value)
    select.v_model = "1: us_ties=0.45"
    assert app.point_choice.value == "1: us_ties=0.45"
    assert len(rc.find(ipywidgets.Image).widgets) == 3
    assert bytes(rc.find(ipywidgets.Image).widgets[0].value) != first


def test_results_page_names_a_missing_directory(tmp_path):
    app.results_dir.set(str(tmp_path / "nothing"))
    _, rc = solara.render(app.ResultsPicker(), handle_error=False)
    assert rc.find(v.Alert).widgets  # a warning naming the directory
    assert "nothing" in str(rc.find(v.Alert).widgets[0].children)
