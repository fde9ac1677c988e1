"""docs/python.md's examples run, in order, as one notebook would run them.

Rule: every ```python block of the page executes without error in a fresh namespace
shared by the blocks (a notebook session), from a scratch folder with the repository's
configs reachable by relative path; the figures they draw are closed.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "python.md"


def code_blocks(text: str) -> list[str]:
    """The bodies of the page's ```python fenced blocks, in order."""
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_readme_python_example_runs(capsys):
    (block,) = code_blocks((ROOT / "README.md").read_text())
    exec(compile(block, "README.md", "exec"), {"__name__": "__notebook__"})
    assert "2030-12" in capsys.readouterr().out


def test_the_page_has_an_example_for_each_task():
    joined = "\n".join(code_blocks(PAGE.read_text()))
    for call in ("sim.load(", "sim.simulate(", "mesa.batch_run(", "sim.run_batch(",
                 "sim.load_results(", "ax=axs"):  # fmt: skip
        assert call in joined, call


def test_python_md_examples_run(tmp_path, monkeypatch, capsys):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")  # figures other tests of this worker process left open are not ours
    (tmp_path / "configs").symlink_to(ROOT / "configs")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__notebook__"}
    for i, block in enumerate(code_blocks(PAGE.read_text())):
        try:
            exec(compile(block, f"{PAGE.name} block {i}", "exec"), namespace)
        except Exception as exc:  # name the block that failed
            pytest.fail(f"docs/python.md block {i} failed: {exc!r}\n{block}")
    assert (tmp_path / "results" / "api_demo" / "overview.png").stat().st_size > 10_000
    assert plt.get_fignums() == []
    out = capsys.readouterr().out
    assert "2030-12" in out and "p_target" in out
