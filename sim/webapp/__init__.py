"""The browser app's pages (``solara run app.py``; needs ``pip install -e '.[viz]'``).

Pure logic without widgets: :mod:`sim.webapp.form` (the one-run form) and
:mod:`sim.webapp.launch` (starting a batch in its own process, its progress). Solara
components: :mod:`~sim.webapp.run_page` ("One run"), :mod:`~sim.webapp.results_page`
("Batch results"), :mod:`~sim.webapp.compare_page` ("Compare"),
:mod:`~sim.webapp.calibration_page` ("Calibration"), :mod:`~sim.webapp.batch_page` ("Run a
batch"), and :mod:`~sim.webapp.widgets` (pickers, tables, figures with downloads). Importing
these imports Solara.
"""
