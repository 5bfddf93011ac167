"""Price signals on top of matched, change-only prices: the ``signals`` stage.

:mod:`.formulas` (margin, fair probabilities, consensus, deviation, arbitrage),
:mod:`.outcomes` (which lines count), :mod:`.state` (the tables' values),
:mod:`.process` (one snapshot through the state, no faust), :mod:`.agents` (faust wiring:
``odds.snapshots.v1`` → ``odds.signals.v1``). Contract: :mod:`streams.contracts.signals`.
"""
