"""``odds.snapshots.v1``: one message per capture, carrying only what changed.

Contract
--------
Produced by the streams stage (match + diff), consumed by the Postgres sink.

* Key: the canonical event key (:func:`event_key`): ``sr:<n>`` for matched events,
  ``<bookmaker>:<bookmaker event id>`` for bookmaker-only events. All captures of one
  event × bookmaker therefore stay in order on one partition.
* ``event`` is the canonical event as the registry resolved it (Sportradar id when
  present, names, kickoff …); ``bookmaker_event_id`` is this bookmaker's own id.
* ``changed`` lists every line that was added or whose outcomes changed since the previous
  capture of this event × bookmaker, with **all** of its outcomes
  (``{outcome_id: price}``; ``None`` = inactive / no price). ``removed`` lists lines that
  disappeared. A ``keyframe`` lists every current line in ``changed`` (and still lists
  removals), so the board at a keyframe needs nothing older.
* ``source`` names the raw message (topic, partition, offset) the capture came from; with
  ``captured_at`` it identifies the capture: redelivery of the same raw message yields the
  same snapshot.
* ``lines_total`` is the number of lines on the board after this capture.
* ``unmapped_lines`` counts the capture's bookmaker lines with no canonical home (the sum
  of the canonical event's ``unmapped``) and ``mapped_lines`` those with one (the event's
  ``mapped_lines``): one unit for every bookmaker, a native market with its line value, so
  the unmapped share is ``unmapped_lines / (unmapped_lines + mapped_lines)``. Both are
  optional on decode (0 and None = not counted), so older v1 messages stay valid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from streams.errors import DataError

SCHEMA = "odds.snapshots.v1"

#: ``{outcome_id: price or None}`` of one line.
Outcomes = dict[str, float | None]


@dataclass(frozen=True, slots=True)
class EventInfo:
    """Canonical event identity and metadata."""

    sportradar_id: int | None
    sport: str
    home: str
    away: str
    kickoff: datetime
    category: str | None = None
    tournament: str | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """The raw Kafka record a snapshot came from."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class SnapshotV1:
    """One capture of one event at one bookmaker, as a diff against the previous capture."""

    event: EventInfo
    bookmaker: str
    bookmaker_event_id: str
    captured_at: datetime
    live: bool
    keyframe: bool
    lines_total: int
    source: Source
    changed: dict[tuple[int, str], Outcomes] = field(default_factory=dict)
    removed: tuple[tuple[int, str], ...] = ()
    unmapped_lines: int = 0
    mapped_lines: int | None = None

    @property
    def key(self) -> str:
        return event_key(self.event.sportradar_id, self.bookmaker, self.bookmaker_event_id)


def event_key(sportradar_id: int | None, bookmaker: str, bookmaker_event_id: str) -> str:
    """Kafka key / registry key of a canonical event."""
    return f"sr:{sportradar_id}" if sportradar_id is not None else f"{bookmaker}:{bookmaker_event_id}"


def _dt(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def encode_snapshot(snap: SnapshotV1) -> bytes:
    """Serialize to compact JSON bytes."""
    ev = snap.event
    return orjson.dumps(
        {
            "schema": SCHEMA,
            "event": {
                "sportradar_id": ev.sportradar_id,
                "sport": ev.sport,
                "home": ev.home,
                "away": ev.away,
                "kickoff": _dt(ev.kickoff),
                "category": ev.category,
                "tournament": ev.tournament,
            },
            "bookmaker": snap.bookmaker,
            "bookmaker_event_id": snap.bookmaker_event_id,
            "captured_at": _dt(snap.captured_at),
            "live": snap.live,
            "keyframe": snap.keyframe,
            "lines_total": snap.lines_total,
            "source": [snap.source.topic, snap.source.partition, snap.source.offset],
            "changed": [[mid, line, outs] for (mid, line), outs in snap.changed.items()],
            "removed": [[mid, line] for mid, line in snap.removed],
            "unmapped_lines": snap.unmapped_lines,
            "mapped_lines": snap.mapped_lines,
        }
    )


def _ts(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise DataError("decode", "wrong_type", f"{SCHEMA}: {name} must be an ISO-8601 string")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise DataError("decode", "wrong_type", f"{SCHEMA}: {name} has no time zone")
    return parsed.astimezone(UTC)


def decode_snapshot(data: bytes) -> SnapshotV1:
    """Bytes → :class:`SnapshotV1`; the only decoder of this contract. Raises :class:`DataError`."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise DataError("decode", "not_json", f"{SCHEMA} is not JSON: {exc}") from exc
    return decode_snapshot_doc(doc)


def decode_snapshot_doc(doc: Any) -> SnapshotV1:
    """:func:`decode_snapshot` of JSON already parsed (for a caller that parsed the record to
    tell its schema, :func:`streams.contracts.lifecycle.decode_snapshots_record`)."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise DataError("decode", "wrong_schema", f"expected a {SCHEMA} object")
    try:
        ev = doc["event"]
        topic, partition, offset = doc["source"]
        sr = ev["sportradar_id"]
        return SnapshotV1(
            event=EventInfo(
                sportradar_id=None if sr is None else int(sr),
                sport=str(ev["sport"]),
                home=str(ev["home"]),
                away=str(ev["away"]),
                kickoff=_ts(ev["kickoff"], "event.kickoff"),
                category=ev.get("category"),
                tournament=ev.get("tournament"),
            ),
            bookmaker=str(doc["bookmaker"]),
            bookmaker_event_id=str(doc["bookmaker_event_id"]),
            captured_at=_ts(doc["captured_at"], "captured_at"),
            live=bool(doc["live"]),
            keyframe=bool(doc["keyframe"]),
            lines_total=int(doc["lines_total"]),
            source=Source(str(topic), int(partition), int(offset)),
            changed={
                (int(mid), str(line)): {str(k): None if v is None else float(v) for k, v in outs.items()}
                for mid, line, outs in doc["changed"]
            },
            removed=tuple((int(mid), str(line)) for mid, line in doc["removed"]),
            unmapped_lines=int(doc.get("unmapped_lines", 0)),
            mapped_lines=None if doc.get("mapped_lines") is None else int(doc["mapped_lines"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataError("decode", "wrong_type", f"malformed {SCHEMA}: {exc!r}") from exc
