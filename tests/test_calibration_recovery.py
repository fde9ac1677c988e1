"""Recovery: calibrate on synthetic records drawn from known parameters; the true values
must lie inside the 90% credible intervals about 90% of the time.

The simulator is the cheap binomial model of ``calibration_fakes`` (exact posterior
Beta(k+1, N-k+1)), run through the real machinery: calibration file, ABC-SMC generations
as batches with the batch engine's storage, posterior weights and quantiles. The true
parameters are drawn from the prior, so a correct posterior covers them in 90% of the
repetitions: 20 repetitions x 2 parameters = 40 intervals; Binomial(40, 0.9) has mean 36,
and we require at least 32 (P(fewer than 32 | correct 90% coverage) = 0.015; the seeds
are fixed, so the test is deterministic). Measured: 35 of 40 (87.5%); the intervals come
from weighted quantiles of ~30-60 effective samples, slightly narrower than the exact
ones (see test_posterior_matches_the_exact_beta_posterior).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from calibration_fakes import N_A, N_B, binomial
from scipy import stats

from sim.calibration.output import posterior_frame, weighted_quantiles
from sim.calibration.smc import run_smc
from sim.calibration.spec import load_calibration

SCENARIO = Path(__file__).resolve().parents[1] / "configs" / "scenarios" / "korea_2024.toml"
REPETITIONS = 20
MIN_COVERED = 32  # of 2 * REPETITIONS intervals (see the module docstring)
RUNNER = "calibration_fakes:binomial"


def in_memory_with(runner: str):
    """An executor giving a generation's runs as the batch would store them, without the
    storage: the recovery tests check the inference; the batch path is tested in
    test_calibration.py."""
    from sim.batch.worker import resolve
    from sim.config import build_scenario

    run_many = resolve(runner)

    def execute(exp) -> pd.DataFrame:
        rows = []
        for point_id, point in enumerate(exp.design.points):
            scenario = build_scenario(exp.scenario_raw, "test", point)
            seeds = exp.seeds[point_id]
            for rep, out in enumerate(run_many(scenario, seeds, exp.rounds)):
                rows.append({"run_id": point_id * len(seeds) + rep, "point_id": point_id,
                             "status": "ok", **out.outcome})  # fmt: skip
        return pd.DataFrame(rows)

    return execute


in_memory = in_memory_with(RUNNER)


def calibration_file(folder: Path, k_a: int, k_b: int, seed: int) -> Path:
    text = f"""
scenario = "{SCENARIO}"
rounds = 1
replicates = 20
root_seed = {seed}
[smc]
population = 200
ess_fraction = 0.5
max_generations = 12
budget = 100000
[priors]
"negotiation.temperature" = {{ dist = "uniform", low = 0.02, high = 0.98 }}
"negotiation.formation_cost" = {{ dist = "uniform", low = 0.02, high = 0.98 }}
[[targets]]
name = "a"
statistic = "hits_a"
observed = {k_a}
tolerance = 0
[[targets]]
name = "b"
statistic = "hits_b"
observed = {k_b}
tolerance = 0
"""
    path = folder / f"cal-{seed}.toml"
    path.write_text(text)
    return path


def calibrate(folder: Path, seed: int) -> tuple[dict, dict, object]:
    """Draw true values from the prior, one record, calibrate; (truth, intervals, result)."""
    rng = np.random.default_rng(1000 + seed)
    truth = {"negotiation.temperature": rng.uniform(0.02, 0.98),
             "negotiation.formation_cost": rng.uniform(0.02, 0.98)}  # fmt: skip
    k_a, k_b = (
        int(rng.binomial(N_A, truth["negotiation.temperature"])),
        int(rng.binomial(N_B, truth["negotiation.formation_cost"])),
    )
    cal = load_calibration(calibration_file(folder, k_a, k_b, seed), runner=RUNNER)
    result = run_smc(cal, folder / f"out-{seed}", progress=False, report=lambda _line: None,
                     executor=in_memory)  # fmt: skip
    post = posterior_frame(cal, result)
    w = post["weight"].to_numpy()
    intervals = {p: weighted_quantiles(post[p].to_numpy(), w, [0.05, 0.95]) for p in truth}
    return truth, intervals, (result, post, k_a, k_b)


@pytest.mark.slow
def test_true_parameters_inside_90_percent_intervals(tmp_path):
    covered = 0
    for seed in range(REPETITIONS):
        truth, intervals, (result, *_rest) = calibrate(tmp_path, seed)
        assert result.status == "converged", (seed, result.status, result.log)
        covered += sum(lo <= truth[p] <= hi for p, (lo, hi) in intervals.items())
    assert covered >= MIN_COVERED, f"{covered}/{2 * REPETITIONS} intervals cover the truth"


def test_posterior_matches_the_exact_beta_posterior(tmp_path):
    """At tolerance 0 the ABC posterior is the exact one: Beta(k+1, N-k+1), truncated to the
    prior's [0.02, 0.98]; its mean within 0.04 of the exact mean (the Monte Carlo error of a
    weighted sample with an ESS of ~40 is about 0.02 for these posteriors' sd of ~0.1-0.15)."""
    _truth, _intervals, (result, post, k_a, k_b) = calibrate(tmp_path, 3)
    assert result.final.tolerance == 1.0
    w = post["weight"].to_numpy()
    for path, k, n in (("negotiation.temperature", k_a, N_A),
                       ("negotiation.formation_cost", k_b, N_B)):  # fmt: skip
        exact = stats.beta(k + 1, n - k + 1)
        grid = np.linspace(0.02, 0.98, 2001)
        dens = exact.pdf(grid)
        mean = float((grid * dens).sum() / dens.sum())
        assert abs(float(w @ post[path].to_numpy()) - mean) < 0.04, (path, k, mean)


def test_fake_is_a_binomial():
    class S:
        class negotiation:
            temperature, formation_cost = 0.25, 0.5

    rows = [o.outcome for o in binomial(S, list(range(2000)), 1)]
    assert abs(np.mean([r["hits_a"] for r in rows]) - N_A * 0.25) < 0.15
    assert abs(np.mean([r["hits_b"] for r in rows]) - N_B * 0.5) < 0.15
