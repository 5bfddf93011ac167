"""BetPawa adapter: ``/api/sportsbook/v4/events/{id}`` JSON → :class:`CanonicalEventOddsV1` (pure).

Contract
--------
* Identity: ``id`` is BetPawa's own event id; the Sportradar match is the first
  ``widgets[]`` entry with ``type == "SPORTRADAR"`` (``GENIUSSPORTS`` and others are
  ignored); no such widget → ``sportradar_id=None``.
* Sport from ``category.id`` (``2`` football, ``3`` basketball, ``452`` tennis) or, failing
  that, ``category.name``; anything else is ``unsupported_sport``.
* Lines: ``row[].handicap`` is the line × 4, quoted from the home side (``-6`` → ``-1.5``),
  and is the single source of the line; the per-price ``handicap`` strings are display
  text (the away Asian price shows the opposite sign) and are not read. Prices are
  grouped by (market, line value), never by row: HT/FT's three rows and 1X2-and-total's
  two rows with the same handicap merge into one line each. Three-way (European)
  handicap: whole home-side handicap ``h`` → ``hcp=h:0`` for ``h >= 0``, ``hcp=0:-h``
  otherwise (``-4`` → home -1 → ``hcp=0:1``); next goal: ``handicap`` 4 → ``goalnr=1``.
  A market that needs a line but has a row whose ``handicap`` is null is a DataError.
* ``suspended: true`` → inactive outcome without price (its ``price`` is a placeholder,
  e.g. 100.0, and is never read). An unsuspended price that is not a finite number in
  (1.0, 10000] rejects the **whole capture** (``absurd_odds``) so it reaches the DLQ
  with its bytes.
* Unknown price names inside a mapped market are skipped; unmapped ``marketType.id``s
  are counted in ``unmapped``. Only ``DataError`` leaves :func:`normalize`/:func:`extract_ids`.
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
    sr_number,
    utc_captured_at,
)
from streams.adapters._lines import BoundedCache, LineCollector, format_line
from streams.contracts.canonical import CanonicalEventOddsV1, Sport
from streams.errors import DataError
from streams.taxonomy import (
    CORRECT_SCORE_IDS,
    HT_FT_IDS,
    MARKETS,
    RESULT_TOTAL_IDS,
    MarketSpec,
    quarter_line,
)

BOOKMAKER = "betpawa"

_SPORT_IDS: dict[str, Sport] = {"2": "soccer", "3": "basketball", "452": "tennis"}
_SPORT_NAMES: dict[str, Sport] = {
    "football": "soccer",
    "soccer": "soccer",
    "basketball": "basketball",
    "tennis": "tennis",
}

_RESULT = {"1": "1", "X": "2", "2": "3"}
_OVER_UNDER = {"Over": "12", "Under": "13"}
_HOME_AWAY = {"1": "4", "2": "5"}
_HANDICAP = {"1": "1714", "2": "1715"}
_ONE_WORD = {"O": "Over", "U": "Under"}

# canonical key -> {BetPawa price name -> UOF outcome id}
PRICE_NAMES: dict[str, dict[str, str]] = {
    "match_result": _RESULT,
    "double_chance": {"1X": "9", "12": "10", "X2": "11"},
    "draw_no_bet": _HOME_AWAY,
    "total_goals": _OVER_UNDER,
    "asian_handicap": _HANDICAP,
    "handicap_3way": {"1": "1711", "X": "1712", "2": "1713"},
    "btts": {"Yes": "74", "No": "76"},
    "correct_score": {
        ("Other" if score == "other" else score.replace(":", "-")): oid
        for score, oid in CORRECT_SCORE_IDS.items()
    },
    "ht_ft": dict(HT_FT_IDS),
    "h1_match_result": _RESULT,
    "h1_total_goals": _OVER_UNDER,
    "home_total_goals": _OVER_UNDER,
    "away_total_goals": _OVER_UNDER,
    "odd_even": {"Odd": "70", "Even": "72"},
    # Real captures name the no-goal price "None" (displayName "No Goal").
    "next_goal": {"1": "6", "None": "7", "X": "7", "2": "8"},
    "match_result_and_total": {f"{r} - {_ONE_WORD[ou]}": oid for (r, ou), oid in RESULT_TOTAL_IDS.items()},
    "corners_total": _OVER_UNDER,
    "bb_moneyline_incl_ot": _HOME_AWAY,
    "bb_handicap_incl_ot": _HANDICAP,
    "bb_total_incl_ot": _OVER_UNDER,
    "tennis_winner": _HOME_AWAY,
    "tennis_game_handicap": _HANDICAP,
    "tennis_total_games": _OVER_UNDER,
    "tennis_total_sets": _OVER_UNDER,
}
# marketType.id -> (spec, {price name -> (UOF outcome id, rank)})
_BY_ID: dict[str, tuple[MarketSpec, dict[str, tuple[str, int]]]] = {
    m.betpawa: (m, {name: (oid, m.rank[oid]) for name, oid in PRICE_NAMES[m.key].items()}) for m in MARKETS
}
_LINES = BoundedCache(20_000)  # (UOF market id, handicap x4) -> line key


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
            return sr_number(widget.get("id"), f"widgets[{k}].id")
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
    unmapped: dict[str, int] = {}
    for i, market in enumerate(as_list(doc.get("markets"), "markets")):
        if not isinstance(market, dict):
            fail("wrong_type", f"markets[{i}] must be an object, got {json_type(market)}")
        market_type = market.get("marketType")
        if not isinstance(market_type, dict):
            market_type = as_object(market_type, f"markets[{i}].marketType")
        type_id = market_type.get("id")
        if not isinstance(type_id, str):
            type_id = id_text(type_id, f"markets[{i}].marketType.id")
        entry = _BY_ID.get(type_id)
        if entry is None or entry[0].sport != sport:
            unmapped[type_id] = unmapped.get(type_id, 0) + 1
            continue
        _market(collector, entry[0], entry[1], market.get("row"), i)

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
        unmapped={market_id: unmapped[market_id] for market_id in sorted(unmapped)},
    )


def _market(
    collector: LineCollector, spec: MarketSpec, names: dict[str, tuple[str, int]], rows: object, i: int
) -> None:
    for j, row in enumerate(as_list(rows, f"markets[{i}].row")):
        if not isinstance(row, dict):
            fail("wrong_type", f"markets[{i}].row[{j}] must be an object, got {json_type(row)}")
        slot = (spec.market_id, "" if spec.specifier is None else _row_line(spec, row.get("handicap"), i, j))
        prices = row.get("prices")
        if not isinstance(prices, list):
            prices = as_list(prices, f"markets[{i}].row[{j}].prices")
        for k, price in enumerate(prices):
            if not isinstance(price, dict):
                fail(
                    "wrong_type",
                    f"markets[{i}].row[{j}].prices[{k}] must be an object, got {json_type(price)}",
                )
            name = price.get("name")
            target = names.get(name) if isinstance(name, str) else None
            if target is None:
                if not isinstance(name, str):
                    req_str(name, f"markets[{i}].row[{j}].prices[{k}].name")
                continue
            outcome_id, position = target
            suspended = price.get("suspended")
            if suspended is True:
                collector.add(slot, position, outcome_id, None)
                continue
            if suspended is not None and suspended is not False:
                path = f"markets[{i}].row[{j}].prices[{k}].suspended"
                fail("wrong_type", f"{path} must be a boolean, got {json_type(suspended)}")
            value = price.get("price")
            odds = value if type(value) is float and 1.0 < value <= 10000.0 else None
            if odds is None:
                odds = price_number(value, f"markets[{i}].row[{j}].prices[{k}].price")
            collector.add(slot, position, outcome_id, odds)


def _row_line(spec: MarketSpec, handicap: object, i: int, j: int) -> str:
    if isinstance(handicap, bool) or not isinstance(handicap, int | float):
        path = f"markets[{i}].row[{j}].handicap"
        if handicap is None:
            fail("missing_field", f"{path} is null but market {spec.betpawa} ({spec.key}) needs a line")
        fail("wrong_type", f"{path} must be a number (the line x 4), got {json_type(handicap)}")
    key = (spec.market_id, handicap)
    line: str | None = _LINES.lookup(key)
    if line is None:
        path = f"markets[{i}].row[{j}].handicap"
        try:
            text = quarter_line(handicap)
        except DataError as exc:
            fail("bad_value", f"{path}: {exc.message}")
        line = format_line(spec, text, path)
        _LINES.put(key, line)
    return line
