"""``run.py report DIR``: one self-contained HTML file (sim.report).

Rules: the report is one file with every figure embedded (base64 PNG) and nothing outside
it referenced (no http(s) src/href, no script); it holds the summary table, the experiment
and scenario, seeds, versions and commit, names the command behind each figure, and warns
of an incomplete batch.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import small_results
from runcli import main

from sim.report.html import FigureItem, Report, TableItem, render


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory):
    return small_results.batch(tmp_path_factory.mktemp("report"), "batch", [0.0, 0.45],
                               replicates=6, experiment="exp")  # fmt: skip


def external_references(text: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//[^"' >]+""", text, re.I)


def test_report_is_one_self_contained_file(batch_dir, tmp_path, capsys):
    out = tmp_path / "shared" / "report.html"
    assert main(["report", str(batch_dir), "--out", str(out.parent)]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]  # one file
    text = out.read_text()
    assert external_references(text) == [] and "<script" not in text
    n_images = text.count('src="data:image/png;base64,')
    assert n_images >= 3  # probability, timing and (with series) configuration shares
    assert text.count("Reproduce with <code>python run.py plot") == n_images
    # each caption says what its figure shows (they gave only the file's name)
    assert text.count("<figcaption><b>") == n_images and "</b>: " in text
    assert "<b>pact probability</b>: the share of runs in which each pact ever formed" in text
    assert "<b>time to formation</b>: the probability that each pact has formed by" in text
    assert f"python run.py summary {batch_dir}" in text  # the table's command
    manifest = json.loads((batch_dir / "manifest.json").read_text())
    assert "root seed 5; 6 replicate seed(s) (the same at every design point)" in text
    assert f"Model version</dt><dd>{manifest['model_version']}" in text
    assert "korea_2024" in text and "states.CHN.weights.us_ties" in text
    assert (manifest["git_commit"] or "unknown") in text
    assert f"mesa {manifest['versions']['mesa']}" in text
    assert "12 of 12 done, 0 failed" in text and "class='warning'" not in text
    assert "* = the design point at the scenario&#x27;s own values" in text
    # the line printed gives what a citation needs (README, "How to cite")
    package = manifest["versions"]["trilateral-sim"]
    cited = f"; results of trilateral-sim {package}, model version {manifest['model_version']}"
    assert cited in printed
    assert (f", commit {manifest['git_commit']}" in printed) == bool(manifest["git_commit"])


def test_the_line_printed_says_only_what_the_manifest_records(tmp_path):
    from sim.commands.report import provenance

    assert provenance(tmp_path) == ""  # a comparison: no manifest
    (tmp_path / "manifest.json").write_text(json.dumps({"git_commit": "abc", "versions": {}}))
    assert provenance(tmp_path) == "; results of commit abc"
    (tmp_path / "manifest.json").write_text("[1]")
    assert provenance(tmp_path) == ""


def test_report_warns_of_an_incomplete_batch(batch_dir, tmp_path):
    copy = tmp_path / "batch"
    shutil.copytree(batch_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["runs_total"] = 20  # as if 8 runs were still to run
    (copy / "manifest.json").write_text(json.dumps(manifest))
    assert main(["report", str(copy)]) == 0
    text = (copy / "report.html").read_text()
    assert "warning: incomplete batch: 12 of 20 runs done" in text


def test_report_of_a_missing_directory_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "nothing" in err


def test_render_escapes_text_and_embeds_the_png():
    import pandas as pd

    page = render(Report(
        "A <b>", "sub", warnings=["w & v"],
        tables=[TableItem("T", pd.DataFrame({"x<": ["<1>"]}), "cmd")],
        figures=[FigureItem("F", b"\x89PNG", "python run.py plot D")],
    ))  # fmt: skip
    assert "<h1>A &lt;b&gt;</h1>" in page and "w &amp; v" in page
    assert "<th>x&lt;</th>" in page and "<td>&lt;1&gt;</td>" in page
    assert 'src="data:image/png;base64,iVBORw=="' in page


# -- the other kinds: comparison, calibration, hindcast -------------------------------------


@pytest.fixture(scope="module")
def cal_file(tmp_path_factory):
    return small_results.cal_file(tmp_path_factory.mktemp("cal"))


@pytest.fixture(scope="module")
def calibration_dir(cal_file):
    return small_results.calibration(cal_file.parent)


@pytest.fixture(scope="module")
def hindcast_dir(cal_file):
    return small_results.hindcast(cal_file.parent)


def report_text(directory, capsys) -> str:
    assert main(["report", str(directory)]) == 0
    out = capsys.readouterr().out
    assert f"wrote {directory / 'report.html'}" in out
    text = (directory / "report.html").read_text()
    assert external_references(text) == [] and "<script" not in text
    return text


def figures_and_commands(text: str, command: str) -> int:
    """Every embedded figure names ``command``; the number of figures."""
    n_images = text.count('src="data:image/png;base64,')
    assert text.count(f"Reproduce with <code>{command}") >= n_images
    return n_images


def test_report_of_a_comparison_names_the_batch_compared(batch_dir, tmp_path, capsys):
    from sim.report.kinds import result_kind

    batch = tmp_path / "batch"
    shutil.copytree(batch_dir, batch)
    assert main(["compare", str(batch)]) == 0  # into batch/compare
    capsys.readouterr()
    out = batch / "compare"
    assert result_kind(out) == "comparison"
    text = report_text(out, capsys)
    assert "Comparison (reference: 0)" in text and "Outcomes side by side" in text
    assert figures_and_commands(text, f"python run.py compare {batch} --out {out}") == 3
    # the table as `run.py compare` prints it: the reference row and a paired difference
    assert "<td>reference</td>" in text and " paired</td>" in text
    # the batch compared: its experiment, seeds and provenance
    assert "root seed 5; 6 replicate seed(s)" in text and "states.CHN.weights.us_ties" in text


def test_report_of_a_comparison_names_the_batches_it_read_wherever_it_is(
    batch_dir, tmp_path, capsys
):
    """run.py compare records the batches it read (compare_sources.json): a comparison
    written inside another batch's folder described that batch (its experiment, and a
    'Reproduce with' command comparing it); moved elsewhere, it still names its source."""
    other = tmp_path / "other"
    shutil.copytree(batch_dir, other)
    (other / "manifest.json").write_text(
        (other / "manifest.json").read_text().replace('"root_seed": 5', '"root_seed": 77')
    )  # another batch: its manifest must not describe this comparison
    assert '"root_seed": 77' in (other / "manifest.json").read_text()
    out = other / "cmp_of_first"
    assert main(["compare", str(batch_dir), "--out", str(out)]) == 0
    capsys.readouterr()
    text = report_text(out, capsys)
    source = batch_dir.resolve()
    assert figures_and_commands(text, f"python run.py compare {source} --out {out}") == 3
    assert "root seed 5;" in text and "root seed 77" not in text
    shutil.copytree(out, tmp_path / "moved")
    assert f"python run.py compare {source} --out" in report_text(tmp_path / "moved", capsys)


def test_report_of_an_older_comparison_outside_a_batch_says_the_sources_are_unknown(
    batch_dir, tmp_path, capsys
):
    out = tmp_path / "elsewhere"
    assert main(["compare", str(batch_dir), "--out", str(out)]) == 0
    (out / "compare_sources.json").unlink()  # as written before the sources were recorded
    shutil.copytree(out, tmp_path / "moved")
    text = report_text(tmp_path / "moved", capsys)
    assert "compared directories are not recorded" in text
    assert "python run.py compare DIR [DIR ...] --out" in text


def test_report_of_a_calibration(calibration_dir, cal_file, capsys):
    manifest = json.loads((calibration_dir / "manifest.json").read_text())
    text = report_text(calibration_dir, capsys)
    assert "Calibration of scenario &#x27;korea_2024&#x27;" in text
    command = f"python run.py calibrate {cal_file} --out {calibration_dir}"
    assert figures_and_commands(text, command) == len(manifest["plots"]) >= 2
    post = manifest["posterior"]["negotiation.temperature"]
    assert f"<td>{post['mean']:.4g}</td>" in text  # the posterior mean, 4 digits
    assert f"[{post['q05']:.4g}, {post['q95']:.4g}]" in text  # 90% credible interval
    assert "<td>signed</td>" in text and "<td>holds</td>" in text
    fresh = {c["name"]: c["fresh_within_tolerance"] for c in manifest["targets"]}
    assert f"<td>{fresh['holds']:.1%}</td>" in text  # the fresh predictive share
    assert "root seed 5" in text and (manifest["git_commit"] or "unknown") in text
    assert manifest["status"] == "converged" and "class='warning'" not in text


@pytest.mark.parametrize(
    ("status", "warning"),
    [("max_generations", "warning: unconverged posterior: the SMC stopped (max_generations)"),
     ("running", "warning: incomplete calibration: status &#x27;running&#x27;")],
)  # fmt: skip
def test_report_warns_of_an_unconverged_or_unfinished_calibration(
    calibration_dir, tmp_path, capsys, status, warning
):
    copy = tmp_path / "cal"
    shutil.copytree(calibration_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps(manifest | {"status": status}))
    assert warning in report_text(copy, capsys)


def test_report_of_a_hindcast(hindcast_dir, cal_file, capsys):
    text = report_text(hindcast_dir, capsys)
    assert "Hindcast with cutoff 2024-08" in text
    command = f"python run.py hindcast {cal_file} --cutoff 2024-08 --out {hindcast_dir}"
    assert figures_and_commands(text, command) == 1  # the reliability diagram
    scores = pd.read_csv(hindcast_dir / "scores.csv")
    assert scores["event"].tolist() == ["holds"]
    assert f"<td>{scores['p_model'][0]:.3f}</td>" in text
    assert "Posterior fitted up to the cutoff" in text and "2025-04: US tariff" in text


def test_report_of_a_directory_of_no_kind_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "x").mkdir()
    assert main(["report", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "not a results directory" in err


def test_report_of_a_missing_directory_says_not_found_and_the_kinds(tmp_path, capsys):
    """It said 'batch directory not found' of any missing DIR, a hindcast's too."""
    missing = tmp_path / "hindcast"
    assert main(["report", str(missing)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"error: not found: {missing} (expected a results directory: ")
    assert "batch" in line and "comparison" in line and "calibration or a hindcast)" in line


def test_kinds_and_the_directories_found(batch_dir, calibration_dir, hindcast_dir, tmp_path):
    from sim.report.kinds import find_results, result_kind

    assert result_kind(batch_dir) == "batch"
    assert result_kind(calibration_dir) == "calibration"
    assert result_kind(hindcast_dir) == "hindcast"
    assert result_kind(tmp_path) is None and result_kind(tmp_path / "missing") is None
    found = {Path(f.path).relative_to(calibration_dir.parent): f.kind
             for f in find_results(calibration_dir.parent)}  # fmt: skip
    # a calibration's generation and predictive batches are not listed on their own
    assert found == {
        Path("calibration"): "calibration", Path("hindcast"): "hindcast",
        Path("hindcast/calibration"): "calibration", Path("hindcast/forecast"): "batch",
        Path("hindcast/prior"): "batch",
    }  # fmt: skip
