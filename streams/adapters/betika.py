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

import math
from collections.abc import Callable
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
    quoted_price,
    req_str,
    text_id,
    utc_captured_at,
)
from streams.adapters._lines import BoundedCache, LineCollector, Slot, counts, outcome
from streams.adapters._sportradar import sportradar_match
from streams.adapters._twins import OutcomeTwin
from streams.adapters._uof import outcome_ids, remember_outcome_id, uof_outcome, uof_slot
from streams.contracts.canonical import CanonicalEventOddsV1, Outcome, Sport
from streams.taxonomy import MAX_PRICE as _MAX_PRICE
from streams.taxonomy import MIN_PRICE as _MIN_PRICE

BOOKMAKER = "betika"
#: Betika's ``start_time`` is East Africa Time without an offset
START_TIME_TZ: tzinfo = timezone(timedelta(hours=3), "EAT")
_SPORT_IDS: dict[str, Sport] = {"14": "soccer", "30": "basketball", "28": "tennis"}
_SPORT_NAMES: dict[str, Sport] = {"soccer": "soccer", "football": "soccer", "basketball": "basketball",
                                  "tennis": "tennis"}  # fmt: skip
_OFF = (0, "0")  # an ``active`` flag that is off (``False`` too: it equals 0)
_NONE = object()  # no line read yet
_ID_TYPES = (int, str)
LineId = tuple[str, object]  # (sub_type_id as text, special_bet_value): one bookmaker line
# (sub_type_id, special_bet_value) -> (Slot or None, line id, memo of the line's checked outcome ids)
_LINES = BoundedCache(50_000)
_NO_IDS: dict[str, str] = {}  # the outcome id memo of a line without canonical home: never read
_NAN = math.nan


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
    sent, placed = _collect(as_list(event.get("odds"), "data[0].odds"), event_off, collector)
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
        unmapped=counts([line_id[0] for line_id in sent if line_id not in placed]),
        mapped_lines=len(placed),
    )


def _index(items: list[Any], item: object) -> int:
    """Position of ``item`` (by identity) in ``items``: the hot loops skip ``enumerate``."""
    return next(k for k, x in enumerate(items) if x is item)


def _line(
    native: object, native_text: str, item: object, path: str
) -> tuple[Slot | None, LineId, dict[str, str]]:
    """(canonical slot or None, bookmaker line id, memo of the line's checked outcome ids)
    of one outcome object, checked."""
    if type(item) is not dict:
        fail("wrong_type", f"{path} must be an object, got {json_type(item)}")
    specifier = item.get("special_bet_value")
    line_id = (native_text, specifier if type(specifier) is str else repr(specifier))
    if specifier is None:
        specifier = ""
    slot = uof_slot(native, specifier) if type(specifier) is str else None
    return slot, line_id, _NO_IDS if slot is None else outcome_ids(slot[1])


def _collect(
    markets: list[Any], event_off: bool, collector: LineCollector
) -> tuple[dict[LineId, None], dict[LineId, None]]:
    """File every outcome under its line; return (every bookmaker line sent, the mapped ones).

    The hot path: a line seen before (same ``sub_type_id`` and ``special_bet_value``) comes
    from a memo through a plain subscript; an outcome is read afresh, its canonical id from
    the line's memo of checked ids (:func:`~streams.adapters._uof.outcome_ids`), its
    ``odd_value`` parsed. Anything the fast path does not take (a line or an id not seen
    before, a field of another type, a price out of range) goes through :func:`_line` /
    :func:`_outcome`, which check it. :meth:`LineCollector.add` is inlined (same rule).
    """
    buckets = collector.buckets
    lines = _LINES
    twin: Any = OutcomeTwin
    canonical_class = Outcome
    low, high, nan = _MIN_PRICE, _MAX_PRICE, _NAN
    sent: dict[LineId, None] = {}
    placed: dict[LineId, None] = {}
    for market in markets:
        if type(market) is not dict:
            fail(
                "wrong_type",
                f"data[0].odds[{_index(markets, market)}] must be an object, got {json_type(market)}",
            )
        native = market.get("sub_type_id")
        if type(native) in _ID_TYPES and type(native) is not bool:
            native_text = native if type(native) is str and native and native == native.strip() else None
        else:
            native_text = None
        where = ""  # the market's JSON path, worked out only for an error message
        if native_text is None:
            native_text = (
                str(native)
                if type(native) is int
                else id_text(native, f"data[0].odds[{_index(markets, market)}].sub_type_id")
            )
        market_off = event_off or market.get("market_active") in _OFF
        items = market.get("odds")
        if not items:
            sent[native_text, None] = None
            continue
        if type(items) is not list:
            as_list(items, f"data[0].odds[{_index(markets, market)}].odds")
        memo_ok = type(native) in _ID_TYPES
        spec: object = _NONE  # the line of the previous outcome (outcomes of one line are adjacent)
        slot: Slot | None = None
        ids: dict[str, str] = _NO_IDS
        bucket: dict[str, Outcome] = {}
        for item in items:
            try:
                # spec is text, None or _NONE: only the same text or None equals it
                if item["special_bet_value"] != spec:
                    spec = item["special_bet_value"]
                    found_line = lines[native, spec] if memo_ok else None
                    if found_line is None:
                        raise KeyError(spec)
                    slot, line_id, ids = found_line
                    sent[line_id] = None
                    if slot is not None:
                        placed[line_id] = None
                        bucket = buckets.setdefault(slot, {})
            except (KeyError, TypeError):
                where = where or f"data[0].odds[{_index(markets, market)}]"
                slot, line_id, ids = _line(native, native_text, item, f"{where}.odds[{_index(items, item)}]")
                spec = item.get("special_bet_value")
                if memo_ok and (spec is None or type(spec) is str):
                    lines.put((native, spec), (slot, line_id, ids))
                else:
                    spec = _NONE  # never memoized: read the next outcome's line afresh
                sent[line_id] = None
                if slot is not None:
                    placed[line_id] = None
                    bucket = buckets.setdefault(slot, {})
            if slot is None:
                continue
            try:  # streams.adapters._twins.new_outcome inlined (made: an OutcomeTwin, then an Outcome)
                sent_id = item["outcome_id"]
                if type(sent_id) is int:  # live sends ints: the memo holds their text (a bool is not int)
                    sent_id = str(sent_id)
                if market_off or ((flag := item.get("odd_active")) is not None and flag in _OFF):
                    price, readable = None, True
                else:
                    odds = item["odd_value"]
                    price = float(odds) if type(odds) is str else nan
                    readable = low < price <= high
                if readable:
                    made = twin()
                    made.outcome_id = outcome_id = ids[sent_id]
                    made.price = price
                    made.active = price is not None
                    made.__class__ = canonical_class
                else:
                    made = None
            except (KeyError, TypeError, ValueError):
                made = None
            if made is None:
                active = not market_off and item.get("odd_active") not in _OFF
                made = _outcome(markets, market, items, item, slot[1], active)
                outcome_id = made.outcome_id
            if outcome_id in bucket:
                previous = bucket[outcome_id]
                better = made.price
                if better is not None and (previous.price is None or better > previous.price):
                    bucket[outcome_id] = made
            else:
                bucket[outcome_id] = made
    return sent, placed


def _outcome(
    markets: list[Any], market: object, items: list[Any], item: dict[str, Any], line: str, active: bool
) -> Outcome:
    """The checked :class:`Outcome` of one outcome object; its id is remembered as checked.
    The JSON path is worked out only for an error message."""

    def where(field: str) -> Callable[[], str]:
        return lambda: f"data[0].odds[{_index(markets, market)}].odds[{_index(items, item)}]{field}"

    raw_id = item.get("outcome_id")
    text = text_id(raw_id, where(".outcome_id"))
    outcome_id = uof_outcome(text, line)
    if type(raw_id) is str or type(raw_id) is int:  # an int is remembered as its text
        remember_outcome_id(line, raw_id if type(raw_id) is str else text, outcome_id)
    if not active:
        return outcome(outcome_id, None)
    return outcome(outcome_id, quoted_price(item.get("odd_value"), where(".odd_value")))
