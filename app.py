"""Browser app: ``solara run app.py`` (install with ``pip install -e '.[viz]'``).

"One run" plays one scenario month by month: choose a library scenario (or a scenario
file), a seed and the headline parameters, press Reset to build the run, then Step or ▶;
it shows the pact network, each state's utility by term, the drivers and the event log.
"Batch results" opens a results directory and shows its outcome distributions for all
design points or the one picked. Every browser session has its own run.

The pages are in :mod:`sim.webapp`; this file only lays them out.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import solara
import solara.lab
import solara.server.settings

from sim.webapp.results_page import ResultsPage
from sim.webapp.run_page import RunPage, use_run_session

TITLE = "Trilateral pacts: China, Russia, North Korea"
PAGES = ("One run", "Batch results")

# The "This website runs on Solara" banner sat over the figures at the bottom right.
solara.server.settings.theme.show_banner = False
CSS = ".v-card img { max-width: 100%; height: auto; }"  # figures shrink to their card


@solara.component
def Page():
    """The app: a title bar and two named pages; the run is built per session."""
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
