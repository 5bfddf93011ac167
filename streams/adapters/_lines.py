"""Building canonical lines in the adapters: shared outcomes, line collection, line keys.

:class:`LineCollector` files each mapped outcome under its canonical line and builds the
lines in a fixed order, whatever the order of the bookmaker's markets; :func:`outcome`
hands out shared immutable :class:`~streams.contracts.canonical.Outcome` objects from a
bounded memo (:class:`BoundedCache`); :func:`counts` tallies unmapped lines per native
market. Line keys themselves come from :mod:`streams.taxonomy.lines`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from streams.adapters._twins import LineTwin, new_outcome
from streams.contracts.canonical import MarketLine, Outcome
from streams.taxonomy import market_key, outcome_order

Slot = tuple[int, str]  # (canonical market id, line key): one canonical line


class BoundedCache(dict[Any, Any]):
    """A memo of at most 2 × ``limit`` entries in two generations. This dict is the young one;
    when it is full, :meth:`put` makes it the old one and forgets the previous old one.
    :meth:`recall` brings an old entry back, so what keeps being used survives a turnover
    and what stopped being used is forgotten. A hit costs a plain ``dict.get``."""

    __slots__ = ("limit", "old")

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.old: dict[Any, Any] = {}

    def put(self, key: Any, value: Any) -> None:
        if len(self) >= self.limit:
            self.old = dict(self)
            self.clear()
        self[key] = value

    def recall(self, key: Any) -> Any:
        """The old generation's value of ``key`` (moved to the young one), or None."""
        value = self.old.get(key)
        if value is not None:
            self.put(key, value)
        return value

    def lookup(self, key: Any) -> Any:
        """The value of ``key`` in either generation, or None."""
        value = self.get(key)
        return self.recall(key) if value is None else value


# The shared, immutable Outcome objects (Outcome.__init__ is slow). At most 25,000 entries
# (~170 B each), full within minutes, so a long run's RSS stops growing once it is: over
# 30,000 simulated captures (100 events × 3 bookmakers) it misses 2.2% of outcomes; the
# single dict of 100,000 it replaces missed 1.5% and grew each worker by ~17 MB over the
# first quarter of an hour.
OUTCOMES = BoundedCache(12_500)


def outcome(outcome_id: str, price: float | None) -> Outcome:
    """The (shared, immutable) :class:`Outcome` for ``outcome_id`` at ``price`` (None: inactive)."""
    key = (outcome_id, price)
    found: Outcome | None = OUTCOMES.lookup(key)
    if found is None:
        found = new_outcome(outcome_id, price, price is not None)
        OUTCOMES.put(key, found)
    return found


class LineCollector:
    """Groups outcomes into canonical lines keyed by :data:`Slot` (market id, line key).

    Lines come out ordered by (market id, line key) and list their outcomes in canonical
    order (:func:`streams.taxonomy.outcome_order`). When one outcome appears twice on the
    same line, an active price beats an inactive one and the higher of two prices wins:
    the result never depends on the order in which a bookmaker lists its markets.
    """

    __slots__ = ("buckets",)

    def __init__(self) -> None:
        self.buckets: dict[Slot, dict[str, Outcome]] = {}

    def add(self, slot: Slot, found: Outcome) -> None:
        bucket = self.buckets.get(slot)
        if bucket is None:
            self.buckets[slot] = {found.outcome_id: found}
            return
        previous = bucket.get(found.outcome_id)
        price = found.price
        if previous is None or (price is not None and (previous.price is None or price > previous.price)):
            bucket[found.outcome_id] = found

    def build(self) -> tuple[MarketLine, ...]:
        lines: list[MarketLine] = []
        append = lines.append
        keys = _MARKET_KEYS
        orders = _ORDERS
        buckets = self.buckets
        twin: Any = LineTwin
        canonical_class = MarketLine
        sorted_marker = _SORTED
        for slot in sorted(buckets):  # slots (market id, line key) are unique: sorting them sorts the lines
            bucket = buckets[slot]
            if len(bucket) == 1:
                ordered = tuple(bucket.values())
            else:
                sent = tuple(bucket)
                try:  # the memos are read with plain subscripts; a miss is worked out below
                    order = orders[sent]
                except KeyError:
                    order = orders.recall(sent) or _order(sent)
                ordered = tuple(bucket.values() if order is sorted_marker else map(bucket.__getitem__, order))
            market_id, line = slot
            try:
                key = keys[market_id]
            except KeyError:
                key = keys.recall(market_id) or _market_key(market_id)
            made = twin()  # streams.adapters._twins.market_line, inlined: the hot path of a big board
            made.market = key
            made.market_id = market_id
            made.line = line
            made.outcomes = ordered
            made.__class__ = canonical_class
            append(made)
        return tuple(lines)


def _order(sent: tuple[str, ...]) -> tuple[str, ...]:
    """The canonical order of the outcome ids ``sent`` (:data:`_SORTED` when they are in it), remembered."""
    canonical = tuple(sorted(sent, key=outcome_order))
    order = _SORTED if canonical == sent else canonical
    _ORDERS.put(sent, order)
    return order


def _market_key(market_id: int) -> str:
    """:func:`streams.taxonomy.market_key`, remembered."""
    key = market_key(market_id)
    _MARKET_KEYS.put(market_id, key)
    return key


_SORTED: tuple[str, ...] = ("\x00sorted",)  # memo value: the ids already came in canonical order
# outcome ids in the order a line received them -> the same ids in canonical order
_ORDERS = BoundedCache(20_000)
_MARKET_KEYS = BoundedCache(20_000)  # market id -> its readable key


def counts(keys: Iterable[str]) -> dict[str, int]:
    """``{key: occurrences}`` sorted by key: the ``unmapped`` member of a canonical event."""
    out: dict[str, int] = {}
    for key in keys:
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items()))
