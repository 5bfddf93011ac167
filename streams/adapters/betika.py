"""Betika adapter: listing JSON ``{data: [event], meta}`` → :class:`CanonicalEventOddsV1` (pure).

Contract
--------
* Input is one listing response holding exactly one event in ``data`` (a scraper publishes
  one message per event); ``data`` of another length is ``bad_value``.
* Identity: ``match_id`` is Betika's own event id; ``parent_match_id`` (digits, a string in
  prematch and an int in live) the Sportradar match, through
  :func:`~streams.adapters._sportradar.sportradar_match`.
* Sport from ``sport_id`` (Betika's ids 14 soccer, 30 basketball, 28 tennis; string or int),
  failing that ``sport_name``. Kickoff ``start_time`` ``"YYYY-MM-DD HH:MM:SS"`` is East
  Africa Time (UTC+3, no offset in the text): read in :data:`START_TIME_TZ`. Live when
  ``bet_status`` is ``"STARTED"`` or ``event_status`` is set. ``category`` and
  ``competition_name`` are the names. The header prices (``home_odd`` …) are not a market
  and are never read.
* Markets ``odds[]``: ``sub_type_id`` is the UOF market id (string or int); each outcome
  carries its own line in ``special_bet_value`` (``"total=2.5"``, ``""`` none): all lines of
  a market sit in one market object. One bookmaker line is one (``sub_type_id``,
  ``special_bet_value``). ``outcome_id`` is the UOF outcome id (:mod:`streams.adapters._uof`).
  ``parsed_special_bet_value`` is not read (it is ``{"": ""}`` without a line).
* Suspension (live only): event ``active`` 0, market ``market_active`` 0 or outcome
  ``odd_active`` 0 (ints or digit strings) → inactive outcome, price never read. An active
  ``odd_value`` that is not a price in (1.0, 10000] rejects the capture (``absurd_odds``).
* Only :class:`~streams.errors.DataError` leaves :func:`normalize`/:func:`extract_ids`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from streams.adapters._common import (
    BOUNDARY_ERRORS,
    as_list,
    as_object,
    fail,
    id_text,
    json_type,
    kickoff_from_text,
    malformed,
    opt_str,
    price_text,
    req_str,
    utc_captured_at,
)
from streams.adapters._lines import LineCollector, counts, outcome
from streams.adapters._sportradar import sportradar_match
from streams.adapters._uof import uof_outcome, uof_slot
from streams.contracts.canonical import CanonicalEventOddsV1, Sport

BOOKMAKER = "betika"
#: Betika's ``start_time`` is East Africa Time without an offset
START_TIME_TZ: tzinfo = timezone(timedelta(hours=3), "EAT")
_SPORT_IDS: dict[str, Sport] = {"14": "soccer", "30": "basketball", "28": "tennis"}
_SPORT_NAMES: dict[str, Sport] = {"soccer": "soccer", "football": "soccer", "basketball": "basketball",
                                  "tennis": "tennis"}  # fmt: skip
_OFF = (0, "0", False)


def extract_ids(payload: object) -> tuple[str, int | None]:
    """``(match_id, Sportradar match number or None)`` without reading the markets."""
    try:
        event = _event(payload)
        return id_text(event.get("match_id"), "data[0].match_id"), sportradar_match(
            event.get("parent_match_id"), "data[0].parent_match_id"
        )
    except BOUNDARY_ERRORS as exc:
        raise malformed(BOOKMAKER, exc) from exc


def normalize(payload: object, captured_at: datetime) -> CanonicalEventOddsV1:
    """Normalize one Betika listing response of one event; raises only ``DataError``."""
    try:
        return _normalize(payload, captured_at)
    except BOUNDARY_ERRORS as exc:
        raise malformed(BOOKMAKER, exc) from exc


def native_lines(payload: Any) -> dict[str, tuple[str, int]]:
    """``{sub_type_id: (name, lines sent)}``: one line per distinct ``special_bet_value``."""
    lines: dict[str, set[object]] = {}
    names: dict[str, str] = {}
    for market in payload["data"][0]["odds"]:
        native = str(market["sub_type_id"]).strip()
        names.setdefault(native, str(market.get("name") or native))
        found = lines.setdefault(native, set())
        for item in market.get("odds") or ():
            found.add(item.get("special_bet_value") if isinstance(item, dict) else None)
        if not found:
            found.add(None)
    return {native: (names[native], len(found)) for native, found in lines.items()}


def _event(payload: object) -> dict[str, Any]:
    doc = as_object(payload, "betika payload")
    events = as_list(doc.get("data"), "data")
    if len(events) != 1:
        fail("bad_value", f"data must hold exactly one event (one message per event), got {len(events)}")
    return as_object(events[0], "data[0]")


def _sport(event: dict[str, Any]) -> Sport:
    sport_id = event.get("sport_id")
    sport = _SPORT_IDS.get(str(sport_id)) if type(sport_id) in (int, str) else None
    if sport is None:
        name = event.get("sport_name")
        sport = _SPORT_NAMES.get(name.strip().lower()) if isinstance(name, str) else None
    if sport is None:
        fail("unsupported_sport", f"sport {sport_id!r}/{event.get('sport_name')!r} is not a supported sport")
    return sport


def _normalize(payload: object, captured_at: datetime) -> CanonicalEventOddsV1:
    captured = utc_captured_at(captured_at)
    event = _event(payload)
    event_id = id_text(event.get("match_id"), "data[0].match_id")
    sport = _sport(event)
    event_off = event.get("active") in _OFF
    collector = LineCollector()
    sent: set[tuple[str, object]] = set()
    placed: set[tuple[str, object]] = set()
    for i, market in enumerate(as_list(event.get("odds"), "data[0].odds")):
        where = f"data[0].odds[{i}]"
        if type(market) is not dict:
            fail("wrong_type", f"{where} must be an object, got {json_type(market)}")
        native = market.get("sub_type_id")
        native_text = id_text(native, f"{where}.sub_type_id")
        market_off = event_off or market.get("market_active") in _OFF
        items = market.get("odds")
        if not items:
            sent.add((native_text, None))
            continue
        for j, item in enumerate(as_list(items, f"{where}.odds")):
            path = f"{where}.odds[{j}]"
            if type(item) is not dict:
                fail("wrong_type", f"{path} must be an object, got {json_type(item)}")
            specifier = item.get("special_bet_value")
            line_id = (native_text, specifier if type(specifier) is str else repr(specifier))
            sent.add(line_id)
            if specifier is None:
                specifier = ""
            slot = uof_slot(native, specifier) if type(specifier) is str else None
            if slot is None:
                continue
            outcome_id = uof_outcome(id_text(item.get("outcome_id"), f"{path}.outcome_id"), slot[1])
            if market_off or item.get("odd_active") in _OFF:
                collector.add(slot, outcome(outcome_id, None))
            else:
                odds = item.get("odd_value")
                if type(odds) is not str:
                    odds = req_str(odds, f"{path}.odd_value")
                collector.add(slot, outcome(outcome_id, price_text(odds, f"{path}.odd_value")))
            placed.add(line_id)
    return CanonicalEventOddsV1(
        bookmaker=BOOKMAKER,
        bookmaker_event_id=event_id,
        sportradar_id=sportradar_match(event.get("parent_match_id"), "data[0].parent_match_id"),
        sport=sport,
        home=req_str(event.get("home_team"), "data[0].home_team"),
        away=req_str(event.get("away_team"), "data[0].away_team"),
        kickoff=kickoff_from_text(event.get("start_time"), "data[0].start_time", START_TIME_TZ),
        live=event.get("bet_status") == "STARTED" or bool(opt_str(event.get("event_status"))),
        captured_at=captured,
        category=opt_str(event.get("category"), "data[0].category"),
        tournament=opt_str(event.get("competition_name"), "data[0].competition_name"),
        lines=collector.build(),
        unmapped=counts(native for native, _ in sent - placed),
        mapped_lines=len(placed),
    )
