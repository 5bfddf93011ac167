"""Mapping coverage: how many of the lines a bookmaker sends have a canonical home.

* :mod:`streams.coverage.measure` — lines mapped/unmapped of one capture (pure);
* :mod:`streams.coverage.report` — the report over many captures (``oddsflow coverage``).
"""
