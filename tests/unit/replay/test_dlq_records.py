"""DLQ record decoding, selection and formatting (pure) and the sink lock key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sinks.write.lease import sink_lock_key
from streams.deadletters.contract import dead_letter
from streams.deadletters.letters import (
    DeadRecord,
    DlqError,
    Selection,
    hexdump,
    parse_ids,
    parse_when,
    pretty_value,
)
from streams.errors import DataError

T0 = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)


def record(
    offset: int, *, kind: str = "not_json", bookmaker: str | None = "betpawa", at: datetime = T0
) -> DeadRecord:
    letter = dead_letter(
        key=b"betpawa:1",
        value=b'{"a": 1}',
        headers=[("content-type", b"application/json"), ("dlq.stale", b"x")],
        error=DataError("decode", kind, "bad"),
        topic="odds.raw.betpawa",
        partition=2,
        offset=offset,
        app="test",
        bookmaker=bookmaker,
        now=at,
    )
    return DeadRecord.from_kafka(
        0, offset, int(at.timestamp() * 1000), letter.key, letter.value, letter.headers
    )


def test_decoded_headers_and_requeue_target() -> None:
    r = record(7)
    assert (r.id, r.stage, r.kind, r.error_class, r.bookmaker) == (
        "0:7",
        "decode",
        "not_json",
        "DataError",
        "betpawa",
    )
    assert r.source == "odds.raw.betpawa:2:7"
    assert r.time == T0
    assert r.requeue_target() == (
        "odds.raw.betpawa",
        b"betpawa:1",
        b'{"a": 1}',
        [("content-type", b"application/json")],
    )
    bare = DeadRecord.from_kafka(0, 1, 0, None, b"x", [])
    with pytest.raises(DlqError, match=r"no dlq\.source\.topic"):
        bare.requeue_target()


def test_selection() -> None:
    a, b, c = (
        record(1),
        record(2, kind="wrong_envelope"),
        record(3, bookmaker=None, at=T0 + timedelta(hours=2)),
    )
    assert Selection().empty
    assert [r.offset for r in (a, b, c) if Selection(kinds=frozenset({"not_json"})).matches(r)] == [1, 3]
    assert [r.offset for r in (a, b, c) if Selection(bookmakers=frozenset({"betpawa"})).matches(r)] == [1, 2]
    assert [r.offset for r in (a, b, c) if Selection(since=T0 + timedelta(hours=1)).matches(r)] == [3]
    assert [r.offset for r in (a, b, c) if Selection(until=T0 + timedelta(hours=1)).matches(r)] == [1, 2]
    assert [r.offset for r in (a, b, c) if Selection(ids=((0, 2),)).matches(r)] == [2]
    assert not Selection(stages=frozenset({"sink"})).matches(a)
    assert Selection(error_classes=frozenset({"DataError"})).matches(a)


def test_parse_ids_and_when() -> None:
    assert parse_ids(["0:15", "1:3,1:4", "0:15"]) == [(0, 15), (1, 3), (1, 4)]
    with pytest.raises(DlqError):
        parse_ids(["15"])
    assert parse_when("PT6H", T0) == T0 - timedelta(hours=6)
    assert parse_when("2026-11-21T18:00", T0) == T0


def test_pretty_value() -> None:
    assert pretty_value(b'{"a":[1,2]}', 1000) == ("json", '{\n  "a": [\n    1,\n    2\n  ]\n}')
    assert pretty_value(None, 10)[0] == "none"
    fmt, text = pretty_value(b"\x00\x01not json" * 100, 1000)
    assert fmt == "binary" and text.startswith("00000000  00 01 6e 6f") and "more bytes" in text
    assert "truncated" in pretty_value(b'{"a": "' + b"x" * 200 + b'"}', 50)[1]
    assert hexdump(b"AB") == "00000000  41 42" + " " * 44 + "|AB|"


def test_sink_lock_key_is_stable_and_signed_64_bit() -> None:
    key = sink_lock_key("oddsflow-sink")
    assert key == sink_lock_key("oddsflow-sink") != sink_lock_key("other")
    assert -(2**63) <= key < 2**63
