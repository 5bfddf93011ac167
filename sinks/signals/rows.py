"""``odds.signals.v1`` messages → row tuples of the signal tables (pure, no I/O).

Column orders: the ``*_COLUMNS`` tuples. JSON columns are JSON text. Messages of events
without a Sportradar id have no rows (the stage emits none).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from streams.contracts.signals import SignalsV1

MARGIN_COLUMNS = ("sportradar_id", "bookmaker", "market_id", "line", "captured_at", "margin", "fair")
DEVIATION_COLUMNS = (
    "sportradar_id", "bookmaker", "market_id", "line", "outcome_id", "captured_at",
    "price", "consensus", "deviation", "books",
)  # fmt: skip
ARB_COLUMNS = ("sportradar_id", "market_id", "line", "captured_at", "ended_at", "profit", "suspect", "legs")
PRICE_COLUMNS = ("sportradar_id", "bookmaker", "market_id", "line", "kind", "captured_at", "outcomes")

Row = tuple[Any, ...]
LineOfEvent = tuple[int, int, str]  # (sportradar_id, market_id, line)


@dataclass(slots=True)
class SignalRows:
    """The rows of a run of messages, in message order; ``now`` holds, per evaluated line of an
    event, the deviations of its last evaluation (what ``signal_deviations_now`` keeps)."""

    margins: list[Row] = field(default_factory=list)
    deviations: list[Row] = field(default_factory=list)
    arbs_opened: list[Row] = field(default_factory=list)
    #: one row per window (its conflict key): a window closed twice in one run of messages
    #: (a stage that republished after a crash) would make the upsert touch a row twice
    arbs_closed: dict[tuple[Any, ...], Row] = field(default_factory=dict)  # by window
    prices: list[Row] = field(default_factory=list)
    now: dict[LineOfEvent, list[Row]] = field(default_factory=dict)
    days: set[Any] = field(default_factory=set)

    def __len__(self) -> int:
        return (
            len(self.margins) + len(self.deviations) + len(self.arbs_opened) + len(self.arbs_closed)
            + len(self.prices)
        )  # fmt: skip


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def times(sig: SignalsV1) -> Iterable[datetime]:
    """Every ``captured_at`` a message writes (its rows' partition keys)."""
    yield sig.captured_at
    for a in sig.arbitrages:
        yield a.started_at
    for p in sig.prices:
        yield p.at


def add(rows: SignalRows, sig: SignalsV1) -> None:
    """Append the rows of one message."""
    sr = sig.sportradar_id
    if sr is None:
        return
    at = sig.captured_at
    for m in sig.margins:
        fair = {k: [a, b] for k, (a, b) in m.fair.items()}
        rows.margins.append((sr, sig.bookmaker, m.market_id, m.line, at, m.margin, _json(fair)))
    by_line: dict[LineOfEvent, list[Row]] = {(sr, mid, line): [] for mid, line in sig.evaluated}
    for d in sig.deviations:
        row = (
            sr,
            d.bookmaker,
            d.market_id,
            d.line,
            d.outcome_id,
            at,
            d.price,
            d.consensus,
            d.deviation,
            d.books,
        )
        rows.deviations.append(row)
        by_line.setdefault((sr, d.market_id, d.line), []).append(row)
    rows.now.update(by_line)  # a later evaluation of a line replaces an earlier one
    for a in sig.arbitrages:
        legs = _json([[g.outcome_id, g.bookmaker, g.price, g.stake] for g in a.legs])
        arb = (sr, a.market_id, a.line, a.started_at, a.ended_at, a.profit, a.suspect, legs)
        if a.ended_at is None:
            rows.arbs_opened.append(arb)
        else:
            _close(rows.arbs_closed, arb)
    for p in sig.prices:
        rows.prices.append((sr, p.bookmaker, p.market_id, p.line, p.kind, p.at, _json(p.outcomes)))


def _close(closed: dict[Any, Row], arb: Row) -> None:
    """Fold a closed window into the run's row for it as the table's upsert would: the later
    end, the larger profit, suspect if either says so, the first legs."""
    key = arb[:4]  # sportradar_id, market_id, line, captured_at (the window's start)
    old = closed.get(key)
    if old is None:
        closed[key] = arb
    else:
        closed[key] = (*key, arb[4], max(old[5], arb[5]), old[6] or arb[6], old[7])


def columns(rows: list[Row], n: int) -> list[list[Any]]:
    """Row tuples → one list per column (for ``unnest``)."""
    return [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in range(n)]
