"""Reports of a calibration directory (``run.py calibrate``) and of a hindcast directory
(``run.py hindcast``): the posterior, the target checks, the generations, the scores, the
figures the command wrote (embedded), provenance and warnings (a calibration still running
or interrupted, unreachable targets, a posterior that did not converge)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from sim.batch.manifest import now
from sim.report.common import embedded, read_manifest, versions_line
from sim.report.html import Report, TableItem


def calibration_warnings(manifest: dict[str, Any]) -> list[str]:
    """Why the posterior should not (yet) be read as it stands."""
    status = manifest.get("status")
    out = []
    if status == "running":
        out.append("warning: incomplete calibration: status 'running' (interrupted or still "
                   "running); run the same calibrate command again to resume")  # fmt: skip
    elif status == "unreachable":
        out.append(f"warning: no posterior: {manifest.get('message', 'targets unreachable')}")
    elif status != "converged":
        out.append(f"warning: unconverged posterior: the SMC stopped ({status}) at tolerance "
                   f"{manifest.get('tolerance', float('nan')):.3g} with an effective sample below "
                   "its target; raise --budget or smc.max_generations")  # fmt: skip
    if manifest.get("warning"):
        out.append(str(manifest["warning"]))
    return out


def posterior_table(manifest: dict[str, Any]) -> pd.DataFrame:
    """Per parameter: prior, posterior mean, sd and 5/50/95% quantiles (from the manifest)."""
    rows = []
    for name, s in (manifest.get("posterior") or {}).items():
        prior = s.get("prior") or {}
        bounds = f"[{prior.get('low', '?'):g}, {prior.get('high', '?'):g}]"
        rows.append({"parameter": name, "prior": f"{prior.get('dist', '?')} {bounds}",
                     "mean": f"{s['mean']:.4g}", "sd": f"{s['sd']:.3g}",
                     "90% credible interval": f"[{s['q05']:.4g}, {s['q95']:.4g}]",
                     "median": f"{s['median']:.4g}"})  # fmt: skip
    return pd.DataFrame(rows)


def _share(value: Any) -> str:
    return "not run" if value is None else f"{value:.1%}"


def targets_table(manifest: dict[str, Any]) -> pd.DataFrame:
    """Per target: the record, runs within tolerance, fresh predictive share."""
    rows = []
    for c in manifest.get("targets") or []:
        rows.append({"target": c["name"], "statistic": c["statistic"],
                     "observed ± tolerance": f"{c['observed']} ± {c['tolerance']:g}",
                     "runs within tolerance (all generations)": c["runs_within_tolerance"],
                     "fresh posterior runs within": _share(c.get("fresh_within_tolerance")),
                     "fitting runs within (weighted)":
                         _share(c.get("fitting_runs_within_tolerance"))})  # fmt: skip
    return pd.DataFrame(rows)


def calibration_facts(manifest: dict[str, Any], path: Path) -> list[tuple[str, str]]:
    cal = manifest.get("calibration") or {}
    smc = cal.get("smc") or {}
    sessions = manifest.get("sessions") or []
    predictive = manifest.get("predictive") or {}
    return [
        ("Calibration directory", str(path)),
        ("Calibration file", str(cal.get("file", "?"))),
        ("Scenario", f"{(manifest.get('scenario') or {}).get('name', '?')} "
                     f"({cal.get('scenario', '?')})"),
        ("Method", str(manifest.get("method", "?"))),
        ("SMC", f"population {smc.get('population', '?')}, {cal.get('replicates', '?')} "
                f"replicate(s) per set, {cal.get('rounds', '?')} months, budget "
                f"{manifest.get('budget', '?')}"),
        ("Status", f"{manifest.get('status')} after {len(manifest.get('generations') or [])} "
                   f"generation(s), final tolerance {manifest.get('tolerance', float('nan')):.3g}"
                   f", {manifest.get('runs_used', 0):,} runs"),
        ("Seeds", f"root seed {manifest.get('root_seed')}; own seeds per parameter set; "
                  f"predictive check: {predictive.get('seeds', 'not run')}"),
        ("Code commit", str(manifest.get("git_commit") or "unknown (not a git checkout)")),
        ("Started / finished", f"{manifest.get('started')} / {manifest.get('finished')} "
                               f"({len(sessions)} session(s))"),
        ("Versions", versions_line(manifest)),
        ("Report written", now()),
    ]  # fmt: skip


def calibration_report(cal_dir: str | Path) -> Report:
    """The report of a ``run.py calibrate`` directory (ReportError if unreadable)."""
    path = Path(cal_dir)
    manifest = read_manifest(path)
    cal = manifest.get("calibration") or {}
    command = f"python run.py calibrate {cal.get('file', 'CALIBRATION.toml')} --out {path}"
    warnings = calibration_warnings(manifest)
    figures = sorted((path / "plots").glob("*.png"))
    if not figures and manifest.get("status") not in ("running", "unreachable"):
        warnings.append("note: no figures in plots/ (calibrated with --no-plots?)")
    tables = [
        TableItem("Posterior (weighted): parameters", posterior_table(manifest),
                  f"{command}  # DIR/posterior.parquet",
                  "90% credible interval: weighted 5% and 95% quantiles."),
        TableItem("Targets: the record against the model", targets_table(manifest),
                  command, "Fresh posterior runs: sets drawn from the posterior run with new "
                  "seeds (the predictive check). Fitting runs: biased up (selected)."),
        TableItem("Generations", pd.DataFrame(manifest.get("generations") or []), command),
    ]  # fmt: skip
    scenario = (manifest.get("scenario") or {}).get("name", "?")
    status = manifest.get("status")
    return Report(
        title=f"Calibration of scenario '{scenario}'",
        subtitle=f"{path.name} · ABC-SMC · status {status}",
        warnings=warnings,
        facts=calibration_facts(manifest, path),
        tables=[t for t in tables if not t.frame.empty],
        figures=embedded(figures, f"{command}  # writes {path}/plots/"),
        blocks=[("The calibration as run (from manifest.json)",
                 json.dumps(cal, indent=2, default=str))],
    )  # fmt: skip


def scores_table(path: Path) -> pd.DataFrame:
    try:
        scores = pd.read_csv(path / "scores.csv")
    except (OSError, ValueError):
        return pd.DataFrame()
    shown = scores[["event", "date", "statistic", "observed"]].copy()
    for who in ("model", "persistence", "base_rate"):
        shown[f"P {who}"] = scores[f"p_{who}"].map("{:.3f}".format)
        shown[f"Brier {who}"] = scores[f"brier_{who}"].map("{:.3f}".format)
    return shown


def hindcast_report(hc_dir: str | Path) -> Report:
    """The report of a ``run.py hindcast`` directory (ReportError if unreadable)."""
    path = Path(hc_dir)
    m = read_manifest(path)
    command = (f"python run.py hindcast {m.get('calibration', 'CALIBRATION.toml')} --cutoff "
               f"{m.get('cutoff')} --out {path} --sets {m.get('sets')}")  # fmt: skip
    warnings = []
    if m.get("status") != "done":
        warnings.append("warning: incomplete hindcast (run the same command again to resume)")
    means = m.get("mean_scores") or {}
    mean_frame = pd.DataFrame([{"score": k, "mean": f"{v:.3f}"} for k, v in means.items()])
    tables = [
        TableItem("Scores per event after the cutoff", scores_table(path),
                  f"{command}  # DIR/scores.csv", "Brier (1950): lower is better; "
                  "persistence carries the state at the cutoff forward; base rate: prior "
                  "predictive."),
        TableItem("Mean scores", mean_frame, command),
    ]  # fmt: skip
    cal_dir = path / "calibration"
    if (cal_dir / "manifest.json").is_file():
        post = posterior_table(read_manifest(cal_dir))
        tables.append(TableItem("Posterior fitted up to the cutoff", post, command))
        warnings += [w for w in calibration_warnings(read_manifest(cal_dir))
                     if w.startswith("warning: unconverged")]  # fmt: skip
    facts = [
        ("Hindcast directory", str(path)), ("Calibration file", str(m.get("calibration"))),
        ("Cutoff", f"{m.get('cutoff')} (round {m.get('cutoff_round')})"),
        ("Fitted targets", ", ".join(m.get("fitted_targets") or []) or "none"),
        ("Scored events", ", ".join(m.get("events") or []) or "none"),
        ("Scheduled shocks removed", "; ".join(m.get("removed_shocks") or []) or "none"),
        ("Occasions removed", _removed(m, "removed_occasions", "occasions")),
        ("Dated changes removed", _removed(m, "removed_changes", "dated changes")),
        ("Parameter sets per forecaster", str(m.get("sets"))),
        ("Code commit", str(m.get("git_commit") or "unknown (not a git checkout)")),
        ("Finished", str(m.get("finished"))), ("Versions", versions_line(m)),
        ("Report written", now()),
    ]  # fmt: skip
    figures = [p for p in [path / "reliability.png"] if p.is_file()]
    return Report(
        title=f"Hindcast with cutoff {m.get('cutoff')}",
        subtitle=f"{path.name} · {len(m.get('events') or [])} event(s) scored out of sample",
        warnings=warnings, facts=facts, tables=[t for t in tables if not t.frame.empty],
        figures=embedded(figures, command),
    )  # fmt: skip


__all__ = ["calibration_report", "hindcast_report", "posterior_table"]


def _removed(m: dict, key: str, what: str) -> str:
    """The hindcast's removed entries of one kind (occasions, dated changes); a manifest
    from before they were removed (no such key) says so rather than "none"."""
    if key not in m:
        return f"not recorded (a hindcast from before {what} were removed at the cutoff)"
    return "; ".join(m[key]) or "none"
