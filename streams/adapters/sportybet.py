"""SportyBet adapter: ``factsCenter/event`` JSON → :class:`CanonicalEventOddsV1` (pure, no I/O).

Contract
--------
* Input is the parsed response ``{"bizCode": 10000, "message": ..., "data": {...}}``;
  any other ``bizCode`` is ``DataError(kind="api_error")``.
* Identity: ``data.eventId`` is both SportyBet's own event id and, when it has the form
  ``sr:match:<n>``, the Sportradar match, read by
  :func:`streams.adapters._sportradar.sportradar_match` (another URN such as
  ``sr:simple_match:<n>`` → ``sportradar_id=None``; a value that is no id, such as
  ``sr:match:12x`` → ``bad_value``, as at every bookmaker).
* Every market is accepted generically: SportyBet sends UOF market ids, UOF specifiers and
  UOF outcome ids. The canonical market is :func:`streams.taxonomy.sportybet_market_id`
  of ``id`` (UOF ids as they are; SportyBet's own ids ≥ 60000 and ``BET_GENIUS`` ids in
  the SportyBet namespace); the line is the whole specifier with its keys sorted and its
  values canonical (``total=36.5|quarternr=2`` → ``quarternr=2|total=36.5``; ``variant=``
  included); outcome ids are kept as sent. A market whose id is not a number or whose
  specifier is not ``name=value|...`` is counted as unmapped (its outcomes are not read).
* ``isActive`` 0 → inactive outcome without price. An active outcome whose ``odds`` is
  not a finite decimal in (1.0, 10000] rejects the **whole capture**
  (``DataError(kind="absurd_odds")``) so it reaches the DLQ with its original bytes; a
  capture with one impossible price is not trusted for the others.
* One market entry is one bookmaker line; an entry without outcomes counts as unmapped.
  Market ``status`` is ignored (its meaning is undocumented, it is not UOF status).
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
    id_text,
    json_type,
    kickoff_from_ms,
    malformed,
    opt_str,
    price_number,
    price_text,
    req_str,
    utc_captured_at,
)
from streams.adapters._lines import BoundedCache, LineCollector, counts, outcome
from streams.adapters._sportradar import sportradar_match
from streams.contracts.canonical import CanonicalEventOddsV1, Outcome, Sport
from streams.taxonomy import MAX_PRICE, MIN_PRICE, canonical_specifier, sportybet_market_id

BOOKMAKER = "sportybet"
SUCCESS = 10000

_SPORTS: dict[str, Sport] = {"sr:sport:1": "soccer", "sr:sport:2": "basketball", "sr:sport:5": "tennis"}
_UNFIT = (0, "")  # cache marker: no canonical home (never a real slot: market ids start at 1)
_SLOTS = BoundedCache(50_000)  # (id, specifier or None, genius) -> (market id, line key) | _UNFIT
_PRICED = BoundedCache(50_000)  # (outcome id, odds text, isActive) -> Outcome


def extract_ids(payload: object) -> tuple[str, int | None]:
    """``(data.eventId, sportradar match number or None)`` without reading the markets."""
    try:
        data = _data(payload)
        event_id = req_str(data.get("eventId"), "data.eventId")
        return event_id, _sportradar(event_id)
    except BOUNDARY_ERRORS as exc:
        raise malformed(BOOKMAKER, exc) from exc


def normalize(payload: object, captured_at: datetime) -> CanonicalEventOddsV1:
    """Normalize one SportyBet event response; raises only ``DataError``."""
    try:
        return _normalize(payload, captured_at)
    except BOUNDARY_ERRORS as exc:
        raise malformed(BOOKMAKER, exc) from exc


def _data(payload: object) -> dict[str, Any]:
    doc = as_object(payload, "sportybet payload")
    biz = doc.get("bizCode")
    if biz != SUCCESS or isinstance(biz, bool):
        fail("api_error", f"bizCode is {biz!r} (message {doc.get('message')!r}); only {SUCCESS} is success")
    return as_object(doc.get("data"), "data")


def _sportradar(event_id: str) -> int | None:
    return sportradar_match(event_id, "data.eventId")


def _sport(data: dict[str, Any]) -> Sport:
    sport_id = req_str(as_object(data.get("sport"), "data.sport").get("id"), "data.sport.id")
    sport = _SPORTS.get(sport_id)
    if sport is None:
        fail("unsupported_sport", f"data.sport.id {sport_id!r} is not soccer, basketball or tennis")
    return sport


#: ``data.matchStatus`` values of a finished match (others: "Not start", "H1", "HT", "H2" …)
_ENDED = frozenset({"Ended", "AET", "AP"})


def _text(value: object) -> str | None:
    """``value`` if it is text, else None (an unhashable value never reaches a set lookup)."""
    return value if type(value) is str else None


def _normalize(payload: object, captured_at: datetime) -> CanonicalEventOddsV1:
    captured = utc_captured_at(captured_at)
    data = _data(payload)
    event_id = req_str(data.get("eventId"), "data.eventId")
    sport = _sport(data)
    category = data["sport"].get("category")
    tournament = category.get("tournament") if isinstance(category, dict) else None
    status = data.get("status")
    markets = as_list(data.get("markets"), "data.markets")

    collector = LineCollector()
    unmapped, mapped = _collect(markets, collector)

    return CanonicalEventOddsV1(
        bookmaker=BOOKMAKER,
        bookmaker_event_id=event_id,
        sportradar_id=_sportradar(event_id),
        sport=sport,
        home=req_str(data.get("homeTeamName"), "data.homeTeamName"),
        away=req_str(data.get("awayTeamName"), "data.awayTeamName"),
        kickoff=kickoff_from_ms(data.get("estimateStartTime"), "data.estimateStartTime"),
        live=status == 1 and not isinstance(status, bool),
        captured_at=captured,
        category=opt_str(category.get("name"), "data.sport.category.name")
        if isinstance(category, dict)
        else None,
        tournament=opt_str(tournament.get("name"), "data.sport.category.tournament.name")
        if isinstance(tournament, dict)
        else None,
        lines=collector.build(),
        status="ended" if _text(data.get("matchStatus")) in _ENDED else None,
        unmapped=counts(unmapped),
        mapped_lines=mapped,
    )


def _resolve(market_id: str, specifier: str | None, genius: bool) -> tuple[int, str]:
    if not (market_id.isascii() and market_id.isdigit() and len(market_id) <= 9):
        return _UNFIT
    canonical = sportybet_market_id(int(market_id), genius)
    line = "" if specifier is None else canonical_specifier(specifier)
    if canonical is None or line is None:
        return _UNFIT
    return canonical, line


def _index(items: list[Any], item: object) -> int:
    """Position of ``item`` (by identity) in ``items``: the hot loops skip ``enumerate``."""
    return next(k for k, x in enumerate(items) if x is item)


def _collect(markets: list[Any], collector: LineCollector) -> tuple[list[str], int]:
    """File every market entry's outcomes; return (unmapped market ids, one per line; mapped lines).

    The hot path (every entry of the capture is read): outcomes seen before
    (same id, odds text and ``isActive``) come from a memo through plain subscripts; any
    other goes through :func:`_outcome`, which checks it. :meth:`LineCollector.add` is
    inlined (same rule): entries that share a slot merge, whatever their order.
    """
    buckets = collector.buckets
    slots = _SLOTS
    priced = _PRICED
    unmapped: list[str] = []
    mapped = 0
    for market in markets:
        if type(market) is not dict:
            i = _index(markets, market)
            fail("wrong_type", f"data.markets[{i}] must be an object, got {json_type(market)}")
        market_id = market.get("id")
        if type(market_id) is not str:
            market_id = id_text(market_id, f"data.markets[{_index(markets, market)}].id")
        specifier = market.get("specifier")
        genius = market.get("sourceType") == "BET_GENIUS"
        if specifier is None or type(specifier) is str:
            key = (market_id, specifier, genius)
            slot = slots.get(key) or slots.lookup(key)
            if slot is None:
                slot = _resolve(market_id, specifier, genius)
                slots.put(key, slot)
        else:
            slot = _UNFIT
        outcomes = market.get("outcomes")
        if slot is _UNFIT or not outcomes:
            unmapped.append(market_id)
            continue
        if type(outcomes) is not list:
            as_list(outcomes, f"data.markets[{_index(markets, market)}].outcomes")
        bucket = buckets.get(slot)
        if bucket is None:
            bucket = buckets[slot] = {}
        mapped += 1
        for item in outcomes:
            try:
                found = priced[item["id"], item["odds"], item["isActive"]]
            except (KeyError, TypeError):
                found = _outcome(markets, market, item)
            previous = bucket.setdefault(found.outcome_id, found)
            if previous is not found:
                price = found.price
                if price is not None and (previous.price is None or price > previous.price):
                    bucket[found.outcome_id] = found
    return unmapped, mapped


def _outcome(markets: list[Any], market: dict[str, Any], item: object) -> Outcome:
    """The checked :class:`Outcome` of one outcome object, remembered for the next capture.

    The JSON path of a failing field is only worked out when it fails.
    """

    def path(field: str = "") -> str:
        i, j = _index(markets, market), _index(market["outcomes"], item)
        return f"data.markets[{i}].outcomes[{j}]{field}"

    if type(item) is not dict:
        fail("wrong_type", f"{path()} must be an object, got {json_type(item)}")
    raw_id = outcome_id = item.get("id")
    if type(outcome_id) is not str or not outcome_id or "\x00" in outcome_id:
        outcome_id = id_text(outcome_id, path(".id"))
    active = item.get("isActive")
    odds = item.get("odds")
    if active == 0:  # inactive: its odds are not a price and are never read
        found = outcome(outcome_id, None)
    elif active != 1:
        if active is None:
            fail("missing_field", f"{path('.isActive')} is missing")
        fail("bad_value", f"{path('.isActive')} must be 1 or 0, got {active!r}")
    else:
        price = _price_text(odds, path) if type(odds) is str else price_number(odds, path(".odds"))
        found = outcome(outcome_id, price)
    if type(raw_id) is str and raw_id == outcome_id and type(odds) is str and type(active) is int:
        _PRICED.put((outcome_id, odds, active), found)
    return found


def _price_text(text: str, path: Callable[[str], str]) -> float:
    try:
        price = float(text)
    except ValueError:
        price = math.nan
    if MIN_PRICE < price <= MAX_PRICE:
        return price
    return price_text(text, path(".odds"))  # raises, naming the field
