"""The board of one event × bookmaker: what changed since the previous capture (pure functions).

State (:class:`BoardState`, one value of the ``last_prices`` table per event × bookmaker)
keeps, per market line, a 64-bit BLAKE2b digest of the line's outcomes as the snapshot
would publish them (``{outcome_id: price or None}``) — never Python's ``hash()``, which is
salted per process — plus what is needed to publish the last snapshot again, byte for byte.

Rules (:func:`classify`), applied to each capture in the order of the canonical topic:

1. no state yet → ``NEW`` (and a keyframe);
2. same raw record (topic, partition, offset) as the last one recorded → ``REPLAY``: the
   worker may have died after the table write and before the snapshot was acknowledged,
   so the same snapshot is published again (:func:`replay`); the sink ignores the copy;
3. an older offset of the same raw partition → ``DUPLICATE``: a redelivery of a capture
   whose snapshot was acknowledged before the later one was processed; skipped;
4. ``captured_at`` not after the last one seen → ``STALE``: dropped and counted, never
   merged. That includes an equal ``captured_at`` from another raw record (a re-published
   capture): downstream a capture is identified by (event, bookmaker, captured_at), so
   the first record of that instant wins;
5. otherwise ``NEW``: diffed against the board (:func:`advance`).

A keyframe (every current line in ``changed``) is emitted for the first capture, when the
previous ``keyframe_every - 1`` captures were deltas, or when ``keyframe_interval`` of
capture time passed since the last keyframe (:func:`is_keyframe`). Capture time, not wall
time, so a replay takes the same decisions.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from hashlib import blake2b
from typing import Any

import orjson

from streams.contracts.canonical import CanonicalEventOddsV1, MarketLine
from streams.contracts.snapshot import EventInfo, Outcomes, SnapshotV1, Source

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
STATE_VERSION = 1


class Verdict(enum.Enum):
    NEW = "new"
    REPLAY = "replay"
    DUPLICATE = "duplicate"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class Emitted:
    """What the last snapshot of this board said (to publish it again identically)."""

    keyframe: bool
    changed: tuple[str, ...]  # line keys; empty for a keyframe (= every line of the capture)
    removed: tuple[str, ...]
    event: EventInfo
    bookmaker_event_id: str


@dataclass(frozen=True, slots=True)
class BoardState:
    """The ``last_prices`` value of one event × bookmaker after its last accepted capture."""

    source: Source
    captured_at: datetime
    since_keyframe: int  # captures after the last keyframe (0 right after one)
    keyframe_at: datetime
    lines: dict[str, int]  # line key → digest of its outcomes
    emitted: Emitted


@dataclass(frozen=True, slots=True)
class KeyframePolicy:
    every: int
    interval: timedelta


def outcomes_of(line: MarketLine) -> Outcomes:
    """The line's outcomes as published: ``{outcome_id: price, or None when inactive}``."""
    return {o.outcome_id: (o.price if o.active else None) for o in line.outcomes}


def line_digest(line: MarketLine) -> int:
    """Stable 64-bit digest of what :func:`outcomes_of` publishes (same in every process)."""
    data = orjson.dumps([[o.outcome_id, o.price if o.active else None] for o in line.outcomes])
    return int.from_bytes(blake2b(data, digest_size=8).digest(), "big", signed=True)


def split_key(line_key: str) -> tuple[int, str]:
    """``"18|total=2.5"`` → ``(18, "total=2.5")`` (the line part may itself contain ``|``)."""
    market_id, _, line = line_key.partition("|")
    return int(market_id), line


def classify(state: BoardState | None, source: Source, captured_at: datetime) -> Verdict:
    """Rules 1–5 of the module docstring."""
    if state is None:
        return Verdict.NEW
    last = state.source
    if source == last:
        return Verdict.REPLAY
    if source.topic == last.topic and source.partition == last.partition and source.offset < last.offset:
        return Verdict.DUPLICATE
    if captured_at <= state.captured_at:
        return Verdict.STALE
    return Verdict.NEW


def is_keyframe(state: BoardState | None, captured_at: datetime, policy: KeyframePolicy) -> bool:
    """Whether the next (``NEW``) capture is published as a keyframe."""
    if state is None:
        return True
    return state.since_keyframe + 1 >= policy.every or captured_at - state.keyframe_at >= policy.interval


def _snapshot(
    event: CanonicalEventOddsV1,
    source: Source,
    emitted: Emitted,
    lines_total: int,
    changed_lines: Iterable[MarketLine],
) -> SnapshotV1:
    return SnapshotV1(
        event=emitted.event,
        bookmaker=event.bookmaker,
        bookmaker_event_id=emitted.bookmaker_event_id,
        captured_at=event.captured_at,
        live=event.live,
        keyframe=emitted.keyframe,
        lines_total=lines_total,
        source=source,
        changed={(ln.market_id, ln.line): outcomes_of(ln) for ln in changed_lines},
        removed=tuple(split_key(k) for k in emitted.removed),
        unmapped_lines=sum(event.unmapped.values()),
        mapped_lines=event.mapped_lines,
    )


def advance(
    state: BoardState | None,
    event: CanonicalEventOddsV1,
    source: Source,
    info: EventInfo,
    policy: KeyframePolicy,
) -> tuple[SnapshotV1, BoardState]:
    """Diff a ``NEW`` capture against the board: its snapshot and the board after it."""
    keyframe = is_keyframe(state, event.captured_at, policy)
    previous = state.lines if state is not None else {}
    digests: dict[str, int] = {}
    changed: list[MarketLine] = []
    changed_keys: list[str] = []
    for line in event.lines:
        key = line.key
        digest = digests[key] = line_digest(line)
        if keyframe or previous.get(key) != digest:
            changed.append(line)
            changed_keys.append(key)
    removed = tuple(k for k in previous if k not in digests)
    emitted = Emitted(
        keyframe=keyframe,
        changed=() if keyframe else tuple(changed_keys),
        removed=removed,
        event=info,
        bookmaker_event_id=event.bookmaker_event_id,
    )
    new_state = BoardState(
        source=source,
        captured_at=event.captured_at,
        since_keyframe=0 if keyframe or state is None else state.since_keyframe + 1,
        keyframe_at=event.captured_at if keyframe or state is None else state.keyframe_at,
        lines=digests,
        emitted=emitted,
    )
    return _snapshot(event, source, emitted, len(digests), changed), new_state


def replay(state: BoardState, event: CanonicalEventOddsV1) -> SnapshotV1:
    """The snapshot already published for the capture ``state`` recorded last (rule 2)."""
    emitted = state.emitted
    if emitted.keyframe:
        lines: Iterable[MarketLine] = event.lines
    else:
        wanted = set(emitted.changed)
        lines = [ln for ln in event.lines if ln.key in wanted]
    return _snapshot(event, state.source, emitted, len(state.lines), lines)


# -- bytes <-> BoardState (the only (de)serializer of last_prices values) -----------------


def _us(value: datetime) -> int:
    return (value - _EPOCH) // _US


def _dt(us: int) -> datetime:
    return _EPOCH + us * _US


def _info_doc(info: EventInfo) -> list[Any]:
    return [
        info.sportradar_id,
        info.sport,
        info.home,
        info.away,
        _us(info.kickoff),
        info.category,
        info.tournament,
    ]


def _info(doc: list[Any]) -> EventInfo:
    sr, sport, home, away, kickoff, category, tournament = doc
    return EventInfo(sr, sport, home, away, _dt(kickoff), category, tournament)


def encode_board(state: BoardState) -> bytes:
    """Compact JSON (written to the changelog once per accepted capture)."""
    em = state.emitted
    src = state.source
    return orjson.dumps(
        {
            "v": STATE_VERSION,
            "src": [src.topic, src.partition, src.offset],
            "at": _us(state.captured_at),
            "n": state.since_keyframe,
            "kf": _us(state.keyframe_at),
            "l": state.lines,
            "e": {
                "k": em.keyframe,
                "c": em.changed,
                "r": em.removed,
                "ev": _info_doc(em.event),
                "id": em.bookmaker_event_id,
            },
        }
    )


def decode_board(data: bytes | None) -> BoardState | None:
    """Inverse of :func:`encode_board` (``None`` for a missing entry)."""
    if data is None:
        return None
    doc = orjson.loads(data)
    if doc.get("v") != STATE_VERSION:
        raise ValueError(f"last_prices state version {doc.get('v')!r}; this code reads {STATE_VERSION}")
    em = doc["e"]
    topic, partition, offset = doc["src"]
    return BoardState(
        source=Source(topic, partition, offset),
        captured_at=_dt(doc["at"]),
        since_keyframe=doc["n"],
        keyframe_at=_dt(doc["kf"]),
        lines=doc["l"],
        emitted=Emitted(em["k"], tuple(em["c"]), tuple(em["r"]), _info(em["ev"]), em["id"]),
    )
