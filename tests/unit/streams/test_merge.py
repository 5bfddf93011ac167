"""Identity merges in the match stage (streams.stages.match.merge) as plain functions over dict tables."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from streams.contracts.canonical import CanonicalEventOddsV1, MarketLine, Outcome
from streams.contracts.capture import CanonicalCaptureV1, encode_capture
from streams.contracts.lifecycle import decode_snapshots_record
from streams.contracts.merge import EventMergeV1, decode_canonical_record, encode_merge, merge_of
from streams.contracts.snapshot import SnapshotV1, Source
from streams.errors import DataError
from streams.observe.counters import StreamCounters
from streams.stages.match import lifecycle as lc
from streams.stages.match import merge
from streams.stages.match.board import KeyframePolicy, decode_board
from streams.stages.match.logic import match_capture
from streams.stages.match.registry import decode_entry

KICKOFF = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
POLICY = lc.LifecyclePolicy(idle=timedelta(hours=6), grace=timedelta(hours=1))
KF = KeyframePolicy(100, timedelta(minutes=10))
TRUST = ("sportybet", "betpawa")


def cap(
    minute: int, offset: int, *, sr: int | None, price: float = 2.0, book: str = "betpawa"
) -> CanonicalCaptureV1:
    line = MarketLine("1x2", 1, "", (Outcome("1", price, True), Outcome("2", 3.0, True)))
    ev = CanonicalEventOddsV1(
        bookmaker=book,
        bookmaker_event_id="p77",
        sportradar_id=sr,
        sport="soccer",
        home="A",
        away="B",
        kickoff=KICKOFF,
        live=False,
        captured_at=T0 + timedelta(minutes=minute),
        lines=(line,),
    )
    return CanonicalCaptureV1(ev, Source(f"odds.raw.{book}", 0, offset))


class Stage:
    """The match agent's steps for captures and merge requests, one partition, no faust."""

    def __init__(self) -> None:
        self.boards: dict[str, bytes] = {}
        self.registry: dict[str, bytes] = {}
        self.canonical: list[CanonicalCaptureV1 | EventMergeV1] = []  # sent to odds.canonical.v1
        self.out: list[SnapshotV1 | EventMergeV1] = []  # sent to odds.snapshots.v1

    def feed(self, item: CanonicalCaptureV1 | EventMergeV1) -> None:
        if isinstance(item, EventMergeV1):
            record, _ = merge.absorb(item, self.boards, self.registry)
            if record is not None:
                self.out.append(record)
            return
        now = lc.advance_stream_time(self.registry, 0, item.event.captured_at)
        entry = decode_entry(self.registry.get(item.key))
        if lc.admit(entry, item, now, POLICY) is lc.Admission.REROUTE:
            assert entry is not None and entry.merged_into is not None
            self.canonical.append(merge.reroute(item, entry.merged_into))
            return
        result = match_capture(
            item, self.boards, self.registry, policy=KF, trust=TRUST, counters=StreamCounters()
        )
        if result.snapshot is not None:
            self.out.append(result.snapshot)
            request = merge.request_for(item, result.snapshot)
            if request is not None:
                self.canonical.append(request)

    def drain(self) -> None:
        """Deliver what was sent to the canonical topic (one partition: in send order)."""
        while self.canonical:
            self.feed(self.canonical.pop(0))


def snapshots(out: list[SnapshotV1 | EventMergeV1]) -> list[tuple[str, bool, datetime]]:
    return [(x.key, x.keyframe, x.captured_at) for x in out if isinstance(x, SnapshotV1)]


def test_bookmaker_only_first_then_sportradar_id_merges_and_drops_the_old_board() -> None:
    st = Stage()
    st.feed(cap(0, 1, sr=None))
    assert "betpawa:p77|betpawa" in st.boards
    st.feed(cap(1, 2, sr=9))
    st.drain()
    assert "betpawa:p77|betpawa" not in st.boards and "sr:9|betpawa" in st.boards
    merges = [x for x in st.out if isinstance(x, EventMergeV1)]
    assert merges == [merge_of("betpawa:p77", "sr:9", "sportradar_id", T0 + timedelta(minutes=1))]
    marker = decode_entry(st.registry["betpawa:p77"])
    assert marker is not None and marker.merged_into == "sr:9" and marker.closed is not None
    assert marker.closed.reason == "sportradar_id"
    # a capture without the id again: sent on to sr:9, a delta of sr:9's board (no second board)
    st.feed(cap(2, 3, sr=None, price=2.5))
    assert st.canonical and st.canonical[0].key == "sr:9"  # type: ignore[union-attr]
    st.drain()
    assert snapshots(st.out) == [
        ("betpawa:p77", True, T0),
        ("sr:9", True, T0 + timedelta(minutes=1)),
        ("sr:9", False, T0 + timedelta(minutes=2)),
    ]
    assert st.out[-1].changed == {(1, ""): {"1": 2.5, "2": 3.0}}  # type: ignore[union-attr]
    board = decode_board(st.boards["sr:9|betpawa"])
    assert board is not None and board.source == Source("odds.raw.betpawa", 0, 3)


def test_sportradar_id_first_then_bookmaker_only_is_rerouted_without_a_merge_record() -> None:
    st = Stage()
    st.feed(cap(0, 1, sr=9))
    st.drain()  # the request leaves an alias marker only: nothing was under the old key
    marker = decode_entry(st.registry["betpawa:p77"])
    assert marker is not None and marker.merged_into == "sr:9" and marker.closed is not None
    assert marker.closed.reason == lc.ALIAS_ONLY
    st.feed(cap(1, 2, sr=None, price=2.2))
    st.drain()
    assert [k for k in st.boards] == ["sr:9|betpawa"]
    assert snapshots(st.out) == [("sr:9", True, T0), ("sr:9", False, T0 + timedelta(minutes=1))]
    assert not [x for x in st.out if isinstance(x, EventMergeV1)]


def test_a_redelivered_capture_after_a_reroute_is_a_duplicate_on_the_surviving_board() -> None:
    st = Stage()
    st.feed(cap(0, 1, sr=9))
    st.drain()
    st.feed(cap(1, 2, sr=None, price=2.2))
    st.drain()
    n = len(st.out)
    st.feed(cap(1, 2, sr=None, price=2.2))  # redelivered raw record: rerouted, then REPLAY
    st.drain()
    assert st.out[n:] and all(x == st.out[n - 1] for x in st.out[n:])  # the same snapshot again


def test_absorb_is_idempotent_keeps_its_first_target_and_only_moves_forward() -> None:
    st = Stage()
    st.feed(cap(0, 1, sr=None))
    first = merge_of("betpawa:p77", "sr:9", "sportradar_id", T0 + timedelta(minutes=5))
    record, _ = merge.absorb(first, st.boards, st.registry)
    assert record == first
    again, marker = merge.absorb(first, st.boards, st.registry)
    assert again is None and marker.closed is not None and marker.closed.at == first.at
    other = merge_of("betpawa:p77", "sr:10", "matched", T0 + timedelta(minutes=9))
    assert merge.absorb(other, st.boards, st.registry) == (None, marker)
    later = replace(first, at=T0 + timedelta(minutes=30))
    _, refreshed = merge.absorb(later, st.boards, st.registry)
    assert refreshed.closed is not None and refreshed.closed.at == later.at
    assert refreshed.merged_into == "sr:9" and refreshed.closed.reason == "sportradar_id"


def test_a_name_matchers_request_is_always_recorded() -> None:
    st = Stage()
    request = merge.merge_request("odds.canonical.v1", "betpawa:p77", "sr:9", at=T0)
    decoded = decode_canonical_record(request.value)
    assert isinstance(decoded, EventMergeV1)
    record, marker = merge.absorb(decoded, st.boards, st.registry)
    assert record == decoded and marker.closed is not None and marker.closed.reason == lc.ALIAS_ONLY
    assert merge.absorb(decoded, st.boards, st.registry)[0] is None  # the alias answers the second


def test_closed_event_is_merged_too_and_alias_markers_are_purged_like_closed_ones() -> None:
    st = Stage()
    st.feed(cap(0, 1, sr=None))
    entry = decode_entry(st.registry["betpawa:p77"])
    assert entry is not None
    lc.close("betpawa:p77", entry, st.boards, st.registry, T0 + timedelta(hours=7), "idle")
    request = merge_of("betpawa:p77", "sr:9", "sportradar_id", T0 + timedelta(hours=1))
    record, marker = merge.absorb(request, st.boards, st.registry)
    assert record is not None and record.at == T0 + timedelta(hours=7)  # the later of the two
    assert marker.closed is not None and "betpawa" in marker.closed.seen
    purge = lc.purge_at(marker.closed, POLICY)
    assert lc.settle("betpawa:p77", st.boards, st.registry, purge - timedelta(seconds=1), POLICY) == (
        None,
        purge,
    )
    assert lc.settle("betpawa:p77", st.boards, st.registry, purge, POLICY) == (None, None)
    assert "betpawa:p77" not in st.registry


def test_scan_republishes_merge_records_of_merged_markers_only() -> None:
    merged, alias = Stage(), Stage()
    merged.feed(cap(0, 1, sr=None))
    merged.feed(cap(1, 2, sr=9))
    merged.drain()
    alias.feed(cap(0, 1, sr=9))
    alias.drain()
    due, republish, markers = lc.scan(0, merged.registry.items(), merged.boards, POLICY, lambda k: 0)
    assert republish == [x for x in merged.out if isinstance(x, EventMergeV1)] and markers == ["betpawa:p77"]
    assert len(due) == 2
    _, republish, markers = lc.scan(0, alias.registry.items(), alias.boards, POLICY, lambda k: 0)
    assert republish == [] and markers == ["betpawa:p77"]


def test_request_for_only_keyframes_of_sportradar_boards() -> None:
    st = Stage()
    st.feed(cap(0, 1, sr=None))
    assert merge.request_for(cap(0, 1, sr=None), st.out[0]) is None  # type: ignore[arg-type]
    st.feed(cap(1, 2, sr=9))
    st.feed(cap(2, 3, sr=9, price=2.4))
    kf, delta = st.out[1], st.out[2]
    assert isinstance(kf, SnapshotV1) and isinstance(delta, SnapshotV1) and not delta.keyframe
    assert merge.request_for(cap(1, 2, sr=9), kf) is not None
    assert merge.request_for(cap(2, 3, sr=9, price=2.4), delta) is None


def test_contract_round_trips_on_both_topics_and_rejects_bad_merges() -> None:
    record = merge_of("sportybet:sr:simple_match:5", "sr:9", "matched", T0)
    assert record.bookmaker == "sportybet" and record.bookmaker_event_id == "sr:simple_match:5"
    data = encode_merge(record)
    assert decode_canonical_record(data) == record
    assert decode_snapshots_record(data) == record
    capture = cap(0, 1, sr=None)
    assert decode_canonical_record(encode_capture(capture)) == capture
    out = merge.merge_request("odds.canonical.v1", "betpawa:p77", "sr:9", at=T0)
    assert out.key == b"betpawa:p77" and decode_canonical_record(out.value) == merge_of(
        "betpawa:p77", "sr:9", "matched", T0
    )
    for bad in (("sr:1", "sr:9"), ("betpawa:p77", "betpawa:p77"), ("nokey", "sr:9")):
        with pytest.raises(ValueError):
            merge_of(*bad, "matched", T0)
    with pytest.raises(ValueError):
        merge_of("betpawa:p77", "sr:9", "guess", T0)
    broken = data.replace(b'"into_sportradar_id":9', b'"into_sportradar_id":8')
    with pytest.raises(DataError):
        decode_canonical_record(broken)
    with pytest.raises(ValueError):
        merge.reroute(capture, "bet9ja:1")
