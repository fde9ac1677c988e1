"""Recovery on the real model: simulate a record from known parameter values, calibrate on
it, and check that the 90% posterior intervals cover those values at the nominal rate.

This is simulation-based calibration (Cook, Gelman & Rubin 2006; Talts et al. 2018): when
the true values are drawn from the prior and the record from the model at those values, a
correct posterior's 90% interval covers the truth with probability exactly 0.9 (averaged
over the prior), and ``E[(truth - posterior mean)^2 / posterior variance] = 1``. Fixed
"known values" would not do: a Bayesian interval has its nominal coverage on average over
the prior, not at every point.

ABC at a tolerance conditions on "within tolerance of the record", not on the record. The
record is therefore drawn as noisy ABC does (Fearnhead & Prangle 2012): a target with
tolerance ``t`` observes the run's value plus a uniform integer offset on ``-t .. t``. The
ABC acceptance ``|value - observed| <= t`` is then proportional to the likelihood of the
observed value, so the ABC posterior at eps = 1 is the exact posterior of that record, and
the coverage is nominal up to the SMC's Monte Carlo error.

The design (``PRIORS``, ``TARGETS``): Russia's war ceasefire hazard (log-uniform), read by
the month the war switches to its ceasefire regime (+-2; "never" when it went on and the
offset is 0); the longest treaty talks (integer) and the Russia-DPRK affinity (truncated
normal), read by the month the Russia-DPRK treaty is signed (+-1); and the month of a
trilateral pact, "never" (tolerance 0) in the scenario's runs, so every record has a "never
happened" target. No ``at_least`` target: its pass/fail is scored on the same runs as the
run-level targets, so the ABC likelihood is not that of one record and the coverage would
not be nominal; tests/test_calibration_exact.py exercises it against its exact posterior.
The runs are the real model's (lockstep engine, the scenario of ``SCENARIO``). The
design is read from configs/validation/recovery.toml.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.priors import PriorSet
from sim.calibration.smc import SmcResult, run_smc
from sim.calibration.spec import NEVER, Calibration, Prior, Target, load_calibration
from sim.calibration.targets import target_values

ROOT = Path(__file__).resolve().parents[2]
STUDY = ROOT / "configs" / "validation" / "recovery.toml"  # scenario, rounds, priors, targets


def _study(path: Path) -> tuple[Path, int, dict[str, Prior], tuple[tuple[str, str, int], ...]]:
    """The scenario, record span, priors and targets (name, statistic, tolerance) of the
    study file at ``path``."""
    raw = tomllib.loads(path.read_text())
    targets = tuple((t["name"], t["statistic"], int(t["tolerance"])) for t in raw["targets"])
    priors = {name: Prior(**p) for name, p in raw["priors"].items()}
    return (path.parent / raw["scenario"]).resolve(), int(raw["rounds"]), priors, targets


SCENARIO, ROUNDS, PRIORS, TARGETS = _study(STUDY)


@dataclass(frozen=True)
class Design:
    """The size of one recovery calibration."""

    population: int = 30
    replicates: int = 6
    max_generations: int = 8
    ess_fraction: float = 0.5


# 30 generations: with top-ups of thin pools (sim/calibration/smc.py, top_up_fraction 0.5)
# all 40 records reach eps = 1, after 2-23 generations (with every pool short of the
# required ESS topped up, 38 of 40 after 2-24; two stopped at eps 1.5 and 2)
FULL = Design(population=60, replicates=6, max_generations=30, ess_fraction=0.6)
QUICK = Design(population=20, replicates=4, max_generations=4, ess_fraction=0.5)
FIRST_SEED = 100  # seeds of the larger version (scripts/recovery_real.py, run.py validate)


@dataclass(frozen=True)
class Recovery:
    """One repetition: the truth (working space), the record, the posterior."""

    seed: int
    truth_z: np.ndarray  # (d,) true values in working space (log for log-uniform)
    observed: dict[str, float | str]
    status: str
    generations: int
    runs: int
    lower: np.ndarray  # (d,) 5% posterior quantiles, working space
    upper: np.ndarray  # (d,) 95%
    mean: np.ndarray  # (d,) posterior mean, working space
    sd: np.ndarray  # (d,) posterior sd, working space
    ess: float

    @property
    def covered(self) -> np.ndarray:
        return (self.lower <= self.truth_z) & (self.truth_z <= self.upper)

    @property
    def z2(self) -> np.ndarray:
        """Squared error of the posterior mean in posterior sds (expectation 1)."""
        return ((self.truth_z - self.mean) / self.sd) ** 2


def lockstep_executor(exp) -> pd.DataFrame:
    """A generation's runs as the batch would store them, run in this process with every
    design point advanced together (:func:`sim.runner.run_table_points`, the same rows)."""
    from sim.config import build_scenario
    from sim.runner import run_table_points

    scenarios = [build_scenario(exp.scenario_raw, str(exp.scenario_path), point)
                 for point in exp.design.points]  # fmt: skip
    runs = run_table_points(scenarios, exp.seeds, exp.rounds).reset_index(drop=True)
    reps = len(exp.seeds[0])
    runs.insert(0, "run_id", np.arange(len(runs)))
    runs.insert(1, "point_id", np.arange(len(runs)) // reps)
    runs["status"] = "ok"
    return runs


def draw_truth(rng: np.random.Generator) -> np.ndarray:
    """One set of true values from the prior, working space."""
    return PriorSet.of(PRIORS).sample_z(1, rng)[0]


def simulate_record(truth_z: np.ndarray, rng: np.random.Generator) -> dict[str, float | str]:
    """One run of the model at the truth; each target's observed value, with the noisy-ABC
    offset (uniform on -tolerance .. tolerance) added, "never" for a censored round."""
    from sim.config import build_scenario, load_raw
    from sim.runner import run_many

    priors = PriorSet.of(PRIORS)
    theta = priors.from_z(truth_z[None])[0]
    point = {n: int(v) if p.integer else float(v) for (n, p), v in
             zip(PRIORS.items(), theta, strict=True)}  # fmt: skip
    scenario = build_scenario(load_raw(SCENARIO), str(SCENARIO), point)
    seed = int(rng.integers(2**62))
    (out,) = run_many(scenario, [seed], ROUNDS, engine="lockstep")
    runs = pd.DataFrame([{"status": "ok", **out.outcome}])
    record: dict[str, float | str] = {}
    for name, statistic, tol in TARGETS:
        target = Target(name=name, statistic=statistic, observed=0.0, tolerance=float(tol))
        value = float(target_values(runs, target, ROUNDS)[0])
        offset = int(rng.integers(-tol, tol + 1))
        censored = statistic.startswith(("first_round.", "switch_round."))
        never = censored and value == ROUNDS and offset == 0
        record[name] = NEVER if never else value + offset
    return record


def calibration_text(record: dict[str, float | str], seed: int, design: Design) -> str:
    """The calibration file of one repetition."""
    priors = "\n".join(f'"{n}" = {_inline(p)}' for n, p in PRIORS.items())
    targets = "\n".join(
        f'[[targets]]\nname = "{name}"\nstatistic = "{stat}"\n'
        f"observed = {_toml_value(record[name])}\ntolerance = {tol}"
        for name, stat, tol in TARGETS
    )
    head = (
        f'scenario = "{SCENARIO}"\nrounds = {ROUNDS}\nreplicates = {design.replicates}\n'
        f'root_seed = {seed}\nengine = "lockstep"\n'
    )
    smc = (
        f"[smc]\npopulation = {design.population}\ness_fraction = {design.ess_fraction}\n"
        f'max_generations = {design.max_generations}\nbudget = 10000000\nkernel = "multivariate"\n'
    )
    return f"{head}{smc}[priors]\n{priors}\n{targets}\n"


def _toml_value(value: float | str) -> str:
    return f'"{value}"' if isinstance(value, str) else f"{value:g}"


def _inline(p: Prior) -> str:
    fields = p.model_dump(exclude_none=True, exclude_defaults=False)
    if not p.integer:
        fields.pop("integer")
    body = ", ".join(
        f"{k} = {_toml_value(v) if not isinstance(v, bool) else str(v).lower()}"
        for k, v in fields.items()
    )
    tomllib.loads(f"x = {{ {body} }}")  # a malformed line fails here, not in the SMC
    return f"{{ {body} }}"


def posterior_summary(result: SmcResult) -> tuple[np.ndarray, ...]:
    """(5% quantiles, 95% quantiles, mean, sd) per parameter of the pooled posterior, in
    working space (the continuous value for an integer prior: the inference runs on it)."""
    from sim.calibration.output import weighted_quantiles

    pool = result.posterior
    w = pool.weights / pool.weights.sum()
    lo, hi = zip(*(weighted_quantiles(pool.z[:, j], w, [0.05, 0.95])
                   for j in range(pool.z.shape[1])), strict=True)  # fmt: skip
    mean = w @ pool.z
    sd = np.sqrt(w @ (pool.z - mean) ** 2)
    return np.array(lo), np.array(hi), mean, sd


def recover(folder: Path, seed: int, design: Design = Design()) -> Recovery:
    """One repetition: truth from the prior, one record, the calibration, its intervals."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(22,)))
    truth_z = draw_truth(rng)
    record = simulate_record(truth_z, rng)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"recovery-{seed}.toml"
    path.write_text(calibration_text(record, seed, design))
    cal: Calibration = load_calibration(path)
    result = run_smc(cal, folder / f"recovery-{seed}", progress=False,
                     report=lambda _line: None, executor=lockstep_executor)  # fmt: skip
    lo, hi, mean, sd = posterior_summary(result)
    return Recovery(seed, truth_z, record, result.status, len(result.generations),
                    result.runs_used, lo, hi, mean, sd, result.posterior.ess)  # fmt: skip


def run_repetitions(
    out: Path, seeds: Iterable[int], design: Design, workers: int
) -> Iterator[Recovery]:
    """:func:`recover` of each seed as it finishes: in this process (``workers`` 1), else on
    ``workers`` local processes (:func:`sim.batch.pool.run_pool`, as ``run.py batch``; a
    worker that dies is retried; twice alone: an error). A repetition's randomness comes
    only from its seed and it writes only its own files, so the results are the same for
    any ``workers``; only their order may differ."""
    job = partial(recover, out, design=design)
    if workers == 1:
        yield from map(job, seeds)
        return
    from sim.batch.pool import run_pool

    yield from run_pool(job, seeds, workers, [__name__], give_up=_gave_up)


def _gave_up(seed: int, reason: str) -> Recovery:
    raise RuntimeError(f"repetition of seed {seed}: {reason}")


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(Binomial(n, p) <= k)."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))
