"""Browser app: ``solara run app.py`` (install with ``pip install -e '.[viz]'``).

"One run" plays one scenario month by month: choose a library scenario (or a scenario
file), a seed and the headline parameters, press Reset to build the run, then Step or ▶;
it shows the pact network, each state's utility by term, the drivers and the event log.
"Batch results" opens a batch (picked from those found) and shows its outcome distributions
for all design points or the one picked, the summary table, downloads (CSV, PNG, the HTML
report). "Compare" puts a batch's points, a second batch or the what-if library side by
side; "Calibration" shows a posterior, its target checks and forecasts, or a hindcast's
scores; "Run a batch" starts a small batch with a progress bar. Every browser session has
its own run and its own choices.

The pages are in :mod:`sim.webapp`; this file only lays them out.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import solara
import solara.lab
import solara.server.settings

from sim.webapp.batch_page import BatchPage
from sim.webapp.calibration_page import CalibrationPage
from sim.webapp.compare_page import ComparePage
from sim.webapp.results_page import ResultsPage
from sim.webapp.run_page import RunPage, use_run_session

TITLE = "Trilateral pacts: China, Russia, North Korea"
PAGES = ("One run", "Batch results", "Compare", "Calibration", "Run a batch")

# The "This website runs on Solara" banner sat over the figures at the bottom right.
solara.server.settings.theme.show_banner = False
# Figures shrink to their card; a column may be narrower than its content's natural width
# (without min-width 0 a wide figure widened its column and was cut at the card's edge).
CSS = """
.v-card img, .v-card .widget-image { max-width: 100%; height: auto; }
.row > .col, .row > [class*='col-'] { min-width: 0; }
.v-card .v-btn { max-width: 100%; }
.v-card .v-btn__content { white-space: normal; }
"""


@solara.component
def Page():
    """The app: a title bar and the named pages; the run is built per session."""
    session = use_run_session()
    solara.Title(TITLE)
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.lab.Tabs(lazy=True):
        with solara.lab.Tab(PAGES[0]):
            RunPage(session)
        with solara.lab.Tab(PAGES[1]):
            ResultsPage()
        with solara.lab.Tab(PAGES[2]):
            ComparePage()
        with solara.lab.Tab(PAGES[3]):
            CalibrationPage()
        with solara.lab.Tab(PAGES[4]):
            BatchPage()
