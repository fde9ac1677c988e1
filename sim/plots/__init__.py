"""Drawing functions: each takes prepared data (sim.analysis), most of them as a data object
(``Shares``, ``Envelopes``, ``Formation``, ...), and optional axes, and returns a Figure.

Data preparation lives in sim.analysis and sim.sensitivity; nothing here reads files or
runs the model.
"""

from sim.plots._common import month_axis, pact_colors, save_figure
from sim.plots.probability import (
    plot_probability_heatmap,
    plot_probability_ranked,
    plot_probability_single,
    plot_probability_sweep,
)
from sim.plots.sensitivity import plot_sobol_indices
from sim.plots.series import (
    Envelopes,
    Shares,
    plot_config_shares,
    plot_support_envelopes,
    plot_utility_envelopes,
)
from sim.plots.single import plot_single_run
from sim.plots.timing import Formation, plot_time_to_formation

__all__ = [
    "Envelopes",
    "Formation",
    "Shares",
    "month_axis",
    "pact_colors",
    "plot_config_shares",
    "plot_probability_heatmap",
    "plot_probability_ranked",
    "plot_probability_single",
    "plot_probability_sweep",
    "plot_single_run",
    "plot_sobol_indices",
    "plot_support_envelopes",
    "plot_time_to_formation",
    "plot_utility_envelopes",
    "save_figure",
]
