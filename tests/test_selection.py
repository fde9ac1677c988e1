"""Which pacts a batch's figures draw in a world of many pacts (sim.analysis.selection),
and the tables that follow the same rule.

Rules: up to MAX_PACT_PANELS pacts every pact is drawn; above it, a pact formed in no run
of any group and one in force in every run to the end are named, not drawn; a pact formed
in a single run keeps its panel; the target is always drawn, first; the comparison's
measures at 0% in every group or 100% in every group leave its figures and printed
table, not its CSV; the summary shows P(active at the end) beside P(ever formed).
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.analysis.batch import ScenarioInfo
from sim.analysis.compare import flat_measures, flat_note, without
from sim.analysis.display import display_table
from sim.analysis.selection import MAX_PACT_PANELS, select_pacts, target_first

STATES = ["A", "B", "C", "D", "E"]
PACTS = ["A-B", "A-C", "A-D", "A-E", "B-C", "B-D", "B-E", "C-D", "C-E", "A-B-C"]  # 10


def info(pacts=PACTS) -> ScenarioInfo:
    return ScenarioInfo.from_manifest({"scenario_info": {
        "states": STATES, "pacts": pacts, "target": "A-B-C",
        "levels": ["partnership", "treaty"], "start": "2024-01"}})  # fmt: skip


def runs(formed: dict[str, list[bool]], end: dict[str, list[int]]) -> pd.DataFrame:
    """A runs table: formed.<pact> (target_formed for the target) and level_end.<pact>."""
    n = len(next(iter(formed.values())))
    out = {"status": ["ok"] * n}
    for pact, hits in formed.items():
        out["target_formed" if pact == "A-B-C" else f"formed.{pact}"] = hits
    for pact, levels in end.items():
        out[f"level_end.{pact}"] = levels
    return pd.DataFrame(out)


def test_up_to_the_limit_every_pact_is_drawn():
    assert MAX_PACT_PANELS == 8
    few = PACTS[:8]
    table = runs({p: [False, False] for p in few}, {p: [0, 0] for p in few})
    chosen = select_pacts(info(few), [table], few)
    assert chosen.shown == few and chosen.never == [] and chosen.always == []


def test_above_it_flat_pacts_are_named_and_those_that_move_drawn():
    formed = {p: [False, False, False] for p in PACTS}
    end = {p: [0, 0, 0] for p in PACTS}
    formed["A-B"], end["A-B"] = [True] * 3, [2, 2, 1]  # in force in every run to the end
    formed["A-C"], end["A-C"] = [True] * 3, [2, 0, 2]  # formed everywhere, lapsed once
    formed["C-E"], end["C-E"] = [False, True, False], [0, 1, 0]  # one run: still drawn
    chosen = select_pacts(info(), [runs(formed, end)], PACTS)  # the target never formed
    assert chosen.shown == ["A-C", "C-E", "A-B-C"]
    assert chosen.always == ["A-B"]
    assert chosen.never == ["A-D", "A-E", "B-C", "B-D", "B-E", "C-D"]
    note = chosen.note(info())
    assert "not drawn, formed in no run: A–D, A–E, B–C, B–D, B–E, C–D" in note
    assert "not drawn, in force in every run to the end: A–B" in note


def test_a_pact_flat_in_one_group_but_not_the_other_is_drawn():
    formed = {p: [False, False] for p in PACTS}
    end = {p: [0, 0] for p in PACTS}
    other = runs({**formed, "B-D": [False, True]}, {**end, "B-D": [0, 1]})
    chosen = select_pacts(info(), [runs(formed, end), other], PACTS)
    assert "B-D" in chosen.shown and "B-D" not in chosen.never


def test_failed_runs_do_not_count():
    formed = {p: [False, False] for p in PACTS}
    end = {p: [0, 0] for p in PACTS}
    table = runs({**formed, "B-D": [False, True]}, {**end, "B-D": [0, 1]})
    table.loc[1, "status"] = "failed"
    assert "B-D" in select_pacts(info(), [table], PACTS).never


def test_target_first():
    assert target_first(PACTS, info())[0] == "A-B-C"
    assert target_first(PACTS, info())[1:] == PACTS[:-1]


def comparison(rows: list[tuple[str, str, str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["subject", "measure", "group", "k", "n"])


def test_flat_measures_of_a_comparison_leave_its_figures_not_its_csv():
    table = comparison([
        ("A–B", "formed by 2030-12", "x", 0, 10), ("A–B", "formed by 2030-12", "y", 0, 10),
        ("A–C", "tied at the end (any pact)", "x", 10, 10),
        ("A–C", "tied at the end (any pact)", "y", 10, 10),
        ("B–C", "active at the end (2030-12)", "x", 0, 10),
        ("B–C", "active at the end (2030-12)", "y", 10, 10),  # 0% and 100%: it moves
        ("C–D", "formed by 2030-12", "x", 3, 10), ("C–D", "formed by 2030-12", "y", 0, 10),
    ])  # fmt: skip
    keys = flat_measures(table, info())
    assert keys == [("A–B", "formed by 2030-12"), ("A–C", "tied at the end (any pact)")]
    assert len(without(table, keys)) == 4
    assert flat_note(table, keys) == (
        "not drawn, 0% in every group: formed: A–B\nnot drawn, 100% in every group: tied: A–C"
    )
    assert flat_measures(table, info(PACTS[:8])) == []  # a small world keeps every measure


def test_the_summary_shows_active_at_the_end_beside_ever_formed():
    """'P(RUS-PRK)' was 100% at every point of a six-state sweep while the pact's share
    active at the end went 52% -> 96%: the change was only in the CSV."""
    table = pd.DataFrame({
        "point_id": [0, 1], "n": [10, 10], "failed": [0, 0], "x": [0.1, 0.2],
        "p_target": [0.5, 0.1], "p_target_lo": [0.2, 0.0], "p_target_hi": [0.8, 0.4],
        "median_date": ["2025-01", None], "median_round": [12.0, None], "median_n": [5, 0],
        "p.B-C": [1.0, 1.0], "p_end.B-C": [0.5, 0.9], "p.A-B": [1.0, 1.0],
        "p_end.A-B": [0.6, 1.0], "tied.A-B": [1.0, 1.0], "tied.B-C": [0.5, 0.9],
    })  # fmt: skip
    shown = display_table(table, ["x"], ["A-B", "B-C"], frozenset({"A-B"}), tied=["B-C"])
    assert shown["P(B-C)"].tolist() == ["100.0%", "100.0%"]
    assert shown["P(B-C at end)"].tolist() == ["50.0%", "90.0%"]
    assert "P(A-B at end)" not in shown and shown["P(A-B still active)"].tolist() == [
        "60.0%", "100.0%"]  # fmt: skip
    assert "tied A-B" not in shown and shown["tied B-C"].tolist() == ["50.0%", "90.0%"]


@pytest.fixture(scope="module")
def six_state_batch(tmp_path_factory):
    from conftest import ROOT

    from sim import api

    out = tmp_path_factory.mktemp("six")
    exp = api.write_experiment(
        out / "exp.toml", {"states.CHN.weights.us_ties": [0.05, 0.45]}, replicates=6,
        rounds=24, scenario=ROOT / "configs/scenarios/northeast_asia_2024.toml",
    )  # fmt: skip
    api.run_batch(exp, out / "batch")
    return out / "batch"


def test_a_six_state_sweep_draws_the_pacts_that_move_and_names_the_rest(
    six_state_batch, monkeypatch
):
    """17 panels (10 flat at 0%) before; now the target first, then what moves, and the
    summary gives no column to a pact formed in no run."""
    import matplotlib

    matplotlib.use("Agg")
    import sim.plots.report as report
    from sim.analysis import detect_design, load_batch, summary_table
    from sim.analysis.display import summary_view

    batch = load_batch(six_state_batch, with_series=False)
    design = detect_design(batch)
    chosen = select_pacts(batch.info, [batch.runs], [batch.info.target, *batch.info.other_pacts])
    assert chosen.shown[0] == "CHN-RUS-PRK"
    assert len(chosen.shown) < 8 and len(chosen.never) >= 8  # most cross-bloc pairs
    assert set(chosen.shown) | set(chosen.never) | set(chosen.always) == set(batch.info.pacts)
    saved = []
    monkeypatch.setattr(report, "save_figure", lambda fig, path: saved.append(fig) or path)
    report.probability_figures(batch, design, six_state_batch, "png")
    (fig,) = saved
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == len(chosen.shown)
    assert panels[0].get_title().startswith("CHN–RUS–PRK")
    from matplotlib.text import Text

    texts = " ".join(t.get_text() for t in fig.findobj(Text))
    assert "not drawn, formed in no run:" in texts
    shown, note = summary_view(
        summary_table(batch, design), batch.info, batch.runs, list(design.varying), frozenset()
    )
    assert "not shown, formed in no run:" in note
    assert not any(f"P({p})" in shown for p in chosen.never)
    # USA-KOR-JPN is a trilateral too: the target's column names it
    assert "P(CHN-RUS-PRK) [95% CI]" in shown and "P(trilateral) [95% CI]" not in shown


def test_configuration_labels_say_the_shared_pacts_once():
    """Six-state configuration labels ran to 130 characters, four pacts repeated in every
    one; the legend's title now names them once and each label keeps the rest."""
    from sim.plots.series import shared_parts

    labels = ["other configurations", "A–B treaty + B–C partnership",
              "A–B treaty + B–C partnership + A–C partnership", "A–B treaty"]  # fmt: skip
    common, short = shared_parts(labels)
    assert common == ["A–B treaty"]
    assert short == ["other configurations", "B–C partnership",
                     "B–C partnership + A–C partnership", "only those"]  # fmt: skip
    assert shared_parts(["A–B treaty", "B–C treaty"]) == ([], ["A–B treaty", "B–C treaty"])
    assert shared_parts(["other configurations", "A–B treaty"])[0] == []  # one: nothing shared


def test_six_state_groups_are_bands_headed_by_their_label(six_state_batch, monkeypatch):
    """With states wrapped over two rows per group, the group's label sat on the first
    panel's axis only and the second row read as another group; each group is now a band
    headed by its label, dates under the lowest panels only."""
    import matplotlib

    matplotlib.use("Agg")
    import sim.plots.report as report

    labels = ["a = 1", "a = 2"]
    fig, axs, panels, headed = report._state_panels(labels, 6, 4.3, "col")
    assert headed and axs.shape == (4, 3) and [len(p) for p in panels] == [6, 6]
    assert [sf._suptitle.get_text() for sf in fig.subfigs] == labels
    report.tidy_grid(axs)
    shown = [ax.xaxis.get_tick_params()["labelbottom"] for ax in axs[-1]]
    hidden = [ax.xaxis.get_tick_params()["labelbottom"] for ax in axs[:-1].flat]
    assert all(shown) and not any(hidden)
    fig, axs, _, headed = report._state_panels(["one"], 6, 4.3, "col")  # one group: no band
    assert not headed and not fig.subfigs
