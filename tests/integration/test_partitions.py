"""Partition maintenance on a real Postgres, both back ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from sinks.partitions import BuiltinBackend, PartitionBackend, PartmanBackend, open_backend
from sinks.partitions.partman import partman_available, partman_schema
from sinks.store import migrate
from streams.settings import PartitionSettings

pytestmark = pytest.mark.integration

TODAY = datetime.now(UTC).date()


async def _seed_dimensions(conn: asyncpg.Connection) -> tuple[int, int]:
    sport = await conn.fetchval("INSERT INTO sports (key) VALUES ('soccer') RETURNING id")
    bm = await conn.fetchval("INSERT INTO bookmakers (key) VALUES ('betpawa') RETURNING id")
    event = await conn.fetchval(
        "INSERT INTO events (sportradar_id, sport_id, home, away, kickoff) "
        "VALUES (1, $1, 'A', 'B', now()) RETURNING id",
        sport,
    )
    return event, bm


async def _insert_snapshot(conn: asyncpg.Connection, event: int, bm: int, day: date) -> None:
    ts = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    await conn.execute(
        "INSERT INTO snapshots VALUES ($1, $2, $3, false, true, 1, 1, 0, 't', 0, 0)", event, bm, ts
    )


async def _partition_of_rows(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT tableoid::regclass::text AS part, count(*) AS n FROM snapshots GROUP BY 1"
    )
    return {r["part"]: r["n"] for r in rows}


async def _exercise(conn: asyncpg.Connection, backend: PartitionBackend) -> None:
    """Rows of three days land in three partitions; retention drops the old one."""
    event, bm = await _seed_dimensions(conn)
    await backend.run(conn, TODAY)
    days = {TODAY, TODAY - timedelta(days=1), TODAY - timedelta(days=20)}
    await backend.ensure_days(conn, days, TODAY)
    for day in days:
        await _insert_snapshot(conn, event, bm, day)
    parts = await _partition_of_rows(conn)
    assert parts == {f"snapshots_p{d:%Y_%m_%d}": 1 for d in days}

    with pytest.raises(ValueError, match="outside the partition window"):
        await backend.ensure_days(conn, {TODAY - timedelta(days=31)}, TODAY)
    with pytest.raises(asyncpg.exceptions.CheckViolationError):  # no partition, no default partition
        await _insert_snapshot(conn, event, bm, TODAY + timedelta(days=60))

    # shrink retention to 10 days: the 20-day-old partition (and its row) goes away
    shorter: PartitionBackend = type(backend)(retention_days=10, premake_days=backend.premake_days)
    await shorter.setup(conn)
    report = await shorter.run(conn, TODAY)
    old = TODAY - timedelta(days=20)
    assert f"snapshots_p{old:%Y_%m_%d}" in report.dropped
    assert f"odds_history_p{old:%Y_%m_%d}" in report.dropped
    assert set(await _partition_of_rows(conn)) == {f"snapshots_p{d:%Y_%m_%d}" for d in days - {old}}
    existing = await shorter.existing(conn)
    for table in ("snapshots", "odds_history"):
        assert TODAY + timedelta(days=backend.premake_days) in existing[table]
        assert all(d >= TODAY - timedelta(days=10) for d in existing[table])


async def test_builtin_backend(pg: asyncpg.Connection) -> None:
    backend = await open_backend(pg, PartitionSettings(backend="builtin"))
    assert isinstance(backend, BuiltinBackend)
    await _exercise(pg, backend)
    assert await partman_schema(pg) is None


async def test_partman_backend(pg: asyncpg.Connection, migrated_db: str) -> None:
    if not await partman_available(pg):
        pytest.skip("pg_partman is not installed on this server (scripts/setup.sh installs it where it can)")
    backend = await open_backend(pg, PartitionSettings(backend="auto"))
    assert isinstance(backend, PartmanBackend)
    assert await partman_schema(pg) == "partman"
    retention = await pg.fetchval(
        "SELECT retention FROM partman.part_config WHERE parent_table = 'public.snapshots'"
    )
    assert retention == "30 days"
    await _exercise(pg, backend)
    await asyncio.to_thread(migrate.check, migrated_db)  # partman children and templates are no drift


@pytest.fixture
async def server_without_partman(tmp_path: Path) -> AsyncIterator[str]:
    """The embedded wheel's server: PostgreSQL without the pg_partman package."""
    from streams.embedded.postgres import EmbeddedPostgres

    server = EmbeddedPostgres(tmp_path / "pg")
    server.start()
    try:
        yield server.url
    finally:
        server.destroy()


async def test_auto_uses_builtin_where_partman_is_missing(server_without_partman: str) -> None:
    await asyncio.to_thread(migrate.upgrade, server_without_partman)
    conn = await asyncpg.connect(server_without_partman, server_settings={"timezone": "UTC"})
    try:
        assert not await partman_available(conn)
        backend = await open_backend(conn, PartitionSettings(backend="auto"))
        assert isinstance(backend, BuiltinBackend)
        await _exercise(conn, backend)
    finally:
        await conn.close()
