"""The generated valuation kernel (sim/rules/kernel_source.py) and its files
(sim/rules/kernel_files.py): what the source says for a shape, where it is written, and
that a file left half-written is replaced. Its bits against the numpy definition are
tests/test_compiled.py's and tests/test_compiled_worlds.py's."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import numpy as np
import pytest

from sim.rules import kernel_files
from sim.rules.kernel_source import KernelShape, kernel_source

SHAPE = KernelShape(n=2, pacts=1)


def test_the_source_adds_each_pair_present_in_index_order():
    """utility._leverage and _dependence add the scenario's pairs in index order: each
    ordered pair is one statement, guarded by whether the scenario has it."""
    lines = [x.strip() for x in kernel_source(SHAPE).splitlines()]
    stake = [x for x in lines if x.startswith("lev") and "+=" in x]
    # pair (0, 1): stake x commitment x state 1's share from state 0
    assert stake[1] == "lev0 += stake_v[sv, 0, 1] * t_commit[c, 0, 1] * (su1_0 / den1)"
    assert len(stake) == 4 and lines[lines.index(stake[1]) - 1] == "if so0_1:"
    # pair (1, 0): the squared share of state 1's support from 0
    dep = [x for x in lines if x.startswith("dep") and "+=" in x]
    assert dep[2] == "dep1 += share * share * dep_v[dv, 1, 0]"
    at = lines.index(dep[2])
    assert lines[at - 2 : at] == ["if do1_0:", "share = su1_0 / den1"]
    order = [x for x in lines if re.fullmatch(r"if (so|do)\d+_\d+:", x)]
    assert order == ["if so0_0:", "if so0_1:", "if so1_0:", "if so1_1:",
                     "if do0_0:", "if do0_1:", "if do1_0:", "if do1_1:"]  # fmt: skip
    ast.parse(kernel_source(SHAPE))


def test_pair_names_stay_distinct_from_twelve_states():
    """su{i}_{j}: without the separator, (1, 11) and (11, 1) would both be su111."""
    source = kernel_source(KernelShape(n=12, pacts=2))
    support = set(re.findall(r"\bsu\d+_\d+\b", source))
    assert len(support) == 144 and {"su1_11", "su11_1"} <= support


@pytest.mark.parametrize(("pacts", "loops"), [(7, False), (8, True)])
def test_pacts_are_unrolled_below_eight_and_members_only_from_eight(pacts, loops):
    source = kernel_source(KernelShape(n=3, pacts=pacts))
    assert ("for k in range(t_weight.shape[-1]):" in source) is loops
    assert ("if not membership[k, 2]:" in source) is loops  # deterrence, members only
    if not loops:  # the last pact's term of the last state's deterrence, in index order
        assert "acc = acc + t_weight[c, 6] * co_cap[b, 6, 2]" in source


def test_no_pacts_sum_to_zero():
    assert "acc = 0.0" in kernel_source(KernelShape(n=1, pacts=0))


def test_a_shape_is_written_once_to_a_file_named_by_its_source(tmp_path, monkeypatch):
    monkeypatch.setenv("TRILATERAL_KERNEL_DIR", str(tmp_path))
    source = kernel_source(SHAPE)
    module = kernel_files._load(source)
    (path,) = tmp_path.glob("table_utility_*.py")
    assert path.read_text() == source
    assert callable(module.utility)
    stamp = path.stat().st_mtime_ns
    kernel_files._load(source)
    assert path.stat().st_mtime_ns == stamp  # not written again
    assert list(tmp_path.glob("*.part")) == []


def test_a_file_left_half_written_is_replaced(tmp_path, monkeypatch):
    """A process stopped while writing leaves its ``.part`` file, never a half file
    under the kernel's name; a file that differs from the source (half of it) is
    written again before it is imported."""
    monkeypatch.setenv("TRILATERAL_KERNEL_DIR", str(tmp_path))
    source = kernel_source(SHAPE)
    kernel_files._load(source)
    (path,) = tmp_path.glob("table_utility_*.py")
    path.write_text(source[: len(source) // 2])
    kernel_files._load(source)
    assert path.read_text() == source


def test_a_folder_that_cannot_be_made_falls_back_to_the_temporary_folder(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv("TRILATERAL_KERNEL_DIR", str(blocker / "kernels"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # tempfile reads TMPDIR again
    fallback = tmp_path / "tmp" / f"trilateral-sim-kernels-{os.getuid()}"
    assert kernel_files.kernel_folder() == fallback


def test_a_folder_anybody_can_write_to_is_refused(tmp_path, monkeypatch):
    """numba's cache files are pickles: a chosen folder every user may write to is
    passed over for this user's own folder in the temporary folder."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("TRILATERAL_KERNEL_DIR", str(shared))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    folder = kernel_files.kernel_folder()
    assert folder == tmp_path / "tmp" / f"trilateral-sim-kernels-{os.getuid()}"
    assert folder.stat().st_mode & 0o777 == 0o700  # made for this user only


def test_the_kernel_of_a_shape_is_loaded_once_per_process():
    shape = KernelShape(n=2, pacts=2)
    assert kernel_files.kernels(shape) is kernel_files.kernels(shape)
    assert Path(kernel_files.kernels(shape).__file__).exists()


def test_the_moves_of_each_result_are_listed_in_move_order():
    """compiled_moves._spread_lists: moves 0, 2, 4 share result 0, move 3 has result 1,
    move 1 result 2; a result with no move has an empty list."""
    from sim.rules.compiled_moves import _spread_lists

    first, moves = _spread_lists(np.array([0, 2, 0, 1, 0]), 4)
    assert first.tolist() == [0, 3, 4, 5, 5] and moves.tolist() == [0, 2, 4, 3, 1]


def test_worlds_that_differ_in_their_pairs_share_a_kernel():
    """The pairs are data (present, value), not part of the shape: a scenario with other
    stakes compiles nothing new; the states and pacts are the shape."""
    from dataclasses import replace

    from conftest import ROOT

    from sim.config import load_scenario
    from sim.rules import compiled
    from sim.rules.compile import compile_params

    p = compile_params(load_scenario(ROOT / "configs" / "scenarios" / "korea_2024.toml"))
    other = replace(p, stakes=np.where(p.stakes == 0, 0.5, 0.0))
    assert other.stake_pairs != p.stake_pairs
    shapes = [compiled._shape(q, compiled.held_terms(q)) for q in (p, other)]
    assert shapes[0] == shapes[1] == KernelShape(n=3, pacts=4)
