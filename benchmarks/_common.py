"""Shared helpers for the batch benchmarks: a small grid experiment written to a temp dir."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "configs" / "scenarios" / "korea_2024.toml"


def write_experiment(
    folder: Path, points: int, replicates: int, rounds: int, engine: str = "mesa"
) -> Path:
    """A grid over China's weight on US ties (``points`` values in [0, 0.45])."""
    values = [round(0.45 * i / max(1, points - 1), 6) for i in range(points)]
    path = folder / "bench.toml"
    path.write_text(
        f'scenario = "{SCENARIO}"\nrounds = {rounds}\nreplicates = {replicates}\n'
        f'root_seed = 1\nengine = "{engine}"\n[design]\nkind = "grid"\n'
        f'[design.parameters]\n"states.CHN.weights.us_ties" = {values}\n'
    )
    return path
