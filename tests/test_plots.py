"""Figures: title, axis labels, legend, written files, and the CLI's handling of bad input."""

from __future__ import annotations

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest
from synthetic import make_batch, make_runs_series

from sim.analysis import (
    config_shares,
    detect_design,
    formation_groups,
    load_batch,
    pact_probabilities,
    support_envelopes,
    time_to_formation,
    utility_envelopes,
)
from sim.commands import plot as plot_cmd
from sim.commands import sensitivity as sens_cmd
from sim.commands import summary as summary_cmd
from sim.plots import (
    Envelopes,
    Formation,
    Shares,
    plot_config_shares,
    plot_probability_heatmap,
    plot_probability_ranked,
    plot_probability_single,
    plot_probability_sweep,
    plot_single_run,
    plot_sobol_indices,
    plot_support_envelopes,
    plot_time_to_formation,
    plot_utility_envelopes,
)


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    root = tmp_path_factory.mktemp("batches")
    return {
        s: make_batch(root / s, s, replicates=4, rounds=30, n_sobol=4, failed=1)
        for s in ("single", "sweep", "grid2", "many", "sobol")
    }


def title_of(fig) -> str:
    return fig._suptitle.get_text() if fig._suptitle else ""


def check_readable(fig, shared_x: bool = False):
    """A title, labelled axes, and a legend (or colour bar) on every visible panel.

    shared_x: panels stacked on one time axis need the x label on the bottom one only.
    """
    assert title_of(fig).strip() or any(a.get_title() for a in fig.axes)
    panels = [a for a in fig.axes if a.get_visible() and a.axison and a.get_label() != "<colorbar>"]
    assert panels
    for ax in panels:
        assert ax.get_ylabel(), ax.get_title()
        assert ax.get_xlabel() or shared_x, ax.get_title()
    assert panels[-1].get_xlabel()
    has_legend = bool(fig.legends) or any(a.get_legend() for a in fig.axes)
    has_cbar = any(a.get_label() == "<colorbar>" for a in fig.axes)
    assert has_legend or has_cbar


# Rendering is the slow part: write files for two shapes; the other shapes' figures are
# built (not rendered) in test_probability_figures_readable.
@pytest.mark.parametrize("shape", ["single", "grid2"])
def test_make_plots_writes_figures(batches, shape, tmp_path):
    before = set(plt.get_fignums())
    paths = plot_cmd.make_plots(batches[shape], tmp_path / "figs", "png")
    names = {p.name for p in paths}
    assert {
        "pact_probability.png",
        "time_to_formation.png",
        "configurations.png",
        "utility.png",
        "support_share.png",
    } <= names
    for p in paths:
        assert p.exists() and p.stat().st_size > 5000
    assert set(plt.get_fignums()) == before  # every figure closed


def test_make_plots_default_dir_and_pdf(tmp_path):
    path = make_batch(tmp_path / "b", "single", with_series=False, replicates=3, rounds=8)
    paths = plot_cmd.make_plots(path, fmt="pdf")
    assert paths and all(p.parent == path / "plots" and p.suffix == ".pdf" for p in paths)


def test_make_plots_without_series(tmp_path):
    path = make_batch(tmp_path / "b", "sweep", with_series=False, replicates=3, rounds=8)
    names = {p.name for p in plot_cmd.make_plots(path)}
    assert names == {"pact_probability.png", "time_to_formation.png"}


@pytest.mark.parametrize("shape", ["single", "sweep", "grid2", "many", "sobol"])
def test_probability_figures_readable(batches, shape):
    batch = load_batch(batches[shape])
    design = detect_design(batch)
    probs = pact_probabilities(batch, design)
    info = batch.info
    if shape == "single":
        fig = plot_probability_single(probs, info, "sub")
    elif shape == "sweep":
        fig = plot_probability_sweep(probs, design.varying[0], info, "sub")
    elif shape == "grid2":
        fig = plot_probability_heatmap(probs[probs["pact"] == info.target], *design.varying)
    else:
        fig = plot_probability_ranked(probs, list(design.varying), info, "sub")
    check_readable(fig)
    plt.close(fig)


def test_drawing_into_given_axes(batches):
    batch = load_batch(batches["sweep"])
    design = detect_design(batch)
    fig, (a1, a2) = plt.subplots(1, 2)
    probs = pact_probabilities(batch, design)
    assert plot_probability_sweep(probs, design.varying[0], batch.info, ax=a1) is fig
    ttf = time_to_formation(batch, batch.info.target, formation_groups(batch, design))
    assert plot_time_to_formation(Formation(ttf, batch.info, "tri"), ax=a2) is fig
    assert a1.get_title() and a2.get_xlabel().startswith("Month")
    assert a2.get_xticklabels()[0].get_text() == "2024-01"  # rounds shown as dates
    plt.close(fig)


def test_series_figures_readable(batches):
    batch = load_batch(batches["single"])
    info = batch.info
    for fig in (
        plot_config_shares(Shares(config_shares(batch.series, info), info), "sub"),
        plot_utility_envelopes(Envelopes(utility_envelopes(batch.series, info), info), "sub"),
        plot_support_envelopes(Envelopes(support_envelopes(batch.series), info), "sub"),
    ):
        check_readable(fig)
        assert "sub" in " ".join(
            t.get_text() for t in fig.texts + fig.artists if hasattr(t, "get_text")
        )
        plt.close(fig)


def test_single_run_plot():
    _, series, manifest = make_runs_series("single", replicates=1, rounds=24)
    fig = plot_single_run(series, manifest["scenario_info"], title="one run")
    check_readable(fig, shared_x=True)
    assert title_of(fig).startswith("one run")
    timeline = fig.axes[0]
    labels = [t.get_text() for t in timeline.get_yticklabels()]
    assert "CHN–RUS–PRK (trilateral)" in labels
    assert len(fig.axes) == 1 + 3  # timeline + one panel per state
    plt.close(fig)


def test_sobol_chart_readable(batches):
    import pandas as pd

    table = pd.DataFrame(
        {
            "outcome": ["P(trilateral)"] * 2 + ["const"] * 2,
            "parameter": ["a.b", "c.d"] * 2,
            "S1": [0.5, 0.1, None, None],
            "S1_conf": [0.1, 0.05, None, None],
            "ST": [0.6, 0.2, None, None],
            "ST_conf": [0.1, 0.05, None, None],
        }
    )
    fig = plot_sobol_indices(table, "sub")
    check_readable(fig)
    assert "const" in fig.artists[0].get_text()  # constant outcome named, not drawn
    plt.close(fig)


def _args(**kw):
    return argparse.Namespace(**kw)


def test_cli_bad_input_exit_2(tmp_path, capsys, batches):
    assert plot_cmd.run(_args(dir=tmp_path / "missing", out=None, format="png")) == 2
    assert summary_cmd.run(_args(dir=tmp_path / "missing")) == 2
    assert sens_cmd.run(_args(dir=batches["grid2"], out=None, format="png", resamples=10)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 3 and "Traceback" not in err
    assert "not a Sobol design" in err


def test_cli_summary_and_sensitivity(batches, capsys, tmp_path):
    assert summary_cmd.run(_args(dir=batches["grid2"])) == 0
    out = capsys.readouterr().out
    assert "P(trilateral) [95% CI]" in out
    assert (batches["grid2"] / "summary.csv").exists()
    assert (batches["grid2"] / "summary.md").read_text().count("\n|") >= 7
    code = sens_cmd.run(_args(dir=batches["sobol"], out=tmp_path, format="png", resamples=10))
    assert code == 0
    out = capsys.readouterr().out
    assert "states.CHN.weights.security" in out and "ST [95% CI]" in out
    assert (tmp_path / "sobol_indices.png").exists()


def test_register_adds_subcommands():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    for mod in (plot_cmd, summary_cmd, sens_cmd):
        mod.register(sub)
    args = parser.parse_args(["plot", "DIR", "--format", "svg"])
    assert args.format == "svg" and args.out is None
    assert parser.parse_args(["sensitivity", "DIR"]).resamples == 200


def test_a_sweep_over_names_draws_no_line_between_them(batches):
    """Scenario names have no order: the probability is a dot with a 95% bar per name,
    not a line joining them as if a trend (a numeric sweep keeps its line and band)."""
    batch = load_batch(batches["sweep"])
    design = detect_design(batch)
    probs = pact_probabilities(batch, design)
    param = design.varying[0]
    named = probs.assign(**{param: "s" + probs["point_id"].astype(str)})
    fig = plot_probability_sweep(named, param, batch.info, "sub")
    ax = fig.axes[0]
    assert ax.lines and all(line.get_linestyle() == "None" for line in ax.lines)
    assert not ax.collections or all(type(c).__name__ == "LineCollection" for c in ax.collections)
    plt.close(fig)
    fig = plot_probability_sweep(probs, param, batch.info, "sub")
    assert any(line.get_linestyle() == "-" for line in fig.axes[0].lines)
    plt.close(fig)


def test_share_ticks_show_every_tick_exactly():
    """Percent ticks use the fewest decimals that show each tick exactly: 2.5% steps are
    not rounded to whole percents ("2%, 5%, 8%"), whole steps keep no decimals, and
    percentage points carry their sign with no "-0"."""
    from sim.plots._common import ShareTicks

    assert ShareTicks().format_ticks([0.025, 0.05, 0.075]) == ["2.5%", "5.0%", "7.5%"]
    assert ShareTicks().format_ticks([0.0, 0.2, 1.0]) == ["0%", "20%", "100%"]
    assert ShareTicks().format_ticks([0.875, 0.9]) == ["87.5%", "90.0%"]
    pp = ShareTicks(" pp", signed=True)
    assert pp.format_ticks([-0.01, -1e-12, 0.005]) == ["-1.0 pp", "0.0 pp", "+0.5 pp"]


def test_equal_bands_are_drawn_once_per_month():
    """Comparison bands equal to one already drawn (groups equal to the reference) are not
    stacked: only the months where a band differs are filled again."""
    import pandas as pd

    from sim.plots.compare import _Bands

    drawn = _Bands()
    lo, hi = pd.Series([0.0, -0.01, -0.01]), pd.Series([0.0, 0.01, 0.01])
    assert drawn.new(lo, hi).tolist() == [True, True, True]
    assert drawn.new(lo, hi).tolist() == [False, False, False]
    # month 1 differs; with step="post" its step runs to month 2's point, so 2 is marked
    assert drawn.new(pd.Series([0.0, -0.02, -0.01]), hi).tolist() == [False, True, True]


def test_forecast_figure_says_how_few_sets_reproduce_the_record():
    """A record-conditioned forecast line resting on few parameter sets says so: the count
    in its legend and, under 20 sets, a warning in the subtitle."""
    import pandas as pd

    from sim.plots.forecast import FEW_SETS, _few_sets

    def table(points):
        return pd.DataFrame({"conditioned": [False, True], "points": [20, points],
                             "sets": [None, 20]})  # fmt: skip

    assert _few_sets(table(1)) == 1
    assert _few_sets(table(FEW_SETS - 1)) == FEW_SETS - 1
    assert _few_sets(table(FEW_SETS)) is None  # exactly at the threshold: no warning
    assert _few_sets(pd.DataFrame({"conditioned": [False], "points": [3]})) is None


def test_prim_box_figure_orders_limits_by_what_they_do():
    """The box figure lists the limit whose removal lowers the density most first, and a
    limit that lowers it by under MATTERS (2 points) is drawn pale with its figure grey:
    PRIM's incidental limits must not read as important assumptions."""
    import pandas as pd

    from sim.analysis.discover import PrimResult
    from sim.plots.discover import plot_box

    limits = pd.DataFrame({
        "parameter": ["weight", "reactivity", "edge"], "low": [0.05, 0.0, 0.0],
        "high": [0.5, 0.17, 0.9], "full_low": [0.0, 0.0, 0.0], "full_high": [0.6, 0.6, 1.0],
        "values": ["", "", ""], "density_without": [0.93, 0.32, 0.909],
    })  # fmt: skip
    traj = pd.DataFrame({"coverage": [0.5], "density": [0.94], "mass": [0.15]})
    fig = plot_box(PrimResult(traj, 0, limits, 0.27))
    ax = fig.axes[0]
    order = [t.get_text() for t in ax.get_yticklabels()]  # ticks set top row first
    assert order == ["reactivity", "edge", "weight"]  # drops 0.62, 0.031, 0.01
    texts = {t.get_text(): t.get_color() for t in ax.texts if t.get_text().startswith("without")}
    assert texts["without: 93%"] == "0.5" and texts["without: 32%"] == "black"
    plt.close(fig)


def test_reliability_diagram_counts_each_point_and_keeps_the_legend_off_the_axes():
    """Each point of the hindcast's reliability diagram is labelled with its events (ten
    events make few points; the counts say how much each weighs), and the legend is the
    figure's, below the axes, where no point hides under it."""
    import pandas as pd

    from sim.plots.hindcast import plot_reliability

    scores = pd.DataFrame({
        "p_model": [0.9, 0.1], "p_persistence": [1.0, 0.0], "p_base_rate": [0.3, 0.3],
        "brier_model": [0.01, 0.01], "brier_persistence": [0.0, 0.0],
        "brier_base_rate": [0.49, 0.49],
    })  # fmt: skip
    fig = plot_reliability(scores, "t", "s")
    ax = fig.axes[0]
    counts = [t.get_text() for t in ax.texts]
    # model: bins of 0.1 (the 0.1 and the complement of 0.9) and 0.9: 2 + 2; persistence
    # 0.0 and 1.0: 2 + 2; base rate: 0.3 (2) and 0.7 (2)
    assert sorted(counts) == ["2"] * 6
    assert ax.get_legend() is None and len(fig.legends) == 1
    fig.canvas.draw()  # every count inside the axes' width (one at x = 1.0 ran off it)
    box = ax.get_window_extent()
    for t in ax.texts:
        extent = t.get_window_extent()
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1, t.get_text()
    plt.close(fig)


def test_a_plot_into_a_narrow_given_axes_wraps_its_title_and_slants_its_months(batches):
    """Drawn into one panel of a user's grid (docs/python.md), a figure's title and
    subtitle are wrapped to the panel's width (they ran into the next panel) and its month
    labels are slanted (they ran together)."""
    batch = load_batch(batches["sweep"])
    design = detect_design(batch)
    ttf = time_to_formation(batch, batch.info.target, formation_groups(batch, design))
    fig, axs = plt.subplots(1, 3, figsize=(12, 4))
    plot_time_to_formation(Formation(ttf, batch.info, "tri"), ax=axs[1])
    title = axs[1].get_title()
    assert max(len(line) for line in title.splitlines()) <= int(13 * 12 / 3.6) + 8
    assert axs[1].xaxis.get_ticklabels()[0].get_rotation() == 30
    plt.close(fig)


def test_forecast_legend_and_subtitle_say_how_few_sets_there_are():
    """The figure itself, not only the helper: the record-conditioned line's legend names
    its sets ("1 of 20 sets") and the subtitle warns that it rests on one set."""
    import pandas as pd

    from sim.analysis.batch import ScenarioInfo
    from sim.plots.forecast import Forecast, plot_forecast

    info = ScenarioInfo(("A", "B"), ("A-B",), "A-B", ("partnership",), "2024-01", ())
    rows = [{"pact": "A-B", "level": "partnership", "conditioned": c, "round": r,
             "mean": 0.5, "q05": 0.4, "q95": 0.6, "points": 1 if c else 20, "sets": 20}
            for c in (False, True) for r in range(3)]  # fmt: skip
    fig = plot_forecast(Forecast(pd.DataFrame(rows), info), "s")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert ">= partnership (record-conditioned, 1 of 20 sets)" in labels
    shown = " ".join(a.get_text() for a in [*fig.texts, *fig.artists] if hasattr(a, "get_text"))
    assert "only 1 parameter set reproduces the record" in shown
    plt.close(fig)


def test_comparison_bands_fill_every_new_month():
    """With step="post", a band drawn only where it is new still covers each new month to
    the next point: a lone new month fills [1, 2], not nothing."""
    import numpy as np
    import pandas as pd

    from sim.plots.compare import _Bands

    drawn = _Bands()
    lo, hi = pd.Series([0.0, 0.0, 0.0, 0.0]), pd.Series([0.1, 0.1, 0.1, 0.1])
    drawn.new(lo, hi)
    fresh = drawn.new(pd.Series([0.0, -0.1, 0.0, 0.0]), hi)  # only month 1 differs
    fig, ax = plt.subplots()
    poly = ax.fill_between(np.arange(4), [0.0, -0.1, 0.0, 0.0], hi, where=fresh, step="post")
    xs = poly.get_paths()[0].vertices[:, 0]
    assert xs.min() == 1 and xs.max() == 2
    plt.close(fig)


def test_a_plot_into_a_subfigure_axes_works(batches):
    """A panel of a matplotlib SubFigure (which has no width of its own) takes a month
    axis and a wrapped title like any panel."""
    batch = load_batch(batches["sweep"])
    design = detect_design(batch)
    ttf = time_to_formation(batch, batch.info.target, formation_groups(batch, design))
    fig = plt.figure(figsize=(12, 4))
    left, _right = fig.subfigures(1, 2)
    axs = left.subplots(1, 2)
    plot_time_to_formation(Formation(ttf, batch.info, "tri"), ax=axs[0])
    assert axs[0].get_title() and axs[0].xaxis.get_ticklabels()[0].get_rotation() == 30
    plt.close(fig)


def test_time_to_formation_curves_that_coincide_stay_distinguishable():
    """Two design points at 0% all along drew one line over the other (the app's timing
    panel showed two of three legend entries); the styles now cycle with the group."""
    import pandas as pd

    from sim.analysis.batch import ScenarioInfo
    from sim.plots.timing import Formation

    info = ScenarioInfo.from_manifest({"scenario_info": {
        "states": ["A", "B"], "pacts": ["A-B"], "target": "A-B",
        "levels": ["partnership", "treaty"], "start": "2024-01"}})  # fmt: skip
    rows = [
        {"group": g, "round": r, "cum_inc": 0.0, "lo": 0.0, "hi": 0.1, "n": 40}
        for g in ("0.2", "0.45", "0.7", "0.9", "1.0") for r in range(3)
    ]  # fmt: skip
    fig, ax = plt.subplots()
    plot_time_to_formation(Formation(pd.DataFrame(rows), info, "tri"), ax=ax)
    styles = [line.get_linestyle() for line in ax.get_lines()]
    assert styles == ["-", "--", ":", "-.", "-"]
    plt.close(fig)
