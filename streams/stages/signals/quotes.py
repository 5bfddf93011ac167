"""What one bookmaker's line yields for signals, computed once per price change (pure).

:func:`line_info` turns a line's outcomes into its priced complete prices
(:func:`~streams.stages.signals.outcomes.priced_complete`), margin and fair probabilities by
both methods, or None when the line does not count. :class:`InfoCache` keeps it per
(event × market, bookmaker, line) next to the outcomes object it came from: the margin, the
consensus and arbitrage of later snapshots reuse it until that bookmaker's price changes
(a new outcomes object) or the worker restarts. Bounded: cleared when full.
"""

from __future__ import annotations

from typing import NamedTuple

from streams.contracts.snapshot import Outcomes
from streams.stages.signals import formulas
from streams.stages.signals.outcomes import priced_complete

_LIMIT = 200_000


class LineInfo(NamedTuple):
    """A priced complete line: prices, margin, fair probabilities (multiplicative, Shin) and
    those of the configured method."""

    prices: dict[str, float]
    margin: float
    both: dict[str, tuple[float, float]]
    fair: dict[str, float]


def line_info(market_id: int, outcomes: Outcomes, method: formulas.FairMethod) -> LineInfo | None:
    """The line's :class:`LineInfo`, or None when it is not a priced complete set."""
    prices = priced_complete(market_id, outcomes)
    if prices is None:
        return None
    ids = list(prices)
    values = [prices[i] for i in ids]
    mult = formulas.fair_multiplicative(values)
    shin = formulas.fair_shin(values)
    fair = dict(zip(ids, shin if method == "shin" else mult, strict=True))
    both = {i: (mult[n], shin[n]) for n, i in enumerate(ids)}
    return LineInfo(prices, formulas.margin(values), both, fair)


class InfoCache:
    """:func:`line_info` per (market key, bookmaker, line), recomputed when the outcomes object
    differs from the one it was computed from."""

    def __init__(self, method: formulas.FairMethod) -> None:
        self.method = method
        self._held: dict[tuple[str, str, str], tuple[Outcomes, LineInfo | None]] = {}

    def get(self, mkey: str, book: str, line: str, market_id: int, outcomes: Outcomes) -> LineInfo | None:
        k = (mkey, book, line)
        held = self._held.get(k)
        if held is not None and held[0] is outcomes:
            return held[1]
        info = line_info(market_id, outcomes, self.method)
        if len(self._held) >= _LIMIT:
            self._held.clear()
        self._held[k] = (outcomes, info)
        return info
