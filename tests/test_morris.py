"""Morris screening designs: SALib's trajectories in point order, analysable end to end."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DEFAULT_SCENARIO, EXPERIMENTS

from sim.batch.session import run_batch
from sim.config import ConfigError
from sim.experiment import load_experiment
from sim.sensitivity import morris_indices

SCENARIO = DEFAULT_SCENARIO

MORRIS = f"""
scenario = "{SCENARIO}"
rounds = 24
replicates = 20
root_seed = 3
[design]
kind = "morris"
samples = 4
num_levels = 4
[design.parameters]
"states.CHN.weights.us_ties" = {{ low = 0.0, high = 0.05 }}
"states.CHN.weights.economy" = {{ low = 0.0, high = 0.1 }}
"""


def test_shipped_morris_example_loads():
    exp = load_experiment(EXPERIMENTS / "morris_example.toml")
    d = len(exp.parameters)
    assert exp.n_points == exp.spec.design.samples * (d + 1)


def test_points_are_salib_trajectories(tmp_path):
    from SALib.sample import morris

    path = tmp_path / "m.toml"
    path.write_text(MORRIS)
    exp = load_experiment(path)
    expected = morris.sample(exp.design.problem, 4, num_levels=4, seed=3)
    got = np.array([[pt[n] for n in exp.parameters] for pt in exp.design.points])
    np.testing.assert_array_equal(got, expected)
    # one-at-a-time: consecutive points of a trajectory differ in exactly one parameter
    for t in range(4):
        block = got[t * 3 : (t + 1) * 3]
        assert ((np.diff(block, axis=0) != 0).sum(axis=1) == 1).all()


def test_odd_levels_rejected(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(MORRIS.replace("num_levels = 4", "num_levels = 3"))
    with pytest.raises(ConfigError, match="even"):
        load_experiment(path)


def test_morris_batch_ranks_china_us_ties_first(tmp_path):
    """China's weight on US ties moves P(trilateral) far more than its weight on trade
    (China's trade with Russia and North Korea is a few percent of its total)."""
    from sim.analysis import load_batch

    path = tmp_path / "m.toml"
    path.write_text(MORRIS)
    exp = load_experiment(path)
    run_batch(exp, tmp_path / "out", workers=1, progress=False)
    table = morris_indices(load_batch(tmp_path / "out"), num_resamples=50)
    tri = table[table["outcome"].str.contains("trilateral", case=False)]
    mu = dict(zip(tri["parameter"], tri["mu_star"], strict=True))
    assert mu["states.CHN.weights.us_ties"] > 3 * mu["states.CHN.weights.economy"]


def test_morris_text_lists_outcomes_that_never_vary_apart():
    """As for Sobol, an outcome whose every elementary effect is 0 is named once below the
    table, not printed as rows of zeros; an outcome with one nonzero effect stays."""
    import pandas as pd

    from sim.commands.sensitivity import format_morris

    table = pd.DataFrame({
        "outcome": ["P(a)", "P(a)", "P(b)", "P(b)"], "parameter": ["x", "y", "x", "y"],
        "mu_star": [0.0, 0.0, 0.0, 0.2], "mu_star_conf": [0.0, 0.0, 0.0, 0.1],
        "sigma": [0.0, 0.0, 0.0, 0.3],
    })  # fmt: skip
    text = format_morris(table)
    assert text.splitlines()[-1] == "constant over the design (every elementary effect 0): P(a)"
    assert sum("P(b)" in line for line in text.splitlines()) == 2
    assert "P(a)" not in "\n".join(text.splitlines()[:-1])


def test_morris_text_keeps_an_outcome_it_could_not_compute():
    """An effect not computed (NaN) is not a zero: such an outcome is not called constant."""
    import numpy as np
    import pandas as pd

    from sim.commands.sensitivity import format_morris

    table = pd.DataFrame({"outcome": ["P(c)", "P(c)"], "parameter": ["x", "y"],
                          "mu_star": [np.nan, 0.0], "mu_star_conf": [np.nan, 0.0],
                          "sigma": [np.nan, 0.0]})  # fmt: skip
    assert "constant" not in format_morris(table)
