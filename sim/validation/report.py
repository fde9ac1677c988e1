"""``run.py validate``: every figure of docs/model.md §4-5 and the README's fact table, the
posterior table with its fresh predictive shares, a record row not fitted (China-North
Korea visits, out of sample), and the hindcast scores, into
``DIR/validation.md`` (``--quick``: few seeds and a tiny calibration, to check that the
regeneration runs, not its figures)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration import recovery
from sim.calibration.priors import PriorSet
from sim.calibration.spec import Calibration
from sim.files import write_atomic
from sim.validation.facts import (
    ROOT,
    channels_table,
    facts_table,
    load_facts,
    noise_table,
    prefetch_tables,
    statics_table,
)
from sim.validation.forecast import forecast_section, recovery_section
from sim.validation.record import record_section

CALIBRATION = ROOT / "configs" / "calibration" / "korea_2024.toml"
CUTOFFS = ("2024-12", "2025-06")
FULL = {"seeds": 1000, "statics_seeds": 400, "predictive_sets": 200, "sets": 200,
        "forecast": (200, 100), "recovery": 40}  # fmt: skip
QUICK = {"seeds": 20, "statics_seeds": 20, "predictive_sets": 20, "sets": 10,
         "forecast": (10, 5), "recovery": 1}  # fmt: skip
QUICK_SMC = {"population": 40, "max_generations": 6, "budget": 6000}


def quick_calibration(cal: Calibration) -> Calibration:
    smc = cal.spec.smc.model_copy(update=QUICK_SMC)
    return dataclasses.replace(cal, spec=cal.spec.model_copy(update={"smc": smc, "replicates": 5}))


def verdict(prior, x: np.ndarray, w: np.ndarray) -> tuple[str, float]:
    """pinned / leaning / open: the posterior's 90% interval against the prior's, in the
    working space (log for a log-uniform prior): pinned below half the prior's width;
    leaning below 85% of it or with the median moved by over 15% of the prior's 90% width;
    open otherwise. Returns (verdict, width ratio)."""
    from sim.calibration.output import weighted_quantiles

    ps = PriorSet(("x",), (prior,))
    z_prior = ps.sample_z(20_000, np.random.default_rng(0))[:, 0]
    p05, p50, p95 = np.quantile(z_prior, [0.05, 0.5, 0.95])
    z = np.log(x) if prior.dist == "loguniform" else x
    q05, q50, q95 = weighted_quantiles(z, w, [0.05, 0.5, 0.95])
    ratio = (q95 - q05) / (p95 - p05)
    shift = abs(q50 - p50) / (p95 - p05)
    label = "pinned" if ratio < 0.5 else "leaning" if ratio < 0.85 or shift > 0.15 else "open"
    return label, float(ratio)


def _prior_text(p) -> str:
    if p.dist == "normal":
        return f"normal {p.mean:g} ± {p.sd:g} on {p.low:g}–{p.high:g}"
    return f"{'whole ' if p.integer else ''}{p.dist} {p.low:g}–{p.high:g}"


def posterior_table(cal: Calibration, post: pd.DataFrame, checks: list[dict]) -> list[str]:
    w = post["weight"].to_numpy()
    from sim.calibration.output import weighted_quantiles

    lines = ["## Posterior (fresh predictive check below)", "",
             "| parameter | prior | posterior mean [90% interval] | width / prior's | verdict |",
             "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for name, prior in cal.spec.priors.items():
        x = post[name].to_numpy()
        q05, q95 = weighted_quantiles(x, w, [0.05, 0.95])
        label, ratio = verdict(prior, x, w)
        lines.append(f"| `{name}` | {_prior_text(prior)} | {w @ x:.3g} [{q05:.3g}, {q95:.3g}]"
                     f" | {ratio:.2f} | {label} |")  # fmt: skip
    lines += ["", "| target | fresh runs within tolerance | fitting runs (weighted) |",
              "| --- | --- | --- |"]  # fmt: skip
    for c in checks:
        fresh = c.get("fresh_within_tolerance")
        lines.append(f"| {c['name']} | {'-' if fresh is None else f'{fresh:.3f}'} | "
                     f"{c['fitting_runs_within_tolerance']:.3f} |")  # fmt: skip
    return lines


def hindcast_table(cutoff: str, scores: pd.DataFrame | None) -> list[str]:
    lines = [f"## Hindcast, cutoff {cutoff} (Brier; CRPS)", ""]
    if scores is not None:
        sets = scores["sets_model"].iloc[0] if "sets_model" in scores else None
        of = "" if sets is None else f", from {int(sets)} parameter sets, each counted once"
        lines += [f"model: {int(scores['runs_model'].iloc[0])} fresh posterior runs reproduce "
                  f"the record to the cutoff{of}; base rate: "
                  f"{int(scores['runs_base_rate'].iloc[0])} prior runs", ""]  # fmt: skip
    if scores is None:
        return [*lines, "not scored: the calibration to the cutoff did not converge"]
    lines += ["| event | date | P model | P persistence | P base rate | Brier model / "
              "persistence / base rate | Brier model - base rate | CRPS model / persistence "
              "/ base rate |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for r in scores.to_dict("records"):
        lines.append(f"| {r['event']} | {r['date']} | {_p(r, 'model')} | "
                     f"{r['p_persistence']:.3f} | {_p(r, 'base_rate')} | "
                     f"{r['brier_model']:.3f} / {r['brier_persistence']:.3f} / "
                     f"{r['brier_base_rate']:.3f} | {_diff(r)} | {r['crps_model']:.3f} / "
                     f"{r['crps_persistence']:.3f} / {r['crps_base_rate']:.3f} |")  # fmt: skip
    m = scores.mean(numeric_only=True)
    lines.append(f"| mean | | | | | {m.brier_model:.3f} / {m.brier_persistence:.3f} / "
                 f"{m.brier_base_rate:.3f} | | {_crps_means(scores)} |")  # fmt: skip
    if "p_model_lo" in scores:
        lines += ["", "[95% intervals]: percentiles of 1,000 bootstrap resamples of the "
                  "parameter sets (a set's runs are alike; sim/calibration/hindcast.py "
                  "set_bootstrap)."]  # fmt: skip
    return lines


def _crps_means(scores: pd.DataFrame) -> str:
    """Mean CRPS model / persistence / base rate per unit (months, levels: not summed),
    from :func:`~sim.calibration.hindcast_run.mean_scores`."""
    from sim.calibration.hindcast_run import FORECASTERS, mean_scores

    m = mean_scores(scores)
    units = sorted(k.split(".", 1)[1] for k in m if k.startswith("crps_model."))
    parts = {u: " / ".join(f"{m[f'crps_{f}.{u}']:.3f}" for f in FORECASTERS) for u in units}
    return parts["all"] if units == ["all"] else "; ".join(f"{u}: {v}" for u, v in parts.items())


def _p(r: dict, name: str) -> str:
    """A forecaster's probability, with its 95% interval when the scores have one."""
    p = f"{r[f'p_{name}']:.3f}"
    lo, hi = r.get(f"p_{name}_lo"), r.get(f"p_{name}_hi")
    return p if lo is None or pd.isna(lo) else f"{p} [{lo:.3f}, {hi:.3f}]"


def _diff(r: dict) -> str:
    d = r["brier_model"] - r["brier_base_rate"]
    lo, hi = r.get("brier_diff_lo"), r.get("brier_diff_hi")
    return f"{d:+.3f}" if lo is None or pd.isna(lo) else f"{d:+.3f} [{lo:+.3f}, {hi:+.3f}]"


def calibration_section(cal: Calibration, out: Path, sets: int, options: dict) -> list[str]:
    """Calibrate (or resume) into ``out`` and tabulate the posterior and fresh shares."""
    import time

    from sim.calibration.output import posterior_frame
    from sim.calibration.report import finish, start_manifest
    from sim.calibration.smc import run_smc

    started = time.monotonic()
    manifest = start_manifest(cal, out, cal.spec.smc.budget)
    result = run_smc(cal, out, report=lambda _line: None, **options)
    code, lines = finish(cal, out, result, manifest, time.monotonic() - started, figures=None,
                         predictive_sets=sets, options=options)  # fmt: skip
    if code != 0 or result.final.weights.sum() == 0:
        return ["## Posterior", "", *lines]
    import json

    checks = json.loads((out / "manifest.json").read_text())["targets"]
    runs = f"{sets} fresh sets x {cal.spec.replicates} runs"
    head = [f"status {result.status}, tolerance {result.final.tolerance:.3g}, "
            f"{result.runs_used:,} runs; {runs}", ""]  # fmt: skip
    return [
        *posterior_table(cal, posterior_frame(cal, result), checks)[:2],
        *head,
        *posterior_table(cal, posterior_frame(cal, result), checks)[2:],
    ]


def hindcast_section(
    cal: Calibration, cutoff: str, out: Path, sets: int, options, quick: bool = False
) -> list[str]:
    from sim.calibration.hindcast import setup
    from sim.calibration.hindcast_run import SCORES, run_hindcast

    hc = setup(cal, cutoff)
    code, _lines, scores = run_hindcast(hc, out, sets=sets, options=options,
                                        report=lambda _line: None,
                                        unconverged_ok=quick)  # fmt: skip
    if scores is not None:
        write_atomic(out / SCORES, lambda tmp: scores.to_csv(tmp, index=False))
    return hindcast_table(cutoff, scores if code == 0 else None)


def run_validation(out: Path, quick: bool, workers: int | None = 1) -> list[str]:
    """Every table, written to ``out/validation.md``; returns its lines."""
    from sim.batch.plan import default_workers
    from sim.calibration.spec import load_calibration

    k = QUICK if quick else FULL
    out.mkdir(parents=True, exist_ok=True)
    mode = "quick: few seeds, figures not for quoting" if quick else "full"
    flag = " --quick" if quick else ""
    lines = [f"# Validation report ({mode})", "",
             f"Regenerate: `python run.py validate{flag} --out {out}`", ""]  # fmt: skip
    tables = ((facts_table, k["seeds"]), (noise_table, k["seeds"]),
              (channels_table, k["seeds"]), (statics_table, k["statics_seeds"]))  # fmt: skip
    local = workers or default_workers()  # the tables', record's and recovery's processes
    prefetch_tables(k["seeds"], k["statics_seeds"], local)  # one pool for the four tables
    for table, n in tables:
        lines += [*table(n, local), ""]
    cal = load_calibration(CALIBRATION)
    cal = quick_calibration(cal) if quick else cal
    options = {"workers": workers, "scheduler": None, "progress": False}
    lines += [*calibration_section(cal, out / "calibration", k["predictive_sets"], options), ""]
    if (out / "calibration" / "posterior.parquet").is_file():
        lines += [*forecast_section(out / "forecast", out / "calibration", *k["forecast"],
                                    workers), ""]  # fmt: skip
        row = load_facts().record
        if row is not None:
            lines += [*record_section(cal, out / "calibration", row, k["seeds"], k["sets"],
                                      workers=local), ""]  # fmt: skip
    design = recovery.QUICK if quick else recovery.FULL
    lines += [*recovery_section(out / "recovery", k["recovery"], design, local), ""]
    for cutoff in CUTOFFS:
        lines += [*hindcast_section(
            cal, cutoff, out / f"hindcast-{cutoff}", k["sets"], options, quick
        ),
                  ""]  # fmt: skip
    write_atomic(out / "validation.md", lambda tmp: Path(tmp).write_text("\n".join(lines)))
    return lines
