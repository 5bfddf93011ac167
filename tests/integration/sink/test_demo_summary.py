"""The demo's visible result: the event it shows has prices to show."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import orjson
import pytest

from sinks.demo_report import showcase_event

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


Prices = dict[str, float | None]


async def _event(conn: asyncpg.Connection, sr: int, books: list[int], outcomes: Prices) -> int:
    """A matched event listed by ``books``, each quoting match result (UOF 1) as ``outcomes``."""
    eid = await conn.fetchval(
        "INSERT INTO events (sportradar_id, sport_id, home, away, kickoff) "
        "VALUES ($1, 1, $2, $3, $4) RETURNING id",
        sr,
        f"home {sr}",
        f"away {sr}",
        NOW,
    )
    for b in books:
        await conn.execute(
            "INSERT INTO event_bookmakers (event_id, bookmaker_id, bookmaker_event_id) VALUES ($1, $2, $3)",
            eid,
            b,
            f"{sr}-{b}",
        )
        await conn.execute(
            "INSERT INTO current_odds (event_id, bookmaker_id, market_id, line, outcomes, captured_at) "
            "VALUES ($1, $2, 1, '', $3::jsonb, $4)",
            eid,
            b,
            orjson.dumps(outcomes).decode(),
            NOW,
        )
    return int(eid)


async def test_showcase_skips_events_without_a_current_price(pg: asyncpg.Connection) -> None:
    await pg.execute("INSERT INTO sports (id, key) VALUES (1, 'soccer')")
    books = [await pg.fetchval("INSERT INTO bookmakers (key) VALUES ($1) RETURNING id", k) for k in "abc"]
    assert await showcase_event(pg) is None
    # a live event suspended whole: every outcome without a price
    suspended = await _event(pg, 101, books, {"1": None, "2": None, "3": None})
    assert await showcase_event(pg) is None
    fewer = await _event(pg, 102, books[:2], {"1": 2.1, "2": 3.3, "3": 3.6})
    assert (await showcase_event(pg))["id"] == fewer
    priced = await _event(pg, 103, books, {"1": 1.9, "2": None, "3": 4.0})
    event = await showcase_event(pg)
    assert event["id"] == priced and event["id"] != suspended and event["books"] == 3
