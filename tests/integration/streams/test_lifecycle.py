"""Event lifecycle on a real worker and Apache Kafka: ended and idle closes, reopen, late, restart.

Idle and grace are shrunk to seconds of *capture* time (``event_idle_hours=0.01`` = 36 s,
``event_grace_hours=0.005`` = 18 s); the captures carry their own ``captured_at``, so the
test runs as fast as the worker reads, whatever the wall clock does.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from streams.contracts.lifecycle import EventLifecycleV1, decode_snapshots_record
from streams.contracts.snapshot import SnapshotV1
from streams.deadletters.contract import dlq_headers
from tests.integration.streams.harness import Harness
from tests.unit.streams.payloads import load

pytestmark = pytest.mark.integration


def sporty(n: int, kickoff: datetime, status: str = "Not start") -> bytes:
    doc: dict[str, Any] = copy.deepcopy(load("sportybet"))
    doc["data"]["eventId"] = f"sr:match:{n}"
    doc["data"]["estimateStartTime"] = int(kickoff.timestamp() * 1000)
    doc["data"]["matchStatus"] = status
    return orjson.dumps(doc)


async def records(harness: Harness, done: Any) -> list[SnapshotV1 | EventLifecycleV1]:
    def decoded(rs: list[Any]) -> list[SnapshotV1 | EventLifecycleV1]:
        return [decode_snapshots_record(r.value) for r in rs if r.value is not None]

    got = await harness.collect(harness.settings.topics.snapshots, lambda rs: done(decoded(rs)), 90)
    return decoded(got)


def lifecycle(items: list[SnapshotV1 | EventLifecycleV1]) -> list[tuple[str, str, str]]:
    """Lifecycle records of events 1 and 2 (the others only move stream time)."""
    return [
        (x.key, x.state, x.reason)
        for x in items
        if isinstance(x, EventLifecycleV1) and x.key in ("sr:1", "sr:2")
    ]


async def test_ended_idle_reopen_late_and_restart(harness: Harness) -> None:
    harness.extra_env["ODDS_STREAMS__EVENT_IDLE_HOURS"] = "0.01"
    harness.extra_env["ODDS_STREAMS__EVENT_GRACE_HOURS"] = "0.005"
    harness.partitions = 1  # one partition: one stream time for every event of the test
    await harness.create_topics()
    harness.start_worker()
    t0 = (datetime.now(UTC) - timedelta(minutes=30)).replace(microsecond=0)
    s = timedelta(seconds=1)
    async with harness.producer() as producer:
        pub = harness.publish
        await pub(producer, "sportybet", sporty(1, t0), t0)  # event 1: idle after t0 + 36 s
        await pub(producer, "sportybet", sporty(2, t0), t0 + 1 * s)
        await pub(producer, "sportybet", sporty(2, t0, "Ended"), t0 + 2 * s)  # event 2 ended
        await pub(producer, "sportybet", sporty(3, t0), t0 + 3 * s)  # carries event 2's close out
        await pub(producer, "sportybet", sporty(2, t0), t0 + 10 * s)  # within grace: reopens 2
        await pub(producer, "sportybet", sporty(4, t0), t0 + 40 * s)  # closes 1 (idle)
        await harness.wait_ready(0)
        got = await records(harness, lambda xs: len(lifecycle(xs)) >= 3)
        assert lifecycle(got) == [
            ("sr:2", "closed", "ended"),
            ("sr:2", "reopened", "capture"),
            ("sr:1", "closed", "idle"),
        ]
        reopened = [x for x in got if isinstance(x, SnapshotV1) and x.key == "sr:2"][-1]
        assert reopened.keyframe and reopened.captured_at == t0 + 10 * s

        # the worker dies; its successor recovers the tables and stream time from the changelogs
        harness.kill(0)
        harness.start_worker()
        # past event 1's close (+40 s) + grace (18 s), before its marker goes (+ idle: +94 s)
        await pub(producer, "sportybet", sporty(5, t0), t0 + 70 * s)
        await pub(producer, "sportybet", sporty(1, t0), t0 + 71 * s)  # late: DLQ
        await harness.wait_ready(1)
        dlq = await harness.collect(harness.settings.topics.dlq, lambda rs: len(rs) >= 1, 90)
    heads = dlq_headers(dlq[0].headers)
    assert heads["error.kind"] == "late" and heads["stage"] == "match"
    assert orjson.loads(dlq[0].value)["bookmaker_event_id"] == "sr:match:1"  # the record's own bytes
    # after the restart: markers' close records are published again (idempotent; when the
    # kill lost the reopen's changelog write, the redelivered capture reopens event 2 again),
    # event 2 closes as idle (its last capture at +10 s), event 1 is not reopened
    seen: list[object] = []

    def idle_2(xs: list[SnapshotV1 | EventLifecycleV1]) -> bool:
        seen[:] = [lifecycle(xs), [(x.key, x.captured_at - t0) for x in xs if isinstance(x, SnapshotV1)]]
        return ("sr:2", "closed", "idle") in lifecycle(xs)[3:]

    try:
        got = await records(harness, idle_2)
    except AssertionError as exc:
        changelog = f"{harness.settings.streams.app_id}-event_registry-changelog"
        rs = await harness.collect(changelog, lambda rs: True, 5, check_workers=False)
        log = [(r.offset, r.key, r.value) for r in rs]
        raise AssertionError(f"{exc}: {seen} {log}") from None
    after = lifecycle(got)[3:]
    assert ("sr:1", "reopened", "capture") not in after
    assert after[-1] == ("sr:2", "closed", "idle")
    snaps_1 = [x for x in got if isinstance(x, SnapshotV1) and x.key == "sr:1"]
    # one capture of event 1 was ever published; a worker killed between publishing its
    # snapshot and committing publishes the same snapshot again (the sink ignores it)
    assert len({(x.captured_at, x.source) for x in snaps_1}) == 1
