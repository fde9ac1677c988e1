"""Small results directories of every kind (tiny real runs, seconds), shared by the app's,
the report's and the hindcast's tests: batches, a comparison, a calibration file and its
calibration, a forecast from its posterior, a hindcast."""

from __future__ import annotations

from pathlib import Path

from runcli import main

from sim import api
from sim.scenarios import scenario_path

CAL = """
scenario = "{scenario}"
rounds = 12
replicates = 4
root_seed = 5
[scenario_overrides]
checkpoints = [5, 11]
[smc]
population = 10
max_generations = 8
budget = 1000
[priors]
"negotiation.temperature" = {{ dist = "loguniform", low = 0.005, high = 0.2 }}
[[targets]]
name = "signed"
statistic = "level_r5.RUS-PRK"
observed = 2
tolerance = 0
date = "2024-06"
[[targets]]
name = "holds"
statistic = "level_r11.RUS-PRK"
observed = 2
tolerance = 0
date = "2024-12"
"""


def cal_text(extra: str = "") -> str:
    """The small calibration file (two dated targets, default scenario), ``extra`` (more
    TOML, e.g. a target) appended."""
    return CAL.format(scenario=scenario_path("korea_2024")) + extra


def batch(
    root: Path, name: str, values: list[float], replicates: int = 8, seed: int = 5,
    experiment: str | None = None,
) -> Path:  # fmt: skip
    """A batch with series of China's weight on US ties at ``values``, 12 rounds, in
    ``root/name`` (its experiment file ``root/<experiment or name>.toml``)."""
    exp = api.write_experiment(root / f"{experiment or name}.toml",
                               {"states.CHN.weights.us_ties": values},
                               replicates=replicates, rounds=12, root_seed=seed)  # fmt: skip
    api.run_batch(exp, root / name, series=True)
    return root / name


def cal_file(root: Path) -> Path:
    """``root/cal.toml``: the small calibration file."""
    path = root / "cal.toml"
    path.write_text(cal_text())
    return path


def calibration(root: Path) -> Path:
    """The calibration of ``root/cal.toml`` (written if absent) in ``root/calibration``."""
    cal = root / "cal.toml"
    if not cal.exists():
        cal_file(root)
    out = root / "calibration"
    args = ["calibrate", str(cal), "--out", str(out), "--workers", "1", "--quiet",
            "--predictive-sets", "10"]  # fmt: skip
    assert main(args) == 0
    return out


def forecast(root: Path, cal_dir: Path) -> Path:
    exp = root / "forecast.toml"
    exp.write_text(f'scenario = "{scenario_path("korea_2024")}"\nrounds = 12\nreplicates = 5\n'
                   f'root_seed = 4\n[design]\nkind = "posterior"\nposterior = "{cal_dir}"\n'
                   "samples = 6\n")  # fmt: skip
    out = root / "forecast"
    assert main(["batch", str(exp), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    return out


def hindcast(root: Path) -> Path:
    """The hindcast of ``root/cal.toml`` at cutoff 2024-08 in ``root/hindcast``."""
    out = root / "hindcast"
    args = ["hindcast", str(root / "cal.toml"), "--cutoff", "2024-08", "--out", str(out),
            "--sets", "10", "--workers", "1", "--quiet"]  # fmt: skip
    assert main(args) == 0
    return out


def every_kind(root: Path) -> dict[str, Path]:
    """A results root holding every kind (names -> paths)."""
    out = {"batch": batch(root, "batch", [0.0, 0.45]), "other": batch(root, "other", [0.2])}
    assert main(["compare", str(out["batch"])]) == 0  # batch/compare
    out["comparison"] = out["batch"] / "compare"
    out["calibration"] = calibration(root)
    out["forecast"] = forecast(root, out["calibration"])
    out["hindcast"] = hindcast(root)
    return out
