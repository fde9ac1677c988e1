"""Pact spaces a scenario declares (``pacts = "all"`` or a list of bilaterals and named pacts).

* counts of pacts and moves, hand-computed, for declared and full spaces;
* a leave continues among the rest only where their pact is declared;
* a pact not declared has no move: it is never proposed, never formed, over many seeds;
* a 3-state (and 4-state) world declared "all" or listed in full gives the same rows for
  the same seeds, in both engines;
* one-line errors (file and field, exit 2) for bad declarations;
* the configuration table where the declared space is small, none where it is not.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations
from math import comb

import numpy as np
import pandas as pd
import pytest
from conftest import DEFAULT_SCENARIO, FOUR_STATES
from runcli import main

from sim.config import ConfigError, load_scenario
from sim.rules.compile import compile_params
from sim.rules.decisions import evaluate_moves
from sim.rules.drivers import initial_drivers
from sim.rules.pacts import LEAVE, LOWER, RAISE, apply_moves, build_pact_space
from sim.rules.utility import attributes
from sim.runner import model_series, run_many, run_model, run_table

LEVELS = ("none", "partnership", "treaty")
SIX = ("CHN", "RUS", "PRK", "USA", "KOR", "JPN")
SIX_DECLARED = (
    *combinations(SIX, 2),
    ("CHN", "RUS", "PRK"),
    ("USA", "KOR", "JPN"),
)
# Four states without a China-South Korea tie (no pact holds both): in four_states.toml a
# China-South Korea partnership forms in about a third of the runs within 24 months.
NO_CHN_KOR = '["CHN-RUS", "CHN-PRK", "RUS-PRK", "RUS-KOR", "PRK-KOR", "CHN-RUS-PRK"]'


def _counts(space):
    kinds = space.kind
    return (
        space.n_pacts,
        int((kinds == RAISE).sum()),
        int((kinds == LOWER).sum()),
        int((kinds == LEAVE).sum()),
        space.n_moves,
    )


# -- counts --------------------------------------------------------------------------------


def test_declared_six_state_space_counts():
    # 15 bilaterals + 2 trilaterals = 17 pacts; 2 raises and 1 lower each; a leave per
    # member: 15 x 2 + 2 x 3 = 36; with the status quo 1 + 34 + 17 + 36 = 88 moves.
    space = build_pact_space(SIX, LEVELS, SIX_DECLARED)
    assert _counts(space) == (17, 34, 17, 36, 88)
    assert space.keys[:5] == ("CHN-RUS", "CHN-PRK", "CHN-USA", "CHN-KOR", "CHN-JPN")
    assert space.keys[-2:] == ("CHN-RUS-PRK", "USA-KOR-JPN")


def test_the_states_that_read_each_effect_by_hand():
    """PactSpace.effect_need (a month not observed values each result for these only):
    a bilateral's members for its moves, all three for the trilateral's, everyone for the
    status quo; either member leaving a bilateral is one effect, read by both."""
    space = build_pact_space(("A", "B", "C"), LEVELS)
    need = space.effect_need[space.effect]  # (M, N)
    label = space.labels.index
    assert need[0].tolist() == [True, True, True]
    assert need[label("form A-B partnership")].tolist() == [True, True, False]
    assert need[label("form B-C treaty")].tolist() == [False, True, True]
    assert need[label("form A-B-C partnership")].tolist() == [True, True, True]
    leaves = [m for m in range(space.n_moves) if space.kind[m] == LEAVE and space.pact[m] == 0]
    assert len(leaves) == 2 and space.effect[leaves[0]] == space.effect[leaves[1]]
    assert need[leaves[0]].tolist() == [True, True, False]
    assert not space.effect_need.flags.writeable


def test_full_six_state_space_counts():
    # 57 subsets of 2..6 states; leaves: sum_k C(6, k) k = 30 + 60 + 60 + 30 + 6 = 186.
    space = build_pact_space(SIX, LEVELS)
    leaves = sum(comb(6, k) * k for k in range(2, 7))
    assert leaves == 186
    assert _counts(space) == (57, 114, 57, 186, 1 + 114 + 57 + 186)


def test_default_space_is_unchanged():
    # 4 pacts x 2 raises + 4 lowers + 9 leaves + the status quo = 22 (docs/model.md 3.4)
    space = build_pact_space(("CHN", "RUS", "PRK"), LEVELS)
    assert _counts(space) == (4, 8, 4, 9, 22)


def test_declaring_every_subset_in_any_order_is_the_full_space():
    codes = ("A", "B", "C")
    listed = (("A", "B", "C"), ("C", "B"), ("A", "C"), ("B", "A"))
    assert build_pact_space(codes, LEVELS, listed) is build_pact_space(codes, LEVELS)


def test_declared_order_does_not_matter():
    codes = ("A", "B", "C")
    one = build_pact_space(codes, LEVELS, (("A", "B", "C"), ("A", "B")))
    two = build_pact_space(codes, LEVELS, (("B", "A"), ("C", "A", "B")))
    assert one is two and one.keys == ("A-B", "A-B-C")


# -- leaving a larger pact -------------------------------------------------------------------


def test_leave_continues_only_among_a_declared_remainder():
    # A-B and A-B-C declared; A-B-C is a treaty (2), A-B none.
    space = build_pact_space(("A", "B", "C"), LEVELS, (("A", "B"), ("A", "B", "C")))
    labels = list(space.labels)
    start = np.array([0, 2], dtype=np.int8)
    c_leaves = labels.index("C leaves A-B-C")
    a_leaves = labels.index("A leaves A-B-C")
    # C leaves: A and B remain, and A-B is declared: it takes the treaty's level.
    assert apply_moves(start, space, np.array(c_leaves)).tolist() == [2, 0]
    # A leaves: B and C remain, B-C is not declared: their tie through A-B-C ends.
    assert apply_moves(start, space, np.array(a_leaves)).tolist() == [0, 0]
    # B-C's end is the same change whoever of A and B leaves: valued once
    b_leaves = labels.index("B leaves A-B-C")
    assert space.effect[a_leaves] == space.effect[b_leaves] != space.effect[c_leaves]


def test_other_pacts_of_the_members_are_untouched_by_a_leave():
    # A-B a partnership (1) beside A-B-C a treaty (2). A leaves A-B-C: B-C is not declared,
    # the trilateral ends, and A-B (another pact) stays a partnership. C leaves: A-B takes
    # the higher level, max(1, 2) = 2.
    space = build_pact_space(("A", "B", "C"), LEVELS, (("A", "B"), ("A", "B", "C")))
    start = np.array([1, 2], np.int8)
    a_leaves = list(space.labels).index("A leaves A-B-C")
    c_leaves = list(space.labels).index("C leaves A-B-C")
    assert apply_moves(start, space, np.array(a_leaves)).tolist() == [1, 0]
    assert apply_moves(start, space, np.array(c_leaves)).tolist() == [2, 0]
    only_big = build_pact_space(("A", "B", "C"), LEVELS, (("A", "B", "C"),))
    assert _counts(only_big) == (1, 2, 1, 3, 7)
    assert (only_big.other[only_big.kind == LEAVE] == -1).all()


# -- undeclared pacts are never proposed -------------------------------------------------


@pytest.fixture(scope="module")
def no_chn_kor():
    return load_scenario(FOUR_STATES, [f"pacts={NO_CHN_KOR}"])


def test_an_undeclared_pact_has_no_move(no_chn_kor):
    space = compile_params(no_chn_kor).space
    assert space.keys == ("CHN-RUS", "CHN-PRK", "RUS-PRK", "RUS-KOR", "PRK-KOR", "CHN-RUS-PRK")
    chn, kor = space.codes.index("CHN"), space.codes.index("KOR")
    assert not (space.membership[:, chn] & space.membership[:, kor]).any()
    assert not any("CHN-KOR" in label for label in space.labels)


def test_an_undeclared_pact_never_forms_over_many_seeds(four_states_scenario, no_chn_kor):
    seeds = list(range(300))
    full = run_table(four_states_scenario, seeds, 24)
    assert full["formed.CHN-KOR"].mean() > 0.2  # it does form when it may
    declared = run_table(no_chn_kor, seeds, 24)
    pact_columns = [c for c in declared.columns if not c.startswith("affinity")]  # pairs
    assert not [c for c in pact_columns if "CHN-KOR" in c or "RUS-PRK-KOR" in c]
    for share in ("support_share_end.CHN.KOR", "support_share_end.KOR.CHN"):
        assert not (declared[share] > 0).any()  # 0, or NaN where a state has no support
    assert not declared["final_pacts"].str.contains("CHN-KOR").any()


def test_an_undeclared_pact_is_never_proposed_in_the_series(no_chn_kor):
    proposals = []
    for seed in range(20):
        model = run_model(no_chn_kor, seed, rounds=24, detail=False)
        assert not [e.text for e in model.events if "CHN-KOR" in e.text]
        series = model_series(model)
        assert not [c for c in series.columns if "CHN-KOR" in c and "affinity" not in c]
        assert not series["config"].str.contains("CHN-KOR").any()
        assert not (series["support_share.KOR.CHN"] > 0).any()
        proposals += series["proposal"].dropna().tolist()
    assert proposals and not [x for x in proposals if "CHN-KOR" in str(x)]
    assert any("KOR" in str(x) for x in proposals)  # South Korea still proposes


# -- "all" or listed in full: the same rows ------------------------------------------------


def _same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    for col in a.columns:
        x, y = a[col].to_numpy(), b[col].to_numpy()
        assert x.tolist() == y.tolist() or np.array_equal(x, y, equal_nan=True), col


@pytest.mark.parametrize(
    "listed",
    ['["CHN-RUS-PRK", "RUS-PRK", "CHN-PRK", "CHN-RUS"]', '["bilaterals", "PRK-RUS-CHN"]'],
)
def test_three_states_all_or_listed_in_full_give_the_same_rows(default_scenario, listed):
    scenario = load_scenario(DEFAULT_SCENARIO, [f"pacts={listed}"])
    assert scenario.pacts != default_scenario.pacts
    seeds = list(range(60))
    for engine in ("lockstep", "mesa"):
        want = run_table(default_scenario, seeds, 36, engine=engine)
        _same_table(run_table(scenario, seeds, 36, engine=engine), want)


def test_four_states_all_or_listed_in_full_give_the_same_rows(four_states_scenario):
    codes = four_states_scenario.codes
    every = [
        "-".join(c) for size in range(4, 1, -1) for c in combinations(codes, size)
    ]  # largest first: order does not matter
    scenario = load_scenario(FOUR_STATES, [f"pacts={every}".replace("'", '"')])
    seeds = list(range(30))
    _same_table(run_table(scenario, seeds, 24), run_table(four_states_scenario, seeds, 24))
    one, two = (
        pd.DataFrame([r.outcome for r in run_many(s, seeds[:5], 24, engine="mesa")])
        for s in (scenario, four_states_scenario)
    )
    _same_table(one, two)


# -- errors --------------------------------------------------------------------------------

BAD = [
    ("unknown-state", '["bilaterals", "CHN-XXX"]', "pacts.1", "CHN-XXX"),
    ("one-state", '["CHN"]', "pacts.0", "two or more"),
    ("repeated-state", '["CHN-CHN"]', "pacts.0", "two or more"),
    ("duplicate", '["CHN-RUS-PRK", "PRK-CHN-RUS"]', "pacts.1", "each pact once"),
    ("duplicate-of-bilaterals", '["bilaterals", "RUS-CHN"]', "pacts.1", "each pact once"),
    ("empty", "[]", "pacts", "non-empty"),
    ("not-all", '"some"', "pacts", "'all'"),
    ("not-strings", "[1, 2]", "pacts", "strings"),
    (
        "initial-pact-undeclared",
        '["CHN-RUS", "RUS-PRK", "CHN-RUS-PRK"]',
        "initial_pacts.CHN-PRK",
        "declared",
    ),
    (
        "talks-undeclared",
        '["CHN-RUS", "CHN-PRK", "CHN-RUS-PRK"]',
        "initial_talks.RUS-PRK",
        "declared",
    ),
    ("target-undeclared", '["bilaterals"]', "target", "declared"),
]


@pytest.mark.parametrize(("value", "field", "says"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_declarations_are_one_line_errors(capsys, value, field, says):
    with pytest.raises(ConfigError) as info:
        load_scenario(DEFAULT_SCENARIO, [f"pacts={value}"])
    assert info.value.field == field
    assert main(["simulate", "--set", f"pacts={value}"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and str(DEFAULT_SCENARIO) in err
    assert f"'{field}'" in err and says in err


def test_a_bad_declaration_in_a_file_names_the_file(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    text = DEFAULT_SCENARIO.read_text()
    bad.write_text(text.replace('target = ["CHN"', 'pacts = ["bilaterals"]\ntarget = ["CHN"', 1))
    assert main(["simulate", "--scenario", str(bad)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and str(bad) in err and "'target'" in err


@pytest.mark.parametrize(
    ("sets", "source"),
    [
        ([], "pacts.CHN-CHN"),  # one state twice is no pact
        ([], "pacts.CHN-USA"),  # not a state of the scenario
        (['pacts=["CHN-RUS", "RUS-PRK", "CHN-PRK", "CHN-RUS-PRK"]'], "pacts.CHN-RUS-PRK-CHN"),
        (['pacts=["bilaterals"]', 'target=["CHN", "RUS"]'], "pacts.CHN-RUS-PRK"),
    ],
    ids=["repeated-state", "unknown-state", "repeated-in-a-triple", "undeclared"],
)
def test_a_feedback_source_names_a_declared_pact_of_distinct_states(capsys, sets, source):
    """A feedback source ``pacts.A-B`` must be a pact the scenario can have: an undeclared
    or malformed one is a one-line error naming the field (it crashed in the compiler)."""
    args = [*sets, f"feedback.2.source={source}"]
    with pytest.raises(ConfigError) as info:
        load_scenario(DEFAULT_SCENARIO, args)
    assert info.value.field == "feedback.2.source"
    assert main(["simulate", *(x for a in args for x in ("--set", a))]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "'feedback.2.source'" in err and "declared" in err


def test_a_feedback_source_on_a_declared_pact_loads():
    s = load_scenario(DEFAULT_SCENARIO, ['pacts=["bilaterals", "CHN-RUS-PRK"]',
                                         "feedback.2.source=pacts.CHN-RUS-PRK"])  # fmt: skip
    assert s.feedback[2].source == "pacts.CHN-RUS-PRK"


# -- the configuration table ---------------------------------------------------------------


def test_a_small_declared_space_has_a_table_that_agrees_bitwise(no_chn_kor):
    p = compile_params(no_chn_kor)
    assert p.configs is not None and p.configs.levels.shape == (3**6, 6)  # 729 <= 4096
    rng = np.random.default_rng(5)
    levels = p.configs.levels[rng.integers(0, 3**6, 200)]
    x, _ = initial_drivers(p, (200,))
    attrs = attributes(x + rng.normal(0.0, 0.2, x.shape), p)
    fast = evaluate_moves(levels, attrs, p)
    slow = evaluate_moves(levels, attrs, replace(p, configs=None))
    assert (fast.valid == slow.valid).all()
    used = np.broadcast_to(fast.valid[..., None], fast.utility.shape)
    assert np.array_equal(fast.utility[used], slow.utility[used])


def test_a_large_declared_space_falls_back_to_direct_computation():
    # the 6 bilaterals and the 4 trilaterals of four states: 3 ** 10 = 59,049 > 4096
    # configurations, no table and no preferred configurations; the runs still play.
    trilaterals = '"CHN-RUS-PRK", "CHN-RUS-KOR", "CHN-PRK-KOR", "RUS-PRK-KOR"'
    scenario = load_scenario(FOUR_STATES, [f'pacts=["bilaterals", {trilaterals}]'])
    p = compile_params(scenario)
    assert p.configs is None and p.space.n_pacts == 10
    model = run_model(scenario, 1, rounds=3, detail=True)
    assert model.preferred == [] and "preferred.CHN" not in model_series(model)
    assert len(run_table(scenario, [1, 2, 3], 3)) == 3
