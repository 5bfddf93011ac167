"""BetPawa adapter: ``/api/sportsbook/v4/events/{id}`` JSON → :class:`CanonicalEventOddsV1` (pure).

Contract
--------
* Identity: ``id`` is BetPawa's own event id; the Sportradar match is the first
  ``widgets[]`` entry with ``type == "SPORTRADAR"`` (``GENIUSSPORTS`` and others are
  ignored); no such widget → ``sportradar_id=None``.
* Sport from ``category.id`` (``2`` football, ``3`` basketball, ``452`` tennis) or, failing
  that, ``category.name``; anything else is ``unsupported_sport``.
* Markets are read through :data:`streams.taxonomy.tables.BETPAWA`, keyed by (sport,
  ``marketType.id``): ids repeat across sports (4429 is a football and a tennis score).
* Lines: ``row[].handicap`` is the line × 4, quoted from the home side (``-6`` → ``-1.5``),
  and is the single source of the line; the per-price ``handicap`` strings are display
  text (the away Asian price shows the opposite sign) and are not read. Prices are
  grouped by (market, line value), never by row: HT/FT's three rows and 1X2-and-total's
  two rows with the same handicap merge into one line each; markets without a line ignore
  the row handicap. Three-way (European) handicap: whole home-side handicap ``h`` →
  ``hcp=h:0`` for ``h >= 0``, ``hcp=0:-h`` otherwise (``-4`` → home -1 → ``hcp=0:1``);
  next goal: ``handicap`` 16 → ``goalnr=4``. A row whose handicap cannot be that market's
  line (null, text, a fraction of a goal on a three-way handicap) is an unmapped line.
* A price is under ``price`` or, in newer responses, ``odds``; ``suspended`` absent means
  active. ``suspended: true`` → inactive outcome without price (its price is a
  placeholder, e.g. 0.0 or 100.0, and is never read). An unsuspended price that is not a
  finite number in (1.0, 10000] rejects the **whole capture** (``absurd_odds``) so it
  reaches the DLQ with its bytes. Unknown extra fields are ignored.
* One bookmaker line is one (``marketType.id``, row ``handicap``). Unknown price names inside
  a mapped market are skipped; unknown market types are counted in ``unmapped`` (their
  rows and prices are never validated). Only ``DataError`` leaves
  :func:`normalize`/:func:`extract_ids`.
"""

from __future__ import annotations

from datetime import datetime
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
    price_number,
    req_str,
    split_teams,
    utc_captured_at,
)
from streams.adapters._lines import OUTCOMES, BoundedCache, LineCollector, counts, outcome
from streams.adapters._sportradar import sportradar_match
from streams.contracts.canonical import CanonicalEventOddsV1, Outcome, Sport
from streams.errors import DataError
from streams.taxonomy import quarter_line
from streams.taxonomy.tables import BETPAWA, NativeMarket

BOOKMAKER = "betpawa"

_SPORT_IDS: dict[str, Sport] = {"2": "soccer", "3": "basketball", "452": "tennis"}
_SPORT_NAMES: dict[str, Sport] = {
    "football": "soccer",
    "soccer": "soccer",
    "basketball": "basketball",
    "tennis": "tennis",
}
#: sport -> marketType.id -> (table entry, line key of a market without a line, or None)
_TABLE: dict[Sport, dict[str, tuple[NativeMarket, str | None]]] = {}
for (_in_sport, _type_id), _spec in BETPAWA.items():
    _TABLE.setdefault(_in_sport, {})[_type_id] = (_spec, None if _spec.line_name else _spec.line(None))
_UNFIT = "\x00unfit"  # cache marker: the handicap cannot be this market's line
_LINES = BoundedCache(20_000)  # (sport, marketType.id, handicap x4) -> line key | _UNFIT
_HASHABLE = (int, float, str, bool, type(None))

Line = tuple[str, object]  # one bookmaker line: (marketType.id, row handicap as a hashable key)


def extract_ids(payload: object) -> tuple[str, int | None]:
    """``(id, Sportradar match number or None)`` without reading the markets."""
    try:
        doc = as_object(payload, "betpawa payload")
        return id_text(doc.get("id"), "id"), _sportradar(doc.get("widgets"))
    except BOUNDARY_ERRORS as exc:
        raise malformed(BOOKMAKER, exc) from exc


def normalize(payload: object, captured_at: datetime) -> CanonicalEventOddsV1:
    """Normalize one BetPawa event response; raises only ``DataError``."""
    try:
        return _normalize(payload, captured_at)
    except BOUNDARY_ERRORS as exc:
        raise malformed(BOOKMAKER, exc) from exc


def _sportradar(widgets: object) -> int | None:
    if widgets is None:
        return None
    for k, widget in enumerate(as_list(widgets, "widgets")):
        if not isinstance(widget, dict):
            fail("wrong_type", f"widgets[{k}] must be an object, got {json_type(widget)}")
        if widget.get("type") == "SPORTRADAR":
            return sportradar_match(widget.get("id"), f"widgets[{k}].id")
    return None


def _sport(doc: dict[str, Any]) -> Sport:
    category = as_object(doc.get("category"), "category")
    category_id = category.get("id")
    sport = _SPORT_IDS.get(category_id) if isinstance(category_id, str) else None
    if sport is None:
        name = category.get("name")
        sport = _SPORT_NAMES.get(name.strip().lower()) if isinstance(name, str) else None
    if sport is None:
        fail(
            "unsupported_sport", f"category {category_id!r}/{category.get('name')!r} is not a supported sport"
        )
    return sport


def _teams(doc: dict[str, Any]) -> tuple[str, str]:
    participants = doc.get("participants")
    names: dict[int, str] = {}
    if participants is not None:
        for k, participant in enumerate(as_list(participants, "participants")):
            if not isinstance(participant, dict):
                fail("wrong_type", f"participants[{k}] must be an object, got {json_type(participant)}")
            position = participant.get("position")
            if position in (1, 2) and not isinstance(position, bool | float):
                names[position] = req_str(participant.get("name"), f"participants[{k}].name")
    if 1 in names and 2 in names:
        return names[1], names[2]
    return split_teams(doc.get("name"), "name")


def _normalize(payload: object, captured_at: datetime) -> CanonicalEventOddsV1:
    captured = utc_captured_at(captured_at)
    doc = as_object(payload, "betpawa payload")
    event_id = id_text(doc.get("id"), "id")
    sport = _sport(doc)
    home, away = _teams(doc)
    info = doc.get("additionalInfo")
    region = doc.get("region")
    competition = doc.get("competition")

    collector = LineCollector()
    seen: set[Line] = set()  # lines of mapped market types
    placed: set[Line] = set()  # ... that reached a canonical line
    unknown: set[Line] = set()  # lines of unknown market types (never validated)
    table = _TABLE.get(sport, {})
    for i, market in enumerate(as_list(doc.get("markets"), "markets")):
        if type(market) is not dict:
            fail("wrong_type", f"markets[{i}] must be an object, got {json_type(market)}")
        market_type = market.get("marketType")
        if type(market_type) is not dict:
            market_type = as_object(market_type, f"markets[{i}].marketType")
        type_id = market_type.get("id")
        if type(type_id) is not str:
            type_id = id_text(type_id, f"markets[{i}].marketType.id")
        rows = market.get("row")
        entry = table.get(type_id)
        if entry is not None:
            _market(collector, entry, type_id, rows, i, seen, placed)
        elif type(rows) is list and rows:
            for row in rows:
                handicap = row.get("handicap") if type(row) is dict else None
                unknown.add((type_id, handicap if type(handicap) in _HASHABLE else repr(handicap)))
        else:
            unknown.add((type_id, None))
    unmapped = counts(type_id for type_id, _ in (seen - placed) | (unknown - placed))

    return CanonicalEventOddsV1(
        bookmaker=BOOKMAKER,
        bookmaker_event_id=event_id,
        sportradar_id=_sportradar(doc.get("widgets")),
        sport=sport,
        home=home,
        away=away,
        kickoff=kickoff_from_text(doc.get("startTime"), "startTime", None),
        live=isinstance(info, dict) and info.get("live") is True,
        captured_at=captured,
        category=opt_str(region.get("name"), "region.name") if isinstance(region, dict) else None,
        tournament=opt_str(competition.get("name"), "competition.name")
        if isinstance(competition, dict)
        else None,
        lines=collector.build(),
        unmapped=unmapped,
        mapped_lines=len(placed),
    )


def _market(
    collector: LineCollector,
    entry: tuple[NativeMarket, str | None],
    type_id: str,
    rows: object,
    i: int,
    seen: set[Line],
    placed: set[Line],
) -> None:
    """File the prices of one market of a known type (:meth:`LineCollector.add` inlined)."""
    spec, fixed_line = entry
    outcomes = spec.outcomes
    main_id = spec.market_id
    by_name = spec.by_name
    buckets = collector.buckets
    memo = OUTCOMES
    for j, row in enumerate(as_list(rows, f"markets[{i}].row")):
        if type(row) is not dict:
            fail("wrong_type", f"markets[{i}].row[{j}] must be an object, got {json_type(row)}")
        handicap = row.get("handicap")
        line_id = (type_id, handicap if type(handicap) in _HASHABLE else repr(handicap))
        seen.add(line_id)
        line = fixed_line if fixed_line is not None else _row_line(spec, type_id, handicap)
        if line is None:
            continue
        prices = row.get("prices")
        if type(prices) is not list:
            prices = as_list(prices, f"markets[{i}].row[{j}].prices")
        main: dict[str, Outcome] | None = None  # the bucket of (main_id, line), made on first use
        other = False  # a price went to another market (one native market feeding two)
        for k, price in enumerate(prices):
            if type(price) is not dict:
                fail(
                    "wrong_type",
                    f"markets[{i}].row[{j}].prices[{k}] must be an object, got {json_type(price)}",
                )
            name = price.get("name")
            target = outcomes.get(name) if type(name) is str else None
            if target is None:
                if by_name:
                    target = (main_id, req_str(name, f"markets[{i}].row[{j}].prices[{k}].name"))
                else:
                    if type(name) is not str:
                        req_str(name, f"markets[{i}].row[{j}].prices[{k}].name")
                    continue
            market_id, outcome_id = target
            suspended = price.get("suspended")
            value = price.get("price")
            if value is None:
                value = price.get("odds")
            if suspended is True:
                found = outcome(outcome_id, None)
            elif (suspended is None or suspended is False) and type(value) is float and 1 < value <= 10000:
                found = memo.get((outcome_id, value)) or outcome(outcome_id, value)
            else:
                found = _checked(outcome_id, suspended, value, f"markets[{i}].row[{j}].prices[{k}]")
            if market_id == main_id:
                if main is None:
                    main = buckets.get((main_id, line))
                    if main is None:
                        main = buckets[main_id, line] = {}
                bucket = main
            else:
                other = True
                bucket = buckets.setdefault((market_id, line), {})
            previous = bucket.setdefault(outcome_id, found)
            odds, before = found.price, previous.price
            if previous is not found and odds is not None and (before is None or odds > before):
                bucket[outcome_id] = found
        if main is not None or other:
            placed.add(line_id)


def _checked(outcome_id: str, suspended: object, value: object, path: str) -> Outcome:
    """The outcome of an active price that is not a plain float in range (raises if unusable)."""
    if suspended is not None and suspended is not False:
        fail("wrong_type", f"{path}.suspended must be a boolean, got {json_type(suspended)}")
    return outcome(outcome_id, price_number(value, f"{path}.price"))


def _row_line(spec: NativeMarket, type_id: str, handicap: object) -> str | None:
    """Line key of a row of a market with a line, or None when the handicap cannot be it."""
    if type(handicap) is not int and type(handicap) is not float:
        return None
    key = (spec.sport, type_id, handicap)
    line: str | None = _LINES.lookup(key)
    if line is None:
        try:
            line = spec.line(quarter_line(handicap)) or _UNFIT
        except DataError:
            line = _UNFIT
        _LINES.put(key, line)
    return None if line == _UNFIT else line
