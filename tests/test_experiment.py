"""Experiment files, designs and replicate seeds (no simulation runs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import DEFAULT_SCENARIO, EXPERIMENTS

from sim.commands.batch import run_experiment
from sim.config import ConfigError
from sim.design.kind import salib_problem
from sim.design.lhs import lhs_points
from sim.experiment import load_experiment
from sim.seeds import replicate_seeds

SCENARIO = DEFAULT_SCENARIO

GRID = f"""
scenario = "{SCENARIO}"
rounds = 12
replicates = 3
root_seed = 5
[design]
kind = "grid"
[design.parameters]
"states.CHN.weights.us_ties" = [0.0, 0.2, 0.4]
"us.reactivity" = [0.1, 0.3]
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["default", "lhs_example", "sobol_example"])
def test_shipped_experiments_load(name: str) -> None:
    exp = load_experiment(EXPERIMENTS / f"{name}.toml")
    assert exp.scenario_path == SCENARIO.resolve()
    assert exp.n_points >= 2 and exp.runs_total == exp.n_points * exp.spec.replicates
    assert set(exp.design.points[0]) == set(exp.parameters)


def test_grid_is_cartesian_product_first_parameter_slowest(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, GRID))
    assert exp.parameters == ["states.CHN.weights.us_ties", "us.reactivity"]
    assert [tuple(p.values()) for p in exp.design.points] == [
        (0.0, 0.1), (0.0, 0.3), (0.2, 0.1), (0.2, 0.3), (0.4, 0.1), (0.4, 0.3),
    ]  # fmt: skip
    assert exp.rounds == 12 and exp.runs_total == 18


def test_scenario_path_is_relative_to_the_experiment_file(tmp_path: Path) -> None:
    (tmp_path / "scen").mkdir()
    (tmp_path / "exps").mkdir()
    (tmp_path / "scen" / "s.toml").write_text(SCENARIO.read_text())
    text = GRID.replace(f'"{SCENARIO}"', '"../scen/s.toml"').replace("rounds = 12\n", "")
    exp = load_experiment(write(tmp_path / "exps", text))
    assert exp.scenario_path == (tmp_path / "scen" / "s.toml").resolve()
    assert exp.rounds == 84  # omitted: the scenario's horizon


def test_hash_depends_on_content_not_location(tmp_path: Path) -> None:
    a = load_experiment(write(tmp_path, GRID, "a.toml"))
    b = load_experiment(write(tmp_path, GRID + "\n# a comment\n", "b.toml"))
    c = load_experiment(write(tmp_path, GRID.replace("root_seed = 5", "root_seed = 6"), "c.toml"))
    d = load_experiment(
        write(tmp_path, GRID.replace("root_seed = 5", 'root_seed = 5\nengine = "mesa"'), "d.toml")
    )
    assert a.hash() == b.hash() == d.hash() != c.hash()  # engines give the same rows
    assert a.hash(series=True) != a.hash()


def test_seeds_common_random_numbers_and_reproducible() -> None:
    seeds = replicate_seeds(2024, 50)
    assert seeds == replicate_seeds(2024, 50)
    assert seeds[:10] == replicate_seeds(2024, 10)  # a replicate's seed ignores the count
    assert len(set(seeds)) == 50
    assert all(0 <= s < 2**63 for s in seeds)
    assert seeds != replicate_seeds(2025, 50)
    ss = np.random.SeedSequence(2024).spawn(2)[1]
    assert seeds[1] == int(ss.generate_state(1, dtype=np.uint64)[0]) & (2**63 - 1)


def test_lhs_is_a_latin_hypercube_in_range() -> None:
    ranges = {"a": (0.0, 1.0), "b": (-2.0, 2.0)}
    points = lhs_points(ranges, 20, seed=3)
    assert points == lhs_points(ranges, 20, seed=3) != lhs_points(ranges, 20, seed=4)
    for name, (lo, hi) in ranges.items():
        x = np.array([p[name] for p in points])
        assert ((x >= lo) & (x <= hi)).all()
        bins = np.floor((x - lo) / (hi - lo) * 20).astype(int)
        assert sorted(bins) == list(range(20))  # one point per stratum


def test_sobol_design_is_salib_and_analysable(tmp_path: Path) -> None:
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    text = f"""
scenario = "{SCENARIO}"
replicates = 2
root_seed = 8
[design]
kind = "sobol"
samples = 64
[design.parameters]
"states.CHN.weights.us_ties" = {{ low = 0.0, high = 0.6 }}
"us.reactivity" = {{ low = 0.0, high = 0.5 }}
"negotiation.temperature" = {{ low = 0.01, high = 0.1 }}
"""
    exp = load_experiment(write(tmp_path, text))
    problem = exp.design.problem
    assert problem == salib_problem(
        {"states.CHN.weights.us_ties": (0.0, 0.6), "us.reactivity": (0.0, 0.5),
         "negotiation.temperature": (0.01, 0.1)}
    )  # fmt: skip
    expected = sobol_sample.sample(problem, 64, calc_second_order=False, seed=8)
    got = np.array([list(p.values()) for p in exp.design.points])
    np.testing.assert_array_equal(got, expected)
    assert len(got) == 64 * (3 + 2)
    y = 4 * got[:, 0] + got[:, 1]  # outcome in point order: us_ties matters most, temp not
    s1 = sobol_analyze.analyze(problem, y, calc_second_order=False)["S1"]
    assert s1[0] > s1[1] > abs(s1[2])


BAD = [
    ("replicates = 3\n", "", "replicates"),
    ('kind = "grid"', 'kind = "random"', "design.kind"),
    ("rounds = 12", 'rounds = "twelve"', "rounds"),
    ("root_seed = 5", "root_seed = -1", "root_seed"),
    ("[0.0, 0.2, 0.4]", "0.3", "design.parameters.states.CHN.weights.us_ties"),
    ("[0.0, 0.2, 0.4]", "[]", "design.parameters.states.CHN.weights.us_ties"),
    ("[0.0, 0.2, 0.4]", "[0.0, -0.5]", "design.parameters.states.CHN.weights.us_ties"),
    ('"us.reactivity"', '"us.reactivty"', "design.parameters.us.reactivty"),
    ("root_seed = 5", "root_seed = 5\nseeds = 3", "seeds"),
    (f'"{SCENARIO}"', '"no/such/scenario.toml"', "scenario"),
    ('kind = "grid"', 'kind = "lhs"', "design.samples"),
    ("[design]", "[design\n", ""),
    ("root_seed = 5", 'root_seed = 5\nengine = "turbo"', "engine"),
]


@pytest.mark.parametrize(("old", "new", "field"), BAD)
def test_malformed_experiment_is_a_config_error(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    assert old in GRID
    path = write(tmp_path, GRID.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        load_experiment(path)
    assert info.value.field == field
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("design", "message"),
    [
        ('kind = "lhs"\nsamples = 4\n[design.parameters]\n"us.reactivity" = { low = 1.0, '
         "high = 0.5 }", "low < high"),
        ('kind = "sobol"\nsamples = 12\n[design.parameters]\n"us.reactivity" = { low = 0.0, '
         "high = 0.5 }", "power of 2"),
        ('kind = "lhs"\nsamples = 4\nsecond_order = true\n[design.parameters]\n'
         '"us.reactivity" = { low = 0.0, high = 0.5 }', "second_order"),
        ('kind = "lhs"\nsamples = 4\n[design.parameters]\n"us.reactivity" = { low = -1.0, '
         "high = 0.0 }", "design point"),
    ],
)  # fmt: skip
def test_malformed_sampled_designs(tmp_path: Path, design: str, message: str) -> None:
    head = GRID.split("[design]")[0]
    path = write(tmp_path, f"{head}[design]\n{design}\n")
    with pytest.raises(ConfigError, match=message):
        load_experiment(path)


def test_cli_malformed_experiment_exits_2_one_line_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GRID.replace("[0.0, 0.2, 0.4]", '["a"]'))
    out = tmp_path / "out"
    assert run_experiment(path, out, workers=1, progress=False) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {path}: ")
    assert "us_ties" in err[0] and "Traceback" not in err[0]
    assert not out.exists()
