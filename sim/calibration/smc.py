"""ABC-SMC over the batch engine: population Monte Carlo with an adaptive tolerance.

Generation 0 draws ``population`` parameter sets from the prior; generation g > 0 draws
them from a kernel around the weighted sets of generation g-1 (of all generations at
its tolerance, pooled) (Beaumont et al. 2009; Toni et
al. 2009). Every set is run ``replicates`` times (one batch per generation). A set's
weight is prior / proposal density times its pass fraction at the tolerance ``eps``
(Del Moral, Doucet & Jasra 2012), and ``eps`` is the smallest value (not above the
previous one, not below 1) that keeps an effective sample size of ``ess_fraction *
population``. When a step down leaves the generations at the new eps, pooled, with less
than ``top_up_fraction`` (default half) of that ESS, the pool is *thin* and the next
generation is a *top-up*: the same eps and a proposal from the same population as the
step's (not from the thin sample it left), until the pool at that eps is no longer thin;
only then does the next step propose from it (as ABC-SMC samplers that draw until
``population`` sets are accepted: Beaumont et al. 2009, pyabc). A proposal built from a
pool of ESS ~10 underestimates the spread, and the next steps inherit it: the intervals
come out too narrow (docs/validation_report.md, "Recovery on the real model"); a pool of
half the required ESS or more estimates the kernel's spread well enough (its variance to
within ~1/sqrt(ESS/2); docs/calibration.md, "Top-ups").
The search ends when eps is 1 (every target within its stated tolerance) and the
generations there, pooled, reach that effective sample size; when the run budget or the
generation limit is spent; or when eps stalls above 1.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.batch.plan import DEFAULT_RUNNER
from sim.calibration.generation import (
    gen_dir,
    generation_experiment,
    generation_streams,
    run_generation,
)
from sim.calibration.priors import Kernel, MvnKernel, PriorSet
from sim.calibration.spec import Calibration, Smc
from sim.calibration.targets import Scores, choose_tolerance, ess, score

STALL = 0.99  # eps counts as stalled when it falls by less than 1% ...
STALL_GENERATIONS = 2  # ... in this many generations in a row


@dataclass
class Generation:
    """One generation: its sets (working space and values), weights and tolerance."""

    index: int
    z: np.ndarray
    theta: np.ndarray
    log_ratio: np.ndarray  # log prior - log proposal density
    scores: Scores
    tolerance: float
    weights: np.ndarray  # normalised (all zero if nothing passed)
    runs: int
    basis: Pool | None = None  # the population its proposal was built from (None: prior)
    topup: bool = False  # a top-up: the previous generation's eps and basis

    @property
    def ess(self) -> float:
        return ess(self.weights)

    @property
    def accepted(self) -> float:
        """Share of sets with at least one run within the tolerance (and probability
        targets met)."""
        return float((self.scores.pass_fraction(self.tolerance) > 0).mean())

    def row(self, runs_used: int) -> dict[str, float]:
        return {
            "generation": self.index,
            "tolerance": self.tolerance,
            "ess": round(self.ess, 1),
            "accepted_sets": round(self.accepted, 4),
            "runs": self.runs,
            "runs_used": runs_used,
            "topup": self.topup,
        }


@dataclass
class SmcResult:
    """The generations, why the search stopped and the runs it used."""

    generations: list[Generation]
    status: str  # converged | budget | max_generations | stalled | empty
    runs_used: int
    ran_now: int
    log: list[dict] = field(default_factory=list)

    @property
    def final(self) -> Generation:
        return self.generations[-1]

    @property
    def posterior(self) -> Pool:
        """The weighted sets of every generation at the final tolerance, pooled: each is an
        importance sample of the same ABC posterior; pooled with weights proportional to
        each generation's ESS (more effective samples, steadier quantiles)."""
        gens = [g for g in self.generations if g.tolerance == self.final.tolerance]
        gens = [g for g in gens if g.weights.sum() > 0] or [self.final]
        share = np.array([g.ess for g in gens])
        share = share / share.sum() if share.sum() > 0 else share
        s = [g.scores for g in gens]
        scores = Scores(
            np.vstack([x.run_distance for x in s]),
            np.concatenate([x.set_threshold for x in s]),
            {k: np.vstack([x.per_target[k] for x in s]) for k in s[0].per_target},
            {k: np.vstack([x.values[k] for x in s]) for k in s[0].values},
        )
        return Pool(
            z=np.vstack([g.z for g in gens]),
            theta=np.vstack([g.theta for g in gens]),
            weights=np.concatenate([g.weights * c for g, c in zip(gens, share, strict=True)]),
            scores=scores,
            generation=np.concatenate([np.full(len(g.theta), g.index) for g in gens]),
            point_id=np.concatenate([np.arange(len(g.theta)) for g in gens]),
            tolerance=self.final.tolerance,
        )


@dataclass(frozen=True)
class Pool:
    """The posterior sample: sets (rows) from one or more generations at one tolerance."""

    z: np.ndarray
    theta: np.ndarray
    weights: np.ndarray  # sums to 1 (0 if nothing passed)
    scores: Scores
    generation: np.ndarray
    point_id: np.ndarray
    tolerance: float

    @property
    def ess(self) -> float:
        return ess(self.weights)


def _propose(
    cal: Calibration, priors: PriorSet, prev: Pool | None, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Sets in working space and their log prior / proposal ratios."""
    n = cal.spec.smc.population
    if prev is None:
        return priors.sample_z(n, rng), np.zeros(n)
    kind = MvnKernel if cal.spec.smc.kernel == "multivariate" else Kernel
    kernel = kind.around(prev.z, prev.weights, priors)
    z = kernel.sample(n, rng)
    return z, priors.logpdf_z(z) - kernel.logpdf(z)


def _weights(log_ratio: np.ndarray, scores: Scores, eps: float) -> np.ndarray:
    base = np.exp(log_ratio - np.max(log_ratio))
    w = base * scores.pass_fraction(eps)
    return w / w.sum() if w.sum() > 0 else w


def run_generation_step(
    cal: Calibration,
    priors: PriorSet,
    g: int,
    prev: Pool | None,
    out: Path,
    options: dict,
    topup: float | None = None,
) -> tuple[Generation, int]:
    """Propose from ``prev``, run (or resume) and weight generation ``g``; return it and
    runs run now. ``topup``: the tolerance of a top-up generation (else it is chosen)."""
    rng, runs_seed = generation_streams(cal.spec.root_seed, g)
    z, log_ratio = _propose(cal, priors, prev, rng)
    theta = priors.from_z(z)
    exp = generation_experiment(cal, g, theta, runs_seed)
    stats = [t.statistic for t in cal.spec.targets]
    options = dict(options)
    executor = options.pop("executor", None)  # tests: an in-memory stand-in for the batch
    if executor is not None:
        runs, ran = executor(exp), exp.runs_total
    else:
        runs, ran = run_generation(exp, gen_dir(out, g), stats, **options)
    scores = score(runs, list(cal.spec.targets), cal.spec.rounds, cal.spec.replicates)
    previous = np.inf if prev is None else prev.tolerance
    min_ess = cal.spec.smc.ess_fraction * cal.spec.smc.population
    base = np.exp(log_ratio - np.max(log_ratio))
    eps = topup if topup is not None else choose_tolerance(scores, base, previous, min_ess)
    gen = Generation(g, z, theta, log_ratio, scores, eps, _weights(log_ratio, scores, eps),
                     len(runs), prev, topup is not None)  # fmt: skip
    return gen, ran


def top_up_ess(smc: Smc) -> float:
    """The ESS below which a pool is thin and topped up: ``top_up_fraction`` of the required
    ESS (``ess_fraction * population``); 0 (never) with ``top_up`` off."""
    return smc.top_up_fraction * smc.ess_fraction * smc.population if smc.top_up else 0.0


def next_basis(gens: list[Generation], thin_below: float
               ) -> tuple[Pool | None, float | None]:  # fmt: skip
    """The population the next generation proposes from, and its fixed tolerance if it is
    a top-up: the pool at the last eps when its ESS is at least ``thin_below``
    (:func:`top_up_ess`; 0: never a top-up, the rule before 2026-12-03); else the last
    generation's own basis, at its eps (a top-up)."""
    if not gens:
        return None, None
    pool = SmcResult(gens, "", 0, 0).posterior
    if pool.ess >= thin_below or pool.weights.sum() == 0:
        return pool, None
    return gens[-1].basis, gens[-1].tolerance


def _stalled(gens: list[Generation]) -> bool:
    steps = [g for g in gens if not g.topup]  # a top-up keeps eps by design
    if len(steps) <= STALL_GENERATIONS or gens[-1].topup:
        return False
    tol = [g.tolerance for g in steps[-STALL_GENERATIONS - 1 :]]
    return all(b >= STALL * a for a, b in itertools.pairwise(tol))


def run_smc(
    cal: Calibration,
    out: Path,
    *,
    budget: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    report: Callable[[str], None] | None = None,
    runner: str = DEFAULT_RUNNER,
    executor: Callable | None = None,
) -> SmcResult:
    """Run (or resume) the calibration's generations into ``out/gen-XX``."""
    report = report or (lambda line: print(line, file=sys.stderr))
    smc = cal.spec.smc
    budget = budget or smc.budget
    per_gen = smc.population * cal.spec.replicates
    priors = PriorSet.of(cal.spec.priors)
    options = {"workers": workers, "scheduler": scheduler, "progress": progress, "runner": runner,
               "executor": executor}  # fmt: skip
    min_ess = smc.ess_fraction * smc.population
    gens: list[Generation] = []
    used = ran_now = 0
    status = "max_generations"
    log = []
    for g in range(smc.max_generations):
        if used + per_gen > budget:
            status = "budget"
            break
        prev, topup = next_basis(gens, top_up_ess(smc))
        gen, ran = run_generation_step(cal, priors, g, prev, out, options, topup)
        gens.append(gen)
        used += gen.runs
        ran_now += ran
        log.append(gen.row(used))
        report(
            f"generation {g}: tolerance {gen.tolerance:.3g}, accepted sets "
            f"{gen.accepted:.0%}, ESS {gen.ess:.0f}/{smc.population}, runs used "
            f"{used:,}/{budget:,}"
        )
        if gen.weights.sum() == 0:
            status = "empty"
            break
        if gen.tolerance <= 1.0 and SmcResult(gens, "", 0, 0).posterior.ess >= min_ess:
            status = "converged"  # at the stated tolerances with a full effective sample
            break
        if gen.tolerance > 1.0 and _stalled(gens):
            status = "stalled"
            break
    return SmcResult(gens, status, used, ran_now, log)
