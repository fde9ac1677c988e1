"""The app's results pages rendered with solara.render (no browser), on small results
directories of every kind (tests/app_results.py).

Rules: the pickers list the result directories found (under results/ and any root typed),
by kind; "Compare" shows the table of ``run.py compare`` (the same numbers as its
compare.csv) for a batch's points or a batch beside a second one, with CSV and PNG
downloads; "Calibration" shows a posterior, its target checks and the forecast made from
it (found by the posterior file's digest), or a hindcast's scores; "Run a batch" starts a
batch in its own process, follows it to 100% and opens it on "Batch results"; an error is
one line on the page.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pandas as pd
import pytest

solara = pytest.importorskip("solara")

import ipyvuetify as v  # noqa: E402
import ipywidgets  # noqa: E402
from small_results import every_kind  # noqa: E402
from solara.components.file_download import FileDownloadWidget  # noqa: E402
from test_app import click, page_text  # noqa: E402

from sim.webapp import (  # noqa: E402
    batch_page,
    calibration_page,
    compare_page,
    results_page,
    widgets,
)
from sim.webapp.launch import BatchRequest, RequestError, parse_values  # noqa: E402


@pytest.fixture(scope="module")
def kinds(tmp_path_factory):
    return every_kind(tmp_path_factory.mktemp("results"))


KINDS = ("batch", "comparison", "calibration", "hindcast")


def downloads(rc) -> list[str]:
    return [w.filename for w in rc.find(FileDownloadWidget).widgets]


def enter(rc, label: str, text: str) -> None:
    field = rc.find(v.TextField, label=label).widget
    field.v_model = text
    field.fire_event("keyup.enter", None)  # what Enter does in a browser


def test_the_picker_lists_the_directories_found_by_kind(kinds):
    root = kinds["batch"].parent
    listed = [f for f in widgets.found(str(root), KINDS) if Path(f.path).is_relative_to(root)]
    found = {Path(f.path).relative_to(root): f.kind for f in listed}  # (also lists ./results)
    # a calibration's generation batches and predictive check are not listed on their own
    assert found == {
        Path("batch"): "batch", Path("other"): "batch", Path("batch/compare"): "comparison",
        Path("calibration"): "calibration", Path("forecast"): "batch",
        Path("hindcast"): "hindcast", Path("hindcast/calibration"): "calibration",
        Path("hindcast/forecast"): "batch", Path("hindcast/prior"): "batch",
    }  # fmt: skip
    widgets.results_root.set(str(root))
    results_page.results_dir.set(str(kinds["batch"]))
    _, rc = solara.render(results_page.ResultsPicker(), handle_error=False)
    (select,) = [w for w in rc.find(v.Select).widgets if "found" in str(w.label)]
    assert f"{kinds['batch']} (batch)" in select.items
    assert f"{kinds['calibration']} (calibration)" not in select.items  # batches only here
    assert "batch_report.html" in downloads(rc)  # the run.py report page
    widgets.results_root.set(widgets.DEFAULT_ROOT)


def test_batch_results_offer_png_and_csv_downloads(kinds):
    results_page.results_dir.set(str(kinds["batch"]))
    results_page.point_choice.set(results_page.ALL_POINTS)
    _, rc = solara.render(results_page.ResultsPage(), handle_error=False)
    names = downloads(rc)
    for figure in ("probability", "timing", "configurations"):
        assert f"batch_{figure}_all.png" in names
    assert "batch_summary.csv" in names
    images = rc.find(ipywidgets.Image).widgets
    assert len(images) == 3 and all(bytes(w.value)[:4] == b"\x89PNG" for w in images)


def test_compare_page_is_the_compare_command_for_points_and_a_second_batch(kinds):
    compare_page.first_dir.set(str(kinds["batch"]))
    compare_page.second_dir.set(compare_page.POINTS_ONLY)
    _, rc = solara.render(compare_page.ComparePage(), handle_error=False)
    text = page_text(rc)
    assert "Side by side (reference: 0)" in text and "0 n=8, 0.45 n=8" in text
    assert f"python run.py compare {kinds['batch']}" in text
    assert {"batch_compare.csv", "batch_compare_curves.png", "batch_compare_end.png"} <= set(
        downloads(rc))  # fmt: skip
    assert len(rc.find(ipywidgets.Image).widgets) == 2
    # the same numbers as `run.py compare` wrote
    _, table, _, error = compare_page.comparison((str(kinds["batch"]),))
    written = pd.read_csv(kinds["comparison"] / "compare.csv")
    assert error == ""
    pd.testing.assert_frame_equal(pd.read_csv(io.StringIO(table.to_csv(index=False))), written)

    (choice,) = [w for w in rc.find(v.Select).widgets if w.label == "Compare with"]
    assert str(kinds["other"]) in choice.items  # a batch beside the first is offered
    choice.v_model = str(kinds["other"])
    text = page_text(rc)
    assert "batch: 0 n=8, batch: 0.45 n=8, other n=8" in text and "<td>other</td>" in text


def test_compare_page_error_is_one_line(kinds, tmp_path):
    compare_page.first_dir.set(str(kinds["batch"]))
    compare_page.second_dir.set(str(tmp_path / "nothing"))
    _, rc = solara.render(compare_page.ComparePage(), handle_error=False)
    (alert,) = [str(w.children) for w in rc.find(v.Alert).widgets]
    assert "nothing" in alert and "\\n" not in alert
    compare_page.second_dir.set(compare_page.POINTS_ONLY)


def test_calibration_page_shows_the_posterior_targets_and_forecast(kinds):
    cal = kinds["calibration"]
    manifest = json.loads((cal / "manifest.json").read_text())
    calibration_page.cal_dir.set(str(cal))
    _, rc = solara.render(calibration_page.CalibrationPage(), handle_error=False)
    text = page_text(rc)
    post = manifest["posterior"]["negotiation.temperature"]
    assert f"<td>{post['mean']:.4g}</td>" in text and "<td>signed</td>" in text
    # the forecast batch drew from this posterior: found by the posterior file's digest
    assert calibration_page.forecasts_of(str(cal), "results") == [str(kinds["forecast"])]
    assert f"Forecast in {kinds['forecast']}" in text and "<td>record</td>" in text
    n_plots = len(manifest["plots"])
    assert len(rc.find(ipywidgets.Image).widgets) == n_plots + 1  # posterior figures, forecast
    assert {"calibration_posterior.csv", "calibration_report.html", "forecast_forecast.png"} <= (
        set(downloads(rc)))  # fmt: skip
    assert not rc.find(v.Alert).widgets  # converged: no warning


def test_calibration_page_shows_a_hindcast_and_names_a_wrong_directory(kinds):
    calibration_page.cal_dir.set(str(kinds["hindcast"]))
    _, rc = solara.render(calibration_page.CalibrationPage(), handle_error=False)
    text = page_text(rc)
    assert "Hindcast with cutoff 2024-08: scores" in text and "<td>holds</td>" in text
    assert len(rc.find(ipywidgets.Image).widgets) == 1  # the reliability diagram
    calibration_page.cal_dir.set(str(kinds["batch"]))
    (alert,) = [str(w.children) for w in rc.find(v.Alert).widgets]
    assert "not a calibration or hindcast directory" in alert


def test_request_values_and_errors():
    assert parse_values("0, 0.2; 0.45") == [0.0, 0.2, 0.45]
    with pytest.raises(RequestError, match="'x' is not a number"):
        parse_values("0, x")
    from sim.webapp.launch import experiment_file

    with pytest.raises(RequestError, match="expected one of chn_security"):
        experiment_file(BatchRequest(parameter="nope"))


def wait_for(rc, text: str, timeout: float = 120) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        shown = page_text(rc)
        if text in shown:
            return shown
        time.sleep(0.3)
    raise AssertionError(f"{text!r} not shown; the page shows:\n{page_text(rc)[:2000]}")


def test_run_a_batch_from_the_page_with_progress_to_100_percent(tmp_path):
    _, rc = solara.render(batch_page.BatchPage(), handle_error=False)
    out = tmp_path / "launched"
    enter(rc, "Output directory", str(out))
    enter(rc, "Values (comma-separated)", "0, x")
    click(rc, "Start batch")
    (alert,) = [str(w.children) for w in rc.find(v.Alert).widgets]
    assert "'x' is not a number" in alert and not out.exists()  # one line, nothing run

    enter(rc, "Values (comma-separated)", "0, 0.45")
    enter(rc, "Replicates per value", "3")
    enter(rc, "Months per run", "6")
    click(rc, "Start batch")
    text = wait_for(rc, "done:")
    assert "6 of 6 runs (100%)" in text
    assert rc.find(v.ProgressLinear).widget.value == 100
    assert f"python run.py batch {tmp_path / 'launched.toml'} --out {out}" in text
    assert len(pd.read_parquet(out / "runs")) == 6
    assert results_page.results_dir.value == str(out)  # opened on "Batch results"


def test_the_what_if_library_is_offered_once_run_and_named_until_then(kinds, tmp_path, monkeypatch):
    import shutil

    monkeypatch.chdir(tmp_path)
    compare_page.first_dir.set(str(kinds["batch"]))
    _, rc = solara.render(compare_page.ComparePage(), handle_error=False)
    assert "The what-if library is not run yet" in page_text(rc)
    assert compare_page.LIBRARY_RUN in page_text(rc)  # the command that runs it
    assert "library" in batch_page.shipped_experiments()  # it can be started from the page
    shutil.copytree(kinds["batch"], tmp_path / "results" / "library")  # as if run
    _, rc = solara.render(compare_page.ComparePage(), handle_error=False)
    click(rc, "The what-if library")
    assert compare_page.first_dir.value == "results/library"
    assert "python run.py compare results/library" in page_text(rc)


def test_point_labels_of_a_library_batch_name_its_scenarios():
    """A batch whose design values are names (the what-if library's scenarios) lists its
    points by name; formatting them as numbers raised and replaced the page with a
    traceback. Numbers keep their short form."""
    from types import SimpleNamespace

    import pandas as pd

    from sim.webapp.results_page import ALL_POINTS, point_labels

    lib = SimpleNamespace(
        parameters=["scenario"],
        points=pd.DataFrame({"point_id": [0, 1], "scenario": ["korea_2024", "ceasefire_2025"]}),
    )
    assert point_labels(lib) == [ALL_POINTS, "0: scenario=korea_2024", "1: scenario=ceasefire_2025"]
    grid = SimpleNamespace(
        parameters=["states.CHN.weights.us_ties"],
        points=pd.DataFrame({"point_id": [0], "w": [0.450000]}),
    )
    assert point_labels(grid) == [ALL_POINTS, "0: us_ties=0.45"]


def test_a_results_folder_not_made_yet_is_a_note_not_an_error(tmp_path, monkeypatch):
    """Before the first `python run.py` the page's default folder does not exist: it says
    how to make it (an information note), where a folder that exists but does not load is
    a warning naming the reason."""
    from sim.webapp import results_page

    monkeypatch.setattr(results_page.results_dir, "value", str(tmp_path / "none"))
    results, message = results_page.opened()
    assert results is None and message.startswith("no results in") and "python run.py" in message
    (tmp_path / "empty").mkdir()
    monkeypatch.setattr(results_page.results_dir, "value", str(tmp_path / "empty"))
    assert results_page.opened()[1].startswith("cannot open")


def test_a_wide_figure_gets_a_row_of_its_own_and_narrow_ones_pair_up(tmp_path):
    """A figure 1716 x 662 px (a panel per target) in half the page's width had text about
    5 px high; one at least WIDE times wider than tall now gets the whole row."""
    import struct
    import zlib

    def png(name: str, w: int, h: int) -> Path:
        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
        raw = zlib.compress(b"".join(b"\x00" + b"\x00" * w for _ in range(h)))
        path = tmp_path / name
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw)
                         + chunk(b"IEND", b""))  # fmt: skip
        return path

    a, b = png("a.png", 80, 64), png("b.png", 160, 66)  # 1.25 and 2.42 times wider
    c, d = png("c.png", 100, 100), png("d.png", 159, 100)  # 1.59: below WIDE
    e = png("e.png", 160, 100)  # exactly WIDE (1.6): wide
    assert calibration_page.png_size(b.read_bytes()) == (160, 66)
    assert calibration_page.png_size(b"not a png at all, but long enough") == (0, 0)
    assert calibration_page.image_rows([a, b, c, d, e]) == [[a, c], [b], [d], [e]]
    assert calibration_page.image_rows([]) == []


def test_batch_results_before_a_batch_is_open_show_one_line_not_empty_cards(tmp_path):
    """Before a batch is open, three cards said 'open a results directory' beside an empty
    one; now one line says what will show, and the picker says why nothing is open."""
    results_page.results_dir.set(str(tmp_path / "nothing_here"))
    _, rc = solara.render(results_page.ResultsPage(), handle_error=False)
    text = page_text(rc)
    assert "open a results directory" not in text
    assert "The figures and the table of a batch show here once one is open." in text
    assert f"no results in {tmp_path / 'nothing_here'} yet" in text
    assert rc.find(ipywidgets.Image).widgets == []
    results_page.results_dir.set(results_page.DEFAULT_RESULTS)


def test_wrap_titles_keeps_each_titles_font_size_and_wraps_at_what_it_holds():
    """The app re-set a 9-pt title at the default 12 pt and wrapped it at 12-pt widths:
    the timing panel's title stood twice the size of its neighbour's and broke early."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.6, 4.1))
    small, large = fig.subplots(1, 2)
    line = "x" * 70  # 5.6 in: 56 characters at 12 pt, 74 at 9 pt
    small.set_title(line, fontsize=9)
    large.set_title(line, fontsize=12)
    results_page.wrap_titles(fig, 5.6)
    assert small.get_title() == line and small.title.get_fontsize() == 9
    assert large.get_title() == "x" * 56 + "\n" + "x" * 14
    assert large.title.get_fontsize() == 12
