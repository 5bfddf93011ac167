"""The board of one event × bookmaker: diff, keyframes, redelivery rules, state encoding."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from streams.contracts.canonical import CanonicalEventOddsV1, MarketLine, Outcome
from streams.contracts.snapshot import EventInfo, Source, encode_snapshot
from streams.stages.match.board import (
    KeyframePolicy,
    Verdict,
    advance,
    classify,
    decode_board,
    encode_board,
    is_keyframe,
    line_digest,
    replay,
    split_key,
)

T0 = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)
INFO = EventInfo(68995116, "soccer", "Home FC", "Away FC", datetime(2026, 11, 22, 15, 0, tzinfo=UTC))
POLICY = KeyframePolicy(every=5, interval=timedelta(minutes=10))


def line(market_id: int, spec: str, *prices: float | None) -> MarketLine:
    outcomes = tuple(Outcome(str(i + 1), p, p is not None) for i, p in enumerate(prices))
    return MarketLine(f"m{market_id}", market_id, spec, outcomes)


def capture(at: datetime, *lines: MarketLine) -> CanonicalEventOddsV1:
    return CanonicalEventOddsV1(
        bookmaker="sportybet",
        bookmaker_event_id="sr:match:68995116",
        sportradar_id=68995116,
        sport="soccer",
        home="Home FC",
        away="Away FC",
        kickoff=INFO.kickoff,
        live=False,
        captured_at=at,
        lines=lines,
    )


BASE = (line(1, "", 2.4, 3.3, 3.0), line(18, "total=2.5", 1.96, 1.81), line(16, "hcp=-0.5", 2.4, 1.55))


def src(offset: int, partition: int = 0, topic: str = "odds.raw.sportybet") -> Source:
    return Source(topic, partition, offset)


def test_first_capture_is_a_keyframe_with_every_line() -> None:
    snap, state = advance(None, capture(T0, *BASE), src(0), INFO, POLICY)
    assert snap.keyframe and snap.lines_total == 3 and snap.removed == ()
    assert snap.changed == {
        (1, ""): {"1": 2.4, "2": 3.3, "3": 3.0},
        (18, "total=2.5"): {"1": 1.96, "2": 1.81},
        (16, "hcp=-0.5"): {"1": 2.4, "2": 1.55},
    }
    assert (state.since_keyframe, state.keyframe_at, state.source) == (0, T0, src(0))


def test_delta_lists_exactly_the_changed_lines_with_all_their_outcomes() -> None:
    _, state = advance(None, capture(T0, *BASE), src(0), INFO, POLICY)
    moved = (line(1, "", 2.5, 3.3, 3.0), BASE[1], line(16, "hcp=-0.5", 2.4, 1.6))
    snap, state2 = advance(state, capture(T0 + timedelta(seconds=5), *moved), src(1), INFO, POLICY)
    assert not snap.keyframe
    assert snap.changed == {(1, ""): {"1": 2.5, "2": 3.3, "3": 3.0}, (16, "hcp=-0.5"): {"1": 2.4, "2": 1.6}}
    assert snap.removed == () and snap.lines_total == 3 and state2.since_keyframe == 1


def test_unchanged_capture_still_emits_a_header_without_lines() -> None:
    _, state = advance(None, capture(T0, *BASE), src(0), INFO, POLICY)
    snap, _ = advance(state, capture(T0 + timedelta(seconds=5), *BASE), src(1), INFO, POLICY)
    assert (snap.changed, snap.removed, snap.lines_total, snap.keyframe) == ({}, (), 3, False)


def test_removed_and_added_lines() -> None:
    _, state = advance(None, capture(T0, *BASE), src(0), INFO, POLICY)
    new_line = line(18, "setnr=1|total=9.5", 1.85, 1.85)
    snap, state2 = advance(state, capture(T0 + timedelta(seconds=5), BASE[0], new_line), src(1), INFO, POLICY)
    assert snap.changed == {(18, "setnr=1|total=9.5"): {"1": 1.85, "2": 1.85}}
    assert sorted(snap.removed) == [(16, "hcp=-0.5"), (18, "total=2.5")]
    assert snap.lines_total == 2 and set(state2.lines) == {"1|", "18|setnr=1|total=9.5"}
    assert split_key("18|setnr=1|total=9.5") == (18, "setnr=1|total=9.5")


def test_suspension_is_a_change_published_as_none() -> None:
    _, state = advance(None, capture(T0, *BASE), src(0), INFO, POLICY)
    snap, _ = advance(
        state,
        capture(T0 + timedelta(seconds=5), line(1, "", 2.4, None, 3.0), *BASE[1:]),
        src(1),
        INFO,
        POLICY,
    )
    assert snap.changed == {(1, ""): {"1": 2.4, "2": None, "3": 3.0}}


def test_keyframe_every_n_captures() -> None:
    state = None
    flags = []
    for i in range(11):
        snap, state = advance(state, capture(T0 + timedelta(seconds=i), *BASE), src(i), INFO, POLICY)
        flags.append(snap.keyframe)
    assert flags == [True, False, False, False, False, True, False, False, False, False, True]


def test_keyframe_after_m_minutes_of_capture_time() -> None:
    _, state = advance(None, capture(T0, *BASE), src(0), INFO, POLICY)
    assert not is_keyframe(state, T0 + timedelta(minutes=9, seconds=59), POLICY)
    assert is_keyframe(state, T0 + timedelta(minutes=10), POLICY)
    snap, _ = advance(state, capture(T0 + timedelta(minutes=11), *BASE), src(1), INFO, POLICY)
    assert snap.keyframe and len(snap.changed) == 3


def test_keyframe_lists_removals_too() -> None:
    _, state = advance(None, capture(T0, *BASE), src(0), INFO, POLICY)
    snap, _ = advance(state, capture(T0 + timedelta(minutes=30), *BASE[:2]), src(1), INFO, POLICY)
    assert snap.keyframe and set(snap.changed) == {(1, ""), (18, "total=2.5")}
    assert snap.removed == ((16, "hcp=-0.5"),)


@pytest.mark.parametrize(
    ("source", "at", "verdict"),
    [
        (src(7), T0 + timedelta(seconds=1), Verdict.REPLAY),  # same raw record
        (src(6), T0 - timedelta(seconds=1), Verdict.DUPLICATE),  # earlier offset, same partition
        (src(6), T0 + timedelta(seconds=9), Verdict.DUPLICATE),  # offset order wins over time
        (src(8), T0 - timedelta(seconds=1), Verdict.STALE),  # newer record, older capture
        (src(8), T0, Verdict.STALE),  # same instant, another record: the first one wins
        (src(3, partition=1), T0 - timedelta(seconds=1), Verdict.STALE),  # other partition: by time
        (src(3, partition=1), T0 + timedelta(seconds=1), Verdict.NEW),
        (src(8), T0 + timedelta(microseconds=1), Verdict.NEW),
    ],
)
def test_classify(source: Source, at: datetime, verdict: Verdict) -> None:
    _, state = advance(None, capture(T0, *BASE), src(7), INFO, POLICY)
    assert classify(None, source, at) is Verdict.NEW
    assert classify(state, source, at) is verdict


def test_replay_publishes_identical_bytes() -> None:
    _, s0 = advance(None, capture(T0, *BASE), src(0), INFO, POLICY)
    second = capture(T0 + timedelta(seconds=5), line(1, "", 2.5, 3.3, 3.0), *BASE[1:2])
    snap, s1 = advance(s0, second, src(1), INFO, POLICY)
    restored = decode_board(encode_board(s1))
    assert restored is not None and restored == s1
    assert encode_snapshot(replay(restored, second)) == encode_snapshot(snap)
    # a keyframe too
    third = capture(T0 + timedelta(hours=1), *BASE)
    kf, s2 = advance(s1, third, src(2), INFO, POLICY)
    restored = decode_board(encode_board(s2))
    assert restored is not None and kf.keyframe
    assert encode_snapshot(replay(restored, third)) == encode_snapshot(kf)


def test_replay_keeps_the_event_info_it_published() -> None:
    _, s0 = advance(None, capture(T0, *BASE), src(0), INFO, POLICY)
    assert replay(s0, capture(T0, *BASE)).event == INFO
    later = replace(INFO, home="Renamed FC")
    snap, _ = advance(s0, capture(T0 + timedelta(seconds=1), *BASE), src(1), later, POLICY)
    assert snap.event.home == "Renamed FC"


def test_state_is_compact_and_round_trips() -> None:
    _, state = advance(None, capture(T0 + timedelta(microseconds=123), *BASE), src(5, 2), INFO, POLICY)
    data = encode_board(state)
    assert decode_board(data) == state and decode_board(None) is None
    assert len(data) < 600


def test_digest_is_stable_across_processes() -> None:
    code = (
        "from streams.contracts.canonical import MarketLine, Outcome;"
        "from streams.stages.match.board import line_digest;"
        "outs = (Outcome('12', 1.96, True), Outcome('13', None, False));"
        "print(line_digest(MarketLine('m', 18, 'total=2.5', outs)))"
    )
    runs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    }
    here = line_digest(
        MarketLine("m", 18, "total=2.5", (Outcome("12", 1.96, True), Outcome("13", None, False)))
    )
    assert runs == {f"{here}\n"}
    assert line_digest(line(18, "total=2.5", 1.96, 1.81)) != line_digest(line(18, "total=2.5", 1.96, 1.82))


def test_unmapped_lines_are_counted_on_every_snapshot() -> None:
    from dataclasses import replace

    first = replace(capture(T0, *BASE), unmapped={"900004": 2, "60180": 1}, mapped_lines=12)
    snap, state = advance(None, first, src(0), INFO, POLICY)
    assert (snap.unmapped_lines, snap.mapped_lines) == (3, 12)
    again = replace(capture(T0 + timedelta(seconds=5), *BASE), unmapped={"900004": 1}, mapped_lines=14)
    snap, _ = advance(state, again, src(1), INFO, POLICY)
    assert (snap.unmapped_lines, snap.mapped_lines) == (1, 14) and snap.changed == {}
