"""Which outcome ids form a complete set of a market, from the taxonomy (pure, import-time data).

A line's outcomes are a **complete set** when they are exactly the outcomes the taxonomy names
for its market (``streams/taxonomy/data/names.json``, else the :data:`~streams.taxonomy.MARKETS`
spec): one of them must happen, so the implied probabilities carry the whole margin. Markets
whose outcomes depend on the line (variants, player names) name none and are never complete.
A complete line is **priced** when every outcome has a price above 1 (nothing suspended, no
placeholder): only priced complete lines count for margins, fair prices and arbitrage.

Some named sets are not mutually exclusive (double chance: 1X, 12, X2 sum to about 2), and a
set far below 1 misses outcomes: a priced complete line counts only when its book sum
``Σ 1/o`` lies in ``[MIN_BOOK_SUM, MAX_BOOK_SUM]``.
"""

from __future__ import annotations

from functools import cache

from streams.contracts.snapshot import Outcomes
from streams.taxonomy import BY_MARKET_ID
from streams.taxonomy.names import MARKET_NAMES

#: the book sum bounds of a countable line (see the module docstring); the lower one is the
#: cross-book agreement check's (streams/agreement/rule.py)
MIN_BOOK_SUM = 0.98
MAX_BOOK_SUM = 1.5


@cache
def complete_set(market_id: int) -> frozenset[str] | None:
    """The outcome ids of ``market_id`` that together are certain to contain the result; None
    when the taxonomy lists none (or one) for it."""
    ref = MARKET_NAMES.get(market_id)
    ids: tuple[str, ...] = tuple(ref.outcomes) if ref is not None else ()
    if not ids:
        spec = BY_MARKET_ID.get(market_id)
        ids = spec.outcomes if spec is not None else ()
    return frozenset(ids) if len(ids) >= 2 else None


def priced(outcomes: Outcomes) -> dict[str, float] | None:
    """``{outcome_id: price}`` when every outcome has a usable price (> 1), else None."""
    out: dict[str, float] = {}
    for outcome_id, price in outcomes.items():
        if price is None or price <= 1.0:
            return None
        out[outcome_id] = price
    return out


def priced_complete(market_id: int, outcomes: Outcomes) -> dict[str, float] | None:
    """The line's prices when they are a complete set and all priced (see the module docstring)."""
    full = complete_set(market_id)
    if full is None or len(outcomes) != len(full) or not full.issuperset(outcomes):
        return None
    prices = priced(outcomes)
    if prices is None:
        return None
    book = sum(1.0 / p for p in prices.values())
    return prices if MIN_BOOK_SUM <= book <= MAX_BOOK_SUM else None
