"""``GET /stream``: changes as the sink commits them, filters, resume by ``Last-Event-ID``.

The resume test: read some changes, disconnect, publish more (the sink commits them while
nobody listens), reconnect with the last id seen: every record after it arrives exactly
once, nothing before it again (checked by topic partition and offset).
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from aiokafka.structs import TopicPartition
from pydantic import SecretStr

from api.app import create_app
from api.positions import decode
from streams.contracts.snapshot import SnapshotV1
from tests.integration.api.conftest import Stack, serve
from tests.integration.api.sse_client import Events, open_stream

pytestmark = pytest.mark.integration


def _more(stack: Stack, n: int, shift_s: int) -> list[SnapshotV1]:
    """``n`` further captures of the feed's boards, later in time (a re-price of each)."""
    base = stack.feed.snaps[-n:]
    out = []
    for s in base:
        changed = {k: {o: (p or 2.0) + 0.01 for o, p in v.items()} for k, v in list(s.changed.items())[:2]}
        out.append(
            dataclasses.replace(
                s,
                captured_at=s.captured_at + timedelta(seconds=shift_s),
                keyframe=False,
                changed=changed,
                removed=(),
            )
        )
    return out


async def _changes(events: Events, n: int) -> list[dict]:
    return [await events.until("change") for _ in range(n)]


async def test_a_committed_change_reaches_a_filtered_subscriber(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    target = next(s for s in stack.feed.snaps if s.event.sportradar_id is not None)
    listing = (await client.get("/events", params={"limit": 200})).json()["items"]
    eid = next(e["id"] for e in listing if e["sportradar_id"] == target.event.sportradar_id)
    async with open_stream(client, {"event": eid}) as events:
        ready = await events.until("ready")
        assert decode(ready["id"]) == decode(ready["data"]["position"])
        batch = [s for s in _more(stack, 30, 3600) if s.key != target.key]  # other events: filtered out
        assert batch
        mine = dataclasses.replace(
            target, captured_at=batch[-1].captured_at + timedelta(seconds=1), keyframe=False,
            changed={(1, ""): {"1": 9.99, "2": 1.5, "3": None}}, removed=(),
        )  # fmt: skip
        await stack.publish([*batch, mine])
        got = await events.until("change")
        assert got["data"]["event_id"] == eid
        assert got["data"]["changed"] == [
            {"market_id": 1, "line": "", "outcomes": {"1": 9.99, "2": 1.5, "3": None}}
        ]
        assert decode(got["id"])[got["data"]["partition"]] == got["data"]["offset"] + 1
        # the read endpoints already show it: the stream waits for the sink
        odds = (await client.get(f"/events/{eid}/odds", params={"bookmaker": target.bookmaker})).json()
        line = next(ln for ln in odds["bookmakers"][0]["lines"] if ln["market_id"] == 1)
        assert {o["outcome"]: o["price"] for o in line["outcomes"]} == {"1": 9.99, "2": 1.5, "3": None}
        beat = await events.until("heartbeat", timeout_s=5)
        assert decode(beat["id"]) == stack.offsets  # filtered-out records count as seen


async def test_resume_after_a_disconnect_misses_nothing_and_repeats_nothing(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    async with open_stream(client) as events:
        await events.until("ready")
        await stack.publish(_more(stack, 20, 7200))
        seen = await _changes(events, 7)
    last_id = seen[-1]["id"]
    position = decode(last_id)
    await stack.publish(_more(stack, 30, 7300))  # committed while disconnected
    expected = {(p, o) for p in stack.offsets for o in range(position[p], stack.offsets[p])}
    assert len(expected) >= 30
    async with open_stream(client, last_id=last_id) as events:
        ready = await events.until("ready")
        assert ready["data"]["resumed"] is True and decode(ready["id"]) == position
        got = [(c["data"]["partition"], c["data"]["offset"]) for c in await _changes(events, len(expected))]
        with pytest.raises(TimeoutError):
            extra = await events.until("change", timeout_s=2.5)
            raise AssertionError(f"a change twice or unexpected: {extra}")
    assert len(got) == len(set(got)) and set(got) == expected
    before = {(c["data"]["partition"], c["data"]["offset"]) for c in seen}
    assert not before & set(got)


async def test_resume_from_before_the_ring_reads_kafka_then_410_past_retention(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    """A second API on the same topic whose ring holds 10 changes: an older position is
    replayed from the topic; a position the topic deleted gets 410."""
    settings = stack.settings.model_copy(
        update={"api": stack.settings.api.model_copy(update={"ring_size": 10})}
    )
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base, timeout=30) as small:
        async with open_stream(small) as events:
            start = decode((await events.until("ready"))["id"])
        await stack.publish(_more(stack, 40, 9000))
        expected = {(p, o) for p in stack.offsets for o in range(start[p], stack.offsets[p])}
        async with open_stream(
            small, last_id=",".join(f"{p}:{o}" for p, o in sorted(start.items()))
        ) as events:
            got = [
                (c["data"]["partition"], c["data"]["offset"]) for c in await _changes(events, len(expected))
            ]
        assert sorted(got) == sorted(expected)

        admin = AIOKafkaAdminClient(bootstrap_servers=stack.settings.kafka.bootstrap_servers)
        await admin.start()
        try:
            p = max(start, key=lambda q: stack.offsets[q] - start[q])
            await admin.delete_records(
                {TopicPartition(stack.settings.topics.snapshots, p): RecordsToDelete(start[p] + 1)},
                timeout_ms=10_000,
            )
        finally:
            await admin.close()
        r = await small.get(
            "/stream", headers={"Last-Event-ID": ",".join(f"{q}:{o}" for q, o in sorted(start.items()))}
        )
        assert r.status_code == 410 and r.json()["error"] == "position_not_retained"


async def test_sport_and_bookmaker_filters(stack: Stack, client: httpx.AsyncClient) -> None:
    async with open_stream(client, {"sport": "basketball", "bookmaker": "bet9ja"}) as events:
        await events.until("ready")
        batch = _more(stack, 60, 12_000)
        await stack.publish(batch)
        want = [s for s in batch if s.event.sport == "basketball" and s.bookmaker == "bet9ja"]
        assert want
        got = await _changes(events, len(want))
        assert all(c["data"]["sport"] == "basketball" and c["data"]["bookmaker"] == "bet9ja" for c in got)
        assert len(got) == len(want)


async def test_api_key_required_when_set_and_never_echoed(stack: Stack) -> None:
    settings = stack.settings.model_copy(
        update={"api": stack.settings.api.model_copy(update={"keys": SecretStr("s3cret-key,other")})}
    )
    async with (
        serve(create_app(settings, stream_changes=False)) as base,
        httpx.AsyncClient(base_url=base) as c,
    ):
        r = await c.get("/events", headers={"X-API-Key": "wrong-key"})
        assert r.status_code == 401 and "wrong-key" not in r.text and "s3cret" not in r.text
        assert (await c.get("/events")).status_code == 401
        assert (await c.get("/events", headers={"X-API-Key": "s3cret-key"})).status_code == 200
        assert (await c.get("/events", params={"api_key": "other"})).status_code == 200
        assert (await c.get("/")).status_code == 200  # the page asks for the key itself
    await asyncio.sleep(0)
