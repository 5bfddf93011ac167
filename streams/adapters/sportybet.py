"""SportyBet adapter: ``factsCenter/event`` JSON → :class:`CanonicalEventOddsV1` (pure, no I/O).

Contract
--------
* Input is the parsed response ``{"bizCode": 10000, "message": ..., "data": {...}}``;
  any other ``bizCode`` is ``DataError(kind="api_error")``.
* Identity: ``data.eventId`` is both SportyBet's own event id and, when it has the form
  ``sr:match:<n>``, the Sportradar match (any other form → ``sportradar_id=None``).
* SportyBet market and outcome ids *are* UOF ids, so mapping is an id lookup; the line
  comes from the UOF ``specifier``. ``variant=`` parts are ignored (they name outcome
  sets, not lines); a specifier whose keys differ from the canonical market's
  specifier is a different market and is counted as unmapped.
* ``isActive`` 0 → inactive outcome without price. An active outcome whose ``odds`` is
  not a finite decimal in (1.0, 10000] rejects the **whole capture**
  (``DataError(kind="absurd_odds")``) so it reaches the DLQ with its original bytes; a
  capture with one impossible price is not trusted for the others.
* Outcome ids unknown to the canonical market (e.g. a correct score 5:0) are skipped.
* Market ``status`` is ignored (its meaning is undocumented, it is not UOF status).
* Only :class:`~streams.errors.DataError` leaves :func:`normalize`/:func:`extract_ids`.
"""

from __future__ import annotations

import re
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
from streams.adapters._lines import BoundedCache, LineCollector, format_line
from streams.contracts.canonical import CanonicalEventOddsV1, Sport
from streams.taxonomy import MARKETS, MarketSpec

BOOKMAKER = "sportybet"
SUCCESS = 10000

_SPORTS: dict[str, Sport] = {"sr:sport:1": "soccer", "sr:sport:2": "basketball", "sr:sport:5": "tennis"}
_BY_ID: dict[str, MarketSpec] = {m.sportybet: m for m in MARKETS}
_MATCH_URN = re.compile(r"sr:match:([0-9]{1,18})")
_IGNORED_SPECIFIERS = frozenset({"variant"})
_UNFIT = "\x00unfit"  # cache marker: the specifier belongs to another market (never a line key)
_LINES = BoundedCache(50_000)  # (market id, specifier) -> line key | _UNFIT


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
    match = _MATCH_URN.fullmatch(event_id)
    return int(match.group(1)) or None if match else None


def _sport(data: dict[str, Any]) -> Sport:
    sport_id = req_str(as_object(data.get("sport"), "data.sport").get("id"), "data.sport.id")
    sport = _SPORTS.get(sport_id)
    if sport is None:
        fail("unsupported_sport", f"data.sport.id {sport_id!r} is not soccer, basketball or tennis")
    return sport


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
    unmapped: dict[str, int] = {}
    for i, market in enumerate(markets):
        if not isinstance(market, dict):
            fail("wrong_type", f"data.markets[{i}] must be an object, got {json_type(market)}")
        market_id = market.get("id")
        if not isinstance(market_id, str):
            market_id = id_text(market_id, f"data.markets[{i}].id")
        spec = _BY_ID.get(market_id)
        line = None if spec is None or spec.sport != sport else _line(spec, market.get("specifier"), i)
        if spec is None or line is None:
            unmapped[market_id] = unmapped.get(market_id, 0) + 1
            continue
        _outcomes(collector, spec, line, market.get("outcomes"), i)

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
        unmapped={market_id: unmapped[market_id] for market_id in sorted(unmapped)},
    )


def _line(spec: MarketSpec, specifier: object, i: int) -> str | None:
    """Canonical line key of a market entry, or None when its specifier is another market's."""
    if specifier is None:
        specifier = ""
    elif not isinstance(specifier, str):
        fail("wrong_type", f"data.markets[{i}].specifier must be a string, got {json_type(specifier)}")
    key = (spec.sportybet, specifier)
    line: str | None = _LINES.lookup(key)
    if line is None:
        line = _parse_specifier(spec, specifier, i)
        _LINES.put(key, line)
    return None if line == _UNFIT else line


def _parse_specifier(spec: MarketSpec, specifier: str, i: int) -> str:
    pairs: dict[str, str] = {}
    for part in specifier.split("|"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep:
            fail("bad_value", f"data.markets[{i}].specifier = {specifier!r} is not UOF 'name=value|...'")
        if name.strip() not in _IGNORED_SPECIFIERS:
            pairs[name.strip()] = value.strip()
    if spec.specifier is None:
        return "" if not pairs else _UNFIT
    if pairs.keys() != {spec.specifier}:
        return _UNFIT
    return format_line(spec, pairs[spec.specifier], f"data.markets[{i}].specifier")


def _outcomes(collector: LineCollector, spec: MarketSpec, line: str, outcomes: object, i: int) -> None:
    rank = spec.rank
    slot = (spec.market_id, line)
    for j, outcome in enumerate(as_list(outcomes, f"data.markets[{i}].outcomes")):
        if not isinstance(outcome, dict):
            fail("wrong_type", f"data.markets[{i}].outcomes[{j}] must be an object, got {json_type(outcome)}")
        outcome_id = outcome.get("id")
        if not isinstance(outcome_id, str):
            outcome_id = id_text(outcome_id, f"data.markets[{i}].outcomes[{j}].id")
        position = rank.get(outcome_id)
        if position is None:
            continue
        active = outcome.get("isActive")
        if active == 0:  # inactive: its odds are not a price and are never read
            collector.add(slot, position, outcome_id, None)
            continue
        if active != 1:
            path = f"data.markets[{i}].outcomes[{j}].isActive"
            if active is None:
                fail("missing_field", f"{path} is missing")
            fail("bad_value", f"{path} must be 1 or 0, got {active!r}")
        odds = outcome.get("odds")
        if isinstance(odds, str):
            price = price_text(odds, f"data.markets[{i}].outcomes[{j}].odds")
        else:
            price = price_number(odds, f"data.markets[{i}].outcomes[{j}].odds")
        collector.add(slot, position, outcome_id, price)
