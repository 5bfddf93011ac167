"""End to end on Apache Kafka: a capture of The Odds API, which has no Sportradar id, joins the
event SportyBet and BetPawa published with theirs, through the name matcher."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.adapters import theoddsapi
from tests.integration.streams.harness import Harness, fixture_bytes

pytestmark = pytest.mark.integration


async def test_the_odds_api_capture_matches_the_sportradar_event_by_names(harness: Harness) -> None:
    harness.extra_env["ODDS_STREAMS__MATCH_BY_NAME"] = "true"  # off by default
    await harness.create_topics(extra_raw=("theoddsapi",))
    harness.start_worker()
    response = orjson.loads(fixture_bytes("theoddsapi", "soccer_prematch"))
    async with harness.producer() as producer:
        for book in ("sportybet", "betpawa"):
            await harness.publish(producer, book, fixture_bytes(book, "soccer_prematch"))
        await harness.wait_ready(0)
        await harness.snapshots(lambda s: len(s) >= 2)
        for _, payload in theoddsapi.split_response(response):
            await harness.publish(producer, "theoddsapi", orjson.dumps(payload))
        snaps = await harness.snapshots(lambda s: len(s) >= 4)
    by_book = {s.bookmaker: s for s in snaps}
    assert set(by_book) == {"sportybet", "betpawa", "theoddsapi.pinnacle", "theoddsapi.unibet_eu"}
    assert {s.key for s in snaps} == {"sr:68995116"}  # one event, found by names for the feed
    pinnacle = by_book["theoddsapi.pinnacle"]
    assert pinnacle.bookmaker_event_id == "e912304de2b2ce35b473ce2ecd3d1502"
    assert pinnacle.event.home == "Wuhan Three Towns FC"  # the registry's resolved names


async def _directory(harness: Harness, done: object, timeout_s: float = 60.0) -> dict[bytes, bytes | None]:
    """The known_events changelog, key → latest value (None: a tombstone), once ``done`` holds."""
    topic = f"{harness.env['ODDS_STREAMS__APP_ID']}-known_events-changelog"
    consumer = AIOKafkaConsumer(bootstrap_servers=harness.bootstrap_servers, auto_offset_reset="earliest")
    await consumer.start()
    latest: dict[bytes, bytes | None] = {}
    try:
        consumer.assign([TopicPartition(topic, 0)])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while loop.time() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for r in records:
                    latest[r.key or b""] = r.value
            if done(latest):  # type: ignore[operator]
                return latest
        raise AssertionError(f"{topic}: condition not met after {timeout_s}s: {latest}")
    finally:
        await consumer.stop()


async def test_a_listing_not_seen_for_the_retain_span_leaves_the_directory(harness: Harness) -> None:
    """Bounded state with name matching on: stream time passes ``name_match_retain_h`` beyond
    the last capture that showed BetPawa's listing, so the worker deletes its directory entry
    (a tombstone on the compacted changelog) while SportyBet's, shown again, stays."""
    harness.extra_env["ODDS_STREAMS__MATCH_BY_NAME"] = "true"
    harness.extra_env["ODDS_STREAMS__NAME_MATCH_RETAIN_H"] = "1"
    await harness.create_topics()
    harness.start_worker()
    then = datetime.now(UTC) - timedelta(hours=2)
    async with harness.producer() as producer:
        for book in ("sportybet", "betpawa"):
            await harness.publish(producer, book, fixture_bytes(book, "soccer_prematch"), then)
        await harness.wait_ready(0)

        def named(key: str) -> bytes:
            return next(k for k in latest if key.encode() in k)

        latest = await _directory(harness, lambda d: len(d) == 2 and all(d.values()))
        sporty, betpawa = named("sr:68995116|sportybet"), named("sr:68995116|betpawa")
        await harness.publish(producer, "sportybet", fixture_bytes("sportybet", "soccer_prematch"))
        latest = await _directory(harness, lambda d: d.get(betpawa, b"") is None)
    assert latest[sporty] is not None  # shown again within the span: kept
