"""MSport adapter: event JSON ``{bizCode, data: {event…, markets[]}}`` → :class:`CanonicalEventOddsV1` (pure).

Contract
--------
* Input is the parsed response; any ``bizCode`` other than ``10000`` is ``api_error``.
* Identity: ``data.eventId`` (``sr:match:<n>``) is MSport's event id and, through
  :func:`~streams.adapters._sportradar.sportradar_match`, the Sportradar match.
* Sport from ``data.sportId`` (``sr:sport:1`` soccer, ``sr:sport:2`` basketball,
  ``sr:sport:5`` tennis), else ``unsupported_sport``. Kickoff ``data.startTime`` (epoch ms);
  ``status`` 1 is live. ``category``/``tournament`` are the names.
* Markets are read generically (:mod:`streams.adapters._uof`): ``id`` is the UOF market id,
  ``specifiers`` the UOF specifier (pairs joined by ``|``, keys in any order: normalized),
  outcome ``id`` the UOF outcome id (variant and player ids kept as sent). MSport's own ids
  (5000001/5000002, the early-payout 1X2s) and unreadable specifiers are unmapped lines.
* One market object is one bookmaker line. ``isActive`` 0 (or ``false``) → inactive outcome,
  its price never read (placeholders such as ``"0.00"`` and stale prices stay out); an active outcome
  whose ``odds`` is not a price in (1.0, 10000] rejects the whole capture (``absurd_odds``).
  ``marketsCount`` is ignored (it is not the list's size).
* Only :class:`~streams.errors.DataError` leaves :func:`normalize`/:func:`extract_ids`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from streams.adapters._common import (
    BOUNDARY_ERRORS,
    as_list,
    as_object,
    fail,
    json_type,
    kickoff_from_ms,
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

BOOKMAKER = "msport"
SUCCESS = 10000
_SPORTS: dict[str, Sport] = {"sr:sport:1": "soccer", "sr:sport:2": "basketball", "sr:sport:5": "tennis"}
_ID_TYPES = (int, str)
# (id, specifiers) -> (Slot or None, id as text, memo of the line's checked outcome ids)
_SLOTS = BoundedCache(50_000)
_NO_IDS: dict[str, str] = {}  # the outcome id memo of a line without canonical home: never read
_NAN = math.nan


def extract_ids(payload: object) -> tuple[str, int | None]:
    """``(data.eventId, Sportradar match number or None)`` without reading the markets."""
    try:
        data = _data(payload)
        event_id = req_str(data.get("eventId"), "data.eventId")
        return event_id, sportradar_match(event_id, "data.eventId")
    except BOUNDARY_ERRORS as exc:
        raise malformed(BOOKMAKER, exc) from exc


def normalize(payload: object, captured_at: datetime) -> CanonicalEventOddsV1:
    """Normalize one MSport event response; raises only ``DataError``."""
    try:
        return _normalize(payload, captured_at)
    except BOUNDARY_ERRORS as exc:
        raise malformed(BOOKMAKER, exc) from exc


def native_lines(payload: Any) -> dict[str, tuple[str, int]]:
    """``{market id: (name, lines sent)}``: one line per market object (for coverage)."""
    out: dict[str, tuple[str, int]] = {}
    for market in payload["data"]["markets"]:
        native = str(market["id"]).strip()
        name, lines = out.get(native, (str(market.get("name") or native), 0))
        out[native] = (name, lines + 1)
    return out


def _index(items: list[Any], item: object) -> int:
    """Position of ``item`` (by identity) in ``items``: the hot loops skip ``enumerate``."""
    return next(k for k, x in enumerate(items) if x is item)


def _data(payload: object) -> dict[str, Any]:
    doc = as_object(payload, "msport payload")
    biz = doc.get("bizCode")
    if biz != SUCCESS or isinstance(biz, bool):
        fail("api_error", f"bizCode is {biz!r} (message {doc.get('message')!r}); only {SUCCESS} is success")
    return as_object(doc.get("data"), "data")


def _normalize(payload: object, captured_at: datetime) -> CanonicalEventOddsV1:
    captured = utc_captured_at(captured_at)
    data = _data(payload)
    event_id = req_str(data.get("eventId"), "data.eventId")
    sport_id = data.get("sportId")
    sport = _SPORTS.get(sport_id) if isinstance(sport_id, str) else None
    if sport is None:
        fail("unsupported_sport", f"data.sportId {sport_id!r} is not soccer, basketball or tennis")
    status = data.get("status")
    collector = LineCollector()
    unmapped, mapped = _collect(as_list(data.get("markets"), "data.markets"), collector)
    return CanonicalEventOddsV1(
        bookmaker=BOOKMAKER,
        bookmaker_event_id=event_id,
        sportradar_id=sportradar_match(event_id, "data.eventId"),
        sport=sport,
        home=req_str(data.get("homeTeam"), "data.homeTeam"),
        away=req_str(data.get("awayTeam"), "data.awayTeam"),
        kickoff=kickoff_from_ms(data.get("startTime"), "data.startTime"),
        live=status == 1 and type(status) is int,
        captured_at=captured,
        category=opt_str(data.get("category"), "data.category"),
        tournament=opt_str(data.get("tournament"), "data.tournament"),
        lines=collector.build(),
        unmapped=counts(unmapped),
        mapped_lines=mapped,
    )


def _slot(markets: list[Any], market: object) -> tuple[Slot | None, str, dict[str, str]]:
    """(canonical slot or None, native id as text, memo of the line's checked outcome ids)
    of one market object, checked."""
    if type(market) is not dict:
        fail(
            "wrong_type",
            f"data.markets[{_index(markets, market)}] must be an object, got {json_type(market)}",
        )
    native = market.get("id")
    native_text = text_id(native, lambda: f"data.markets[{_index(markets, market)}].id")
    specifier = market.get("specifiers")
    slot = uof_slot(native, specifier or "") if specifier is None or type(specifier) is str else None
    return slot, native_text, _NO_IDS if slot is None else outcome_ids(slot[1])


def _collect(markets: list[Any], collector: LineCollector) -> tuple[list[str], int]:
    """File every market object's outcomes; return (unmapped native ids, one per line; mapped lines).

    The hot path: a market's line comes from a memo keyed by (``id``, ``specifiers``); an
    outcome is read afresh, its canonical id from the memo of checked ids
    (:func:`~streams.adapters._uof.outcome_ids`). Anything the fast path does not take (an
    id not seen before, a field of another type, a price out of range) goes through
    :func:`_outcome`, which checks it. :meth:`LineCollector.add` is inlined (same rule).
    """
    buckets = collector.buckets
    slots = _SLOTS
    twin: Any = OutcomeTwin
    canonical_class = Outcome
    low, high, nan = _MIN_PRICE, _MAX_PRICE, _NAN
    unmapped: list[str] = []
    mapped = 0
    for market in markets:
        try:
            key = (market["id"], market["specifiers"])
            found_slot = slots[key]
        except (KeyError, TypeError):
            found_slot = None
        if found_slot is None or (type(key[0]) is not int and type(key[0]) is not str):
            found_slot = _slot(markets, market)  # checks; a bool or float id never reads the memo
            if type(market.get("id")) in _ID_TYPES and type(market.get("specifiers")) is str:
                slots.put((market["id"], market["specifiers"]), found_slot)
        slot, native_text, ids = found_slot
        outcomes = market.get("outcomes")
        if slot is None or not outcomes:
            unmapped.append(native_text)
            continue
        if type(outcomes) is not list:
            as_list(outcomes, f"data.markets[{_index(markets, market)}].outcomes")
        mapped += 1
        bucket = buckets.get(slot)
        if bucket is None:
            bucket = buckets[slot] = {}
        for item in outcomes:
            try:  # streams.adapters._twins.new_outcome inlined (made: an OutcomeTwin, then an Outcome)
                active = item["isActive"]
                if active == 1:
                    odds = item["odds"]
                    price = float(odds) if type(odds) is str else nan
                    readable = low < price <= high
                else:
                    price, readable = None, active == 0
                if readable:
                    made = twin()
                    made.outcome_id = outcome_id = ids[item["id"]]
                    made.price = price
                    made.active = price is not None
                    made.__class__ = canonical_class
                else:
                    made = None
            except (KeyError, TypeError, ValueError):
                made = None
            if made is None:
                made = _outcome(markets, market, item, slot[1])
                outcome_id = made.outcome_id
            if outcome_id in bucket:
                previous = bucket[outcome_id]
                price = made.price
                if price is not None and (previous.price is None or price > previous.price):
                    bucket[outcome_id] = made
            else:
                bucket[outcome_id] = made
    return unmapped, mapped


def _outcome(markets: list[Any], market: dict[str, Any], item: object, line: str) -> Outcome:
    """The checked :class:`Outcome` of one outcome object; its id is remembered as checked."""

    def where(field: str = "") -> Callable[[], str]:
        def path() -> str:
            i, j = _index(markets, market), _index(market["outcomes"], item)
            return f"data.markets[{i}].outcomes[{j}]{field}"

        return path

    if type(item) is not dict:
        fail("wrong_type", f"{where()()} must be an object, got {json_type(item)}")
    raw_id = item.get("id")
    outcome_id = uof_outcome(text_id(raw_id, where(".id")), line)
    active = item.get("isActive")
    odds = item.get("odds")
    if active == 0:  # inactive (0 or false): its odds are not a price and are never read
        found = outcome(outcome_id, None)
    elif active == 1:
        found = outcome(outcome_id, quoted_price(odds, where(".odds")))
    elif active is None:
        fail("missing_field", f"{where('.isActive')()} is missing")
    else:
        fail("bad_value", f"{where('.isActive')()} must be 1 or 0, got {active!r}")
    if type(raw_id) is str:
        remember_outcome_id(line, raw_id, outcome_id)
    return found
