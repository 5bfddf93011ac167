"""Building canonical lines in the adapters: shared outcomes, line collection, line keys.

:class:`LineCollector` files each mapped outcome under its canonical line and builds the
lines in a fixed order, whatever the order of the bookmaker's markets; :func:`outcome`
hands out shared immutable :class:`~streams.contracts.canonical.Outcome` objects from a
bounded memo (:class:`BoundedCache`); :func:`format_line` turns a specifier value written
as text into the line key. Errors are :class:`~streams.errors.DataError` (stage
``normalize``) naming the JSON path, as in :mod:`streams.adapters._common`.
"""

from __future__ import annotations

from typing import Any

from streams.adapters._common import STAGE, fail
from streams.contracts.canonical import MarketLine, Outcome
from streams.errors import DataError
from streams.taxonomy import BY_MARKET_ID, MarketSpec, canonical_decimal, canonical_score, score_handicap

Slot = tuple[int, str]  # (UOF market id, line key): one canonical line


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
_OUTCOMES = BoundedCache(12_500)


def outcome(outcome_id: str, price: float | None) -> Outcome:
    """The (shared, immutable) :class:`Outcome` for ``outcome_id`` at ``price`` (None: inactive)."""
    key = (outcome_id, price)
    found: Outcome | None = _OUTCOMES.lookup(key)
    if found is None:
        found = Outcome(outcome_id, price, price is not None)
        _OUTCOMES.put(key, found)
    return found


class LineCollector:
    """Groups outcomes into canonical lines keyed by :data:`Slot` (market id, line key).

    Each outcome is filed under its rank (position in the taxonomy's outcome tuple), so the
    built line lists outcomes in canonical order. Lines come out ordered by (market id,
    line key). When one outcome appears twice on the same line, an active price beats an
    inactive one and the higher of two prices wins: the result never depends on the order
    in which a bookmaker lists its markets.
    """

    __slots__ = ("buckets",)

    def __init__(self) -> None:
        self.buckets: dict[Slot, dict[int, Outcome]] = {}

    def add(self, slot: Slot, rank: int, outcome_id: str, price: float | None) -> None:
        bucket = self.buckets.get(slot)
        if bucket is None:
            bucket = self.buckets[slot] = {}
        previous = bucket.get(rank)
        if previous is None or (price is not None and (previous.price is None or price > previous.price)):
            bucket[rank] = outcome(outcome_id, price)

    def build(self) -> tuple[MarketLine, ...]:
        lines = []
        buckets = self.buckets
        for slot in sorted(buckets):
            market_id, line = slot
            bucket = buckets[slot]
            ordered = tuple(map(bucket.__getitem__, sorted(bucket)))
            lines.append(MarketLine(BY_MARKET_ID[market_id].key, market_id, line, ordered))
        return tuple(lines)


def _whole(text: str) -> int:
    if "." in text:
        raise DataError(STAGE, "bad_value", f"{text} is not a whole number")
    return int(text)


def format_line(spec: MarketSpec, value: str, path: str) -> str:
    """Line key of ``spec`` from a specifier value written as text (``"2.50"``, ``"0:1"``, ``"-1"``).

    Three-way handicaps accept either a score (``"0:1"``) or a whole home-side handicap
    (``"-1"`` → ``"0:1"``, see :func:`streams.taxonomy.score_handicap`); ``goalnr`` must be whole.
    """
    try:
        if spec.line_format == "score":
            text = (
                canonical_score(value) if ":" in value else score_handicap(_whole(canonical_decimal(value)))
            )
        else:
            text = canonical_decimal(value)
            if spec.line_format == "integer":
                _whole(text)
    except DataError as exc:
        fail("bad_value", f"{path}: {exc.message}")
    return f"{spec.specifier}={text}"
