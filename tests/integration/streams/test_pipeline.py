"""One ``oddsflow worker`` on the real broker: matching, diffs, keyframes, dead letters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from streams.contracts.raw import encode_raw
from streams.contracts.snapshot import SnapshotV1
from streams.deadletters.contract import dlq_headers
from streams.stages.match.registry import decode_entry
from tests.integration.streams.harness import Harness, fixture_bytes
from tests.unit.streams.payloads import envelope, load, sportybet_with_odds, sportybet_without

pytestmark = pytest.mark.integration


async def test_same_match_from_three_bookmakers_is_one_event(harness: Harness) -> None:
    await harness.create_topics()
    harness.start_worker()
    async with harness.producer() as producer:
        sources = {
            b: await harness.publish(producer, b, fixture_bytes(b, "soccer_prematch"))
            for b in ("bet9ja", "betpawa", "sportybet")
        }
        await harness.wait_ready(0)
        snaps = await harness.snapshots(lambda s: len(s) >= 3)
        # a second round: every bookmaker's snapshot now carries the resolved event
        for b in ("bet9ja", "betpawa", "sportybet"):
            await harness.publish(
                producer, b, fixture_bytes(b, "soccer_prematch"), datetime.now(UTC) + timedelta(seconds=1)
            )
    snaps = await harness.snapshots(lambda s: len(s) >= 6)
    assert {s.key for s in snaps} == {"sr:68995116"}
    assert {(s.bookmaker, s.source.topic, s.source.partition, s.source.offset) for s in snaps[:3]} == {
        (b, *src) for b, src in sources.items()
    }
    second = snaps[3:]
    assert {s.event for s in second} == {second[0].event}  # one canonical event
    assert second[0].event.home == "Wuhan Three Towns FC"  # SportyBet's name beats Bet9ja's
    assert {s.bookmaker: s.bookmaker_event_id for s in second} == {
        "sportybet": "sr:match:68995116",
        "betpawa": "33289995",
        "bet9ja": "769895636",
    }
    changelog = f"{harness.settings.streams.app_id}-event_registry-changelog"
    key = orjson.dumps("sr:68995116")  # faust writes str table keys as JSON
    records = await harness.collect(changelog, lambda rs: any(r.key == key for r in rs))
    latest = [r for r in records if r.key == key][-1]
    entry = decode_entry(latest.value)
    assert entry is not None and set(entry.listings) == {"sportybet", "betpawa", "bet9ja"}


async def test_diffs_removals_and_keyframes(harness: Harness) -> None:
    harness.extra_env["ODDS_STREAMS__KEYFRAME_EVERY"] = "3"
    harness.extra_env["ODDS_STREAMS__KEYFRAME_MINUTES"] = "10"
    await harness.create_topics()
    harness.start_worker()
    doc = load("sportybet")
    moved = sportybet_with_odds(doc, {("1", None, "2"): "3.45", ("18", "total=2.5", "13"): "1.77"})
    gone = sportybet_without(moved, "16", "hcp=-0.5")
    gone_moved = sportybet_with_odds(gone, {("10", None, "9"): "1.40"})
    t0 = (datetime.now(UTC) - timedelta(minutes=20)).replace(microsecond=0)  # the envelope keeps ms
    captures = [
        (doc, t0),  # keyframe (first)
        (moved, t0 + timedelta(seconds=10)),  # exactly two lines changed
        (gone, t0 + timedelta(seconds=20)),  # one line removed
        (gone, t0 + timedelta(seconds=30)),  # keyframe: every 3rd capture after the last one
        (gone_moved, t0 + timedelta(seconds=40)),  # delta
        (gone_moved, t0 + timedelta(minutes=11)),  # keyframe: 10 minutes of capture time
        (gone_moved, t0 + timedelta(minutes=11, seconds=10)),  # delta, nothing changed
    ]
    async with harness.producer() as producer:
        for payload, at in captures:
            await harness.publish(producer, "sportybet", orjson.dumps(payload), at)
    await harness.wait_ready(0)
    snaps = await harness.snapshots(lambda s: len(s) >= len(captures))
    assert [s.captured_at for s in snaps] == [at for _, at in captures]
    assert [s.keyframe for s in snaps] == [True, False, False, True, False, True, False]
    first, two, removal, kf, delta, timed, nothing = snaps
    assert len(first.changed) == first.lines_total == 24
    assert two.changed == {
        (1, ""): {"1": 2.4, "2": 3.45, "3": 3.0},
        (18, "total=2.5"): {"12": 1.96, "13": 1.77},
    }
    assert two.removed == () and two.lines_total == 24
    assert removal.changed == {} and removal.removed == ((16, "hcp=-0.5"),) and removal.lines_total == 23
    assert len(kf.changed) == kf.lines_total == 23 and kf.removed == ()
    assert delta.changed == {(10, ""): {"9": 1.40, "10": 1.34, "11": 1.57}}
    assert len(timed.changed) == 23
    assert (nothing.changed, nothing.removed, nothing.lines_total) == ({}, (), 23)


async def test_every_class_of_bad_input_is_dead_lettered_while_good_records_flow(harness: Harness) -> None:
    limit = 256 * 1024
    harness.extra_env["ODDS_KAFKA__MAX_MESSAGE_BYTES"] = str(limit)
    # raw topics accept more than the worker does: compressed batches pass the broker's limit
    await harness.create_topics(extra_raw=("pinnacle",), max_message_bytes=8 << 20)
    harness.start_worker()
    t = harness.settings.topics
    sporty, pinnacle = t.raw("sportybet"), t.raw("pinnacle")
    key = b"sportybet:sr:match:68995116"
    now = datetime.now(UTC)
    doc = load("sportybet")
    padded = dict(doc, padding="x" * (limit + 1))
    bad = {
        "not_json": b'{"schema": "odds.raw.v1", oops',
        "wrong_envelope": orjson.dumps({"schema": "odds.raw.v2", "bookmaker": "sportybet", "payload": {}}),
        "absurd_odds": envelope("sportybet", sportybet_with_odds(doc, {("1", None, "1"): "0.99"}), now),
        "bad_timestamp": envelope("sportybet", doc, now + timedelta(days=2)),
        "oversize": envelope("sportybet", padded, now),
        "bookmaker_mismatch": envelope("betpawa", load("betpawa"), now),
    }
    items = [(sporty, key, envelope("sportybet", doc, now - timedelta(seconds=30)))]
    items += [(sporty, key, value) for value in bad.values()]
    items.append(
        (
            pinnacle,
            b"pinnacle:1",
            encode_raw(bookmaker="pinnacle", payload=b"{}", captured_at=now, source="x"),
        )
    )
    items.append(
        (sporty, key, envelope("sportybet", sportybet_with_odds(doc, {("1", None, "1"): "2.50"}), now))
    )
    landed = await harness.publish_raw(items)
    await harness.wait_ready(0)

    expected_kinds = [*bad, "unknown_bookmaker"]
    records = await harness.collect(t.dlq, lambda rs: len(rs) >= len(expected_kinds))
    by_kind = {dlq_headers(r.headers)["error.kind"]: r for r in records}
    assert sorted(by_kind) == sorted(expected_kinds) and len(records) == len(expected_kinds)
    for (topic, _key, value), (_, partition, offset) in zip(items[1:-1], landed[1:-1], strict=True):
        kind = next(k for k, r in by_kind.items() if r.value == value)
        h = dlq_headers(by_kind[kind].headers)
        assert (h["source.topic"], h["source.partition"], h["source.offset"]) == (
            topic,
            str(partition),
            str(offset),
        )
        assert h["app"] == harness.settings.streams.app_id and h["error.class"] == "DataError"
        assert h["stage"] in ("decode", "normalize") and h["error.message"] and h["time"].endswith("Z")
        assert h["bookmaker"] == ("pinnacle" if topic == pinnacle else "sportybet")
        assert by_kind[kind].key == _key
        assert ("schema", b"odds.raw.v1") in list(by_kind[kind].headers)
    assert dlq_headers(by_kind["oversize"].headers)["stage"] == "decode"
    assert dlq_headers(by_kind["unknown_bookmaker"].headers)["stage"] == "normalize"

    snaps: list[SnapshotV1] = await harness.snapshots(lambda s: len(s) >= 2)
    assert [s.source.offset for s in snaps] == [landed[0][2], landed[-1][2]]
    assert snaps[1].changed == {(1, ""): {"1": 2.5, "2": 3.3, "3": 3.0}}  # diffed across the bad ones
