"""Side-by-side comparison: Newcombe intervals, pairing by seed, log-rank, the command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.analysis.compare import diff_interval, logrank_p
from sim.batch.session import run_batch
from sim.experiment import load_experiment
from sim.stats import logrank_test
from tests.runcli import main

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "configs" / "scenarios"


def bools(k: int, n: int) -> np.ndarray:
    return np.arange(n) < k


def test_unpaired_difference_matches_newcombe_1998_example():
    # Newcombe (1998), Stat Med 17:873, example (a): 56/70 - 48/80, method 10: 0.0524-0.3339
    d, lo, hi = diff_interval(bools(56, 70), bools(48, 80), paired=False)
    assert d == pytest.approx(0.2)
    assert (lo, hi) == (pytest.approx(0.0524, abs=1e-4), pytest.approx(0.3339, abs=1e-4))


def test_paired_interval_is_tighter_when_outcomes_agree():
    rng = np.random.default_rng(0)
    y = rng.random(400) < 0.3
    x = y.copy()
    x[np.flatnonzero(~y)[:20]] = True  # 20 more successes, same seeds otherwise
    d, lo, hi = diff_interval(x, y, paired=True)
    _, ulo, uhi = diff_interval(x, y, paired=False)
    assert d == pytest.approx(20 / 400)
    assert lo > 0 and lo < d < hi  # the paired interval excludes 0
    assert ulo < 0  # unpaired, the same data cannot tell
    assert hi - lo < 0.6 * (uhi - ulo)


def test_scipy_logrank_agrees_with_the_hand_written_test():
    import pandas as pd

    from sim.analysis.batch import ScenarioInfo
    from sim.analysis.compare import Group

    info = ScenarioInfo(("A", "B"), ("A-B",), "A-B", ("p",), "2024-01", ())
    first_a = [0, 2, 3, None, None, 5]
    first_b = [4, None, None, None, 6, None]
    groups = [
        Group(
            name,
            pd.DataFrame({"target_round": pd.array(first, dtype="Int64"), "rounds": 10, "seed": 1}),
            info,
        )
        for name, first in (("a", first_a), ("b", first_b))
    ]
    z, p = logrank_p(groups[0], groups[1], "A-B")
    t = lambda f: np.array([9 if v is None else v for v in f])  # noqa: E731
    o = lambda f: np.array([v is not None for v in f])  # noqa: E731
    ref = logrank_test(t(first_a), o(first_a), t(first_b), o(first_b))
    assert z**2 == pytest.approx(ref.statistic, rel=1e-9)
    assert p == pytest.approx(ref.p_value, rel=1e-9)


EXP = f"""
scenario = "{SCENARIOS / "korea_2024.toml"}"
rounds = 12
replicates = 30
root_seed = 1
[design]
kind = "scenarios"
scenarios = ["{SCENARIOS / "korea_2024.toml"}", "{SCENARIOS / "us_china_rupture.toml"}"]
"""


@pytest.fixture(scope="module")
def library_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cmp")
    (tmp / "exp.toml").write_text(EXP)
    run_batch(load_experiment(tmp / "exp.toml"), tmp / "b", workers=1, progress=False)
    return tmp / "b"


def test_compare_command_writes_table_and_figures(library_dir, tmp_path, capsys):
    assert main(["compare", str(library_dir), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "common random numbers" in out and "paired" in out
    for name in ("compare.csv", "compare.md", "compare_curves.png", "compare_end.png"):
        assert (tmp_path / name).is_file(), name
    import pandas as pd

    table = pd.read_csv(tmp_path / "compare.csv")
    assert set(table["group"]) == {"korea_2024", "us_china_rupture"}
    assert (table["n"] == 30).all()
    assert "tied at the end (any pact)" in set(table["measure"])


def test_compare_of_two_directories_and_bad_reference(library_dir, tmp_path, capsys):
    assert main(["compare", str(library_dir), str(library_dir), "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["compare", str(library_dir), "--reference", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope" in err


def test_compare_missing_directory_exits_2(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "none")]) == 2
    assert "not found" in capsys.readouterr().err


def test_pairing_needs_the_same_seeds_each_once():
    import pandas as pd

    from sim.analysis.batch import ScenarioInfo
    from sim.analysis.compare import Group, paired_with

    info = ScenarioInfo(("A", "B"), ("A-B",), "A-B", ("p",), "2024-01", ())

    def group(seeds):
        return Group("g", pd.DataFrame({"seed": seeds}), info)

    assert paired_with(group([3, 1, 2]), group([1, 2, 3]))
    assert not paired_with(group([1, 2, 4]), group([1, 2, 3]))
    assert not paired_with(group([1, 1, 2]), group([1, 2, 2]))


def test_compare_takes_a_shipped_experiment_by_name(monkeypatch, tmp_path):
    """``run.py compare library`` runs (or resumes) the shipped experiment into
    results/library first, as ``compare configs/experiments/library.toml`` does; a name
    that is neither a directory nor a shipped experiment stays a directory (not found)."""
    import sim.commands.batch as batch_command
    from sim.commands.compare import _batches

    ran = []
    monkeypatch.setattr(batch_command, "run_experiment", lambda e, out: ran.append((e, out)) or 0)
    monkeypatch.chdir(tmp_path)
    assert _batches([Path("library"), Path("nonesuch")]) == [
        Path("results") / "library",
        Path("nonesuch"),
    ]
    assert [(e.name, out) for e, out in ran] == [("library.toml", Path("results/library"))]


def test_a_comparison_report_says_what_each_scenario_group_is(library_dir):
    """Each group of a comparison (one batch of scenarios, or two batches, whose labels
    carry the batch) is described by the scenario it played, read from the groups
    run.py compare makes, not parsed from their labels."""
    from sim.config import load_scenario
    from sim.report.compare import group_descriptions

    want = {n: load_scenario(f"configs/scenarios/{n}.toml").description
            for n in ("korea_2024", "us_china_rupture")}  # fmt: skip
    one = group_descriptions([library_dir])
    assert dict(one.values.tolist()) == want
    two = group_descriptions([library_dir, library_dir])
    assert len(two) == 4 and all(": " in g for g in two["group"])
    assert sorted(set(two["description"])) == sorted(want.values())
    assert group_descriptions([library_dir / "missing"]).empty
