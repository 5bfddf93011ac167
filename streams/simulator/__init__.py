"""A realistic simulated odds feed (pure Python, no I/O).

:class:`World` holds the true state of N matches and each bookmaker's quoted book;
:func:`iter_captures` turns it into a deterministic stream of bookmaker responses in the
exact JSON shapes of the seven bookmakers (BetPawa, SportyBet, Bet9ja: ``docs/FORMATS.md``;
Betika, Betway, MSport, SportPesa: ``FORMATS-MORE.md``; Betway and SportPesa as the split-event
envelope of ``docs/WIRE.md``);
:meth:`World.truth` is the canonical (UOF) reading of any capture, for cross-checks.
"""

from streams.simulator.feed import SimulatedCapture, capture, iter_captures, render, sample_payloads
from streams.simulator.markets import BOOKMAKERS, Bookmaker, Size
from streams.simulator.world import DEFAULT_START, Truth, World, WorldConfig

__all__ = [
    "BOOKMAKERS",
    "DEFAULT_START",
    "Bookmaker",
    "SimulatedCapture",
    "Size",
    "Truth",
    "World",
    "WorldConfig",
    "capture",
    "iter_captures",
    "render",
    "sample_payloads",
]
