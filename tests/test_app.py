"""The browser app's pages, rendered with solara.render (no browser), and its pure form logic.

Rules: every library scenario can be chosen, changed (its own headline sliders) and reset;
an error shows as one line on the page and keeps the last run; each session (each render
of the page) has its own model; a moved slider says "changed — press Reset" until Reset;
Step advances the month shown; the results page shows a results directory's plots for
all points or one design point, with run counts that follow the chosen point.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

solara = pytest.importorskip("solara")

import ipyvuetify as v  # noqa: E402
import ipywidgets  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from solara.components.file_download import FileDownloadWidget  # noqa: E402

import app  # noqa: E402
from sim import api  # noqa: E402
from sim.scenarios import DEFAULT_SEED, resolve_scenario, scenario_names  # noqa: E402
from sim.webapp import results_page  # noqa: E402
from sim.webapp.form import Form, changes, one_line, sliders  # noqa: E402
from sim.webapp.run_page import build  # noqa: E402


def page_text(rc) -> str:
    """All text the page shows: HTML panels, plain texts, alerts, labels of inputs."""
    parts = [str(w.unsafe_innerHTML) for w in rc.find(solara.widgets.HTML).widgets]
    parts += [str(w.children) for w in rc.find(v.Alert).widgets]
    parts += [str(getattr(w, "label", "")) for w in rc.find(v.Slider).widgets]
    parts += [str(w.children) for w in rc.find(v.Html).widgets]
    return "\n".join(parts)


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def slider(rc, prefix: str):
    (found,) = [w for w in rc.find(v.Slider).widgets if str(w.label).startswith(prefix)]
    return found


# -- the form, without widgets -------------------------------------------------------------


@pytest.mark.parametrize("name", scenario_names())
def test_every_library_scenario_builds_with_each_of_its_sliders_moved(name):
    items = sliders(name)
    assert {s.key for s in items} >= {"chn_us_ties", "temperature", "us_reactivity"}
    form = Form(scenario=name, seed=1)
    assert build(form).config == resolve_scenario(name)  # the sliders start at its values
    for s in items:
        form = form.with_value(s, s.low + (s.high - s.low) / 4)
    model = build(form)
    assert model.config.name == name
    assert model.config.negotiation.temperature == pytest.approx(0.005 + 0.195 / 4)
    model.step()
    assert model.round == 1


def test_captions_show_value_and_unit_and_changes_name_what_moved():
    by_key = {s.key: s for s in sliders("korea_2024")}
    assert by_key["rus_war_hazard"].caption(0.02) == "rus_war: regime switch hazard: 0.02 1/month"
    assert by_key["chn_us_ties"].caption(0.45) == "CHN weight: us_ties: 0.45"  # dimensionless
    built = Form()
    form = built.with_value(by_key["chn_us_ties"], 0.0)
    assert changes(form, built) == ["chn_us_ties"]
    assert changes(form.with_value(by_key["chn_us_ties"], 0.45), built) == []  # moved back
    assert changes(Form("ceasefire_never", 7), built) == ["scenario", "seed"]
    assert one_line(ValueError("bad\nsecond line")) == "ValueError: bad"


def test_app_default_seed_is_the_command_lines():
    assert Form().seed == DEFAULT_SEED == 0


# -- the one-run page ----------------------------------------------------------------------


def test_step_advances_the_month_and_reset_applies_a_slider_and_seed():
    _, rc = solara.render(app.Page(), handle_error=False)
    assert "Month: not started (first month 2024-01)" in page_text(rc)
    click(rc, "Step")
    click(rc, "Step")
    assert "Month: 2024-02" in page_text(rc)

    rc.find(v.TextField, label="Seed").widget.v_model = "3"
    slider(rc, "CHN weight: us_ties").v_model = 0.0
    text = page_text(rc)
    assert "changed (seed, chn_us_ties) — press Reset" in text
    assert "CHN weight: us_ties: 0" in text  # the caption follows the slider
    click(rc, "Reset")
    assert "press Reset" not in page_text(rc)
    for _ in range(7):
        click(rc, "Step")
    text = page_text(rc)
    assert "Month: 2024-07" in text and "CHN us_ties 0.00" in text and "seed 3" in text
    # seed 3: RUS-PRK signs in 2024-07; with China's us_ties at 0 China opens trilateral talks
    assert "<b>Pacts:</b> CHN-RUS partnership; CHN-PRK treaty; RUS-PRK treaty" in text
    assert "<b>Talks under way:</b> CHN-RUS-PRK partnership (due 2024-10)" in text
    assert len(rc.find(ipywidgets.Image).widgets) == 3  # network, utility, drivers


@pytest.mark.parametrize("name", scenario_names())
def test_every_library_scenario_can_be_chosen_changed_and_reset(name):
    _, rc = solara.render(app.Page(), handle_error=False)
    rc.find(v.Select, label="Scenario").widget.v_model = name
    assert "changed (scenario" in page_text(rc) or name == "korea_2024"
    slider(rc, "Temperature").v_model = 0.05
    click(rc, "Reset")
    click(rc, "Step")
    text = page_text(rc)
    assert f"scenario <code>{name}</code>" in text and "Temperature 0.05" in text
    assert "Error" not in text and not rc.find(v.Alert).widgets


def test_an_error_is_one_line_on_the_page_and_the_run_stays(tmp_path):
    _, rc = solara.render(app.Page(), handle_error=False)
    click(rc, "Step")
    missing = tmp_path / "nowhere.toml"
    field = rc.find(v.TextField, label="or a scenario file (.toml)").widget
    field.v_model = str(missing)
    field.fire_event("keyup.enter", None)  # what Enter does in a browser
    text = page_text(rc)  # the cue says Reset would fail, not "press Reset"
    assert "the scenario below does not load; fix it or choose another" in text
    assert "— press Reset" not in text
    click(rc, "Reset")
    alerts = [str(w.children) for w in rc.find(v.Alert).widgets]
    assert any("nowhere.toml" in a and "file not found" in a for a in alerts)
    assert all("\\n" not in a and "Traceback" not in a for a in alerts)
    assert "Month: 2024-01" in page_text(rc)  # the last good run is still shown


def test_two_sessions_have_their_own_runs():
    _, first = solara.render(app.Page(), handle_error=False)
    _, second = solara.render(app.Page(), handle_error=False)
    for _ in range(3):
        click(first, "Step")
    assert "Month: 2024-03" in page_text(first)
    assert "Month: not started" in page_text(second)
    click(second, "Step")
    assert "Month: 2024-01" in page_text(second) and "Month: 2024-03" in page_text(first)


def test_the_pages_are_named():
    _, rc = solara.render(app.Page(), handle_error=False)
    tabs = [str(w.children) for w in rc.find(v.Tab).widgets]
    assert any("One run" in t for t in tabs) and any("Batch results" in t for t in tabs)


# -- the results page ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    exp = api.write_experiment(
        out / "exp.toml", {"states.CHN.weights.us_ties": [0.0, 0.45]}, replicates=8, rounds=12
    )
    api.run_batch(exp, out / "batch", series=True)
    return out / "batch"


def test_results_page_shows_plots_for_all_points_and_one(small_results):
    results_page.results_dir.set(str(small_results))
    results_page.point_choice.set(results_page.ALL_POINTS)
    _, rc = solara.render(results_page.ResultsPage(), handle_error=False)
    assert len(rc.find(ipywidgets.Image).widgets) == 3
    select = rc.find(v.Select, label="Design point").widget
    assert select.items == [results_page.ALL_POINTS, "0: us_ties=0", "1: us_ties=0.45"]
    assert "16 of 16 runs · 2 design points" in page_text(rc)
    first = bytes(rc.find(ipywidgets.Image).widgets[0].value)
    select.v_model = "1: us_ties=0.45"
    assert results_page.point_choice.value == "1: us_ties=0.45"
    assert "8 of 16 runs · 2 design points" in page_text(rc)  # counts follow the point
    assert len(rc.find(ipywidgets.Image).widgets) == 3
    assert bytes(rc.find(ipywidgets.Image).widgets[0].value) != first


def test_results_page_shows_the_summary_table_with_a_csv_download(small_results):
    results_page.results_dir.set(str(small_results))
    _, rc = solara.render(results_page.ResultsTable(), handle_error=False)
    text = page_text(rc)
    assert "Outcomes per design point" in text and "<th>P(trilateral) [95% CI]</th>" in text
    assert f"python run.py summary {small_results}" in text
    (download,) = rc.find(FileDownloadWidget).widgets
    assert download.filename == f"{small_results.name}_summary.csv"
    csv = results_page.summary_or_error(str(small_results), 0.0)[0].to_csv(index=False)
    assert csv.splitlines()[0].startswith("point_id,") and len(csv.splitlines()) == 3


def test_results_picker_lists_the_result_directories_found(small_results, tmp_path):
    from sim.report.kinds import Found, find_results

    assert find_results(small_results.parent) == [Found(str(small_results), "batch")]
    (tmp_path / "a" / "not_results").mkdir(parents=True)
    assert find_results(tmp_path) == []
    assert find_results(tmp_path / "missing") == []


def test_results_page_names_a_missing_directory(tmp_path):
    results_page.results_dir.set(str(tmp_path / "nothing"))
    _, rc = solara.render(results_page.ResultsPicker(), handle_error=False)
    assert rc.find(v.Alert).widgets  # a warning naming the directory
    assert "nothing" in str(rc.find(v.Alert).widgets[0].children)


def test_the_event_log_says_when_it_shows_only_the_newest_events():
    """The log shows the newest LOG_LINES events; it said nothing when it left older ones
    out (84 months of seed 3 have more)."""
    from sim.model import DiplomacyModel
    from sim.webapp.run_page import LOG_LINES, EventLog

    model = DiplomacyModel("korea_2024", seed=3)
    for _ in range(3):
        model.step()
    n = len(model.events)
    assert 0 < n <= LOG_LINES
    _, rc = solara.render(EventLog(model, 3), handle_error=False)
    assert "Event log</h4>" in page_text(rc) and "newest" not in page_text(rc)
    for _ in range(81):
        model.step()
    n = len(model.events)
    assert n > LOG_LINES
    _, rc = solara.render(EventLog(model, 84), handle_error=False)
    text = page_text(rc)
    assert f"Event log (the newest {LOG_LINES} of {n};" in text
    assert text.count("<li>") == LOG_LINES


def test_the_configurations_legend_below_clears_the_month_labels_and_axis_title(small_results):
    """The legend under the configurations figure sat over the axis title 'Month (round 0
    = ...)' and the slanted months (anchored at a fixed -0.12 of the axes' height)."""
    from matplotlib.figure import Figure

    results = api.load_results(small_results)
    fig = Figure(figsize=(5.6, 5.0), layout="constrained", dpi=90)  # the app's figure
    ax = fig.subplots()
    api.plot_configurations(results, ax=ax, top=5, legend="below")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    legend = fig.legends[0].get_window_extent(renderer)
    under = [ax.xaxis.label.get_window_extent(renderer)]
    under += [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
    assert ax.get_legend() is None and len(fig.legends) == 1
    assert all(legend.y1 <= box.y0 for box in under)  # wholly below (pixels: y up)
    assert legend.y0 >= 0  # and inside the figure
