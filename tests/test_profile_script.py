"""benchmarks/profile_round.py runs (a smoke test: a renamed rule must not break the
profile that says where the time goes; shares are measured, not asserted)."""

from __future__ import annotations

import importlib.util

from conftest import ROOT


def test_profile_round_prints_each_step_share(capsys):
    spec = importlib.util.spec_from_file_location("profile_round", ROOT / "benchmarks" /
                                                  "profile_round.py")  # fmt: skip
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--runs", "30", "--rounds", "8"]) == 0
    out = capsys.readouterr().out
    assert "round.py:play_round" in out and "act.py:take_actions" in out
    # every step it names is found in the profile (a renamed function would drop out)
    assert out.count("%") == len(mod.STEPS)


def test_bound_valuation_prints_a_ratio_per_repeat(capsys):
    """benchmarks/bound_valuation.py runs, and restores the real valuation after it."""
    from sim.rules import act, compiled, compiled_moves, decisions

    def places():
        return (decisions.utility_given, compiled.table_utility, compiled_moves.move_utility,
                act._utility_with)  # fmt: skip

    real = places()
    spec = importlib.util.spec_from_file_location("bound_valuation", ROOT / "benchmarks" /
                                                  "bound_valuation.py")  # fmt: skip
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--runs", "20", "--rounds", "6", "--repeats", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("x\n") == 2 and "bound on a compiled valuation" in out
    assert places() == real
