"""The Odds API v4 adapter: one event × one source bookmaker → :class:`CanonicalEventOddsV1` (pure).

Contract
--------
* Input: one event object of a v4 odds response (``GET /v4/sports/{sport}/odds`` or
  ``/v4/sports/{sport}/events/{eventId}/odds`` with ``oddsFormat=decimal``) whose
  ``bookmakers`` array holds **exactly one** source bookmaker. A scraper splits each
  response with :func:`split_response` (one capture per event × source bookmaker,
  ``docs/WIRE.md``); a payload with zero or several bookmakers is ``bad_value``.
* Identity: the canonical bookmaker is ``theoddsapi.<bookmaker key>`` (``theoddsapi.pinnacle``)
  so each source book keeps its own board; ``bookmaker_event_id`` is the event ``id``
  (shared by the source books of one event). The feed carries no Sportradar id:
  ``sportradar_id`` is always None and the event is matched by names and kickoff
  (:mod:`streams.matching`).
* Sport from the ``sport_key`` prefix (``soccer_``, ``basketball_``, ``tennis_``); anything
  else is ``unsupported_sport``. ``commence_time`` is ISO-8601 with an offset.
* Markets: ``h2h`` and ``h2h_3_way`` → soccer 1X2 (UOF 1; home/Draw/away → 1/2/3; a soccer
  h2h without a Draw outcome is unmapped), basketball moneyline (219), tennis winner (186);
  ``spreads`` → Asian handicap (16 / 223 / 187) with ``hcp`` from the home side (the home
  outcome's ``point``, or minus the away one's); ``totals`` → total goals / points / games
  (18 / 225 / 189) with ``total=point``, outcomes ``Over``/``Under`` → 12/13. Outcome names
  other than the two teams, ``Draw``, ``Over`` and ``Under`` are skipped; other market keys
  (``h2h_lay``, ``outrights``, player props) are counted in ``unmapped``.
* Prices are decimal: a finite number in (1, 10000], else the whole capture is
  ``absurd_odds`` (an American price such as ``-303`` lands there too). One bookmaker line
  is one (market key, ``point`` magnitude).
* The feed has no live flag: ``live`` is ``commence_time <= captured_at``; ``sport_title``
  (optional) is the tournament, ``category`` is None.
* Only :class:`~streams.errors.DataError` leaves :func:`normalize` / :func:`extract_ids`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from streams.adapters._common import (
    BOUNDARY_ERRORS,
    as_list,
    as_object,
    fail,
    kickoff_from_text,
    malformed,
    price_number,
    req_str,
    utc_captured_at,
)
from streams.adapters._lines import LineCollector, counts, outcome
from streams.contracts.canonical import CanonicalEventOddsV1, Sport
from streams.errors import DataError
from streams.taxonomy import line_key

BOOKMAKER = "theoddsapi"

_SPORTS: dict[str, Sport] = {"soccer": "soccer", "basketball": "basketball", "tennis": "tennis"}
# sport -> market key -> canonical market id
_MARKETS: dict[Sport, dict[str, int]] = {
    "soccer": {"h2h": 1, "h2h_3_way": 1, "spreads": 16, "totals": 18},
    "basketball": {"h2h": 219, "spreads": 223, "totals": 225},
    "tennis": {"h2h": 186, "spreads": 187, "totals": 189},
}
_TOTALS = {"Over": "12", "Under": "13"}


def canonical_bookmaker(key: str) -> str:
    """``pinnacle`` → ``theoddsapi.pinnacle``: the canonical bookmaker of one source book."""
    return f"{BOOKMAKER}.{key}"


def split_response(response: object) -> list[tuple[str, dict[str, Any]]]:
    """A v4 odds response (an event array, or one event object) → one payload per event ×
    source bookmaker: ``[(bookmaker_event_id hint "<event id>:<book key>", payload), …]``.

    Each payload is the event object with ``bookmakers`` cut down to one entry, the shape
    :func:`normalize` reads. Raises ``DataError`` when the response is not v4-shaped.
    """
    try:
        events = [response] if isinstance(response, dict) else as_list(response, "response")
        out: list[tuple[str, dict[str, Any]]] = []
        for i, event in enumerate(events):
            doc = as_object(event, f"response[{i}]")
            event_id = req_str(doc.get("id"), f"response[{i}].id")
            for j, book in enumerate(as_list(doc.get("bookmakers"), f"response[{i}].bookmakers")):
                key = req_str(as_object(book, f"response[{i}].bookmakers[{j}]").get("key"), "key")
                out.append((f"{event_id}:{key}", {**doc, "bookmakers": [book]}))
        return out
    except BOUNDARY_ERRORS as exc:
        raise malformed(BOOKMAKER, exc) from exc


def extract_ids(payload: object) -> tuple[str, int | None]:
    """``("<event id>:<book key>", None)``: the feed has no Sportradar id."""
    try:
        doc = as_object(payload, "theoddsapi payload")
        return f"{req_str(doc.get('id'), 'id')}:{_book(doc)[0]}", None
    except BOUNDARY_ERRORS as exc:
        raise malformed(BOOKMAKER, exc) from exc


def normalize(payload: object, captured_at: datetime) -> CanonicalEventOddsV1:
    """Normalize one event × source bookmaker; raises only ``DataError``."""
    try:
        return _normalize(payload, captured_at)
    except BOUNDARY_ERRORS as exc:
        raise malformed(BOOKMAKER, exc) from exc


def _book(doc: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    books = as_list(doc.get("bookmakers"), "bookmakers")
    if len(books) != 1:
        fail("bad_value", f"bookmakers has {len(books)} entries; publish one capture per source bookmaker")
    book = as_object(books[0], "bookmakers[0]")
    key = req_str(book.get("key"), "bookmakers[0].key")
    if not key.replace("_", "").isalnum() or not key.isascii():
        fail("bad_value", f"bookmakers[0].key = {key!r} is not a bookmaker slug")
    return key.lower(), book


def _sport(doc: dict[str, Any]) -> Sport:
    sport_key = req_str(doc.get("sport_key"), "sport_key")
    sport = _SPORTS.get(sport_key.partition("_")[0])
    if sport is None:
        fail("unsupported_sport", f"sport_key {sport_key!r} is not a supported sport")
    return sport


def _normalize(payload: object, captured_at: datetime) -> CanonicalEventOddsV1:
    captured = utc_captured_at(captured_at)
    doc = as_object(payload, "theoddsapi payload")
    event_id = req_str(doc.get("id"), "id")
    sport = _sport(doc)
    home = req_str(doc.get("home_team"), "home_team")
    away = req_str(doc.get("away_team"), "away_team")
    kickoff = kickoff_from_text(doc.get("commence_time"), "commence_time", None)
    key, book = _book(doc)
    table = _MARKETS[sport]
    collector = LineCollector()
    placed: set[tuple[str, str]] = set()
    unknown: list[str] = []
    for i, market in enumerate(as_list(book.get("markets"), "bookmakers[0].markets")):
        path = f"bookmakers[0].markets[{i}]"
        market = as_object(market, path)
        market_key = req_str(market.get("key"), f"{path}.key")
        market_id = table.get(market_key)
        if market_id is None:
            unknown.append(market_key)
            continue
        outcomes = as_list(market.get("outcomes"), f"{path}.outcomes")
        if market_id in (1, 219, 186):
            _winner(collector, placed, market_key, market_id, outcomes, home, away, path)
        else:
            _lines(collector, placed, market_key, market_id, outcomes, home, away, path)
    return CanonicalEventOddsV1(
        bookmaker=canonical_bookmaker(key),
        bookmaker_event_id=event_id,
        sportradar_id=None,
        sport=sport,
        home=home,
        away=away,
        kickoff=kickoff,
        live=kickoff <= captured,
        captured_at=captured,
        category=None,
        tournament=_title(doc.get("sport_title")),
        lines=collector.build(),
        unmapped=counts(unknown),
        mapped_lines=len(placed),
    )


def _title(value: object) -> str | None:
    if isinstance(value, str) and "\x00" not in value:
        return value.strip() or None
    return None


def _price(found: dict[str, Any], path: str) -> float:
    value = found.get("price")
    if type(value) is float and 1.0 < value <= 10000.0:
        return value
    return price_number(value, f"{path}.price")


def _winner(
    collector: LineCollector,
    placed: set[tuple[str, str]],
    market_key: str,
    market_id: int,
    outcomes: list[Any],
    home: str,
    away: str,
    path: str,
) -> None:
    three_way = market_id == 1
    ids = {home: "1", away: "3", "Draw": "2"} if three_way else {home: "4", away: "5"}
    found: dict[str, float] = {}
    for k, item in enumerate(outcomes):
        item = as_object(item, f"{path}.outcomes[{k}]")
        outcome_id = ids.get(req_str(item.get("name"), f"{path}.outcomes[{k}].name"))
        if outcome_id is not None:
            found[outcome_id] = _price(item, f"{path}.outcomes[{k}]")
    if three_way and "2" not in found:
        return  # a two-way soccer h2h is not 1X2: left unmapped
    for outcome_id, price in found.items():
        collector.add((market_id, ""), outcome(outcome_id, price))
    if found:
        placed.add((market_key, ""))


def _lines(
    collector: LineCollector,
    placed: set[tuple[str, str]],
    market_key: str,
    market_id: int,
    outcomes: list[Any],
    home: str,
    away: str,
    path: str,
) -> None:
    totals = market_key == "totals"
    for k, item in enumerate(outcomes):
        where = f"{path}.outcomes[{k}]"
        item = as_object(item, where)
        name = req_str(item.get("name"), f"{where}.name")
        point = item.get("point")
        if isinstance(point, bool) or not isinstance(point, int | float):
            fail("wrong_type" if point is not None else "missing_field", f"{where}.point must be a number")
        if totals:
            outcome_id = _TOTALS.get(name)
            specifier = {"total": point}
        elif name == home:
            outcome_id, specifier = "1714", {"hcp": point}
        elif name == away:
            outcome_id, specifier = "1715", {"hcp": -point}
        else:
            outcome_id = None
        if outcome_id is None:
            continue
        try:
            line = line_key(**specifier)
        except DataError:
            continue  # a point the taxonomy cannot write (NaN, absurd): an unmapped line
        collector.add((market_id, line), outcome(outcome_id, _price(item, where)))
        placed.add((market_key, str(abs(point))))


__all__ = ["BOOKMAKER", "canonical_bookmaker", "extract_ids", "normalize", "split_response"]
