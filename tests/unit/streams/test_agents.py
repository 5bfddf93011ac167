"""Both agents under faust's ``agent.test_context()``: no broker, a recording producer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from streams.app import create_app
from streams.contracts.capture import decode_capture
from streams.contracts.snapshot import decode_snapshot, encode_snapshot
from streams.deadletters.contract import dlq_headers
from streams.kafka.delivery import OutRecord
from streams.settings import load_settings
from streams.stages.match.registry import decode_entry
from tests.unit.streams.payloads import envelope, load, sportybet_with_odds, sportybet_without

RAW_TOPICS = ["odds.raw.betpawa", "odds.raw.sportybet", "odds.raw.bet9ja"]


class Recorder:
    """Stands in for the producer: every record is acknowledged at once."""

    def __init__(self) -> None:
        self.records: list[OutRecord] = []

    async def __call__(self, record: OutRecord) -> asyncio.Future[None]:
        self.records.append(record)
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        fut.set_result(None)
        return fut

    def on(self, topic: str) -> list[OutRecord]:
        return [r for r in self.records if r.topic == topic]


def make_app(raw_topic: str, recorder: Recorder, **streams: Any) -> Any:
    settings = load_settings(
        streams={"app_id": "unit-test", **streams},
        kafka={"max_message_bytes": streams.pop("max_bytes", 8 << 20)},
    )
    return create_app(settings, [raw_topic], send=recorder)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


async def normalize(app: Any, values: list[bytes], key: bytes = b"k") -> list[str]:
    agent = app.agents["normalize_raw"]
    async with agent.test_context() as ctx:
        for value in values:
            await ctx.put(value, key=key, headers=[("schema", b"odds.raw.v1")])
        await agent.sender.drain()
        return list(ctx.results.values())


async def match(app: Any, values: list[bytes]) -> list[str]:
    agent = app.agents["match_captures"]
    async with agent.test_context() as ctx:
        for value in values:
            await ctx.put(value, key=b"k")
        await agent.sender.drain()
        return list(ctx.results.values())


# -- normalize_raw ----------------------------------------------------------------------


async def test_normalize_forwards_keyed_by_event_with_source(recorder: Recorder) -> None:
    app = make_app("odds.raw.sportybet", recorder)
    assert await normalize(app, [envelope("sportybet", load("sportybet"))]) == ["forwarded"]
    [out] = recorder.records
    capture = decode_capture(out.value)
    assert (out.topic, out.key) == ("odds.canonical.v1", b"sr:68995116")
    assert capture.source.topic == "odds.raw.sportybet" and capture.source.offset == 0
    assert capture.event.bookmaker == "sportybet" and len(capture.event.lines) == 24  # every market mapped
    assert (capture.event.mapped_lines, capture.event.unmapped) == (24, {})


async def test_normalize_dead_letters_bad_input_and_keeps_going(recorder: Recorder) -> None:
    app = make_app("odds.raw.sportybet", recorder)
    good = envelope("sportybet", load("sportybet"))
    absurd = envelope("sportybet", sportybet_with_odds(load("sportybet"), {("1", None, "1"): "0.5"}))
    old = envelope("sportybet", load("sportybet"), datetime.now(UTC) - timedelta(days=400))
    results = await normalize(app, [b"{oops", good, absurd, old, good])
    assert results == ["dlq:not_json", "forwarded", "dlq:absurd_odds", "dlq:bad_timestamp", "forwarded"]
    dlq = recorder.on("odds.dlq.v1")
    assert [r.value for r in dlq] == [b"{oops", absurd, old]  # original bytes
    first = dlq_headers(dlq[0].headers)
    assert first["stage"] == "decode" and first["error.kind"] == "not_json"
    assert first["error.class"] == "DataError" and "not valid JSON" in first["error.message"]
    assert (first["source.topic"], first["source.partition"], first["source.offset"]) == (
        "odds.raw.sportybet",
        "0",
        "0",
    )
    assert first["app"] == "unit-test" and first["bookmaker"] == "sportybet" and first["time"].endswith("Z")
    assert ("schema", b"odds.raw.v1") in dlq[0].headers  # original headers kept
    assert dlq_headers(dlq[2].headers)["source.offset"] == "3"
    assert len(recorder.on("odds.canonical.v1")) == 2
    assert app.oddsflow.counters.dead_letters == {"not_json": 1, "absurd_odds": 1, "bad_timestamp": 1}


async def test_normalize_unknown_bookmaker_topic(recorder: Recorder) -> None:
    app = make_app("odds.raw.pinnacle", recorder)
    assert await normalize(app, [envelope("pinnacle", {"id": 1})]) == ["dlq:unknown_bookmaker"]
    headers = dlq_headers(recorder.records[0].headers)
    assert (headers["stage"], headers["bookmaker"]) == ("normalize", "pinnacle")


async def test_normalize_oversize(recorder: Recorder) -> None:
    app = make_app("odds.raw.sportybet", recorder, max_bytes=4096)
    assert await normalize(app, [envelope("sportybet", load("sportybet"))]) == ["dlq:oversize"]


async def test_normalize_bug_is_dead_lettered_then_crashes(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app("odds.raw.sportybet", recorder)

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr("streams.stages.normalize.logic.adapters.normalize", broken)
    with pytest.raises(ZeroDivisionError):
        await normalize(app, [envelope("sportybet", load("sportybet"))])
    headers = dlq_headers(recorder.on("odds.dlq.v1")[0].headers)
    assert (headers["stage"], headers["error.kind"], headers["error.class"]) == (
        "normalize",
        "bug",
        "ZeroDivisionError",
    )


# -- match_captures ---------------------------------------------------------------------


async def canonical(app: Any, recorder: Recorder, raws: list[bytes]) -> list[bytes]:
    """The canonical records ``raws`` became (only those of this call)."""
    start = len(recorder.records)
    await normalize(app, raws)
    return [r.value for r in recorder.records[start:] if r.topic == "odds.canonical.v1" and r.value]


async def three_bookmakers(recorder: Recorder, **streams: Any) -> tuple[Any, list[bytes]]:
    values = []
    for bookmaker in ("sportybet", "betpawa", "bet9ja"):
        app = make_app(f"odds.raw.{bookmaker}", recorder, **streams)
        values += await canonical(app, recorder, [envelope(bookmaker, load(bookmaker))])
    return make_app("odds.raw.sportybet", recorder, **streams), values


async def test_match_three_bookmakers_make_one_event(recorder: Recorder) -> None:
    app, values = await three_bookmakers(recorder)
    recorder.records.clear()
    assert await match(app, values) == ["new", "new", "new"]
    registry = decode_entry(app.agents["match_captures"].tables["event_registry"]["sr:68995116"])
    assert registry is not None and set(registry.listings) == {"sportybet", "betpawa", "bet9ja"}
    assert registry.listings["bet9ja"].bookmaker_event_id == "769895636"
    snaps = [decode_snapshot(r.value) for r in recorder.on("odds.snapshots.v1")]  # type: ignore[arg-type]
    assert {s.key for s in snaps} == {"sr:68995116"} and all(s.keyframe for s in snaps)
    assert {s.event.home for s in snaps} == {"Wuhan Three Towns FC"}  # bet9ja says "Wuhan Three Towns"
    assert {s.bookmaker: s.bookmaker_event_id for s in snaps}["betpawa"] == "33289995"


async def test_match_diff_removal_keyframe_and_redelivery(recorder: Recorder) -> None:
    app = make_app("odds.raw.sportybet", recorder, keyframe_every=3)
    doc = load("sportybet")
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    moved = sportybet_with_odds(doc, {("1", None, "2"): "3.45", ("18", "total=2.5", "13"): "1.77"})
    removed = sportybet_without(moved, "16", "hcp=-0.5")
    raws = [
        envelope("sportybet", doc, t0),  # raw offset 0
        envelope("sportybet", moved, t0 + timedelta(seconds=10)),  # 1: two prices changed
        envelope("sportybet", doc, t0 + timedelta(seconds=5)),  # 2: published late: stale
        envelope("sportybet", removed, t0 + timedelta(seconds=20)),  # 3: a market line gone
        envelope("sportybet", removed, t0 + timedelta(seconds=30)),  # 4: keyframe (every 3)
    ]
    values = await canonical(app, recorder, raws)
    recorder.records.clear()
    # redelivery: offset 1 again right after itself (replay), offset 0 at the end (duplicate)
    verdicts = await match(app, [values[0], values[1], values[1], *values[2:], values[0]])
    assert verdicts == ["new", "new", "replay", "stale", "new", "new", "duplicate"]
    snaps = [decode_snapshot(r.value) for r in recorder.on("odds.snapshots.v1")]  # type: ignore[arg-type]
    first, second, again, removal, keyframe = snaps
    assert first.keyframe and len(first.changed) == first.lines_total == first.mapped_lines == 24
    assert not second.keyframe and second.changed == {
        (1, ""): {"1": 2.4, "2": 3.45, "3": 3.0},
        (18, "total=2.5"): {"12": 1.96, "13": 1.77},
    }
    assert encode_snapshot(again) == encode_snapshot(second)
    assert removal.changed == {} and removal.removed == ((16, "hcp=-0.5"),) and removal.lines_total == 23
    assert keyframe.keyframe and len(keyframe.changed) == 23  # 3rd capture after the first keyframe
    counters = app.oddsflow.counters
    assert (counters.replayed_captures, counters.stale_captures, counters.duplicate_captures) == (1, 1, 1)


async def test_match_bookmaker_only_event_is_counted(recorder: Recorder) -> None:
    app = make_app("odds.raw.betpawa", recorder)
    values = await canonical(app, recorder, [envelope("betpawa", load("betpawa", "no_sportradar"))])
    recorder.records.clear()
    assert await match(app, values) == ["new"]
    snap = decode_snapshot(recorder.on("odds.snapshots.v1")[0].value)  # type: ignore[arg-type]
    assert snap.key == "betpawa:33700001" and snap.event.sportradar_id is None
    assert (app.oddsflow.counters.unmatched_events, app.oddsflow.counters.unmatched_captures) == (1, 1)


async def test_match_dead_letters_a_foreign_record(recorder: Recorder) -> None:
    app = make_app("odds.raw.sportybet", recorder)
    assert await match(app, [b'{"schema": "something.else"}']) == ["dlq:wrong_type"]
    headers = dlq_headers(recorder.on("odds.dlq.v1")[0].headers)
    assert (headers["stage"], headers["source.topic"]) == ("decode", "odds.canonical.v1")


async def test_match_bug_is_dead_lettered_then_crashes(recorder: Recorder) -> None:
    app = make_app("odds.raw.sportybet", recorder)
    values = await canonical(app, recorder, [envelope("sportybet", load("sportybet"))])
    recorder.records.clear()
    app.agents["match_captures"].tables["last_prices"].data["sr:68995116|sportybet"] = b'{"v": 99}'
    with pytest.raises(ValueError, match="state version"):
        await match(app, values)
    [dead] = recorder.records
    headers = dlq_headers(dead.headers)
    assert (dead.topic, headers["stage"], headers["error.kind"]) == ("odds.dlq.v1", "match", "bug")
    assert dead.value == values[0]


async def test_normalize_publishes_a_review_once_and_keeps_the_capture_its_own(recorder: Recorder) -> None:
    from streams.adapters import theoddsapi
    from streams.contracts.lifecycle import decode_snapshots_record
    from streams.contracts.review import MatchReviewV1
    from tests.unit.adapters.helpers import NOW
    from tests.unit.adapters.helpers import load as load_fixture

    app = make_app("odds.raw.theoddsapi", recorder, match_by_name=True, max_capture_age_days=100_000)
    resolver = app.agents["normalize_raw"].resolver
    sporty = load_fixture("sportybet", "soccer_prematch")
    resolver.resolve(adapters_normalize("sportybet", sporty))  # the event another book published with its id
    payload = theoddsapi.split_response(load_fixture("theoddsapi", "soccer_prematch"))[0][1]
    payload["home_team"], payload["away_team"] = payload["away_team"], payload["home_team"]  # swapped
    assert await normalize(
        app, [envelope("theoddsapi", payload, NOW), envelope("theoddsapi", payload, NOW)]
    ) == [
        "forwarded",
        "forwarded",
    ]
    captures = recorder.on("odds.canonical.v1")
    assert [r.key for r in captures] == [b"theoddsapi.pinnacle:" + payload["id"].encode()] * 2
    [filed] = recorder.on("odds.snapshots.v1")  # once, though two captures were left for review
    review = decode_snapshots_record(filed.value)
    assert isinstance(review, MatchReviewV1)
    assert filed.key == review.key.encode() == captures[0].key
    assert (review.candidate_key, review.swapped) == ("sr:68995116", True)


def adapters_normalize(bookmaker: str, payload: Any) -> Any:
    from streams import adapters
    from tests.unit.adapters.helpers import NOW

    return adapters.normalize(bookmaker, payload, NOW, now=NOW)


async def test_normalize_shares_a_new_listing_in_the_directory(recorder: Recorder) -> None:
    app = make_app("odds.raw.sportybet", recorder, match_by_name=True)
    sent: list[tuple[Any, Any]] = []
    table = app.tables["known_events"]
    table.send_changelog = lambda partition, key, value, *a, **kw: sent.append((key, value)) or _Sent()
    sporty = envelope("sportybet", load("sportybet"))
    assert await normalize(app, [sporty, sporty]) == ["forwarded", "forwarded"]
    [(key, value)] = sent  # once: the second capture shows the same listing
    assert key == "sr:68995116|sportybet" and table[key] == value
    other = make_app("odds.raw.sportybet", Recorder(), match_by_name=True)
    other.tables["known_events"].apply_changelog_batch([_Event(key, value)])  # what a standby read does
    resolver = other.agents["normalize_raw"].resolver
    assert len(resolver.index) == 1 and resolver.learn(value) is False


class _Sent:
    class message:
        partition = 0


class _Event:
    """The shape of a changelog event faust's memory store applies."""

    def __init__(self, key: str, value: bytes) -> None:
        self.key, self.value = key, value
        self.message = type("Message", (), {"key": key, "value": value, "partition": 0, "offset": 0})()
