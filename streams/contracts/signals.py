"""``odds.signals.v1``: the price signals one snapshot caused, one message per snapshot.

Contract
--------
Produced by the signals stage (:mod:`streams.stages.signals`), consumed by the signals sink
(``sinks/signals``).

* Key: the canonical event key (``sr:<n>``), like ``odds.snapshots.v1``.
* ``source`` names the ``odds.snapshots.v1`` record (topic, partition, offset) the signals
  were computed from; ``bookmaker`` and ``captured_at`` are that snapshot's. A redelivered
  snapshot yields the same message (the stage publishes it again byte for byte).
* ``margins``: one :class:`Margin` per line of the snapshot's bookmaker that changed and is
  a priced complete set: the overround and the fair probabilities by both methods.
* ``deviations``: one :class:`Deviation` per (bookmaker, line, outcome) on the changed lines
  whose price is at least the stage's threshold away from consensus (``|o·p − 1|``), the
  bookmaker fresh; ``books`` is how many books the consensus was the median of.
* ``arbitrages``: :class:`ArbWindow` changes: ``ended_at`` None = a window opened with this
  snapshot; set = the window that opened at ``started_at`` closed (``profit`` is then the
  largest seen while open). ``suspect``: above ``ODDS_SIGNALS__MAX_ARB_PCT``.
* ``prices``: :class:`LinePrice` opening (first priced sight of a line at a bookmaker) and
  closing (last price before kickoff, emitted with the event's first snapshot at or after
  kickoff) prices; ``at`` is when that price was captured.
* ``evaluated``: the lines (market id, line) whose deviations were computed afresh: for
  these, ``deviations`` is the whole current set (a line absent there deviates nowhere).

Times are ISO-8601 UTC. :func:`encode_signals` / :func:`decode_signals` are the only
(de)serializers of this record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from streams.contracts.snapshot import Outcomes, Source
from streams.errors import DataError

SCHEMA = "odds.signals.v1"
PriceKind = Literal["opening", "closing"]


@dataclass(frozen=True, slots=True)
class Margin:
    market_id: int
    line: str
    margin: float
    #: outcome id → (multiplicative, Shin) fair probability
    fair: dict[str, tuple[float, float]]


@dataclass(frozen=True, slots=True)
class Deviation:
    bookmaker: str
    market_id: int
    line: str
    outcome_id: str
    price: float
    consensus: float  # median fair probability
    deviation: float  # price · consensus − 1
    books: int


@dataclass(frozen=True, slots=True)
class ArbLeg:
    outcome_id: str
    bookmaker: str
    price: float
    stake: float  # share of the total stake


@dataclass(frozen=True, slots=True)
class ArbWindow:
    market_id: int
    line: str
    started_at: datetime
    ended_at: datetime | None
    profit: float
    suspect: bool
    legs: tuple[ArbLeg, ...]


@dataclass(frozen=True, slots=True)
class LinePrice:
    kind: PriceKind
    bookmaker: str
    market_id: int
    line: str
    at: datetime
    outcomes: Outcomes


@dataclass(frozen=True, slots=True)
class SignalsV1:
    """Signals computed from one snapshot of one event."""

    event_key: str
    sportradar_id: int | None
    sport: str
    kickoff: datetime
    bookmaker: str
    captured_at: datetime
    live: bool
    source: Source
    margins: tuple[Margin, ...] = ()
    deviations: tuple[Deviation, ...] = ()
    arbitrages: tuple[ArbWindow, ...] = ()
    prices: tuple[LinePrice, ...] = ()
    evaluated: tuple[tuple[int, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.margins or self.deviations or self.arbitrages or self.prices)


def _dt(value: datetime) -> datetime:
    # orjson writes datetimes itself (RFC 3339, ``Z`` with OPT_UTC_Z), far faster than isoformat()
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def encode_signals(sig: SignalsV1) -> bytes:
    """Serialize to compact JSON bytes (rows as arrays)."""
    return orjson.dumps(
        {
            "schema": SCHEMA,
            "event_key": sig.event_key,
            "sportradar_id": sig.sportradar_id,
            "sport": sig.sport,
            "kickoff": _dt(sig.kickoff),
            "bookmaker": sig.bookmaker,
            "captured_at": _dt(sig.captured_at),
            "live": sig.live,
            "source": [sig.source.topic, sig.source.partition, sig.source.offset],
            "margins": [[m.market_id, m.line, m.margin, m.fair] for m in sig.margins],
            "deviations": [
                [d.bookmaker, d.market_id, d.line, d.outcome_id, d.price, d.consensus, d.deviation, d.books]
                for d in sig.deviations
            ],
            "arbitrages": [
                [
                    a.market_id,
                    a.line,
                    _dt(a.started_at),
                    None if a.ended_at is None else _dt(a.ended_at),
                    a.profit,
                    a.suspect,
                    [[g.outcome_id, g.bookmaker, g.price, g.stake] for g in a.legs],
                ]
                for a in sig.arbitrages
            ],
            "prices": [[p.kind, p.bookmaker, p.market_id, p.line, _dt(p.at), p.outcomes] for p in sig.prices],
            "evaluated": [[mid, line] for mid, line in sig.evaluated],
        },
        option=orjson.OPT_UTC_Z,
    )


def _ts(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"time must be an ISO-8601 string, got {value!r}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"time without a time zone: {value!r}")
    return parsed.astimezone(UTC)


def _kind(value: Any) -> PriceKind:
    if value not in ("opening", "closing"):
        raise ValueError(f"unknown price kind {value!r}")
    return value  # type: ignore[no-any-return]


def decode_signals(data: bytes | None) -> SignalsV1:
    """Bytes → :class:`SignalsV1`; the only decoder of this contract. Raises :class:`DataError`."""
    if data is None:
        raise DataError("decode", "empty", f"{SCHEMA} record has no value")
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise DataError("decode", "not_json", f"{SCHEMA} is not JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise DataError("decode", "wrong_schema", f"expected a {SCHEMA} object")
    try:
        topic, partition, offset = doc["source"]
        sr = doc["sportradar_id"]
        return SignalsV1(
            event_key=str(doc["event_key"]),
            sportradar_id=None if sr is None else int(sr),
            sport=str(doc["sport"]),
            kickoff=_ts(doc["kickoff"]),
            bookmaker=str(doc["bookmaker"]),
            captured_at=_ts(doc["captured_at"]),
            live=bool(doc["live"]),
            source=Source(str(topic), int(partition), int(offset)),
            margins=tuple(
                Margin(
                    int(mid), str(line), float(m), {str(k): (float(a), float(b)) for k, (a, b) in f.items()}
                )
                for mid, line, m, f in doc["margins"]
            ),
            deviations=tuple(
                Deviation(str(b), int(mid), str(ln), str(o), float(p), float(c), float(d), int(n))
                for b, mid, ln, o, p, c, d, n in doc["deviations"]
            ),
            arbitrages=tuple(
                ArbWindow(
                    int(mid),
                    str(ln),
                    _ts(start),
                    None if end is None else _ts(end),
                    float(profit),
                    bool(suspect),
                    tuple(ArbLeg(str(o), str(b), float(p), float(s)) for o, b, p, s in legs),
                )
                for mid, ln, start, end, profit, suspect, legs in doc["arbitrages"]
            ),
            prices=tuple(
                LinePrice(
                    _kind(kind),
                    str(b),
                    int(mid),
                    str(ln),
                    _ts(at),
                    {str(k): None if v is None else float(v) for k, v in outs.items()},
                )
                for kind, b, mid, ln, at, outs in doc["prices"]
            ),
            evaluated=tuple((int(mid), str(line)) for mid, line in doc.get("evaluated", ())),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataError("decode", "wrong_type", f"malformed {SCHEMA}: {exc!r}") from exc
