"""``oddsflow status``'s open events on a real Postgres: not closed, a capture in the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from sinks.partitions import BuiltinBackend
from sinks.status import open_events

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC).replace(microsecond=0)


async def test_open_events_counts_unclosed_events_captured_in_the_window(pg: asyncpg.Connection) -> None:
    backend = BuiltinBackend(retention_days=30, premake_days=2)
    await backend.ensure_days(pg, {(NOW - timedelta(days=d)).date() for d in range(3)}, NOW.date())
    sport = await pg.fetchval("INSERT INTO sports (key) VALUES ('soccer') RETURNING id")
    bm = await pg.fetchval("INSERT INTO bookmakers (key) VALUES ('betpawa') RETURNING id")

    async def event(sr: int, closed: bool, last_capture: timedelta | None) -> None:
        eid = await pg.fetchval(
            "INSERT INTO events (sportradar_id, sport_id, home, away, kickoff, closed_at) "
            "VALUES ($1, $2, 'A', 'B', $3, $4) RETURNING id",
            sr, sport, NOW, NOW if closed else None,
        )  # fmt: skip
        if last_capture is not None:
            await pg.execute(
                "INSERT INTO snapshots VALUES ($1, $2, $3, false, true, 1, 1, 0, 't', 0, 0)",
                eid, bm, NOW - last_capture,
            )  # fmt: skip

    await event(1, closed=False, last_capture=timedelta(hours=1))  # open
    await event(2, closed=False, last_capture=timedelta(minutes=5))  # open
    await event(3, closed=True, last_capture=timedelta(minutes=5))  # closed
    await event(4, closed=False, last_capture=timedelta(hours=30))  # never closed, long idle
    await event(5, closed=False, last_capture=None)  # nothing stored
    assert await open_events(pg, NOW - timedelta(hours=7)) == 2
    assert await open_events(pg, NOW - timedelta(hours=48)) == 3
    assert await open_events(pg, NOW) == 0
