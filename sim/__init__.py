"""Trilateral diplomacy simulation: config, rules, Mesa model, experiments, analysis.

The Python API (docs/python.md) is :mod:`sim.api`, re-exported here on first use, e.g.
``import sim; frame = sim.simulate("korea_2024", seed=3)``.
"""

from __future__ import annotations

from typing import Any

_API = (
    "DiplomacyModel",
    "Results",
    "experiment_path",
    "load",
    "load_results",
    "plot_configurations",
    "plot_probability",
    "plot_run",
    "plot_support",
    "plot_time_to_formation",
    "plot_utility",
    "run_batch",
    "simulate",
    "write_experiment",
)
__all__ = list(_API)


def __getattr__(name: str) -> Any:
    """Import :mod:`sim.api` lazily, so ``import sim.config`` stays light and acyclic."""
    if name in _API:
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
