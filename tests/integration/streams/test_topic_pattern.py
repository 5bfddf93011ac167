"""A raw topic created while the worker runs is read without a restart
(streams.kafka.workarounds.faust_topic_pattern).

Every bookmaker with an adapter has its raw topic created when the worker starts, so the
late topic here is one of a bookmaker without an adapter: each of its records reaching the
DLQ as ``normalize/unknown_bookmaker`` proves the running ``normalize_raw`` agent read it.
Records published before the worker subscribed are read too (the new partitions start at
their log start). Without the workaround none of them arrives: faust never resubscribes.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from streams.contracts.raw import encode_raw
from streams.deadletters.contract import dlq_headers
from tests.integration.streams.harness import Harness, fixture_bytes

pytestmark = pytest.mark.integration


async def test_raw_topic_created_while_running_is_consumed(harness: Harness) -> None:
    harness.extra_env["ODDS_STREAMS__RAW_TOPIC_REFRESH_S"] = "3"
    await harness.create_topics()
    harness.start_worker()
    await harness.wait_ready(0)
    t = harness.settings.topics
    async with harness.producer() as producer:  # the worker is subscribed and working
        await harness.publish(producer, "sportybet", fixture_bytes("sportybet", "soccer_prematch"))
    await harness.snapshots(lambda s: len(s) >= 1)

    late = t.raw("latebook")
    started = time.monotonic()
    await harness.create_topics(extra_raw=("latebook",))
    now = datetime.now(UTC)
    items = [
        (
            late,
            f"latebook:{i}".encode(),
            encode_raw(bookmaker="latebook", payload=b"{}", captured_at=now, source="t"),
        )
        for i in range(5)
    ]
    landed = await harness.publish_raw(items)
    records = await harness.collect(t.dlq, lambda rs: len(rs) >= len(items), timeout_s=60)
    elapsed = time.monotonic() - started
    assert elapsed < 60
    heads = [dlq_headers(r.headers) for r in records]
    assert {h["error.kind"] for h in heads} == {"unknown_bookmaker"}
    assert sorted(
        (h["source.topic"], int(h["source.partition"]), int(h["source.offset"])) for h in heads
    ) == sorted(landed)
    assert "subscribing to new topics" in harness.log_text(0) and late in harness.log_text(0)
