"""The "Calibration" page: a calibration directory's posterior (table, figures), its target
checks and the forecasts made from it (batches whose ``posterior`` design drew from this
very posterior file, by digest); or a hindcast directory's scores and reliability diagram.
Reads what ``run.py calibrate`` / ``hindcast`` / ``batch`` wrote; warnings (unconverged,
unfinished) as in ``run.py report``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import solara

from sim.report.calibration import (
    calibration_warnings,
    posterior_table,
    scores_table,
    targets_table,
)
from sim.report.kinds import result_kind
from sim.webapp.widgets import (
    DirectoryPicker,
    ErrorLine,
    FigureWithDownload,
    ReportDownload,
    Table,
    found,
    results_root,
)

FORECAST_HOWTO = (
    "No forecast from this posterior found: write an experiment with design.kind = "
    '"posterior" and posterior = this directory (configs/experiments/forecast_2024.toml) and '
    "run it with python run.py batch."
)

cal_dir = solara.reactive("results/calibration")


def manifest_of(path: Path) -> dict:
    try:
        value = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def forecasts_of(path: str, root: str) -> list[str]:
    """Batches found (under ``root`` and beside ``path``) whose posterior design drew from
    ``path``'s posterior.parquet."""
    table = Path(path) / "posterior.parquet"
    if not table.is_file():
        return []
    digest = hashlib.sha256(table.read_bytes()).hexdigest()
    near = found(root, ("batch",)) + found(str(Path(path).parent), ("batch",))
    return [f.path for f in dict.fromkeys(near)
            if (manifest_of(Path(f.path)).get("design") or {}).get("digest") == digest]  # fmt: skip


WIDE = 1.6  # a figure this many times wider than tall gets a row of its own


def png_size(data: bytes) -> tuple[int, int]:
    """``(width, height)`` in pixels from a PNG's header (its IHDR chunk)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        return (0, 0)
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def is_wide(png: Path) -> bool:
    """At least :data:`WIDE` times wider than tall (read from the file's header only)."""
    with png.open("rb") as fh:
        w, h = png_size(fh.read(24))
    return h > 0 and w / h >= WIDE


def image_rows(pngs: list[Path]) -> list[list[Path]]:
    """The figures laid out in rows: a wide one (e.g. a panel per target) alone, so its
    text stays legible at the page's width; the others two a row, in order."""
    rows: list[list[Path]] = []
    pair: list[Path] = []  # the narrow figure waiting for a second
    for png in pngs:
        if is_wide(png):
            rows.append([png])
        elif pair:
            pair.append(png)
            pair = []
        else:
            pair = [png]
            rows.append(pair)
    return rows


@solara.component
def Images(path: Path, command: str):
    """The PNG figures in ``path`` (:func:`image_rows`), each with its command and a
    download."""
    for row in image_rows(sorted(path.glob("*.png"))):
        wide = len(row) == 1 and is_wide(row[0])
        with solara.Columns([1] if wide else [1, 1]):  # a lone narrow one: half the row
            for png in row:
                FileImage(png, command)
            if len(row) == 1 and not wide:
                solara.Div()  # the empty half


@solara.component
def FileImage(png: Path, command: str):
    with solara.Card(margin=0):
        solara.Image(png.read_bytes(), width="100%")
        solara.Text(f"{png.name} · reproduce with {command}",
                    style={"font-size": "0.8em", "color": "#555"})  # fmt: skip
        solara.FileDownload(png.read_bytes(), filename=png.name, mime_type="image/png",
                            label=f"Download {png.name}")  # fmt: skip


@solara.component
def Forecast(batch_dir: str):
    """A posterior design's forecast: figure and table (sim.analysis.forecast)."""
    from sim.analysis import load_batch
    from sim.analysis.forecast import display_forecast, forecast
    from sim.plots.forecast import Forecast as ForecastData
    from sim.plots.forecast import plot_forecast

    batch = solara.use_memo(lambda: load_batch(batch_dir), [batch_dir])
    table = solara.use_memo(lambda: forecast(batch), [batch_dir])
    record = (batch.manifest.get("design") or {}).get("record_rounds")
    end = int(record) - 1 if record else None
    data = ForecastData(table, batch.info, end)
    FigureWithDownload(lambda: plot_forecast(data, batch.subtitle()),
                       f"{Path(batch_dir).name}_forecast.png", [batch_dir])  # fmt: skip
    Table(display_forecast(table, batch), f"Forecast in {batch_dir}",
          f"python run.py summary {batch_dir}", "P(pact at >= level by the end of each month): "
          "mean over parameter sets [5%, 95% over sets]; runs = record: only runs that "
          "reproduce the calibration's record.", csv=f"{Path(batch_dir).name}_forecast.csv",
          raw=table)  # fmt: skip


@solara.component
def CalibrationView(path: Path):
    manifest = manifest_of(path)
    cal = manifest.get("calibration") or {}
    command = f"python run.py calibrate {cal.get('file', 'CALIBRATION.toml')} --out {path}"
    for line in calibration_warnings(manifest):
        solara.Warning(line, dense=True)
    with solara.Card(margin=0):
        Table(posterior_table(manifest), "Posterior (weighted)", command,
              "90% credible interval: weighted 5% and 95% quantiles.")  # fmt: skip
        if (path / "posterior.parquet").is_file():
            import pandas as pd

            solara.FileDownload(lambda: pd.read_parquet(path / "posterior.parquet").to_csv(
                index=False), filename=f"{path.name}_posterior.csv", mime_type="text/csv",
                label="Download the posterior sets (CSV)")  # fmt: skip
        Table(targets_table(manifest), "Targets: the record against the model", command)
    Images(path / "plots", command)
    forecasts = forecasts_of(str(path), results_root.value)
    with solara.Card("Forecast from this posterior", margin=0):
        if forecasts:
            Forecast(forecasts[0])
        else:
            solara.Text(FORECAST_HOWTO)


@solara.component
def HindcastView(path: Path):
    m = manifest_of(path)
    command = (f"python run.py hindcast {m.get('calibration')} --cutoff {m.get('cutoff')} "
               f"--out {path} --sets {m.get('sets')}")  # fmt: skip
    with solara.Card(margin=0):
        Table(scores_table(path), f"Hindcast with cutoff {m.get('cutoff')}: scores", command,
              "Brier: lower is better; persistence carries the cutoff's state forward.",
              csv=f"{path.name}_scores.csv")  # fmt: skip
        Table(posterior_table(manifest_of(path / "calibration")),
              "Posterior fitted up to the cutoff", command)  # fmt: skip
    Images(path, command)


@solara.component
def CalibrationPage():
    path = Path(cal_dir.value).expanduser()
    kind = result_kind(path)
    with solara.Columns([1, 3]):
        with solara.Card("Calibration", margin=0):
            DirectoryPicker(cal_dir, ("calibration", "hindcast"), "Calibration or hindcast")
            if kind in ("calibration", "hindcast"):
                ReportDownload(str(path))
        with solara.Column():
            if kind == "calibration":
                CalibrationView(path)
            elif kind == "hindcast":
                HindcastView(path)
            else:
                ErrorLine(f"{path}: not a calibration or hindcast directory (run.py "
                          "calibrate / run.py hindcast write them)")  # fmt: skip


__all__ = ["CalibrationPage", "cal_dir", "forecasts_of"]
