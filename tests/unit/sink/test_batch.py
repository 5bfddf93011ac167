"""Pure parts of the sink: decoding, row tuples, current-odds netting, batches, halving."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sinks.partitions.window import window
from sinks.write.batch import Batch, halves, isolate
from sinks.write.current_odds import CurrentFold, net_current
from sinks.write.records import (
    Capture,
    Dead,
    Record,
    decode,
    encode_lines,
    history_rows,
    outside_window,
    snapshot_row,
)
from streams.contracts.snapshot import EventInfo, SnapshotV1, Source, encode_snapshot
from tests.unit.sink.feed import make_feed

T0 = datetime(2026, 11, 20, 12, tzinfo=UTC)
EVENT = EventInfo(1, "soccer", "A", "B", T0)


def snap(
    at: datetime = T0, keyframe: bool = False, changed=None, removed=(), bm: str = "betpawa"
) -> SnapshotV1:
    return SnapshotV1(
        event=EVENT,
        bookmaker=bm,
        bookmaker_event_id="e1",
        captured_at=at,
        live=False,
        keyframe=keyframe,
        lines_total=3,
        source=Source("odds.raw.betpawa", 2, 99),
        changed=changed or {},
        removed=tuple(removed),
    )


def record(value: bytes | None, offset: int = 0, partition: int = 0) -> Record:
    return Record("odds.snapshots.v1", partition, offset, b"sr:1", value, (("h", b"v"),))


def capture(s: SnapshotV1, offset: int = 0, partition: int = 0) -> Capture:
    decoded = decode(record(encode_snapshot(s), offset, partition))
    assert isinstance(decoded, Capture)
    return decoded


def test_decode_good_record_round_trips() -> None:
    s = snap(changed={(1, ""): {"1": 1.5, "2": None}})
    c = capture(s)
    assert c.snap == s
    assert c.rows == 2


@pytest.mark.parametrize(
    ("value", "kind"),
    [(b"{not json", "not_json"), (b'{"schema": "other"}', "wrong_schema"), (None, "tombstone")],
)
def test_decode_bad_record_is_dead_with_stage_sink(value: bytes | None, kind: str) -> None:
    dead = decode(record(value))
    assert isinstance(dead, Dead)
    assert (dead.error.stage, dead.error.kind) == ("sink", kind)


def test_outside_window_is_bad_timestamp() -> None:
    win = window(date(2026, 11, 20), retention_days=30, premake_days=7)
    assert outside_window(capture(snap(T0)), win) is None
    assert outside_window(capture(snap(T0 - timedelta(days=30))), win) is None
    dead = outside_window(capture(snap(T0 - timedelta(days=31))), win)
    assert dead is not None and dead.error.kind == "bad_timestamp" and dead.bookmaker == "betpawa"
    assert outside_window(capture(snap(T0 + timedelta(days=8))), win) is not None


def test_rows_of_a_capture() -> None:
    s = snap(
        changed={(1, ""): {"1": 1.5, "2": None}, (18, "total=2.5"): {"12": 1.9, "13": 1.9}},
        removed=[(16, "hcp=0.5"), (1, "")],  # (1, "") is also changed: changed wins
    )
    c = capture(s)
    assert c.lines == encode_lines(s)
    assert snapshot_row(c, 10, 3) == (10, 3, T0, False, False, 3, 2, 1, "odds.raw.betpawa", 2, 99, 0, None)
    rows = history_rows(c, 10, 3)
    assert [r[3:5] for r in rows] == [(1, ""), (18, "total=2.5"), (16, "hcp=0.5")]
    assert orjson.loads(rows[0][5]) == {"1": 1.5, "2": None}
    assert rows[2][5] is None
    assert c.rows == 4


def _naive_current(items: Sequence[tuple[int, int, Capture]]) -> dict[tuple[int, int, int, str], object]:
    """Apply captures one by one in captured_at order: the board after each."""
    boards: dict[tuple[int, int], dict[tuple[int, str], object]] = {}
    for e, b, c in sorted(items, key=lambda i: i[2].snap.captured_at):
        board = boards.setdefault((e, b), {})
        if c.snap.keyframe:
            board.clear()
        for key, outs in c.snap.changed.items():
            board[key] = outs
        for key in c.snap.removed:
            if key not in c.snap.changed:
                board.pop(key, None)
    return {(e, b, *k): v for (e, b), board in boards.items() for k, v in board.items()}


def _apply(
    stored: dict[tuple[int, int, int, str], tuple[object, datetime]], items: list[tuple[int, int, Capture]]
) -> None:
    """What the writer's SQL does with :func:`net_current` (upserts, resets, deletes)."""
    net = net_current(items)
    fold = CurrentFold()  # the writer folds in arrival order when that is time order
    for e, b, c in items:
        fold.add(e, b, c)
    if fold.ordered:
        assert fold.changes() == net
    for key, (outs, at, forced) in net.upserts.items():
        value = orjson.loads(outs)
        if key not in stored or (stored[key][1] <= at and (forced or stored[key][0] != value)):
            stored[key] = (value, at)
    for (e, b), at in net.resets.items():
        gone = [
            k for k, v in stored.items() if k[:2] == (e, b) and v[1] < at and k[2:] not in net.keep[(e, b)]
        ]
        for key in gone:
            del stored[key]
    for key, at in net.deletes.items():
        if key in stored and stored[key][1] <= at:
            del stored[key]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), split=st.integers(1, 60), keyframe_every=st.integers(2, 6))
def test_net_current_matches_applying_captures_one_by_one(seed: int, split: int, keyframe_every: int) -> None:
    feed = make_feed(60, matched=2, unmatched=1, keyframe_every=keyframe_every, seed=seed)
    ids: dict[tuple[str, str], tuple[int, int]] = {}
    items = []
    for n, s in enumerate(feed.snaps):
        e, b = ids.setdefault((s.key, s.bookmaker), (len(ids) + 1, len(ids) + 1))
        items.append((e, b, capture(s, n)))
    stored: dict[tuple[int, int, int, str], tuple[object, datetime]] = {}
    _apply(stored, items[:split])  # two batches
    _apply(stored, items[split:])
    assert {k: v[0] for k, v in stored.items()} == _naive_current(items)
    assert len(stored) == feed.current_rows
    # captured_at (when the outcomes last changed) does not depend on batch boundaries
    one_by_one: dict[tuple[int, int, int, str], tuple[object, datetime]] = {}
    for item in items:
        _apply(one_by_one, [item])
    assert stored == one_by_one


def test_keyframe_relisting_an_unchanged_line_keeps_when_it_changed() -> None:
    changed = capture(snap(T0, changed={(1, ""): {"1": 2.0}}), 1)
    relisted = capture(snap(T0 + timedelta(seconds=5), keyframe=True, changed={(1, ""): {"1": 2.0}}), 2)
    assert net_current([(1, 1, changed), (1, 1, relisted)]).upserts == {
        (1, 1, 1, ""): ('{"1":2.0}', T0, True)
    }


def test_a_line_back_where_it_began_inside_one_batch_is_still_written() -> None:
    """V → W → V: the stored row holds V from before, yet its time must become the last change."""
    w = capture(snap(T0, changed={(1, ""): {"1": 3.0}}), 1)
    v = capture(snap(T0 + timedelta(seconds=5), changed={(1, ""): {"1": 2.0}}), 2)
    stored: dict[tuple[int, int, int, str], tuple[object, datetime]] = {
        (1, 1, 1, ""): ({"1": 2.0}, T0 - timedelta(minutes=1))
    }
    _apply(stored, [(1, 1, w), (1, 1, v)])
    assert stored == {(1, 1, 1, ""): ({"1": 2.0}, T0 + timedelta(seconds=5))}


def test_fold_notices_out_of_order_captures() -> None:
    early = capture(snap(T0, changed={(1, ""): {"1": 2.0}}), 1)
    late = capture(snap(T0 + timedelta(seconds=5), changed={(1, ""): {"1": 3.0}}), 2)
    fold = CurrentFold()
    fold.add(1, 1, late)
    fold.add(1, 1, early)
    assert not fold.ordered
    assert net_current([(1, 1, late), (1, 1, early)]).upserts == {
        (1, 1, 1, ""): ('{"1":3.0}', late.snap.captured_at, True)
    }


def test_net_current_late_keyframe_keeps_newer_rows() -> None:
    early = capture(snap(T0, keyframe=True, changed={(1, ""): {"1": 2.0}}), 1)
    late = capture(snap(T0 + timedelta(seconds=5), changed={(18, "total=1.5"): {"12": 1.5}}), 2)
    stored: dict[tuple[int, int, int, str], tuple[object, datetime]] = {}
    _apply(stored, [(1, 1, late)])
    _apply(stored, [(1, 1, early)])  # arrives after a newer capture: must not erase it
    assert set(stored) == {(1, 1, 1, ""), (1, 1, 18, "total=1.5")}


def test_batch_closes_by_rows_bytes_and_linger() -> None:
    value = encode_snapshot(snap(changed={(1, ""): {"1": 1.5}}))
    by_rows = Batch(max_rows=4, max_bytes=10**9, linger_s=60)
    by_rows.add(record(value, 0))
    assert not by_rows.full()
    by_rows.add(record(value, 1))
    assert by_rows.full() and by_rows.rows == 4 and by_rows.next_offsets == {0: 2}
    by_bytes = Batch(max_rows=10**6, max_bytes=len(value) * 2, linger_s=60)
    by_bytes.add(record(value, 0))
    by_bytes.add(record(value, 1))
    assert by_bytes.full()
    lingering = Batch(10**6, 10**9, linger_s=0.5)
    assert not lingering.lingered() and lingering.linger_left() == 0.5
    lingering.add(record(value))
    assert lingering.opened_at is not None
    assert lingering.lingered(lingering.opened_at + 0.5) and not lingering.lingered(lingering.opened_at + 0.1)


def test_batch_drops_revoked_partitions_and_stored_offsets() -> None:
    value = encode_snapshot(snap(changed={(1, ""): {"1": 1.5}}))
    batch = Batch(10**6, 10**9, 1)
    for p in (0, 1):
        for o in range(5):
            batch.add(record(value, o, p))
    batch.add(record(b"junk", 5, 1))
    assert batch.next_offsets == {0: 5, 1: 6} and len(batch) == 11 and len(batch.dead) == 1
    batch.drop_below({1: 3})
    assert [c.record.offset for c in batch.captures if c.record.partition == 1] == [3, 4]
    assert len(batch) == 8
    batch.drop_below({0: 5})  # everything of partition 0 is stored already
    assert batch.next_offsets == {1: 6}
    batch.drop_partitions([1])
    assert len(batch) == 0 and batch.rows == 0 and batch.bytes == 0 and batch.next_offsets == {}


def test_a_batch_emptied_by_a_drop_lingers_again_from_its_next_record() -> None:
    """Its linger time restarts: the member loop waits up to it in getmany (a batch emptied
    past its linger time made that wait 0, and the loop spun without yielding)."""
    value = encode_snapshot(snap())
    batch = Batch(10**6, 10**9, linger_s=0.5)
    batch.add(record(value, 0, partition=1))
    assert batch.opened_at is not None
    batch.drop_partitions([1])
    assert len(batch) == 0 and batch.opened_at is None
    assert not batch.lingered() and batch.linger_left() == 0.5
    batch.add(record(value, 1, partition=2))
    batch.drop_below({2: 5})
    assert len(batch) == 0 and batch.linger_left() == 0.5


def test_halves() -> None:
    assert halves([1, 2, 3]) == ([1], [2, 3])
    assert halves([1]) == ([], [1])


class Poison(Exception):
    pass


def _writer(poison: set[int], log: list[int]):
    async def attempt(items: Sequence[int]) -> None:
        log.append(len(items))
        if poison & set(items):
            raise Poison(sorted(poison & set(items)))

    return attempt


def test_isolate_finds_one_poison_in_10000_by_halving() -> None:
    log: list[int] = []
    found = asyncio.run(isolate(list(range(10_000)), _writer({6_543}, log), lambda e: isinstance(e, Poison)))
    assert [item for item, _ in found] == [6_543]
    assert len(log) <= 2 * 14 + 1  # log2(10000) ≈ 13.3 levels, two attempts each
    # what got written: every item but the poison, exactly once
    assert sum(n for n in log) - 10_000 < 10_000 * 2


def test_isolate_several_poisons_and_clean_batch() -> None:
    log: list[int] = []
    found = asyncio.run(isolate(list(range(100)), _writer({0, 50, 99}, log), lambda e: isinstance(e, Poison)))
    assert [item for item, _ in found] == [0, 50, 99]
    log.clear()
    assert asyncio.run(isolate(list(range(100)), _writer(set(), log), lambda e: True)) == []
    assert log == [100]


def test_isolate_propagates_other_errors() -> None:
    async def attempt(items: Sequence[int]) -> None:
        raise ConnectionResetError("gone")

    with pytest.raises(ConnectionResetError):
        asyncio.run(isolate([1, 2, 3], attempt, lambda e: isinstance(e, Poison)))


def test_line_counts_round_trip_and_default_when_absent() -> None:
    from dataclasses import replace

    s = replace(snap(changed={(1, ""): {"1": 1.5}}), unmapped_lines=7, mapped_lines=40)
    c = capture(s)
    assert (c.snap.unmapped_lines, c.snap.mapped_lines) == (7, 40)
    assert snapshot_row(c, 10, 2)[-2:] == (7, 40)
    older = orjson.loads(encode_snapshot(s))
    del older["unmapped_lines"], older["mapped_lines"]  # a v1 message written before the fields
    decoded = decode(record(orjson.dumps(older)))
    assert isinstance(decoded, Capture)
    assert (decoded.snap.unmapped_lines, decoded.snap.mapped_lines) == (0, None)
