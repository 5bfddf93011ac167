"""The signals stage's state: one value per event × market, one per event (pure).

* :class:`MarketState` (table ``signal_markets``, key ``"<event key>|<market id>"``): every
  bookmaker's lines of one market of one event. A line is held as ``[at, outcomes, opened]``:
  ``at`` the capture (µs since the epoch) that last changed or removed it, ``outcomes``
  (``None`` once the line went away), ``opened`` the capture whose opening price was emitted
  (``None``: not yet). A removed line stays as a marker, so a line that comes back is not
  opened twice.
  Next to them, key ``"<event key>|markets"``: the ids of the event's markets held (written
  when one is added).
* :class:`EventEntry` (table ``signal_events``, key: the event key): each bookmaker's last
  capture (µs) and live flag, the open arbitrage windows, whether closing prices were
  emitted, and the last snapshot record processed with the message published for it (to
  publish it again on redelivery; kept after the entry's JSON and a newline, unescaped). A
  snapshot writes the markets it changed (and the index), then the entry: the entry is the
  record's commit point.

A snapshot that changes a few lines writes only their markets (a changelog record each), not
the bookmaker's whole board. :func:`encode_market` / :func:`decode_market` and
:func:`encode_event` / :func:`decode_event` are the only (de)serializers of the table values.
:class:`Cached` keeps the decoded value of each key next to the bytes it came from, so a
value is decoded again only when the table holds other bytes (after a recovery from the
changelog).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

import orjson

from streams.contracts.signals import ArbLeg

STATE_VERSION = 2
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

LineKey = tuple[int, str]

#: one bookmaker's line: ``[at µs, outcomes or None, opened µs or None]`` (module docstring)
Held = list[Any]
AT, OUTS, OPENED = 0, 1, 2


def to_us(value: datetime) -> int:
    """UTC datetime → microseconds since the epoch (the state's times)."""
    return (value - _EPOCH) // _US


def to_dt(us: int) -> datetime:
    """Microseconds since the epoch (the state's times) → UTC datetime."""
    return _EPOCH + us * _US


def market_key(event_key: str, market_id: int) -> str:
    """The ``signal_markets`` key of one market of one event."""
    return f"{event_key}|{market_id}"


def index_key(event_key: str) -> str:
    """The ``signal_markets`` key of the event's market ids."""
    return f"{event_key}|markets"


@dataclass(slots=True)
class MarketState:
    """Every bookmaker's lines of one market of one event: book → line → :data:`Held`."""

    books: dict[str, dict[str, Held]] = field(default_factory=dict)


@dataclass(slots=True)
class OpenArb:
    """An arbitrage window that is open."""

    started_at: datetime
    profit: float  # the largest seen since it opened
    suspect: bool
    legs: tuple[ArbLeg, ...]


@dataclass(slots=True)
class EventEntry:
    """Per event: bookmakers' last captures, markets held, open arbitrage windows, closing
    emitted, last record."""

    #: bookmaker → [µs of its last capture of the event, live], in the order first seen
    books: dict[str, list[Any]] = field(default_factory=dict)
    arbs: dict[LineKey, OpenArb] = field(default_factory=dict)
    closed: bool = False
    #: (partition, offset) of the last odds.snapshots.v1 record processed, and what was
    #: published for it (None: nothing)
    last: tuple[int, int] | None = None
    output: bytes | None = None


def encode_market(state: MarketState) -> bytes:
    return orjson.dumps({"v": STATE_VERSION, "b": state.books})


def decode_market(data: bytes | None) -> MarketState | None:
    if data is None:
        return None
    doc = orjson.loads(data)
    if doc.get("v") != STATE_VERSION:
        raise ValueError(f"signal_markets state version {doc.get('v')!r}; this code reads {STATE_VERSION}")
    return MarketState(books=doc["b"])


def encode_index(market_ids: set[int]) -> bytes:
    return orjson.dumps(sorted(market_ids))


def decode_index(data: bytes | None) -> set[int] | None:
    return None if data is None else set(orjson.loads(data))


def encode_event(entry: EventEntry) -> bytes:
    doc = orjson.dumps(
        {
            "v": STATE_VERSION,
            "b": entry.books,
            "a": [
                [
                    k[0],
                    k[1],
                    to_us(a.started_at),
                    a.profit,
                    a.suspect,
                    [[g.outcome_id, g.bookmaker, g.price, g.stake] for g in a.legs],
                ]
                for k, a in entry.arbs.items()
            ],
            "c": entry.closed,
            "last": entry.last,
        }
    )
    return doc if entry.output is None else doc + b"\n" + entry.output


def decode_event(data: bytes | None) -> EventEntry | None:
    if data is None:
        return None
    head, newline, output = data.partition(b"\n")  # orjson writes no raw newline
    doc = orjson.loads(head)
    if doc.get("v") != STATE_VERSION:
        raise ValueError(f"signal_events state version {doc.get('v')!r}; this code reads {STATE_VERSION}")
    return EventEntry(
        books=doc["b"],
        arbs={
            (mid, line): OpenArb(to_dt(start), profit, suspect, tuple(ArbLeg(*leg) for leg in legs))
            for mid, line, start, profit, suspect, legs in doc["a"]
        },
        closed=doc["c"],
        last=None if doc["last"] is None else (doc["last"][0], doc["last"][1]),
        output=bytes(output) if newline else None,
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
