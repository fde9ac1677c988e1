"""`run.py validate --quick`: the regeneration of every validation figure runs end to end
(few seeds, a tiny calibration), so a broken regeneration command fails the suite."""

from __future__ import annotations

from runcli import main

SECTIONS = (
    "## Facts at the default",
    "## Noise: temperature sweep",
    "## Causal channels",
    "## Comparative statics",
    "## Posterior",
    "## Hindcast, cutoff 2024-12",
    "## Hindcast, cutoff 2025-06",
)


def test_quick_validation_regenerates_every_table(tmp_path, capsys):
    out = tmp_path / "validation"
    assert main(["validate", "--quick", "--out", str(out)]) == 0
    text = (out / "validation.md").read_text()
    assert text.strip() == capsys.readouterr().out.strip()
    for section in SECTIONS:
        assert section in text, section
    assert "| 1e+06 (random moves) |" in text  # the row that broke scripts/model_report.py
    for cutoff in ("2024-12", "2025-06"):
        assert (out / f"hindcast-{cutoff}" / "scores.csv").is_file()
    assert (out / "calibration" / "predictive" / "runs").is_dir()  # fresh predictive runs


def test_model_report_script_runs(capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "model_report.py"
    spec = importlib.util.spec_from_file_location("model_report", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--seeds", "10"]) == 0
    assert "| 1e+06 (random moves) |" in capsys.readouterr().out
