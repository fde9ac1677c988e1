"""Recovery on the real model (issue 22, item 3): simulate the record from known parameter
values, calibrate on it, and check the values fall inside the 90% posterior intervals.

The machinery is sim/calibration/recovery.py: true values drawn from the prior (a
Bayesian interval has its nominal coverage on average over the prior, not at every point),
one run of the model at them gives the record (noisy ABC: a target with tolerance t
observes the value plus a uniform offset on -t..t, so the ABC posterior at eps = 1 is the
exact posterior of that record), and the calibration runs the real ABC-SMC on it. Three
parameters, three prior families: the ceasefire hazard (log-uniform; record: the month the
war switches to its ceasefire regime, +-2, "never" when it went on and the offset is 0),
the longest treaty talks (integer months 7-15; record: the month the Russia-DPRK treaty is
signed, +-1) and the Russia-DPRK affinity (truncated normal; moves the same month); every
record also says "never" for the trilateral's month (tolerance 0). No at_least target (its
pass/fail shares the runs of the run-level targets, so the coverage would not be nominal;
tests/test_calibration_exact.py exercises at_least against its exact posterior).

Binomial reasoning. A repetition is independent of the others (own seeds, own truth), so
for each parameter the number of repetitions whose interval covers the truth is
Binomial(R, c) with c the true coverage. With R = 6 and a threshold of 3, a correct
posterior (c = 0.9) fails a given parameter with P(Bin(6, 0.9) <= 2) = 0.0013, and one of
the three with at most 3 x 0.0013 = 0.004 (union bound: the three counts share their records,
so they are not independent). The intervals come from weighted quantiles of an ESS of
~20-40, whose tails are short of the exact ones (coverage ~0.85 for 20 samples); at c =
0.85 a parameter fails with 0.006, so at most 0.018 for the three. What R = 6 can catch is
a gross error: the test fails with probability 0.34 at c = 0.5 and 0.74 at c = 0.3 per
parameter (a posterior pointing at the wrong values: a broken mapping from working space to
the model, a target read from the wrong column). The coverage at the nominal rate is
measured by the larger version, scripts/recovery_real.py (40 repetitions, result in
docs/validation_report.md). The seeds are fixed, so the test is deterministic. About 60 s
on 2 loaded cores (6 calibrations of ~1,000 runs with every set of a generation advanced
together, sim.runner.run_table_points).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.calibration.recovery import (
    PRIORS,
    ROUNDS,
    Design,
    binomial_cdf,
    calibration_text,
    recover,
    simulate_record,
)
from sim.calibration.spec import NEVER, parse_spec

REPETITIONS = 6
MIN_COVERED = 3  # per parameter, of REPETITIONS (module docstring)
CI_DESIGN = Design(population=30, replicates=6, max_generations=8, ess_fraction=0.5)


@pytest.fixture(scope="module")
def recoveries(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recovery")
    return [recover(folder, seed, CI_DESIGN) for seed in range(REPETITIONS)]


def test_binomial_threshold_as_stated():
    """P(Bin(6, 0.9) <= 2) = 0.1^6 + 6 * 0.9 * 0.1^5 + 15 * 0.81 * 0.1^4 = 0.00127."""
    assert binomial_cdf(2, 6, 0.9) == pytest.approx(1e-6 + 5.4e-5 + 15 * 0.81 * 1e-4)
    assert binomial_cdf(MIN_COVERED - 1, REPETITIONS, 0.9) < 0.0015
    assert 1 - binomial_cdf(MIN_COVERED - 1, REPETITIONS, 0.5) == pytest.approx(0.65625)


@pytest.mark.slow
def test_true_values_inside_90_percent_intervals(recoveries):
    assert all(r.status == "converged" for r in recoveries), [r.status for r in recoveries]
    covered = np.array([r.covered for r in recoveries]).sum(axis=0)
    for name, k in zip(PRIORS, covered, strict=True):
        assert k >= MIN_COVERED, f"{name}: {k} of {REPETITIONS} intervals cover the truth"


@pytest.mark.slow
def test_the_record_informs_the_talks(recoveries):
    """A posterior equal to the prior would pass the coverage test; the record (the month
    the treaty was signed, +-1) must narrow the talks' 90% interval: the treaty is signed
    within talks_max - 4 months or so, so a signing month rules out the shorter talks."""
    j = list(PRIORS).index("levels.1.talks_max")
    widths = [r.upper[j] - r.lower[j] for r in recoveries]
    prior = 0.9 * (15.5 - 6.5)
    assert np.mean(widths) < 0.85 * prior, widths


def test_record_offsets_stay_within_the_tolerance():
    """The noisy-ABC record: the treaty's month is a simulated month +-1 (0..24 before the
    offset), the war's a month of 12..24 +-2 (the hazard acts from 2025-01) or "never"."""
    rng = np.random.default_rng(5)
    z = np.array([np.log(0.3), 10.0, 0.6])
    records = [simulate_record(z, rng) for _ in range(4)]
    for rec in records:
        assert -1 <= rec["treaty_signed"] <= ROUNDS + 1
        war = rec["war_goes_on"]
        assert war == NEVER or 10 <= war <= ROUNDS + 2
        assert rec["no_trilateral"] == NEVER  # no trilateral at the scenario's US-ties weight


def test_calibration_text_is_a_valid_calibration():
    record = {"treaty_signed": 4.0, "war_goes_on": NEVER, "no_trilateral": NEVER}
    text = calibration_text(record, 7, CI_DESIGN)
    import tomllib

    spec = parse_spec(tomllib.loads(text), "recovery.toml")
    assert spec.priors["levels.1.talks_max"].integer
    assert spec.priors["relations.RUS-PRK.affinity"].dist == "normal"
    assert [t.observed for t in spec.targets] == [4.0, NEVER, NEVER]
    assert [t.tolerance for t in spec.targets] == [1.0, 2.0, 0.0]
    assert spec.smc.population == 30 and spec.replicates == 6
