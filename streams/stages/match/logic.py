"""One canonical capture through the registry and the board: the match stage without faust.

:func:`match_capture` reads and writes two mappings of bytes — in the worker the faust
tables ``event_registry`` (key: event key) and ``last_prices`` (key:
``"<event key>|<bookmaker>"``), in tests plain dicts — and returns the snapshot to publish,
if any. It writes the tables *before* the snapshot is published; the agent makes sure the
snapshot of the previous capture of the same event × bookmaker was acknowledged before
this is called, so at most the last capture recorded per board can be missing downstream,
and :func:`streams.stages.match.board.classify` publishes exactly that one again on redelivery.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass

from streams.contracts.capture import CanonicalCaptureV1
from streams.contracts.snapshot import SnapshotV1
from streams.observe.counters import StreamCounters
from streams.stages.match.board import (
    KeyframePolicy,
    Verdict,
    advance,
    classify,
    decode_board,
    encode_board,
    replay,
)
from streams.stages.match.registry import decode_entry, encode_entry, merge, resolve
from streams.stages.match.split import moved_from


@dataclass(frozen=True, slots=True)
class MatchResult:
    verdict: Verdict
    snapshot: SnapshotV1 | None
    #: the raw partition of the board's previous capture when this one came from another
    #: (mixed producer partitioners, :mod:`streams.stages.match.split`); else None
    moved_from: int | None = None


def match_capture(
    capture: CanonicalCaptureV1,
    boards: MutableMapping[str, bytes],
    registry: MutableMapping[str, bytes],
    *,
    policy: KeyframePolicy,
    trust: Sequence[str],
    counters: StreamCounters,
) -> MatchResult:
    """Classify, merge and diff one capture; see the module docstring for the write order."""
    event = capture.event
    bkey = capture.board_key
    state = decode_board(boards.get(bkey))
    verdict = classify(state, capture.source, event.captured_at)
    moved = moved_from(state, capture)
    if verdict is Verdict.REPLAY:
        assert state is not None
        counters.replayed_captures += 1
        return MatchResult(verdict, replay(state, event))
    if verdict is Verdict.DUPLICATE:
        counters.duplicate_captures += 1
        return MatchResult(verdict, None)
    if verdict is Verdict.STALE:
        counters.stale_captures += 1
        return MatchResult(verdict, None, moved)

    key = capture.key
    entry = decode_entry(registry.get(key))
    merged, changed = merge(entry, event)
    if changed:
        registry[key] = encode_entry(merged)
    if event.sportradar_id is None:
        counters.unmatched_captures += 1
        if entry is None:
            counters.unmatched_events += 1
    snapshot, new_state = advance(state, event, capture.source, resolve(merged, trust), policy)
    boards[bkey] = encode_board(new_state)
    counters.snapshots += 1
    counters.keyframes += snapshot.keyframe
    return MatchResult(verdict, snapshot, moved)
