"""Self-contained HTML reports of results directories (``run.py report DIR``):
:mod:`sim.report.html` writes the page; :mod:`sim.report.kinds` tells a batch, comparison,
calibration and hindcast directory apart; :mod:`sim.report.batch`,
:mod:`sim.report.compare` and :mod:`sim.report.calibration` gather each kind's report."""
