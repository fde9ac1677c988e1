"""Every result file of summary, plot and compare is written atomically: a full disk or a
read-only directory gives one line naming the file whose write failed first, exit 2, and
no partial or empty file (issue 26, case 5)."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import matplotlib.figure
import pandas as pd
import pytest
from runcli import main as cli
from test_batch_integrity import batch, one_error_line, write_exp

import sim.files
from sim.files import WriteError, write_atomic


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("ref")
    assert batch(write_exp(tmp), tmp / "out") == 0
    return tmp / "out"


@pytest.fixture
def out(tmp_path: Path, finished: Path) -> Path:
    shutil.copytree(finished, tmp_path / "out")
    return tmp_path / "out"


def disk_full():
    """A writer method that writes a few bytes of its file, then fails as on a full disk."""

    def write(self, path, *args, **kwargs):
        Path(path).write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    return write


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp"))


def test_summary_on_a_full_disk_names_summary_csv_and_leaves_nothing(
    out: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full())
    assert cli(["summary", str(out)]) == 2
    captured = capsys.readouterr()
    line = one_error_line(captured.err)
    assert line == f"error: cannot write {out / 'summary.csv'}: No space left on device"
    assert not (out / "summary.csv").exists() and not (out / "summary.md").exists()
    assert leftovers(out) == []


def test_plot_on_a_full_disk_names_the_figure_and_leaves_no_empty_png(
    out: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", disk_full())
    assert cli(["plot", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith(f"error: cannot write {out / 'plots'}/") and line.endswith(
        ".png: No space left on device"
    )
    assert list((out / "plots").iterdir()) == []


def test_compare_on_a_full_disk_names_compare_csv(
    out: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full())
    assert cli(["compare", str(out), str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line == f"error: cannot write {out / 'compare' / 'compare.csv'}: No space left on device"
    assert list((out / "compare").iterdir()) == []


def test_a_read_only_folder_keeps_the_error_of_the_write_not_of_the_cleanup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(self, missing_ok=False):
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(sim.files.Path, "unlink", read_only)
    target = tmp_path / "summary.csv"

    def fails(tmp: Path) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(tmp))

    with pytest.raises(WriteError) as caught:
        write_atomic(target, fails)
    assert str(caught.value) == f"cannot write {target}: Read-only file system"


@pytest.mark.parametrize(
    "option,name,writer",
    [("--series", "x.csv", (pd.DataFrame, "to_csv")),
     ("--plot", "x.png", (matplotlib.figure.Figure, "savefig"))],
)  # fmt: skip
def test_simulate_names_a_file_it_cannot_write_once(
    option: str, name: str, writer: tuple, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """It said 'cannot write F: cannot write F: No space left on device'."""
    monkeypatch.setattr(*writer, disk_full())
    target = tmp_path / name
    assert cli(["simulate", "--rounds", "3", option, str(target)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line == f"error: cannot write {target}: No space left on device"
    assert leftovers(tmp_path) == [] and not target.exists()
