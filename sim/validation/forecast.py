"""The 2030 forecast from the posterior and the recovery on the real model, as sections of
the validation report (``run.py validate``).

Forecast: a ``posterior`` design over the report's own calibration (``DIR/calibration``),
run to 2030-12 like ``configs/experiments/forecast_2024.toml``; for the trilateral and each
bilateral pact at each level, P(reached by 2030-12) as the mean over parameter sets drawn
from the posterior with the 5%-95% range over sets, given the record (runs that reproduce
every calibration target) and over all runs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.validation.facts import load_facts

HORIZON = 84  # rounds: 2024-01 .. 2030-12


def forecast_experiment(out: Path, calibration: Path, samples: int, replicates: int) -> Path:
    """The experiment file of the forecast (a posterior design over ``calibration``)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "forecast_2030.toml"
    path.write_text(
        f'scenario = "{load_facts().scenario}"\nrounds = {HORIZON}\nreplicates = {replicates}\n'
        f'root_seed = 2030\n\n[design]\nkind = "posterior"\nposterior = "{calibration.resolve()}"'
        f"\nsamples = {samples}\n"
    )
    return path


def forecast_rows(table) -> list[str]:
    """Markdown rows: pact, level, P by the last month given the record and over all runs."""
    last = table["round"].max()
    end = table[table["round"] == last]
    lines = []
    for (pact, level), g in end.groupby(["pact", "level"], sort=False):
        cells = []
        for cond in (True, False):
            r = g[g["conditioned"] == cond]
            if r.empty:
                cells.append("-")
                continue
            r = r.iloc[0]
            cells.append(f"{r['mean']:.1%} [{r['q05']:.1%}, {r['q95']:.1%}] ({int(r['points'])})")
        lines.append(f"| {pact} | {level} | {cells[0]} | {cells[1]} |")
    return lines


def forecast_section(
    out: Path, calibration: Path, samples: int, replicates: int, workers: int | None
) -> list[str]:
    """Run (or resume) the forecast batch into ``out/batch`` and tabulate 2030-12."""
    from sim.analysis.batch import load_batch
    from sim.analysis.forecast import forecast
    from sim.batch.session import run_batch
    from sim.experiment import load_experiment

    exp = load_experiment(forecast_experiment(out, calibration, samples, replicates))
    run_batch(exp, out / "batch", workers=workers, progress=False, force=True)
    table = forecast(load_batch(out / "batch", with_series=False))
    head = [
        "## Forecast to 2030 from the posterior", "",
        f"{samples} parameter sets drawn from the posterior by weight x {replicates} runs, "
        "2024-01 .. 2030-12 (the same as `run.py batch configs/experiments/forecast_2024.toml` "
        "then `run.py summary`). P(pact at >= level by 2030-12): mean over sets [5%, 95% over "
        "sets] (sets used). Given the record: only runs that reproduce every calibration "
        "target (the forecast to quote).", "",
        "| pact | level | given the record | all runs |", "| --- | --- | --- | --- |",
    ]  # fmt: skip
    return [*head, *forecast_rows(table)]


def recovery_section(out: Path, repetitions: int, design, workers: int = 1) -> list[str]:
    """The real-model recovery (sim/calibration/recovery.py) over ``repetitions`` seeds, on
    ``workers`` local processes (the same table for any number: rows in seed order)."""
    from sim.calibration.recovery import FIRST_SEED, run_repetitions

    seeds = range(FIRST_SEED, FIRST_SEED + repetitions)
    rows = sorted(run_repetitions(out, seeds, design, workers), key=lambda x: x.seed)
    return recovery_lines(rows, design)


def recovery_lines(rows: list, design) -> list[str]:
    """Per parameter: intervals covering the truth with P(Binomial(R, 0.9) <= k) and
    P(>= k), and the mean squared error of the posterior mean in posterior sds (1 for a
    correct posterior) with its standard error."""
    from sim.calibration.recovery import PRIORS, binomial_cdf

    r = len(rows)
    covered = np.array([x.covered for x in rows])
    z2 = np.array([x.z2 for x in rows])
    lines = [
        "## Recovery on the real model", "",
        f"{r} records simulated from true values drawn from the prior, each calibrated "
        f"(population {design.population}, {design.replicates} replicates, ess_fraction "
        f"{design.ess_fraction}); {sum(x.status == 'converged' for x in rows)} converged, "
        f"{sum(x.runs for x in rows):,} runs (sim/calibration/recovery.py; the same as "
        f"`python scripts/recovery_real.py --repetitions {r}`).", "",
        "| parameter | 90% intervals covering the truth | P(Bin(R, 0.9) <= k) | "
        "P(Bin(R, 0.9) >= k) | mean (error / sd)^2 [± se] (1 if correct) |",
        "| --- | --- | --- | --- | --- |",
    ]  # fmt: skip
    for j, name in enumerate(PRIORS):
        k = int(covered[:, j].sum())
        low, high = binomial_cdf(k, r, 0.9), 1 - binomial_cdf(k - 1, r, 0.9) if k else 1.0
        se = z2[:, j].std(ddof=1) / np.sqrt(r) if r > 1 else float("nan")
        lines.append(f"| `{name}` | {k} of {r} | {low:.3f} | {high:.3f} | "
                     f"{z2[:, j].mean():.2f} [± {se:.2f}] |")  # fmt: skip
    k = int(covered.sum())
    lines.append(f"| all | {k} of {covered.size} ({k / covered.size:.1%}) | | | "
                 f"{z2.mean():.2f} |")  # fmt: skip
    return lines
