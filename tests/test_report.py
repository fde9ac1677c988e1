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

import pytest
from runcli import main

from sim import api
from sim.report.html import FigureItem, Report, TableItem, render


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    exp = api.write_experiment(
        out / "exp.toml", {"states.CHN.weights.us_ties": [0.0, 0.45]}, replicates=6,
        rounds=12, root_seed=5,
    )  # fmt: skip
    api.run_batch(exp, out / "batch", series=True)
    return out / "batch"


def external_references(text: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//[^"' >]+""", text, re.I)


def test_report_is_one_self_contained_file(batch_dir, tmp_path, capsys):
    out = tmp_path / "shared" / "report.html"
    assert main(["report", str(batch_dir), "--out", str(out.parent)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]  # one file
    text = out.read_text()
    assert external_references(text) == [] and "<script" not in text
    n_images = text.count('src="data:image/png;base64,')
    assert n_images >= 3  # probability, timing and (with series) configuration shares
    assert text.count("Reproduce with <code>python run.py plot") == n_images
    assert f"python run.py summary {batch_dir}" in text  # the table's command
    manifest = json.loads((batch_dir / "manifest.json").read_text())
    assert "root seed 5; 6 replicate seed(s) (the same at every design point)" in text
    assert f"Model version</dt><dd>{manifest['model_version']}" in text
    assert "korea_2024" in text and "states.CHN.weights.us_ties" in text
    assert (manifest["git_commit"] or "unknown") in text
    assert f"mesa {manifest['versions']['mesa']}" in text
    assert "12 of 12 done, 0 failed" in text and "class='warning'" not in text
    assert "* = the design point at the scenario&#x27;s own values" in text


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
