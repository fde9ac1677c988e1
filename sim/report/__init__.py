"""Self-contained HTML reports of results directories (``run.py report DIR``):
:mod:`sim.report.html` writes the page, :mod:`sim.report.batch` gathers a batch's."""
