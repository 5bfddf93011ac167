"""SportPesa adapter: the split event ``{"event": …, "markets": …}`` → :class:`CanonicalEventOddsV1` (pure).

Contract
--------
* Input is the split-event envelope of ``docs/WIRE.md``: ``event`` is the event's entry of
  SportPesa's listing (an object of the top-level array), ``markets`` the markets response
  (an object keyed by the event id as text → array of markets). A missing half is
  ``missing_field``; a markets response without the listing's id is ``bad_value`` (halves of
  two events). The listing's own ``markets`` (its 3 Way) are not read: the markets response
  carries them.
* Identity: ``id`` (an int) is SportPesa's event id, ``betradarId`` the Sportradar match
  (:func:`~streams.adapters._sportradar.sportradar_match`; ``betgeniusId`` is not read).
  Teams: ``competitors[0]``/``[1]`` (home first). Kickoff ``dateTimestamp`` (epoch ms), else
  ``date`` (ISO-8601 UTC). Sport from ``sport.id`` (SportPesa's own: 1 soccer,
  2 basketball, 4 tennis). The payload has no in-play flag: the event counts as live once
  its kickoff is past at ``captured_at``.
* Markets are read through :data:`streams.taxonomy.tables.SPORTPESA`, keyed by (sport,
  market ``id``): SportPesa reuses ids across sports (51 is an Asian handicap, a game
  handicap and a points handicap). One bookmaker line is one (market ``id``, ``specValue``).
  ``specValue`` is the line (home side for handicaps; the Euro handicap's whole goals
  become ``hcp=a:b``); on a market without a line it must be 0, else the line is unmapped.
  Selections are keyed by ``shortName``; unknown ones in a mapped market are skipped.
* SportPesa sends no suspension flags: every selection listed is active, and one whose
  ``odds`` is not a price in (1.0, 10000] rejects the capture (``absurd_odds``).
* Only :class:`~streams.errors.DataError` leaves :func:`normalize`/:func:`extract_ids`.
"""

from __future__ import annotations

import math
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
    kickoff_from_text,
    malformed,
    opt_str,
    quoted_price,
    req_str,
    utc_captured_at,
)
from streams.adapters._lines import BoundedCache, LineCollector, counts, outcome
from streams.adapters._split import halves
from streams.adapters._sportradar import sportradar_match
from streams.adapters._twins import OutcomeTwin
from streams.contracts.canonical import CanonicalEventOddsV1, Outcome, Sport
from streams.errors import DataError
from streams.taxonomy import MAX_PRICE as _MAX_PRICE
from streams.taxonomy import MIN_PRICE as _MIN_PRICE
from streams.taxonomy import canonical_decimal
from streams.taxonomy.tables import SPORTPESA, NativeMarket

BOOKMAKER = "sportpesa"
_SPORTS: dict[int, Sport] = {1: "soccer", 2: "basketball", 4: "tennis"}
_TABLE: dict[Sport, dict[str, NativeMarket]] = {}
for (_sport_key, _native), _spec in SPORTPESA.items():
    _TABLE.setdefault(_sport_key, {})[_native] = _spec
_UNFIT = "\x00unfit"
_LINES = BoundedCache(20_000)  # (sport, market id, specValue) -> line key | _UNFIT
_SPORT_CODES: dict[Sport, int] = {"soccer": 0, "basketball": 1, "tennis": 2}
LineId = tuple[str, object]  # (market id as text, specValue): one bookmaker line
# (market id × 4 + sport code, specValue) -> (NativeMarket | None, line key | None, line id)
_MARKETS = BoundedCache(20_000)
_NAN = math.nan


def extract_ids(payload: object) -> tuple[str, int | None]:
    """``(id, Sportradar match number or None)`` from the listing half."""
    try:
        event = halves(BOOKMAKER, payload, "event", "markets")[0]
        return id_text(event.get("id"), "event.id"), sportradar_match(
            event.get("betradarId"), "event.betradarId"
        )
    except BOUNDARY_ERRORS as exc:
        raise malformed(BOOKMAKER, exc) from exc


def normalize(payload: object, captured_at: datetime) -> CanonicalEventOddsV1:
    """Normalize one SportPesa split event; raises only ``DataError``."""
    try:
        return _normalize(payload, captured_at)
    except BOUNDARY_ERRORS as exc:
        raise malformed(BOOKMAKER, exc) from exc


def native_lines(payload: Any) -> dict[str, tuple[str, int]]:
    """``{market id: (name, lines sent)}``: one line per (id, ``specValue``)."""
    event_id = str(payload["event"]["id"])
    lines: dict[str, set[object]] = {}
    names: dict[str, str] = {}
    for market in payload["markets"][event_id]:
        native = str(market["id"]).strip()
        names.setdefault(native, str(market.get("name") or native))
        value = market.get("specValue")
        lines.setdefault(native, set()).add(value if type(value) in (int, float, str) else repr(value))
    return {native: (names[native], len(found)) for native, found in lines.items()}


def _teams(event: dict[str, Any]) -> tuple[str, str]:
    competitors = as_list(event.get("competitors"), "event.competitors")
    if len(competitors) != 2:
        fail("bad_value", f"event.competitors must hold two teams (home first), got {len(competitors)}")
    home, away = (as_object(c, f"event.competitors[{k}]") for k, c in enumerate(competitors))
    return req_str(home.get("name"), "event.competitors[0].name"), req_str(
        away.get("name"), "event.competitors[1].name"
    )


def _kickoff(event: dict[str, Any]) -> datetime:
    if event.get("dateTimestamp") is not None:
        return kickoff_from_ms(event["dateTimestamp"], "event.dateTimestamp")
    return kickoff_from_text(event.get("date"), "event.date", None)


def _normalize(payload: object, captured_at: datetime) -> CanonicalEventOddsV1:
    captured = utc_captured_at(captured_at)
    event, second = halves(BOOKMAKER, payload, "event", "markets")
    event_id = id_text(event.get("id"), "event.id")
    sport_doc = as_object(event.get("sport"), "event.sport")
    sport_id = sport_doc.get("id")
    sport = _SPORTS.get(sport_id) if type(sport_id) is int else None
    if sport is None:
        fail("unsupported_sport", f"event.sport.id {sport_id!r} ({sport_doc.get('name')!r}) is not supported")
    by_event = as_object(second, "markets")
    if event_id not in by_event:
        fail("bad_value", f"markets has no entry for event {event_id} (keys {sorted(by_event)[:3]}):"
             " the two halves are of different events")  # fmt: skip
    collector = LineCollector()
    sent, placed = _collect(as_list(by_event[event_id], f"markets.{event_id}"), event_id, sport, collector)
    home, away = _teams(event)
    kickoff = _kickoff(event)
    country, competition = event.get("country"), event.get("competition")
    return CanonicalEventOddsV1(
        bookmaker=BOOKMAKER,
        bookmaker_event_id=event_id,
        sportradar_id=sportradar_match(event.get("betradarId"), "event.betradarId"),
        sport=sport,
        home=home,
        away=away,
        kickoff=kickoff,
        live=kickoff <= captured,
        captured_at=captured,
        category=opt_str(country.get("name"), "event.country.name") if isinstance(country, dict) else None,
        tournament=opt_str(competition.get("name"), "event.competition.name")
        if isinstance(competition, dict)
        else None,
        lines=collector.build(),
        unmapped=counts([line_id[0] for line_id in sent if line_id not in placed]),
        mapped_lines=len(placed),
    )


def _line(spec: NativeMarket, value: object) -> str | None:
    """Line key of ``specValue`` on market ``spec``, or None when it cannot be its line."""
    if type(value) is not int and type(value) is not float:
        return None
    key = (spec.sport, spec.native_id, value)
    line: str | None = _LINES.lookup(key)
    if line is None:
        try:
            text = canonical_decimal(value)
        except DataError:
            text = None
        if spec.line_name is None:
            line = spec.line(None) if text == "0" else None
        else:
            line = spec.line(text) if text is not None else None
        line = _UNFIT if line is None else line
        _LINES.put(key, line)
    return None if line == _UNFIT else line


def _index(items: list[Any], item: object) -> int:
    """Position of ``item`` (by identity) in ``items``: the hot loops skip ``enumerate``."""
    return next(k for k, x in enumerate(items) if x is item)


def _market(
    market: object, where: str, table: dict[str, NativeMarket]
) -> tuple[NativeMarket | None, str | None, LineId]:
    """(mapping or None, line key or None, bookmaker line id) of one market object, checked."""
    if type(market) is not dict:
        fail("wrong_type", f"{where} must be an object, got {json_type(market)}")
    native = id_text(market.get("id"), f"{where}.id")
    value = market.get("specValue")
    line_id = (native, value if type(value) in (int, float, str) else repr(value))
    spec = table.get(native)
    line = None if spec is None else _line(spec, value)
    return (spec, line, line_id) if line is not None else (None, None, line_id)


def _collect(
    markets: list[Any], event_id: str, sport: Sport, collector: LineCollector
) -> tuple[dict[LineId, None], dict[LineId, None]]:
    """File every mapped selection under its line; return (every line sent, the mapped ones).

    The hot path: a market seen before (same sport, ``id`` and ``specValue``) comes from a
    memo through a plain subscript; a selection is read afresh (its ``shortName`` looked up
    in the market's mapping, its ``odds`` parsed). Anything else goes through
    :func:`_market` / :func:`_selection`, which check it. :meth:`LineCollector.add` is
    inlined (same rule).
    """
    table = _TABLE.get(sport, {})
    code = _SPORT_CODES[sport]
    buckets = collector.buckets
    memo = _MARKETS
    twin: Any = OutcomeTwin
    canonical_class = Outcome
    low, high, nan = _MIN_PRICE, _MAX_PRICE, _NAN
    sent: dict[LineId, None] = {}
    placed: dict[LineId, None] = {}
    for market in markets:
        try:
            native, value = market["id"], market["specValue"]
            key = (native * 4 + code, value)
            found = memo[key] if type(native) is int and type(value) is not bool else None
        except (KeyError, TypeError):
            found = None
        if found is None:
            spec, line, line_id = _market(market, f"markets.{event_id}[{_index(markets, market)}]", table)
            found = (spec, line, line_id)
            if _memo_code(market, code) is not None:
                memo.put((market["id"] * 4 + code, market["specValue"]), found)
        spec, line, line_id = found
        sent[line_id] = None
        if spec is None:
            continue
        items = market.get("selections")
        if type(items) is not list:
            items = as_list(items, f"markets.{event_id}[{_index(markets, market)}].selections")
        targets = spec.outcomes
        last_market = 0
        bucket: dict[str, Outcome] = {}
        for item in items:
            try:  # streams.adapters._twins.new_outcome inlined (made: an OutcomeTwin, then an Outcome)
                short = item["shortName"]
                target = targets.get(short)
                if target is None:
                    if type(short) is str:
                        continue  # a selection its market does not map: its odds are not read
                    made = None
                else:
                    odds = item["odds"]
                    price = float(odds) if type(odds) is str else nan
                    if low < price <= high:
                        market_id, outcome_id = target
                        made = twin()
                        made.outcome_id = outcome_id
                        made.price = price
                        made.active = True
                        made.__class__ = canonical_class
                    else:
                        made = None
            except (KeyError, TypeError, ValueError):
                made = None
            if made is None:
                hit = _selection(markets, market, items, item, event_id, spec)
                if hit is _SKIP:
                    continue
                market_id, made = hit
                outcome_id = made.outcome_id
            if market_id != last_market:
                last_market = market_id
                bucket = buckets.setdefault((market_id, line), {})  # type: ignore[arg-type]
            placed[line_id] = None
            if outcome_id in bucket:
                previous = bucket[outcome_id]
                better = made.price
                if better is not None and (previous.price is None or better > previous.price):
                    bucket[outcome_id] = made
            else:
                bucket[outcome_id] = made
    return sent, placed


def _memo_code(market: object, code: int) -> int | None:
    """The market's memo code (id × 4 + sport) when its ``id`` and ``specValue`` may key a memo."""
    if type(market) is not dict:
        return None
    native, value = market.get("id"), market.get("specValue")
    if type(native) is not int or not (type(value) is int or type(value) is float):
        return None
    return native * 4 + code


_SKIP = (0, Outcome("\x00skip", None, False))  # marker: a selection its market does not map


def _selection(
    markets: list[Any],
    market: object,
    items: list[Any],
    item: object,
    event_id: str,
    spec: NativeMarket,
) -> tuple[int, Outcome]:
    """(canonical market id, checked Outcome) of one selection, or :data:`_SKIP`. The JSON
    path is worked out only for an error message."""

    def path() -> str:
        return f"markets.{event_id}[{_index(markets, market)}].selections[{_index(items, item)}]"

    if type(item) is not dict:
        fail("wrong_type", f"{path()} must be an object, got {json_type(item)}")
    short = item.get("shortName")
    target = spec.outcomes.get(short) if type(short) is str else None
    if target is None:
        return _SKIP
    return (target[0], outcome(target[1], quoted_price(item.get("odds"), lambda: f"{path()}.odds")))
