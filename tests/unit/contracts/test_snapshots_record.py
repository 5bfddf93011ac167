"""``odds.snapshots.v1`` values: the one decoder tells a snapshot from a lifecycle or merge
record with a single parse, and a snapshot decodes as :func:`decode_snapshot` decodes it."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import orjson
import pytest

from streams.contracts import lifecycle
from streams.contracts.lifecycle import decode_snapshots_record
from streams.contracts.snapshot import EventInfo, SnapshotV1, Source, decode_snapshot, encode_snapshot
from streams.errors import DataError

T = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SNAP = SnapshotV1(
    event=EventInfo(61004994, "soccer", "Home", "Away", T, "England", "Premier League"),
    bookmaker="betpawa",
    bookmaker_event_id="31357750",
    captured_at=T,
    live=False,
    keyframe=False,
    lines_total=2,
    source=Source("odds.raw.betpawa", 3, 41),
    changed={(18, "total=2.5"): {"12": 1.85, "13": None}},
    removed=((1, ""),),
    unmapped_lines=4,
    mapped_lines=2,
)


def test_a_snapshot_decodes_the_same_through_both_decoders() -> None:
    data = encode_snapshot(SNAP)
    assert decode_snapshots_record(data) == decode_snapshot(data) == SNAP


def test_the_record_is_parsed_once() -> None:
    with mock.patch.object(lifecycle.orjson, "loads", wraps=orjson.loads) as loads:
        decode_snapshots_record(encode_snapshot(SNAP))
    assert loads.call_count == 1


@pytest.mark.parametrize(
    ("data", "kind"),
    [(b"{", "not_json"), (b"[]", "wrong_schema"), (b'{"schema": "odds.snapshots.v1"}', "wrong_type")],
)
def test_bad_values_keep_their_kinds(data: bytes, kind: str) -> None:
    with pytest.raises(DataError) as caught:
        decode_snapshots_record(data)
    assert caught.value.kind == kind
