"""normalize_record: every class of bad raw input is a DataError with a precise kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from streams.contracts.snapshot import Source
from streams.errors import DataError
from streams.stages.normalize.logic import normalize_record, topic_bookmaker
from tests.unit.streams.payloads import envelope, load, sportybet_with_odds

NOW = datetime.now(UTC)
LIMITS = {
    "raw_prefix": "odds.raw.",
    "max_bytes": 1024 * 1024,
    "max_age": timedelta(days=30),
    "max_skew": timedelta(minutes=5),
}


def run(value: bytes | None, topic: str = "odds.raw.sportybet", **limits: object) -> object:
    return normalize_record(Source(topic, 2, 41), value, **(LIMITS | limits))  # type: ignore[arg-type]


def test_good_capture_carries_its_source() -> None:
    capture = run(envelope("sportybet", load("sportybet")))
    assert capture.source == Source("odds.raw.sportybet", 2, 41)  # type: ignore[attr-defined]
    assert capture.key == "sr:68995116"  # type: ignore[attr-defined]


def bad(value: bytes | None, topic: str = "odds.raw.sportybet", **limits: object) -> DataError:
    with pytest.raises(DataError) as info:
        run(value, topic, **limits)
    return info.value


def test_not_json() -> None:
    assert bad(b"\x00\xffnot json").kind == "not_json"


def test_wrong_envelope() -> None:
    assert bad(orjson.dumps({"schema": "odds.raw.v1", "bookmaker": "sportybet"})).kind == "wrong_envelope"
    assert bad(b"[1, 2]").kind == "wrong_envelope"
    assert bad(None).kind == "empty"


def test_unknown_bookmaker_topic() -> None:
    err = bad(envelope("pinnacle", {"x": 1}), topic="odds.raw.pinnacle")
    assert (err.stage, err.kind) == ("normalize", "unknown_bookmaker")
    assert topic_bookmaker("odds.raw.pinnacle", "odds.raw.") == "pinnacle"


def test_envelope_for_another_bookmaker() -> None:
    err = bad(envelope("betpawa", load("betpawa")), topic="odds.raw.sportybet")
    assert (err.stage, err.kind) == ("decode", "bookmaker_mismatch")


def test_absurd_odds() -> None:
    doc = sportybet_with_odds(load("sportybet"), {("1", None, "1"): "0.5"})
    assert bad(envelope("sportybet", doc)).kind == "absurd_odds"


@pytest.mark.parametrize("shift", [timedelta(days=-31), timedelta(hours=1), timedelta(days=-9000)])
def test_impossible_timestamps(shift: timedelta) -> None:
    assert bad(envelope("sportybet", load("sportybet"), NOW + shift)).kind == "bad_timestamp"


def test_oversize() -> None:
    err = bad(envelope("sportybet", load("sportybet")), max_bytes=4096)
    assert (err.stage, err.kind) == ("decode", "oversize")
