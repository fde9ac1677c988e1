"""Start and finish a calibration: the manifest, the posterior, the figures, the printout."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.calibration.output import (
    MANIFEST,
    now,
    parameter_summary,
    posterior_frame,
    target_checks,
    unreachable_message,
    write_posterior,
)
from sim.calibration.predictive import FRESH_KEY, fresh_checks, fresh_predictive
from sim.calibration.smc import SmcResult
from sim.calibration.spec import Calibration

Figures = Callable[..., list[Path]]  # (cal, out, result, posterior, fresh runs) -> paths
"""Writes a calibration's figures and returns their paths (sim.plots.calibration)."""


def _write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    from sim.batch.store import BatchStore

    BatchStore(out).write_manifest(manifest)


def start_manifest(cal: Calibration, out: Path, budget: int) -> dict[str, Any]:
    """Write DIR/manifest.json before any run (status 'running'); keep the first start."""
    from sim.batch.manifest import git_commit, versions

    path = Path(out) / MANIFEST
    old = json.loads(path.read_text()) if path.exists() else {}
    manifest = {
        "calibration": {"file": str(cal.file), "scenario": str(cal.scenario_path)}
        | cal.spec.model_dump(mode="json"),
        "calibration_hash": cal.hash(),
        "parameters": cal.parameters,
        "scenario": cal.scenario_raw,
        "root_seed": cal.spec.root_seed,
        "budget": budget,
        "method": "ABC-SMC (population Monte Carlo, adaptive tolerance, pass-fraction weights)",
        "versions": versions(),
        "git_commit": git_commit(),
        "started": old.get("started") or now(),
        "sessions": [*old.get("sessions", []), {"started": now()}],
        "status": "running",
        "finished": None,
    }
    _write_manifest(out, manifest)
    return manifest


def _summary_lines(result: SmcResult, params: dict, checks: list[dict]) -> list[str]:
    final = result.posterior
    lines = [
        f"status: {result.status} after {len(result.generations)} generation(s), final "
        f"tolerance {final.tolerance:.3g} (1 = every target within its tolerance), "
        f"ESS {final.ess:.0f}, {result.runs_used:,} runs ({result.ran_now:,} run now)",
        "posterior (weighted): mean [90% credible interval]",
    ]
    for name, s in params.items():
        lines.append(f"  {name}: {s['mean']:.4g} [{s['q05']:.4g}, {s['q95']:.4g}]")
    lines.append(
        "targets: share of fresh posterior predictive runs within tolerance (of the fitting "
        "runs, weighted)"
    )
    for c in checks:
        p, fit = c.get("fresh_within_tolerance"), c["fitting_runs_within_tolerance"]
        fresh = "not run" if p is None else f"{p:.1%}"
        need = f" (needs >= {c['at_least']:g}; sets meeting it: " if c["at_least"] else ""
        if need:
            sets = c.get("fresh_sets_meeting")
            need += ("not run" if sets is None else f"{sets:.1%}") + ")"
        lines.append(
            f"  {c['name']}: {c['statistic']} = {c['observed']} ± {c['tolerance']:g}: "
            f"{fresh} ({fit:.1%}){need}"
        )
    return lines


def finish(
    cal: Calibration,
    out: Path,
    result: SmcResult,
    manifest: dict[str, Any],
    seconds: float,
    figures: Figures | None = None,
    predictive_sets: int = 0,
    options: dict[str, Any] | None = None,
) -> tuple[int, list[str]]:
    """Write the posterior (if any), the fresh predictive check (``predictive_sets`` sets
    drawn from it, run with new seeds; ``options`` as for the generations), the
    ``figures`` (none if None) and the final manifest; (exit code, lines)."""
    checks = target_checks(cal, result)
    manifest.update(
        generations=result.log,
        runs_used=result.runs_used,
        targets=checks,
        tolerance=result.final.tolerance,
    )
    manifest["sessions"][-1].update(finished=now(), runs=result.ran_now, seconds=seconds)
    message = _failure(checks, result)
    if message:
        manifest.update(status="unreachable", message=message, finished=now())
        _write_manifest(out, manifest)
        return 1, [f"error: {message}"]
    post = posterior_frame(cal, result)
    write_posterior(out, post)
    params = parameter_summary(cal, post)
    fresh = None
    if predictive_sets > 0:
        fresh = fresh_predictive(cal, post, out, predictive_sets, options or {})[0]
        manifest["predictive"] = _record_predictive(cal, fresh, checks)
    manifest.update(status=result.status, posterior=params, finished=now())
    lines = _summary_lines(result, params, checks)
    if result.final.tolerance > 1.0:
        warn = (
            f"warning: stopped ({result.status}) at tolerance {result.final.tolerance:.3g} > 1: "
            "the posterior is wider than the targets' tolerances; raise --budget or "
            "smc.max_generations"
        )
        manifest["warning"] = warn
        lines.insert(0, warn)
    if figures is not None:
        paths = figures(cal, out, result, post, fresh)
        manifest["plots"] = [str(p.relative_to(out)) for p in paths]
        lines.append(f"{len(paths)} figures in {Path(out) / 'plots'}")
    _write_manifest(out, manifest)
    lines.append(f"wrote {Path(out) / 'posterior.parquet'} ({len(post)} parameter sets)")
    lines.append(f"wall time {seconds:.0f} s")
    return 0, lines


def _failure(checks: list[dict[str, Any]], result: SmcResult) -> str | None:
    """Why no posterior is written (targets unreachable, no set within tolerance), or None."""
    message = None
    if result.final.tolerance > 1.0 or result.status == "empty":
        message = unreachable_message(checks, result.runs_used)
    if message is None and result.final.weights.sum() == 0:
        message = (
            "no parameter set reproduced the targets together at tolerance "
            f"{result.final.tolerance:.3g}; no posterior written"
        )
    return message


def _record_predictive(
    cal: Calibration, fresh: Any, checks: list[dict[str, Any]]
) -> dict[str, Any]:
    """The fresh predictive check's shares into ``checks``; the manifest's ``predictive``."""
    shares = fresh_checks(cal, fresh)
    for c in checks:
        c.update(shares[c["name"]])
    return {
        "sets": fresh.sets,
        "replicates": cal.spec.replicates,
        "seeds": f"fresh (SeedSequence(root_seed), spawn key {FRESH_KEY}), never the fitting runs",
        "all_run_level_targets": shares["all run-level targets"]["fresh_within_tolerance"],
    }
