"""The signals stage's state: one board per event × bookmaker, one entry per event (pure).

* :class:`BookBoard` (table ``signal_boards``, key ``"<event key>|<bookmaker>"``): the
  bookmaker's current outcomes per line with the time each line last changed, the time of
  its last capture of the event (freshness), and the lines whose opening price was emitted.
* :class:`EventEntry` (table ``signal_events``, key: the event key): the bookmakers seen,
  the open arbitrage windows, whether closing prices were emitted, and the last snapshot
  record processed with the message published for it (to publish it again on redelivery).

:func:`encode_board` / :func:`decode_board` and :func:`encode_event` / :func:`decode_event`
are the only (de)serializers of the table values. :class:`Cached` keeps the decoded value
of each key next to the bytes it came from, so a value is decoded again only when the table
holds other bytes (after a recovery from the changelog).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

import orjson

from streams.contracts.signals import ArbLeg
from streams.contracts.snapshot import Outcomes

STATE_VERSION = 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

LineKey = tuple[int, str]


def _us(value: datetime) -> int:
    return (value - _EPOCH) // _US


def _dt(us: int) -> datetime:
    return _EPOCH + us * _US


def line_text(key: LineKey) -> str:
    """``(18, "total=2.5")`` → ``"18|total=2.5"`` (the boards' line keys)."""
    return f"{key[0]}|{key[1]}"


def to_dt(us: int) -> datetime:
    """Microseconds since the epoch (the boards' times) → UTC datetime."""
    return _EPOCH + us * _US


_key = line_text


def split_line(text: str) -> LineKey:
    """Inverse of :func:`line_text`."""
    market_id, _, line = text.partition("|")
    return int(market_id), line


@dataclass(slots=True)
class BookBoard:
    """One bookmaker's current lines of one event. Lines are keyed by :func:`line_text` and
    times kept as epoch microseconds, so the table value is encoded without a Python loop."""

    captured_at: datetime
    live: bool
    #: line text → (µs since the epoch its outcomes last changed, outcomes)
    lines: dict[str, tuple[int, Outcomes]] = field(default_factory=dict)
    opened: set[str] = field(default_factory=set)


@dataclass(slots=True)
class OpenArb:
    """An arbitrage window that is open."""

    started_at: datetime
    profit: float  # the largest seen since it opened
    suspect: bool
    legs: tuple[ArbLeg, ...]


@dataclass(slots=True)
class EventEntry:
    """Per event: bookmakers seen, open arbitrage windows, closing emitted, last record."""

    books: list[str] = field(default_factory=list)
    arbs: dict[LineKey, OpenArb] = field(default_factory=dict)
    closed: bool = False
    #: (partition, offset) of the last odds.snapshots.v1 record processed, and what was
    #: published for it (None: nothing)
    last: tuple[int, int] | None = None
    output: bytes | None = None


def encode_board(board: BookBoard) -> bytes:
    return orjson.dumps(
        {
            "v": STATE_VERSION,
            "at": _us(board.captured_at),
            "live": board.live,
            "l": board.lines,
            "o": list(board.opened),
        }
    )


def decode_board(data: bytes | None) -> BookBoard | None:
    if data is None:
        return None
    doc = orjson.loads(data)
    if doc.get("v") != STATE_VERSION:
        raise ValueError(f"signal_boards state version {doc.get('v')!r}; this code reads {STATE_VERSION}")
    return BookBoard(
        captured_at=_dt(doc["at"]),
        live=doc["live"],
        lines={k: (t, outs) for k, (t, outs) in doc["l"].items()},
        opened=set(doc["o"]),
    )


def encode_event(entry: EventEntry) -> bytes:
    return orjson.dumps(
        {
            "v": STATE_VERSION,
            "b": entry.books,
            "a": [
                [
                    _key(k),
                    _us(a.started_at),
                    a.profit,
                    a.suspect,
                    [[g.outcome_id, g.bookmaker, g.price, g.stake] for g in a.legs],
                ]
                for k, a in entry.arbs.items()
            ],
            "c": entry.closed,
            "last": entry.last,
            "out": None if entry.output is None else entry.output.decode(),
        }
    )


def decode_event(data: bytes | None) -> EventEntry | None:
    if data is None:
        return None
    doc = orjson.loads(data)
    if doc.get("v") != STATE_VERSION:
        raise ValueError(f"signal_events state version {doc.get('v')!r}; this code reads {STATE_VERSION}")
    return EventEntry(
        books=list(doc["b"]),
        arbs={
            split_line(k): OpenArb(_dt(start), profit, suspect, tuple(ArbLeg(*leg) for leg in legs))
            for k, start, profit, suspect, legs in doc["a"]
        },
        closed=doc["c"],
        last=None if doc["last"] is None else (doc["last"][0], doc["last"][1]),
        output=None if doc["out"] is None else doc["out"].encode(),
    )


T = TypeVar("T")


class Cached(Generic[T]):
    """A table of bytes seen through its decoded values (see the module docstring)."""

    def __init__(
        self,
        table: MutableMapping[str, bytes],
        decode: Callable[[bytes | None], T | None],
        encode: Callable[[T], bytes],
    ) -> None:
        self.table = table
        self._decode = decode
        self._encode = encode
        self._cache: dict[str, tuple[bytes, T]] = {}

    def get(self, key: str) -> T | None:
        raw = self.table.get(key)
        if raw is None:
            self._cache.pop(key, None)
            return None
        held = self._cache.get(key)
        if held is not None and held[0] is raw:
            return held[1]
        value = self._decode(raw)
        assert value is not None
        self._cache[key] = (raw, value)
        return value

    def delete(self, key: str) -> None:
        """Delete ``key`` from the table (a tombstone in its changelog) and from the cache."""
        self._cache.pop(key, None)
        if key in self.table:
            del self.table[key]

    def put(self, key: str, value: T) -> None:
        raw = self._encode(value)
        self.table[key] = raw
        # a faust table may hand back another bytes object than the one set; cache what it holds
        held = self.table.get(key)
        self._cache[key] = (held if held is not None else raw, value)
