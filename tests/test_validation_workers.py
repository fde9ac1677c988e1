"""run.py validate --workers N: the fact, noise, channel and statics tables run their
scenario variants on N local processes (sim/validation/variants.py), in jobs cut from seeds
derived before any run, so the tables are the same for any N."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config import load_scenario
from sim.lockstep import run_lockstep
from sim.runner import run_many
from sim.seeds import replicate_seeds
from sim.validation import facts as f
from sim.validation import variants as v


@pytest.fixture
def fresh(monkeypatch):
    """No variant done yet in this process, and jobs of 7 seeds."""
    monkeypatch.setattr(v, "_DONE", {})
    monkeypatch.setattr(v, "SEEDS_PER_JOB", 7)


def test_jobs_cut_each_variants_seeds_in_slices_of_at_most_seeds_per_job(fresh):
    """16 seeds -> slices 0-6, 7-13, 14-15; 3 seeds -> one slice; numbered in order."""
    a, b = f.variant((), 16), f.variant(("negotiation.temperature=0.1",), 3, 99)
    out = v.jobs([a, b])
    seeds_a, seeds_b = replicate_seeds(2024, 16), replicate_seeds(99, 3)
    assert [(k, w) for k, w, _ in out] == [(0, a), (1, a), (2, a), (3, b)]
    assert [s for *_, s in out] == [seeds_a[:7], seeds_a[7:14], seeds_a[14:], seeds_b]


def test_a_variant_in_jobs_on_two_processes_is_its_runs_at_once(fresh):
    """20 seeds in jobs of 7, 7 and 6 on 2 processes: the outcome table of one lockstep call
    over the 20 seeds, and the pact changes per run from that call's level history."""
    sets = ("negotiation.temperature=0.05",)
    outcomes, changes = f.variant(sets, 20, 99), f.variant(sets, 20, 99, "changes")
    v.prefetch([outcomes, changes, outcomes], workers=2)
    scenario = load_scenario(f.load_facts().scenario, list(sets))
    seeds = replicate_seeds(99, 20)
    at_once = pd.DataFrame([o.outcome for o in run_many(scenario, seeds, engine="lockstep")])
    pd.testing.assert_frame_equal(v.result(outcomes), at_once)
    levels = run_lockstep(scenario, seeds, scenario.rounds).history.levels
    expected = (np.diff(levels, axis=1) != 0).any(axis=2).sum(axis=1)
    assert np.array_equal(v.result(changes), expected)


def test_an_unknown_kind_is_an_error(fresh):
    with pytest.raises(ValueError, match="unknown kind 'both'"):
        v.prefetch([f.variant((), 2, kind="both")], workers=1)


def test_the_four_tables_give_the_same_lines_on_one_and_two_processes(fresh, monkeypatch):
    """8 seeds a variant (statics: 6), jobs of 7: each table's lines with every variant of
    the four run first in one pool of 2 processes (as run.py validate --workers 2) are those
    of each table run alone on 1 (each run afresh); the tables then run nothing more."""
    tables = ((f.facts_table, 8), (f.noise_table, 8), (f.channels_table, 8),
              (f.statics_table, 6))  # fmt: skip
    lines = {1: [table(n, 1) for table, n in tables]}
    monkeypatch.setattr(v, "_DONE", {})
    f.prefetch_tables(8, 6, workers=2)
    done = dict(v._DONE)
    lines[2] = [table(n, 2) for table, n in tables]
    assert v._DONE.keys() == done.keys()
    assert lines[1] == lines[2]
    assert lines[1][0][0] == "## Facts at the default (8 seeds, 95% intervals)"
    assert lines[1][3][0] == "## Comparative statics (6 seeds per value)"


def test_a_paired_binary_effect_has_newcombes_interval_not_a_zero_width_one():
    """The channels tables' effect: 1,000 seeds with the fact and none without it gave
    +1.000 [+1.000, +1.000] (Wald: the differences have no spread). Newcombe (1998) method
    10 for paired proportions: p1 = 1, Wilson lower 1,000/1,000 = 0.99617; p2 = 0, Wilson
    upper 0/1,000 = 0.00383; phi = 0 (no concordant pairs), so the lower end is
    1 - sqrt(0.00383^2 + 0.00383^2) = 0.99458. Non-binary statistics keep the normal
    interval of the paired differences: mean 0.1, sd 0.1 over 3 pairs, 1.96 x 0.1 / sqrt 3."""
    import numpy as np

    from sim.validation.facts import paired_effect

    assert paired_effect(np.ones(1000), np.zeros(1000)) == "+1.000 [+0.995, +1.000]"
    assert paired_effect(np.zeros(1000), np.ones(1000)) == "-1.000 [-1.000, -0.995]"
    assert paired_effect(np.array([0.5, 0.7, 0.6]), np.array([0.4, 0.5, 0.6])) == (
        "+0.100 [-0.013, +0.213]"
    )
