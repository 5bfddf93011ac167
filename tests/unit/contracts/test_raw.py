"""The raw envelope: one encoder, one decoder, typed errors a scraper author understands."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.contracts.raw import SCHEMA, decode_raw, encode_raw, raw_key
from streams.errors import DataError

AT = datetime(2026, 11, 21, 18, 0, 0, 123000, tzinfo=UTC)
PAYLOAD = b'{"id": "31357750",  "name": "Arsenal - Chelsea", "markets": []}'


def test_round_trip_keeps_payload_bytes_verbatim() -> None:
    value = encode_raw(
        bookmaker="betpawa", payload=PAYLOAD, captured_at=AT, source="s1", bookmaker_event_id="31357750"
    )
    assert PAYLOAD in value  # spliced, not re-encoded (note the double space)
    env = decode_raw(value)
    assert env.bookmaker == "betpawa" and env.captured_at == AT and env.source == "s1"
    assert env.payload == orjson.loads(PAYLOAD)
    assert env.key() == b"betpawa:31357750" == raw_key("betpawa", "31357750")
    assert orjson.loads(value)["schema"] == SCHEMA


def test_epoch_millis_accepted() -> None:
    doc = {
        "schema": SCHEMA,
        "bookmaker": "bet9ja",
        "captured_at": 1_763_748_000_123,
        "source": "x",
        "payload": {},
    }
    env = decode_raw(orjson.dumps(doc))
    assert env.captured_at == datetime.fromtimestamp(1_763_748_000.123, UTC)


@pytest.mark.parametrize(
    ("value", "kind", "needle"),
    [
        (b"{not json", "not_json", "not valid JSON"),
        (b"[1, 2]", "wrong_envelope", "JSON object"),
        (b'{"schema": "odds.raw.v1"}', "wrong_envelope", "payload"),
        (
            b'{"schema":"odds.raw.v1","bookmaker":"BetPawa!","captured_at":"2026-11-21T18:00:00Z","source":"s","payload":{}}',
            "wrong_envelope",
            "bookmaker",
        ),
        (
            b'{"schema":"odds.raw.v1","bookmaker":"betpawa","captured_at":"2026-11-21T18:00:00","source":"s","payload":{}}',
            "wrong_envelope",
            "captured_at",
        ),
        (
            b'{"schema":"odds.raw.v2","bookmaker":"betpawa","captured_at":"2026-11-21T18:00:00Z","source":"s","payload":{}}',
            "wrong_envelope",
            "schema",
        ),
    ],
)
def test_decode_errors_are_typed_and_explain(value: bytes, kind: str, needle: str) -> None:
    with pytest.raises(DataError) as err:
        decode_raw(value)
    assert err.value.stage == "decode" and err.value.kind == kind
    assert needle in str(err.value)


def test_oversize_and_tombstone() -> None:
    with pytest.raises(DataError, match="oversize"):
        decode_raw(b"{}" * 100, max_bytes=50)
    with pytest.raises(DataError) as err:
        decode_raw(None)
    assert err.value.kind == "empty"


@given(st.binary(max_size=300))
def test_arbitrary_bytes_only_raise_data_error(value: bytes) -> None:
    with contextlib.suppress(DataError):
        decode_raw(value)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_arbitrary_json_only_raises_data_error(doc: object) -> None:
    with contextlib.suppress(DataError):
        decode_raw(orjson.dumps(doc))
