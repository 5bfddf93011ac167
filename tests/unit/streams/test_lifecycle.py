"""Event lifecycle rules (streams.stages.match.lifecycle) as plain functions over dict tables."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from streams.contracts.canonical import (
    CanonicalEventOddsV1,
    MarketLine,
    Outcome,
    decode_canonical,
    encode_canonical,
)
from streams.contracts.capture import CanonicalCaptureV1
from streams.contracts.lifecycle import EventLifecycleV1, decode_snapshots_record, encode_lifecycle
from streams.contracts.snapshot import SnapshotV1, Source
from streams.observe.counters import StreamCounters
from streams.stages.match import lifecycle as lc
from streams.stages.match.board import KeyframePolicy, Verdict
from streams.stages.match.logic import match_capture
from streams.stages.match.registry import decode_entry

KICKOFF = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
POLICY = lc.LifecyclePolicy(idle=timedelta(hours=6), grace=timedelta(hours=1))
KF = KeyframePolicy(100, timedelta(minutes=10))
TRUST = ("sportybet", "betpawa", "bet9ja")
LINE = MarketLine("1x2", 1, "", (Outcome("1", 2.0, True), Outcome("2", 3.0, True)))


def cap(
    at: datetime, offset: int, *, bookmaker: str = "sportybet", sr: int | None = 1, **kw: object
) -> CanonicalCaptureV1:
    ev = CanonicalEventOddsV1(
        bookmaker=bookmaker,
        bookmaker_event_id=f"{bookmaker}-{sr}",
        sportradar_id=sr,
        sport="soccer",
        home="A",
        away="B",
        kickoff=KICKOFF,
        live=False,
        captured_at=at,
        lines=(LINE,),
    )
    return CanonicalCaptureV1(replace(ev, **kw), Source(f"odds.raw.{bookmaker}", 0, offset))  # type: ignore[arg-type]


class Stage:
    """The agent's lifecycle steps (streams.stages.match.expiry) without faust, one partition."""

    def __init__(self) -> None:
        self.boards: dict[str, bytes] = {}
        self.registry: dict[str, bytes] = {}
        self.index = lc.DueIndex()
        self.index.load(0, [])
        self.out: list[SnapshotV1 | EventLifecycleV1 | str] = []

    def feed(self, capture: CanonicalCaptureV1) -> lc.Admission:
        now = lc.advance_stream_time(self.registry, 0, capture.event.captured_at)
        for key in self.index.pop_due(0, now):
            record, when = lc.settle(key, self.boards, self.registry, now, POLICY)
            if record is not None:
                self.out.append(record)
            if when is not None:
                self.index.set(0, key, when)
        entry = decode_entry(self.registry.get(capture.key))
        admission = lc.admit(entry, capture, now, POLICY)
        if admission is lc.Admission.REOPEN:
            assert entry is not None
            self.out.append(lc.reopen(capture.key, entry, self.registry, now))
        if admission in (lc.Admission.LATE, lc.Admission.AFTER_CLOSE):
            self.out.append(admission.value)
            return admission
        result = match_capture(
            capture, self.boards, self.registry, policy=KF, trust=TRUST, counters=StreamCounters()
        )
        if result.snapshot is not None:
            self.out.append(result.snapshot)
        if result.verdict not in (Verdict.NEW, Verdict.REPLAY):
            return admission
        if capture.event.status is not None:
            lc.mark_closing(capture.key, self.registry, capture.event.status)
        entry = decode_entry(self.registry[capture.key])
        assert entry is not None
        self.index.set(0, capture.key, lc.next_due(capture.key, entry, self.boards, POLICY))
        return admission

    def restart(self) -> None:
        """A new worker: the tables survive (changelogs), the index is rebuilt from them."""
        self.index = lc.DueIndex()
        due, republish, _ = lc.scan(0, self.registry.items(), self.boards, POLICY, lambda key: 0)
        self.index.load(0, due)
        self.out.extend(republish)


def kinds(out: list[object]) -> list[str]:
    return [
        o if isinstance(o, str) else (o.state if isinstance(o, EventLifecycleV1) else "snap") for o in out
    ]


def test_idle_event_closes_by_stream_time_and_its_boards_are_deleted() -> None:
    st = Stage()
    st.feed(cap(KICKOFF - timedelta(hours=1), 0))
    st.feed(cap(KICKOFF + timedelta(hours=2), 1, bookmaker="betpawa"))
    assert set(st.boards) == {"sr:1|sportybet", "sr:1|betpawa"}
    # another event's captures move stream time; sr:1 closes 6 h after its last capture
    st.feed(cap(KICKOFF + timedelta(hours=7, minutes=59), 0, sr=2))
    assert kinds(st.out) == ["snap", "snap", "snap"]
    st.feed(cap(KICKOFF + timedelta(hours=8), 1, sr=2))
    closed = st.out[-2]
    assert isinstance(closed, EventLifecycleV1) and closed.state == "closed" and closed.reason == "idle"
    assert closed.at == KICKOFF + timedelta(hours=8)
    assert closed.bookmakers == {"sportybet": "sportybet-1", "betpawa": "betpawa-1"}
    assert set(st.boards) == {"sr:2|sportybet"}
    entry = decode_entry(st.registry["sr:1"])
    assert entry is not None and entry.closed is not None


def test_wall_clock_plays_no_part_a_replay_closes_at_the_same_stream_time() -> None:
    runs = []
    for _ in range(2):
        st = Stage()
        st.feed(cap(KICKOFF, 0))
        st.feed(cap(KICKOFF + timedelta(hours=6, seconds=1), 0, sr=2))
        runs.append(st.out)
    assert runs[0] == runs[1] and kinds(runs[0]) == ["snap", "closed", "snap"]


def test_ended_status_closes_after_its_capture_is_published() -> None:
    st = Stage()
    st.feed(cap(KICKOFF, 0))
    st.feed(cap(KICKOFF + timedelta(hours=2), 1, status="ended"))
    assert kinds(st.out) == ["snap", "snap"]  # the ended capture is published first
    st.feed(cap(KICKOFF + timedelta(hours=2, seconds=5), 0, sr=2))
    closed = st.out[1 + 1]
    assert isinstance(closed, EventLifecycleV1) and closed.reason == "ended"
    assert "sr:1|sportybet" not in st.boards


def test_reopen_within_grace_then_late_after_it() -> None:
    st = Stage()
    st.feed(cap(KICKOFF, 0))
    st.feed(cap(KICKOFF + timedelta(hours=1), 1, status="ended"))
    st.feed(cap(KICKOFF + timedelta(hours=1, minutes=1), 0, sr=2))  # carries the close out
    assert kinds(st.out)[-2:] == ["closed", "snap"]
    # a new capture within the grace (stream time < close + 1 h): reopened, keyframe again
    assert st.feed(cap(KICKOFF + timedelta(hours=1, minutes=30), 2)) is lc.Admission.REOPEN
    reopened, snap = st.out[-2:]
    assert isinstance(reopened, EventLifecycleV1) and reopened.state == "reopened"
    assert isinstance(snap, SnapshotV1) and snap.keyframe
    st.feed(cap(KICKOFF + timedelta(hours=1, minutes=31), 3, status="ended"))
    st.feed(cap(KICKOFF + timedelta(hours=1, minutes=32), 1, sr=2))  # closes again at 1:32
    st.feed(cap(KICKOFF + timedelta(hours=2, minutes=40), 2, sr=2))  # stream time past close + grace
    assert st.feed(cap(KICKOFF + timedelta(hours=2, minutes=41), 4)) is lc.Admission.LATE
    assert st.out[-1] == "late"


def test_redelivered_and_again_ended_captures_after_the_close_are_skipped() -> None:
    st = Stage()
    first = cap(KICKOFF, 0)
    ended = cap(KICKOFF + timedelta(hours=1), 1, status="ended")
    st.feed(first)
    st.feed(ended)
    st.feed(cap(KICKOFF + timedelta(hours=1, minutes=1), 0, sr=2))
    assert st.feed(first) is lc.Admission.AFTER_CLOSE  # redelivery: older offset, same partition
    assert st.feed(ended) is lc.Admission.AFTER_CLOSE
    again = cap(KICKOFF + timedelta(hours=1, minutes=2), 5, status="ended")
    assert st.feed(again) is lc.Admission.AFTER_CLOSE


def test_a_redelivered_ended_capture_does_not_close_the_reopened_event() -> None:
    st = Stage()
    ended = cap(KICKOFF + timedelta(hours=1), 1, status="ended")
    st.feed(cap(KICKOFF, 0))
    st.feed(ended)
    st.feed(cap(KICKOFF + timedelta(hours=1, minutes=1), 0, sr=2))  # closes sr:1
    st.feed(cap(KICKOFF + timedelta(hours=1, minutes=2), 2))  # reopens it
    st.restart()  # the committed offset was before the ended capture: it comes again
    assert st.feed(ended) is lc.Admission.OPEN and st.out[-1] != "after_close"
    st.feed(cap(KICKOFF + timedelta(hours=1, minutes=3), 1, sr=2))
    entry = decode_entry(st.registry["sr:1"])
    assert entry is not None and entry.closed is None and entry.closing is None


def test_marker_dropped_after_grace_plus_idle_and_old_captures_of_unknown_events_are_late() -> None:
    st = Stage()
    st.feed(cap(KICKOFF, 0))
    st.feed(cap(KICKOFF + timedelta(hours=6), 0, sr=2))  # closes sr:1 (idle)
    assert "sr:1" in st.registry
    st.feed(cap(KICKOFF + timedelta(hours=13, minutes=1), 1, sr=2))  # 6 h + 1 h + 6 h after the close
    st.feed(cap(KICKOFF + timedelta(hours=13, minutes=2), 2, sr=2))
    assert "sr:1" not in st.registry
    assert st.feed(cap(KICKOFF + timedelta(hours=5), 9, sr=3)) is lc.Admission.LATE  # 8 h behind
    assert st.feed(cap(KICKOFF + timedelta(hours=7), 10, sr=4)) is lc.Admission.OPEN


def test_restart_rebuilds_the_index_and_publishes_the_close_again() -> None:
    st = Stage()
    st.feed(cap(KICKOFF, 0))
    st.feed(cap(KICKOFF + timedelta(hours=3), 0, sr=2))
    st.feed(cap(KICKOFF + timedelta(hours=6, minutes=30), 1, sr=2))  # closes sr:1
    assert kinds(st.out) == ["snap", "snap", "closed", "snap"]
    st.restart()
    assert kinds(st.out)[-1] == "closed" and st.out[-1] == st.out[2]  # same record again
    st.feed(cap(KICKOFF + timedelta(hours=13), 2, sr=3))  # sr:2 idle-closes after the restart
    closed = st.out[-2]
    assert isinstance(closed, EventLifecycleV1) and closed.key == "sr:2" and closed.state == "closed"


def test_crash_between_marker_and_tombstones_closes_again_without_republishing_a_board() -> None:
    st = Stage()
    st.feed(cap(KICKOFF, 0))
    st.feed(cap(KICKOFF + timedelta(minutes=10), 1, bookmaker="betpawa"))
    boards_before = dict(st.boards)
    st.feed(cap(KICKOFF + timedelta(hours=7), 0, sr=2))  # closes sr:1
    # the worker died after the marker reached the changelog, before the tombstones did
    st.boards.update({k: v for k, v in boards_before.items() if k.startswith("sr:1|")})
    st.restart()
    assert st.feed(cap(KICKOFF, 0)) is lc.Admission.AFTER_CLOSE  # redelivered: no second snapshot
    st.feed(cap(KICKOFF + timedelta(hours=7, minutes=1), 1, sr=2))
    assert not any(k.startswith("sr:1|") for k in st.boards)


def test_stream_time_is_per_partition_and_survives_in_the_registry() -> None:
    registry: dict[str, bytes] = {}
    assert lc.advance_stream_time(registry, 0, KICKOFF) == KICKOFF
    assert lc.advance_stream_time(registry, 0, KICKOFF - timedelta(hours=1)) == KICKOFF
    assert lc.advance_stream_time(registry, 1, KICKOFF - timedelta(hours=1)) == KICKOFF - timedelta(hours=1)
    assert lc.read_stream_time(registry, 0) == KICKOFF


def test_lifecycle_record_round_trip_and_dispatch() -> None:
    rec = EventLifecycleV1(None, {"betpawa": "77"}, "closed", KICKOFF, "idle")
    back = decode_snapshots_record(encode_lifecycle(rec))
    assert back == rec and back.key == "betpawa:77"
    assert EventLifecycleV1(5, {"betpawa": "77"}, "reopened", KICKOFF, "capture").key == "sr:5"


def test_canonical_status_round_trips_and_is_optional() -> None:
    ev = cap(KICKOFF, 0, status="ended").event
    assert decode_canonical(encode_canonical(ev)).status == "ended"
    assert decode_canonical(encode_canonical(replace(ev, status=None))).status is None
