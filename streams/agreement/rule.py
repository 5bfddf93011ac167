"""When two bookmakers' quotes of one line disagree (definitions: :mod:`streams.agreement`)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, NamedTuple, TypeVar

K = TypeVar("K", bound=Hashable)

#: the least book sum (Σ 1/price) of a comparable quote; see the module docstring
MIN_BOOK_SUM = 0.98

#: (market id, line key), as in ``MarketLine`` and ``SnapshotV1.changed``
LineKey = tuple[int, str]


class Quote(NamedTuple):
    """One comparable quote: outcome ids and their no-vig probabilities, in the same order."""

    outcome_ids: tuple[str, ...]
    probabilities: tuple[float, ...]


class Shared(Generic[K]):
    """One shared object per distinct value (line keys and outcome-id tuples repeat across
    events and bookmakers, and quotes are held per event × bookmaker × line); bounded by
    ``limit``, cleared when full."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen: dict[K, K] = {}

    def __call__(self, value: K) -> K:
        found = self._seen.get(value)
        if found is None:
            if len(self._seen) >= self.limit:
                self._seen.clear()
            found = self._seen[value] = value
        return found


_ids: Shared[tuple[str, ...]] = Shared(4096)


def quote(outcomes: Iterable[tuple[str, float | None]]) -> Quote | None:
    """The no-vig quote of a line's ``(outcome id, price or None)``; None when not comparable."""
    ids: list[str] = []
    inverse: list[float] = []
    for outcome_id, price in outcomes:
        if price is None or price <= 1.0:
            return None
        ids.append(outcome_id)
        inverse.append(1.0 / price)
    book = sum(inverse)
    if len(ids) < 2 or book < MIN_BOOK_SUM:
        return None
    return Quote(_ids(tuple(ids)), tuple(x / book for x in inverse))


@dataclass(frozen=True, slots=True)
class Rule:
    """When an outcome disagrees (module docstring): both gaps must exceed their bound."""

    threshold: float = 0.25
    min_diff: float = 0.03


def same_outcomes(a: Quote, b: Quote) -> bool:
    """Whether both quotes list the same outcome ids (in any order)."""
    return a.outcome_ids == b.outcome_ids or sorted(a.outcome_ids) == sorted(b.outcome_ids)


def compare(a: Quote, b: Quote, rule: Rule) -> tuple[str, float, float] | None:
    """``(outcome id, p_a, p_b)`` of the worst disagreeing outcome; None when they agree or
    list different outcome ids."""
    if a.outcome_ids == b.outcome_ids:
        pairs = zip(a.outcome_ids, a.probabilities, b.probabilities, strict=True)
    else:
        other = dict(zip(b.outcome_ids, b.probabilities, strict=True))
        if len(other) != len(a.outcome_ids) or other.keys() != set(a.outcome_ids):
            return None
        pairs = zip(a.outcome_ids, a.probabilities, (other[i] for i in a.outcome_ids), strict=True)
    worst: tuple[str, float, float] | None = None
    worst_gap = 0.0
    for outcome_id, pa, pb in pairs:
        gap = abs(pa - pb)
        if gap > rule.min_diff and gap > rule.threshold * max(pa, pb) and gap > worst_gap:
            worst, worst_gap = (outcome_id, pa, pb), gap
    return worst


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A line two bookmakers price too differently; ``bookmakers[0]``'s capture found it."""

    event: str
    sport: str
    market_id: int
    line: str
    bookmakers: tuple[str, str]
    outcome_id: str
    probabilities: tuple[float, float]
    captured_at: tuple[datetime, datetime]

    @property
    def relative_gap(self) -> float:
        pa, pb = self.probabilities
        return abs(pa - pb) / max(pa, pb)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready view (times ISO-8601)."""
        return {
            "event": self.event,
            "sport": self.sport,
            "market_id": self.market_id,
            "line": self.line,
            "bookmakers": list(self.bookmakers),
            "outcome_id": self.outcome_id,
            "probabilities": [round(p, 4) for p in self.probabilities],
            "relative_gap": round(self.relative_gap, 4),
            "captured_at": [t.isoformat() for t in self.captured_at],
        }
