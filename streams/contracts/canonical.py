"""Canonical event odds, version 1: what every bookmaker adapter produces.

Contract
--------
* One :class:`CanonicalEventOddsV1` is one capture of one event at one bookmaker,
  already normalized to the canonical taxonomy (see ``streams.taxonomy``).
* ``lines`` holds one :class:`MarketLine` per (canonical market, line key). ``market_id``
  is the canonical market: a UOF market id, or an id of the SportyBet (10,000,000 + n) or
  oddsflow (20,000,000 …) namespace for markets UOF lacks; ``market`` is its readable key
  (``total_goals``, ``uof:68``, ``sportybet:60200``), a label only. A line key is the
  normalized specifier: ``k=v`` pairs sorted by key and joined by ``|``, decimals
  canonical (``total=2.5``, ``hcp=-1.5``, ``hcp=0:1``, ``quarternr=1|total=36.5``); ``""``
  for markets without a specifier. Outcome ids are text (UOF ids, ``sr:player:…``).
* An outcome without a usable price (suspended, placeholder) has ``price=None`` and
  ``active=False``. A priced outcome always has ``1.0 < price <= 10000``.
* Lines are counted in the bookmaker's own unit, one *bookmaker line* = one native market
  with its line value (a SportyBet market entry, a BetPawa market type × row handicap, a
  Bet9ja code × ``@`` param). ``mapped_lines`` counts the bookmaker lines that reached at
  least one canonical line; ``unmapped`` counts the others per native market id.
  ``mapped_lines + sum(unmapped)`` is every line the bookmaker sent. Unmapped markets are
  expected and never an error. ``mapped_lines`` is optional on the wire: None (not
  counted) when absent, so messages written before it existed stay valid v1.
* ``status`` is set when the bookmaker reports the event over: ``ended``, ``settled`` or
  ``removed`` (:data:`CLOSING_STATUSES`); None otherwise, and when absent on the wire.

The hot-path types (:class:`Outcome`, :class:`MarketLine`) are frozen, slotted
dataclasses: an adapter builds thousands of them per capture and pydantic validation
per line would cost more than parsing the JSON. The boundary model
(:class:`CanonicalEventOddsV1`) is also a dataclass; bytes ↔ model conversion for it
lives in :func:`encode_canonical` / :func:`decode_canonical`, the only place it is
(de)serialized.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from streams.errors import DataError

SCHEMA = "odds.canonical.v1"

Sport = Literal["soccer", "basketball", "tennis"]
#: a bookmaker's word that the event is over (the match stage closes it)
CLOSING_STATUSES = ("ended", "settled", "removed")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One priced (or unpriced) outcome; ``outcome_id`` is the canonical (UOF) outcome id."""

    outcome_id: str
    price: float | None
    active: bool


@dataclass(frozen=True, slots=True)
class MarketLine:
    """One line of one canonical market, e.g. ``total_goals`` (18) / ``total=2.5``."""

    market: str
    market_id: int
    line: str
    outcomes: tuple[Outcome, ...]

    @property
    def key(self) -> str:
        """Stable identity of the line inside one event × bookmaker: ``"18|total=2.5"``."""
        return f"{self.market_id}|{self.line}"


@dataclass(frozen=True, slots=True)
class CanonicalEventOddsV1:
    """One normalized capture of one event at one bookmaker."""

    bookmaker: str
    bookmaker_event_id: str
    sportradar_id: int | None
    sport: Sport
    home: str
    away: str
    kickoff: datetime
    live: bool
    captured_at: datetime
    category: str | None = None
    tournament: str | None = None
    lines: tuple[MarketLine, ...] = ()
    unmapped: dict[str, int] = field(default_factory=dict)
    mapped_lines: int | None = None
    status: str | None = None  # one of CLOSING_STATUSES, or None

    @property
    def sportradar_urn(self) -> str | None:
        """``sr:match:<n>`` or ``None`` for a bookmaker-only (unmatched) event."""
        return None if self.sportradar_id is None else f"sr:match:{self.sportradar_id}"


def _dt(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def canonical_to_dict(event: CanonicalEventOddsV1) -> dict[str, Any]:
    """Plain JSON-ready dict of ``event`` (schema tag included)."""
    return {
        "schema": SCHEMA,
        "bookmaker": event.bookmaker,
        "bookmaker_event_id": event.bookmaker_event_id,
        "sportradar_id": event.sportradar_id,
        "sport": event.sport,
        "home": event.home,
        "away": event.away,
        "kickoff": _dt(event.kickoff),
        "live": event.live,
        "captured_at": _dt(event.captured_at),
        "category": event.category,
        "tournament": event.tournament,
        "lines": [
            [ln.market, ln.market_id, ln.line, [[o.outcome_id, o.price, o.active] for o in ln.outcomes]]
            for ln in event.lines
        ],
        "unmapped": event.unmapped,
        "mapped_lines": event.mapped_lines,
        "status": event.status,
    }


def encode_canonical(event: CanonicalEventOddsV1) -> bytes:
    """Serialize to compact JSON bytes (lines as arrays to keep messages small)."""
    return orjson.dumps(canonical_to_dict(event))


def _parse_dt(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise DataError("decode", "wrong_type", f"{name} must be an ISO-8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise DataError("decode", "wrong_type", f"{name} is not ISO-8601: {value!r}") from exc
    if parsed.tzinfo is None:
        raise DataError("decode", "wrong_type", f"{name} has no time zone: {value!r}")
    return parsed.astimezone(UTC)


def _status(value: Any) -> str | None:
    if value is None or value in CLOSING_STATUSES:
        return None if value is None else str(value)
    raise ValueError(f"status {value!r} is not one of {CLOSING_STATUSES}")


def canonical_from_dict(doc: dict[str, Any]) -> CanonicalEventOddsV1:
    """Inverse of :func:`canonical_to_dict`; raises :class:`DataError` on any mismatch."""
    if doc.get("schema") != SCHEMA:
        raise DataError("decode", "wrong_schema", f"expected schema {SCHEMA}, got {doc.get('schema')!r}")
    try:
        lines = tuple(
            MarketLine(
                market=str(m),
                market_id=int(mid),
                line=str(line),
                outcomes=tuple(
                    Outcome(str(oid), None if p is None else float(p), bool(a)) for oid, p, a in outs
                ),
            )
            for m, mid, line, outs in doc["lines"]
        )
        sr = doc["sportradar_id"]
        return CanonicalEventOddsV1(
            bookmaker=str(doc["bookmaker"]),
            bookmaker_event_id=str(doc["bookmaker_event_id"]),
            sportradar_id=None if sr is None else int(sr),
            sport=doc["sport"],
            home=str(doc["home"]),
            away=str(doc["away"]),
            kickoff=_parse_dt(doc["kickoff"], "kickoff"),
            live=bool(doc["live"]),
            captured_at=_parse_dt(doc["captured_at"], "captured_at"),
            category=doc.get("category"),
            tournament=doc.get("tournament"),
            lines=lines,
            unmapped={str(k): int(v) for k, v in (doc.get("unmapped") or {}).items()},
            mapped_lines=None if doc.get("mapped_lines") is None else int(doc["mapped_lines"]),
            status=_status(doc.get("status")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError("decode", "wrong_type", f"malformed {SCHEMA}: {exc!r}") from exc


def decode_canonical(data: bytes) -> CanonicalEventOddsV1:
    """Bytes → :class:`CanonicalEventOddsV1`; the only decoder of this contract."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise DataError("decode", "not_json", f"{SCHEMA} is not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise DataError("decode", "wrong_type", f"{SCHEMA} must be a JSON object")
    return canonical_from_dict(doc)
