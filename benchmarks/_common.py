"""Shared helpers for the batch benchmarks: a small grid experiment written to a temp dir."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "configs" / "scenarios" / "korea_2024.toml"


def write_experiment(
    folder: Path, points: int, replicates: int, rounds: int, engine: str | None = None
) -> Path:
    """A grid over China's weight on US ties (``points`` values in [0, 0.45])."""
    values = [round(0.45 * i / max(1, points - 1), 6) for i in range(points)]
    lines = [
        f'scenario = "{SCENARIO}"',
        f"rounds = {rounds}",
        f"replicates = {replicates}",
        "root_seed = 1",
        *([f'engine = "{engine}"'] if engine else []),
        "[design]",
        'kind = "grid"',
        "[design.parameters]",
        f'"states.CHN.weights.us_ties" = {values}',
    ]
    path = folder / "bench.toml"
    path.write_text("\n".join(lines) + "\n")
    return path
