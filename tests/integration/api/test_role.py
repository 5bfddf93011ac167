"""Migration 0008: a login in ``oddsflow_reader`` reads everything the API reads and writes nothing."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import asyncpg
import pytest

pytestmark = pytest.mark.integration


async def test_reader_role_reads_and_cannot_write(pg: asyncpg.Connection, migrated_db: str) -> None:
    login = f"oddsflow_api_test_{secrets.token_hex(4)}"
    password = secrets.token_hex(8)
    await pg.execute(f"CREATE ROLE {login} LOGIN PASSWORD '{password}' IN ROLE oddsflow_reader")
    try:
        base, _, rest = migrated_db.partition("://")
        url = f"{base}://{login}:{password}@{rest.rpartition('@')[2]}"
        conn = await asyncpg.connect(url)
        try:
            for sql in (
                "SELECT count(*) FROM events",
                "SELECT count(*) FROM best_current_odds",
                "SELECT count(*) FROM sink_offsets",
                "SELECT count(*) FROM odds_history",
                "SELECT count(*) FROM markets",
                "SELECT count(*) FROM signal_deviations_current",  # GET /signals
                "SELECT count(*) FROM signal_arbitrage_open",
                "SELECT count(*) FROM signal_margins_by_book",
            ):
                assert await conn.fetchval(sql) >= 0
            assert await conn.fetch("SELECT * FROM odds_at(1, 1::smallint, $1)", datetime.now(UTC)) == []
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute("INSERT INTO sports (key) VALUES ('x')")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute("DELETE FROM sink_offsets")
        finally:
            await conn.close()
    finally:
        await pg.execute(f"DROP ROLE {login}")
