"""Betway adapter: the split event ``{"event": …, "markets": …}`` → :class:`CanonicalEventOddsV1` (pure).

Contract
--------
* Input is the split-event envelope of ``docs/WIRE.md``: ``event`` is Betway's event info
  response (``{sportEvent, gameStateTimeScore}``), ``markets`` its markets response
  (``{marketGroupNames, marketsInGroup, outcomes, prices}``) for the same event. A missing
  half is ``missing_field``; halves of two events (``eventId`` differs) are ``bad_value``.
* Identity: ``sportEvent.eventId`` (an int) is Betway's event id and the Sportradar match
  number (:func:`~streams.adapters._sportradar.sportradar_match`). Sport from the slug
  ``sportId``; kickoff ``expectedStartEpoch`` is epoch **seconds**; ``isLive`` true is live;
  ``region``/``league`` are the names.
* Lines: one bookmaker line is one line market id, an outcome's ``originalMarketId`` (else
  its ``marketId``): squashed parents are not lines, their children are, even when a child
  is listed only in the parent's ``squashedMarketIds``. The UOF market is the
  ``subscriptionId`` of the line's entry in ``marketsInGroup`` (or of the outcome's
  ``marketId`` entry); the specifiers are what follows ``<eventId><subscriptionId>`` in the
  line id, each ``~``-terminated (:func:`streams.adapters._uof.betway_specifier`); the UOF
  outcome id is the ``outcomeId`` minus the line id (variant tails become full variant ids).
  A line id that does not parse this way is an unmapped line. Text (``displayName``,
  ``sbv``, ``handicap``) is never read: it drops signs.
* Prices: ``prices[]`` joined by ``outcomeId``; ``priceDecimal`` a JSON number (int or
  float). Inactive (never priced): line entry ``isActive`` false or ``isSuspended`` true,
  outcome ``isTradingActive`` false. ``shouldDisplay`` is display only. An active outcome of
  a mapped line without a price is ``missing_field``; an impossible one ``absurd_odds``.
* Only :class:`~streams.errors.DataError` leaves :func:`normalize`/:func:`extract_ids`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from streams.adapters._betway_lines import collect_lines, entries_by_id, prices_by_outcome
from streams.adapters._common import (
    BOUNDARY_ERRORS,
    as_list,
    as_object,
    fail,
    id_text,
    json_type,
    kickoff_from_ms,
    malformed,
    opt_str,
    req_str,
    utc_captured_at,
)
from streams.adapters._lines import LineCollector, counts
from streams.adapters._split import halves
from streams.adapters._sportradar import sportradar_match
from streams.contracts.canonical import CanonicalEventOddsV1, Sport

BOOKMAKER = "betway"
_SPORTS: dict[str, Sport] = {"soccer": "soccer", "football": "soccer", "basketball": "basketball",
                             "tennis": "tennis"}  # fmt: skip
_MAX_EPOCH_S = 2**40


def extract_ids(payload: object) -> tuple[str, int | None]:
    """``(sportEvent.eventId, Sportradar match number or None)`` from the event half."""
    try:
        sport_event = _sport_event(halves(BOOKMAKER, payload, "event", "markets")[0])
        raw_id = sport_event.get("eventId")
        return id_text(raw_id, "event.sportEvent.eventId"), sportradar_match(
            raw_id, "event.sportEvent.eventId"
        )
    except BOUNDARY_ERRORS as exc:
        raise malformed(BOOKMAKER, exc) from exc


def normalize(payload: object, captured_at: datetime) -> CanonicalEventOddsV1:
    """Normalize one Betway split event; raises only ``DataError``."""
    try:
        return _normalize(payload, captured_at)
    except BOUNDARY_ERRORS as exc:
        raise malformed(BOOKMAKER, exc) from exc


def native_lines(payload: Any) -> dict[str, tuple[str, int]]:
    """``{subscriptionId: (name, lines sent)}``, lines as :func:`normalize` counts them."""
    markets = payload["markets"]
    entries = {str(m["marketId"]): m for m in markets["marketsInGroup"]}
    lines: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    for item in markets["outcomes"]:
        line_id = str(item.get("originalMarketId") or item["marketId"])
        entry = entries.get(line_id) or entries.get(str(item["marketId"])) or {}
        native = str(entry.get("subscriptionId", "?"))
        names.setdefault(native, str(entry.get("displayName") or entry.get("name") or native))
        lines.setdefault(native, set()).add(line_id)
    return {native: (names[native], len(found)) for native, found in lines.items()}


def _sport_event(event: dict[str, Any]) -> dict[str, Any]:
    return as_object(event.get("sportEvent"), "event.sportEvent")


def _kickoff(value: object, path: str) -> datetime:
    if type(value) is not int:
        if value is None:
            fail("missing_field", f"{path} is missing")
        fail("wrong_type", f"{path} must be epoch seconds (integer), got {json_type(value)}")
    if not 0 < value < _MAX_EPOCH_S:
        fail("bad_value", f"{path} = {value} is not epoch seconds")
    return kickoff_from_ms(value * 1000, path)


def _normalize(payload: object, captured_at: datetime) -> CanonicalEventOddsV1:
    captured = utc_captured_at(captured_at)
    event, second = halves(BOOKMAKER, payload, "event", "markets")
    markets = as_object(second, "markets")
    info = _sport_event(event)
    raw_id = info.get("eventId")
    event_id = id_text(raw_id, "event.sportEvent.eventId")
    sport_id = info.get("sportId")
    sport = _SPORTS.get(sport_id.strip().lower()) if isinstance(sport_id, str) else None
    if sport is None:
        fail("unsupported_sport", f"event.sportEvent.sportId {sport_id!r} is not a supported sport")

    groups = as_list(markets.get("marketsInGroup"), "markets.marketsInGroup")
    entries = entries_by_id(groups, raw_id, event_id)
    prices = prices_by_outcome(as_list(markets.get("prices"), "markets.prices"))
    collector = LineCollector()
    sent, placed = collect_lines(
        as_list(markets.get("outcomes"), "markets.outcomes"), entries, prices, event_id, collector
    )
    return CanonicalEventOddsV1(
        bookmaker=BOOKMAKER,
        bookmaker_event_id=event_id,
        sportradar_id=sportradar_match(raw_id, "event.sportEvent.eventId"),
        sport=sport,
        home=req_str(info.get("homeTeam"), "event.sportEvent.homeTeam"),
        away=req_str(info.get("awayTeam"), "event.sportEvent.awayTeam"),
        kickoff=_kickoff(info.get("expectedStartEpoch"), "event.sportEvent.expectedStartEpoch"),
        live=info.get("isLive") is True,
        captured_at=captured,
        category=opt_str(info.get("region"), "event.sportEvent.region"),
        tournament=opt_str(info.get("league"), "event.sportEvent.league"),
        lines=collector.build(),
        unmapped=counts([native for line_id, native in sent.items() if line_id not in placed]),
        mapped_lines=len(placed),
    )
