"""What one bookmaker's line yields for signals, computed once per price change (pure).

:func:`line_info` turns a line's outcomes into its priced complete prices
(:func:`~streams.stages.signals.outcomes.priced_complete`), margin and fair probabilities by
both methods, or None when the line does not count. :class:`InfoCache` keeps it per
(event × market, bookmaker, line) next to the outcomes object it came from: the margin, the
consensus and arbitrage of later snapshots reuse it until that bookmaker's price changes
(a new outcomes object), the event closes or the worker restarts. Bounded: cleared when full.
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
    differs from the one it was computed from. Held per market key, so that a closed event's
    markets are dropped with it (:meth:`forget`); at most ``limit`` lines in all (cleared when
    full)."""

    def __init__(self, method: formulas.FairMethod, limit: int = _LIMIT) -> None:
        self.method = method
        self.limit = limit
        self._held: dict[str, dict[tuple[str, str], tuple[Outcomes, LineInfo | None]]] = {}
        self._size = 0

    def __len__(self) -> int:
        """Lines held."""
        return self._size

    def get(self, mkey: str, book: str, line: str, market_id: int, outcomes: Outcomes) -> LineInfo | None:
        market = self._held.get(mkey)
        k = (book, line)
        held = None if market is None else market.get(k)
        if held is not None and held[0] is outcomes:
            return held[1]
        info = line_info(market_id, outcomes, self.method)
        if held is None:
            if self._size >= self.limit:
                self._held.clear()
                self._size = 0
                market = None
            if market is None:
                market = self._held[mkey] = {}
            self._size += 1
        assert market is not None
        market[k] = (outcomes, info)
        return info

    def forget(self, mkey: str) -> int:
        """Drop every line of the market ``mkey`` (its event closed); returns how many."""
        market = self._held.pop(mkey, None)
        if market is None:
            return 0
        self._size -= len(market)
        return len(market)
