"""Name matching across two workers on Apache Kafka: the directory of known events (a faust GlobalTable).

SportyBet's capture of ``sr:68995116`` (with its id) is published on a raw partition worker A
owns; The Odds API's captures of the same match (no id) on a partition worker B owns. B never
reads SportyBet's capture: it can only match them through the ``known_events`` entry A wrote.
They end as one canonical event in Postgres, every bookmaker attached to it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from streams.contracts.raw import HEADERS, encode_raw, raw_key
from streams.matching.directory import decode_entry
from tests.integration.replay.pipeline import Pipeline
from tests.integration.streams.harness import Harness, assigned_partitions
from tests.integration.streams.test_match_reviews import SR, feed, sportybet
from tests.integration.streams.test_merges import until

pytestmark = pytest.mark.integration


@pytest.fixture
def pipeline(bootstrap_servers: str, migrated_db: str, tmp_path: Path) -> Iterator[Pipeline]:
    p = Pipeline(Harness(bootstrap_servers, tmp_path, partitions=3), migrated_db)
    try:
        yield p
    finally:
        p.stop_all()


async def owners(h: Harness, topics: list[str], timeout_s: float = 90.0) -> dict[str, dict[int, int]]:
    """Topic → partition → index of the worker owning it, once both workers' last logged
    assignments split every partition of each of ``topics`` between them."""
    deadline = time.monotonic() + timeout_s
    last: list[dict[str, set[int]]] = []
    every = set(range(h.partitions))
    while time.monotonic() < deadline:
        last = [{t: assigned_partitions(h.log_text(i), t) for t in topics} for i in (0, 1)]
        a, b = last
        if all(a[t] and b[t] and not a[t] & b[t] and a[t] | b[t] == every for t in topics):
            return {t: {p: (0 if p in last[0][t] else 1) for p in every} for t in topics}
        await asyncio.sleep(0.5)
    raise AssertionError(f"no settled assignment of {topics}: {last}")


async def test_a_capture_without_id_on_worker_b_joins_the_event_worker_a_read(pipeline: Pipeline) -> None:
    h = pipeline.harness
    h.extra_env["ODDS_STREAMS__MATCH_BY_NAME"] = "true"
    await h.create_topics(extra_raw=("theoddsapi",))
    h.start_worker()
    h.start_worker()
    pipeline.start_sink()
    await h.wait_ready(0, 90)
    await h.wait_ready(1, 90)
    t = h.settings.topics
    sporty_topic, feed_topic = t.raw("sportybet"), t.raw("theoddsapi")
    owner = await owners(h, [sporty_topic, feed_topic])
    part_a = min(p for p, w in owner[sporty_topic].items() if w == 0)
    part_b = min(p for p, w in owner[feed_topic].items() if w == 1)

    t0 = (datetime.now(UTC) - timedelta(minutes=10)).replace(microsecond=0)
    kickoff = t0 + timedelta(hours=3)

    producer = AIOKafkaProducer(bootstrap_servers=h.bootstrap_servers, acks="all")
    await producer.start()

    async def publish(bookmaker: str, payload: bytes, partition: int, at: datetime) -> None:
        value = encode_raw(bookmaker=bookmaker, payload=payload, captured_at=at, source="test")
        key = raw_key(bookmaker, None)
        await producer.send_and_wait(t.raw(bookmaker), value, key=key, partition=partition, headers=HEADERS)

    try:
        await publish("sportybet", sportybet(kickoff), part_a, t0)  # worker A's partition
        changelog = f"{h.settings.streams.app_id}-known_events-changelog"
        written = await h.collect(changelog, lambda rs: len(rs) >= 1, 90)
        known, listing = decode_entry(written[0].value)
        assert (known.event_key, listing) == (f"sr:{SR}", "sportybet")
        # the feed's own names and the same kickoff: matched above the high threshold
        payloads = feed(kickoff, home="Wuhan Three Towns")
        for i in range(1, 4):  # a few rounds: B may read the entry a moment after the first
            for payload in payloads.values():
                await publish("theoddsapi", payload, part_b, t0 + i * timedelta(seconds=1))
    finally:
        await producer.stop()

    async def one_event() -> bool | str:
        rows = await pipeline.fetch(
            """SELECT e.sportradar_id, b.key, count(*) FROM snapshots s JOIN events e ON e.id = s.event_id
                 JOIN bookmakers b ON b.id = s.bookmaker_id GROUP BY 1, 2 ORDER BY 2"""
        )
        got = [tuple(r) for r in rows]
        want = [(SR, "sportybet", 1), (SR, "theoddsapi.pinnacle", 3), (SR, "theoddsapi.unibet_eu", 3)]
        return got == want or f"stored {got}"

    await until(pipeline, one_event, 120, "one canonical event for all three listings")
    await pipeline.wait_sink_caught_up(60)
    events = await pipeline.fetch("SELECT sportradar_id FROM events")
    assert [r[0] for r in events] == [SR]  # no bookmaker-only event left
    # no rebalance moved them: B never owned SportyBet's partition, A never the feed's
    assert part_a not in assigned_partitions(h.log_text(1), sporty_topic)
    assert part_b not in assigned_partitions(h.log_text(0), feed_topic)
