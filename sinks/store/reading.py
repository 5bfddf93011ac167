"""Reading what the sink wrote: boards at any time, current best prices.

Both are defined in Postgres by migration ``0002_reading`` (so any SQL client can use
them) and wrapped here for Python callers:

* :func:`odds_at` — the full board of one event at one bookmaker as it was at ``at``,
  rebuilt from the latest keyframe header at or before ``at`` plus the changes after it
  (SQL: ``SELECT * FROM odds_at(event_id, bookmaker_id, at)``);
* :func:`best_current_odds` — per outcome of an event, the best current price across
  bookmakers, with the market and outcome names rendered for the event (SQL: the view
  ``best_current_odds``, names since migration ``0005_market_names``);
* :func:`event_id` — the canonical event id of a Sportradar id or a bookmaker's own id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from streams.contracts.snapshot import Outcomes

Connection = Any  # asyncpg.Connection (no type stubs)
Board = dict[tuple[int, str], Outcomes]


async def odds_at(conn: Connection, event_id: int, bookmaker_id: int, at: datetime) -> Board:
    """``{(market_id, line): {outcome_id: price or None}}`` as published at ``at``."""
    rows = await conn.fetch(
        "SELECT market_id, line, outcomes FROM odds_at($1, $2, $3)", event_id, bookmaker_id, at
    )
    return {(r["market_id"], r["line"]): _outcomes(r["outcomes"]) for r in rows}


@dataclass(frozen=True, slots=True)
class BestPrice:
    """The best current price of one outcome and the bookmaker offering it.

    ``market_name`` / ``outcome_name``: the taxonomy's templates rendered for the event's team
    names and the line (``Over/Under 2.5``, ``Lyon (-1.5)``); a market without a template is
    named by its namespace and id (``uof:123 total=2.5``), an outcome without one by its id.
    """

    market_id: int
    line: str
    outcome: str
    price: float
    bookmaker: str
    captured_at: datetime
    market_name: str
    outcome_name: str


async def best_current_odds(conn: Connection, event_id: int) -> list[BestPrice]:
    """Best price per (market, line, outcome) of one event, across bookmakers."""
    rows = await conn.fetch(
        "SELECT market_id, line, outcome, price, bookmaker, captured_at, market_name, outcome_name "
        "FROM best_current_odds "
        "WHERE event_id = $1 ORDER BY market_id, line, outcome",
        event_id,
    )
    return [BestPrice(**dict(r)) for r in rows]


async def event_id(
    conn: Connection,
    *,
    sportradar_id: int | None = None,
    bookmaker: str | None = None,
    bookmaker_event_id: str | None = None,
) -> int | None:
    """Canonical event id by Sportradar id, or by a bookmaker's key and its own event id."""
    if sportradar_id is not None:
        found = await conn.fetchval("SELECT id FROM events WHERE sportradar_id = $1", sportradar_id)
    elif bookmaker is not None and bookmaker_event_id is not None:
        found = await conn.fetchval(
            "SELECT eb.event_id FROM event_bookmakers eb JOIN bookmakers b ON b.id = eb.bookmaker_id "
            "WHERE b.key = $1 AND eb.bookmaker_event_id = $2",
            bookmaker,
            bookmaker_event_id,
        )
    else:
        raise ValueError("give sportradar_id, or bookmaker and bookmaker_event_id")
    return None if found is None else int(found)


def _outcomes(value: Any) -> Outcomes:
    data = orjson.loads(value) if isinstance(value, str | bytes) else value
    return {str(k): None if v is None else float(v) for k, v in data.items()}
