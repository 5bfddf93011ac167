"""Migration 0010 on a real Postgres: seeded aliases, the review queue and ``oddsflow matches``."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from click.testing import CliRunner

from sinks.matching import store
from sinks.matching.cli import matches_command
from sinks.status import matching_view
from sinks.store import migrate
from streams.contracts.merge import EventMergeV1, decode_canonical_record
from streams.matching import Known, NameIndex
from streams.matching.aliases import seed_aliases

pytestmark = pytest.mark.integration
KO = datetime(2026, 5, 6, 11, 0, tzinfo=UTC)


async def _file_review(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        aliases = await store.load_aliases(conn, "soccer")
        assert aliases == seed_aliases()  # the seed file went in whole
        await store.add_alias(conn, "Bexbach Royals", "Bexbach Rovers", "soccer")
        assert (await store.load_aliases(conn, "soccer"))["Bexbach Royals"] == "Bexbach Rovers"
        assert "Bexbach Royals" not in await store.load_aliases(conn, "tennis")
        ix = NameIndex()
        ix.add(Known("sr:1", "soccer", "Ashford United", "Bexbach Royals", KO, 1))
        decision = ix.match("soccer", "Ashford United", "Bexbach Rovers", KO)
        assert decision.status == "review"
        args = ("theoddsapi.pinnacle", "e91", "soccer", "Ashford United", "Bexbach Rovers", KO, decision)
        assert await store.queue_review(conn, *args)
        assert not await store.queue_review(conn, *args)  # a redelivered capture adds nothing
        counts = await matching_view(conn)  # what `oddsflow status` shows
        assert counts == {"by_id": 0, "by_name": 0, "unmatched": 0, "review": 1}
        (row,) = await store.list_reviews(conn)
        assert (row["candidate_key"], row["candidate_sportradar_id"], row["status"]) == ("sr:1", 1, "pending")
        return int(row["id"])
    finally:
        await conn.close()


async def _status(url: str, review_id: int) -> str:
    conn = await asyncpg.connect(url)
    try:
        return str(await conn.fetchval("SELECT status FROM match_reviews WHERE id = $1", review_id))
    finally:
        await conn.close()


async def _create(bootstrap_servers: str, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 3, 1)])
    finally:
        await admin.close()


async def _requests(bootstrap_servers: str, topic: str) -> list[tuple[bytes | None, object]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, auto_offset_reset="earliest")
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(3)])
        batch = await consumer.getmany(timeout_ms=5000)
        return [(r.key, decode_canonical_record(r.value)) for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()


def test_review_queue_accept_and_reject_through_the_cli(migrated_db: str, bootstrap_servers: str) -> None:
    migrate.check(migrated_db)  # the tables match sinks/matching/tables.py
    review_id = asyncio.run(_file_review(migrated_db))
    runner = CliRunner()
    canonical = f"t{secrets.token_hex(4)}.odds.canonical.v1"
    env = {
        "ODDS_POSTGRES__URL": migrated_db,
        "ODDS_KAFKA__BOOTSTRAP_SERVERS": bootstrap_servers,
        "ODDS_TOPICS__CANONICAL": canonical,
    }
    asyncio.run(_create(bootstrap_servers, canonical))
    listed = runner.invoke(matches_command, ["list", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert '"candidate_key": "sr:1"' in listed.output
    accepted = runner.invoke(matches_command, ["accept", str(review_id)], env=env)
    assert accepted.exit_code == 0, accepted.output
    assert asyncio.run(_status(migrated_db, review_id)) == "accepted"
    [(key, request)] = asyncio.run(_requests(bootstrap_servers, canonical))  # what the workers merge
    assert key == b"theoddsapi.pinnacle:e91" and isinstance(request, EventMergeV1)
    assert (request.into_key, request.reason) == ("sr:1", "matched")
    again = runner.invoke(matches_command, ["reject", str(review_id)], env=env)
    assert again.exit_code == 1 and "not pending" in again.output
    alias = runner.invoke(matches_command, ["alias", "Wolves", "Wolverhampton Wanderers"], env=env)
    assert alias.exit_code == 0, alias.output


def test_downgrade_removes_the_tables(migrated_db: str) -> None:
    migrate.downgrade(migrated_db, "-1")
    migrate.upgrade(migrated_db)
    migrate.check(migrated_db)
