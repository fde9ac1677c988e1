"""The browser app's pages (``solara run app.py``; needs ``pip install -e '.[viz]'``).

:mod:`sim.webapp.form` holds the pure logic (no widgets); :mod:`sim.webapp.run_page` and
:mod:`sim.webapp.results_page` are the Solara components of the "One run" and "Batch
results" pages. Importing this package imports Solara.
"""
