"""The app's network view (sim.plots.live): where it places the states and their pacts'
labels. Rules: the 3-state default stays on the unit circle, first at the top; when the
target pact leaves states out, its members take the left side and the others the right,
each bloc top to bottom in the scenario's order, at positions worked out by hand below;
no two states of a six- or eight-state world share or crowd a position; a label whose
midpoint is taken moves along its edge; drawn, the six states of January 2024 have no two
overlapping names or labels.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from conftest import ROOT
from matplotlib.figure import Figure

from sim.analysis import ScenarioInfo
from sim.config import load_scenario
from sim.plots.live import BLOC_WIDTH, label_spots, node_positions, plot_pact_network
from sim.rules.compile import compile_params
from sim.rules.params import initial_levels
from sim.runner import scenario_info

SIX = ("CHN", "RUS", "PRK", "USA", "KOR", "JPN")
NEA = ROOT / "configs/scenarios/northeast_asia_2024.toml"
H = np.sqrt(3) / 2  # sin 60 degrees


def least_distance(pos: dict[str, np.ndarray]) -> float:
    return min(float(np.hypot(*(pos[a] - pos[b]))) for a, b in combinations(pos, 2))


def test_three_states_stay_on_the_unit_circle_first_at_the_top():
    pos = node_positions(("CHN", "RUS", "PRK"), "CHN-RUS-PRK")
    assert np.allclose(pos["CHN"], (0.0, 1.0))
    assert np.allclose(pos["RUS"], (H, -0.5))  # -30 degrees: clockwise from the top
    assert np.allclose(pos["PRK"], (-H, -0.5))


def test_six_states_by_bloc_at_hand_computed_positions():
    pos = node_positions(SIX, "CHN-RUS-PRK")
    w = BLOC_WIDTH  # 1.6: angles 120, 180, 240 (left) and 60, 0, -60 (right), x widened
    expected = {
        "CHN": (-0.5 * w, H), "RUS": (-w, 0.0), "PRK": (-0.5 * w, -H),
        "USA": (0.5 * w, H), "KOR": (w, 0.0), "JPN": (0.5 * w, -H),
    }  # fmt: skip
    for code, xy in expected.items():
        assert np.allclose(pos[code], xy), code
    # closest pair: CHN-RUS, sqrt(0.8^2 + 0.866^2) = 1.179; more than the circle's chord 1
    assert least_distance(pos) == pytest.approx(np.hypot(0.5 * w, H))
    assert least_distance(pos) > 1.0


def test_the_scenarios_six_states_are_distinct_and_apart_with_each_bloc_on_its_side():
    info = ScenarioInfo.from_manifest({"scenario_info": scenario_info(load_scenario(NEA))})
    pos = node_positions(info.states, info.target)
    assert set(pos) == set(SIX)
    assert len({tuple(np.round(xy, 9)) for xy in pos.values()}) == 6
    assert least_distance(pos) > 1.0
    assert all(pos[s][0] < 0 for s in ("CHN", "RUS", "PRK"))
    assert all(pos[s][0] > 0 for s in ("USA", "KOR", "JPN"))


def test_eight_states_crowd_one_side_but_stay_apart():
    states = (*SIX, "MNG", "TWN")  # five on the right: 37.5 degrees apart
    pos = node_positions(states, "CHN-RUS-PRK")
    chord = 2 * np.sin(np.radians(37.5 / 2))  # 0.643 before widening (which only adds)
    assert least_distance(pos) >= chord - 1e-12
    assert all(pos[s][0] > 0 for s in states[3:])


def test_a_label_whose_midpoint_is_taken_moves_along_its_edge():
    a, b = np.array([-1.0, 0.0]), np.array([1.0, 0.0])
    c, d = np.array([0.0, -1.0]), np.array([0.0, 1.0])
    first, second = label_spots([(a, b), (c, d)])
    assert np.allclose(first, (0.0, 0.0))  # the midpoint
    # midpoint taken; t = 0.38 and 0.62 are 0.24 from it (< 0.3); t = 0.28: (0, -0.44)
    assert np.allclose(second, (0.0, -0.44))


def test_drawn_the_six_states_names_and_labels_do_not_overlap():
    scenario = load_scenario(NEA)
    info = ScenarioInfo.from_manifest({"scenario_info": scenario_info(scenario)})
    p = compile_params(scenario)
    levels = dict(
        zip(p.space.keys, (int(v) for v in initial_levels(scenario, p.space)), strict=True)
    )
    fig = Figure(figsize=(5.0, 3.9), layout="constrained", dpi=90)  # the app's size
    ax = plot_pact_network(levels, info, fig.subplots())
    fig.canvas.draw()
    texts = [t for t in ax.texts if t.get_text()]
    assert len(texts) == 6 + 4 + 1  # names; CHN-RUS, CHN-PRK, USA-JPN, USA-KOR; Camp David
    boxes = [t.get_window_extent() for t in texts]
    for (i, bi), (j, bj) in combinations(enumerate(boxes), 2):
        assert not bi.overlaps(bj), (texts[i].get_text(), texts[j].get_text())


def test_the_target_outline_sits_inside_its_members_and_the_legend_names_every_style():
    """Drawn on the edges, the dotted outline of a target not yet formed was hidden by its
    members' bilateral lines (3 states, every pair allied: nothing red showed)."""
    from matplotlib.patches import Polygon

    from sim.plots.live import TARGET_INSET

    scenario = load_scenario(ROOT / "configs/scenarios/korea_2024.toml")
    info = ScenarioInfo.from_manifest({"scenario_info": scenario_info(scenario)})
    levels = {"CHN-RUS": 1, "CHN-PRK": 2, "RUS-PRK": 2, "CHN-RUS-PRK": 0}
    fig = Figure(figsize=(5.0, 3.9), layout="constrained", dpi=90)
    ax = plot_pact_network(levels, info, fig.subplots())
    outlines = [p for p in ax.patches if isinstance(p, Polygon) and not p.get_fill()]
    assert len(outlines) == 1 and outlines[0].get_linestyle() == ":"
    pos = node_positions(info.states, info.target)
    centre = np.mean([pos[s] for s in ("CHN", "RUS", "PRK")], axis=0)
    # 3 states on the unit circle: centre (0, 0), CHN at (0, 1) -> (0, 0.65)
    assert TARGET_INSET == 0.65
    assert np.allclose(outlines[0].get_xy()[0], centre + 0.65 * (pos["CHN"] - centre))
    assert np.allclose(outlines[0].get_xy()[0], (0.0, 0.65))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["partnership", "treaty", "pact of 3+", "target (dotted: not formed)"]
