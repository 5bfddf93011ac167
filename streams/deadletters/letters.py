"""Dead-letter records as the DLQ tools see them, and how they are chosen: pure functions.

A record of ``odds.dlq.v1`` follows :mod:`streams.deadletters.contract`: original key, value and headers,
then ``dlq.*`` headers. :class:`DeadRecord` decodes those headers once; :class:`Selection`
is the filter of ``oddsflow dlq list|requeue`` (stage, error kind/class, bookmaker, time,
explicit ``partition:offset`` ids); :meth:`DeadRecord.requeue_target` says where and what
``requeue`` publishes: the ``dlq.source.topic``, with the original key, value and non-``dlq.``
headers, byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson

from streams.deadletters.contract import PREFIX, dlq_headers
from streams.replay.plan import ReplayError, parse_datetime, parse_duration

RecordId = tuple[int, int]  # (partition, offset) in the DLQ topic


class DlqError(ReplayError):
    """A DLQ command that cannot run as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class DeadRecord:
    """One record read from the DLQ topic."""

    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    dlq: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_kafka(
        cls,
        partition: int,
        offset: int,
        timestamp_ms: int,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes | None]] | None,
    ) -> DeadRecord:
        plain = tuple((str(k), bytes(v) if v is not None else b"") for k, v in headers or ())
        return cls(partition, offset, timestamp_ms, key, value, plain, dlq_headers(plain))

    @property
    def id(self) -> str:
        return f"{self.partition}:{self.offset}"

    @property
    def stage(self) -> str:
        return self.dlq.get("stage", "")

    @property
    def kind(self) -> str:
        return self.dlq.get("error.kind", "")

    @property
    def error_class(self) -> str:
        return self.dlq.get("error.class", "")

    @property
    def bookmaker(self) -> str:
        return self.dlq.get("bookmaker", "")

    @property
    def source(self) -> str:
        d = self.dlq
        return f"{d.get('source.topic', '?')}:{d.get('source.partition', '?')}:{d.get('source.offset', '?')}"

    @property
    def time(self) -> datetime:
        """``dlq.time`` (when it was dead-lettered); the record timestamp if the header is missing."""
        raw = self.dlq.get("time")
        if raw:
            try:
                return parse_datetime(raw)
            except ReplayError:
                pass
        return datetime.fromtimestamp(self.timestamp_ms / 1000, UTC)

    def original_headers(self) -> list[tuple[str, bytes]]:
        """The headers the source record had (every ``dlq.*`` header removed)."""
        return [(k, v) for k, v in self.headers if not k.startswith(PREFIX)]

    def requeue_target(self) -> tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]]]:
        """``(topic, key, value, headers)`` to republish; refuses a record without a source topic."""
        topic = self.dlq.get("source.topic")
        if not topic:
            raise DlqError(f"record {self.id} has no dlq.source.topic header: cannot requeue it")
        return topic, self.key, self.value, self.original_headers()


def parse_ids(values: Sequence[str]) -> list[RecordId]:
    """``["0:15", "1:3,1:4"]`` → ``[(0, 15), (1, 3), (1, 4)]`` (order kept, duplicates dropped)."""
    out: list[RecordId] = []
    for value in values:
        for item in filter(None, (v.strip() for v in value.split(","))):
            part, sep, off = item.partition(":")
            if not sep or not part.isdigit() or not off.isdigit():
                raise DlqError(f"record id {item!r}: expected PARTITION:OFFSET, e.g. 0:15")
            rid = (int(part), int(off))
            if rid not in out:
                out.append(rid)
    return out


def parse_when(text: str, now: datetime) -> datetime:
    """``--since/--until``: an ISO date-time (no zone: UTC) or a duration back from now (``PT6H``)."""
    raw = text.strip()
    if raw[:1].upper() == "P":
        return now - parse_duration(raw)
    return parse_datetime(raw)


@dataclass(frozen=True, slots=True)
class Selection:
    """Which DLQ records a command applies to; every given criterion must hold (empty = all)."""

    ids: tuple[RecordId, ...] = ()
    stages: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    error_classes: frozenset[str] = frozenset()
    bookmakers: frozenset[str] = frozenset()
    source_topics: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None

    @property
    def empty(self) -> bool:
        return self == Selection()

    def matches(self, rec: DeadRecord) -> bool:
        if self.ids and (rec.partition, rec.offset) not in self.ids:
            return False
        if self.stages and rec.stage not in self.stages:
            return False
        if self.kinds and rec.kind not in self.kinds:
            return False
        if self.error_classes and rec.error_class not in self.error_classes:
            return False
        if self.bookmakers and rec.bookmaker not in self.bookmakers:
            return False
        if self.source_topics and rec.dlq.get("source.topic", "") not in self.source_topics:
            return False
        at = rec.time
        if self.since is not None and at < self.since:
            return False
        return self.until is None or at < self.until


def pretty_value(value: bytes | None, max_bytes: int) -> tuple[str, str]:
    """``(format, text)``: indented JSON when the value is JSON, else a hexdump of its head."""
    if value is None:
        return "none", "(no value: tombstone)"
    try:
        text = orjson.dumps(orjson.loads(value), option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONDecodeError:
        head = hexdump(value[: min(max_bytes, 512)])
        more = f"\n… {len(value) - 512} more bytes" if len(value) > 512 else ""
        return "binary", head + more
    if len(text) > max_bytes:
        text = text[:max_bytes] + f"\n… truncated ({len(text) - max_bytes} more characters; --max-bytes)"
    return "json", text


def hexdump(data: bytes, width: int = 16) -> str:
    """``00000000  7b 22 61 …  |{"a…|`` lines."""
    lines = []
    for i in range(0, len(data), width):
        chunk = data[i : i + width]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{i:08x}  {hexes:<{width * 3}} |{text}|")
    return "\n".join(lines)
