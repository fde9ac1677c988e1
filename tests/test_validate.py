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
    "## Forecast to 2030 from the posterior",
    "## Recovery on the real model",
    "## A record row not fitted: summit CHN-PRK, either way (out of sample)",
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
    assert "| CHN-RUS-PRK | partnership |" in text  # the 2030 forecast of the trilateral
    for pact in ("CHN-RUS", "CHN-PRK", "RUS-PRK"):
        assert f"| {pact} | treaty |" in text, pact
    assert "| `levels.1.talks_max` |" in text  # the real-model recovery's table
    assert "| part of the record | scenario values | posterior (fresh runs) |" in text
    assert "| all together (the record's pattern) | " in text


def test_model_report_script_runs(capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "model_report.py"
    spec = importlib.util.spec_from_file_location("model_report", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--seeds", "10"]) == 0
    assert "| 1e+06 (random moves) |" in capsys.readouterr().out


def test_verdict_compares_the_90_percent_interval_with_the_prior():
    """Uniform 0-1 (90% width 0.9): the prior itself is open; a sample on 0.4-0.6 (width
    ~0.18, ratio 0.2) is pinned; on 0-0.7 (ratio ~0.7) leaning; a log-uniform prior is
    compared in log: values spread evenly in log over its range are open."""
    import numpy as np

    from sim.calibration.spec import Prior
    from sim.validation.report import verdict

    u = Prior(dist="uniform", low=0.0, high=1.0)
    w = np.ones(2001)
    assert verdict(u, np.linspace(0, 1, 2001), w)[0] == "open"
    label, ratio = verdict(u, np.linspace(0.4, 0.6, 2001), w)
    assert label == "pinned" and abs(ratio - 0.2) < 0.01
    assert verdict(u, np.linspace(0.0, 0.7, 2001), w)[0] == "leaning"
    log = Prior(dist="loguniform", low=0.001, high=1.0)
    assert verdict(log, np.geomspace(0.001, 1.0, 2001), w)[0] == "open"
