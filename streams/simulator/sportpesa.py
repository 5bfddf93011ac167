"""Renders a book as SportPesa's split event: listing entry + markets (FORMATS-MORE.md §4).

The payload is the split-event envelope ``{"event": …, "markets": …}`` (docs/WIRE.md):
``event`` one entry of the listing (own ids, ``betradarId``, competitors home first,
``dateTimestamp`` ms and ``date`` ISO UTC, its 3 Way market), ``markets`` the markets response
``{"<id>": [market]}`` with SportPesa's own market ids (reused across sports), one object per
line with the line in ``specValue`` (0 without), selections keyed by ``shortName``. SportPesa
sends no suspension flags: a suspended line (or a suspended event's lines) is left out.
"""

from __future__ import annotations

from typing import Any

from streams.simulator.filler_more import sportpesa_markets
from streams.simulator.markets import CS_OTHER, CS_SCORES, HTFT, RESULT_CHARS, RESULT_TOTAL, Line
from streams.simulator.state import BookState, Match

SPORTS = {"soccer": (1, "Football"), "basketball": (2, "Basketball"), "tennis": (4, "Tennis")}
_X12 = {"1": "1", "2": "X", "3": "2"}
_HA = {"4": "1", "5": "2"}
_AH = {"1714": "1", "1715": "2"}
_OU = {"12": "OV", "13": "UN"}
# (sport, UOF market) -> (SportPesa market id, name, UOF outcome -> shortName)
NATIVE: dict[tuple[str, int], tuple[int, str, dict[str, str]]] = {
    ("soccer", 1): (10, "3 Way", _X12),
    ("soccer", 10): (46, "Double Chance", {"9": "1X", "10": "12", "11": "X2"}),
    ("soccer", 11): (47, "Draw no bet - Full Time", _HA),
    ("soccer", 18): (52, "Total Goals Over/Under - Full Time", _OU),
    ("soccer", 16): (51, "Asian Handicap - Full Time", _AH),
    ("soccer", 14): (55, "Euro Handicap", {"1711": "1", "1712": "X", "1713": "2"}),
    ("soccer", 29): (43, "Both Teams To Score", {"74": "Yes", "76": "No"}),
    ("soccer", 45): (
        332,
        "Correct Score",
        {o: "{}:{}".format(*s) for o, s in CS_SCORES.items()} | {CS_OTHER: "OTHR"},
    ),
    ("soccer", 47): (
        44,
        "Half Time/Full Time",
        {o: RESULT_CHARS[i] + RESULT_CHARS[j] for o, (i, j) in HTFT.items()},
    ),
    ("soccer", 60): (42, "3 Way - First Half", _X12),
    ("soccer", 68): (54, "Total Goals O/U - Half Time", _OU),
    ("soccer", 19): (353, "Total Goals O/U Home Team", _OU),
    ("soccer", 20): (352, "Total Goals O/U Away Team", _OU),
    ("soccer", 26): (45, "Odd/Even", {"70": "OD", "72": "EV"}),
    ("soccer", 37): (
        208,
        "Full time result + Total Goals O/U",
        {o: f"{'OV' if over else 'UN'}_{RESULT_CHARS[i]}" for o, (i, over) in RESULT_TOTAL.items()},
    ),
    ("basketball", 219): (382, "Match Winner (OT incl.)", _HA),
    ("basketball", 223): (51, "Handicap (OT incl.)", _AH),
    ("basketball", 225): (52, "Total Points (OT incl.)", _OU),
    ("tennis", 186): (382, "Match Winner", _HA),
    ("tennis", 187): (51, "Game Handicap", _AH),
    ("tennis", 189): (226, "Total Games", _OU),
}


def _spec_value(line: Line) -> int | float:
    value = line.value if line.key else 0.0
    return int(value) if value == int(value) else value


def render(match: Match, book: BookState, *, event_id: str, sr: int | None) -> dict[str, Any]:
    """The SportPesa listing entry and markets response for ``match`` as ``book`` shows it."""
    eid = int(event_id)
    markets: list[dict[str, Any]] = []
    selection = eid * 1000
    for line, q in book.quotes.items():
        if q.suspended or book.suspended:
            continue
        native, name, shorts = NATIVE[match.sport, line.market_id]
        spec = _spec_value(line)
        selections = []
        for oid, p in q.prices.items():
            selection += 1
            short = shorts[oid]
            selections.append(
                {
                    "id": 2_670_000_000 + selection % 100_000_000,
                    "name": short.upper(),
                    "shortName": short,
                    "odds": f"{p:.2f}",
                    "specValue": spec,
                }
            )
        markets.append(
            {
                "id": native,
                "name": name,
                "specValue": spec,
                "order": len(markets) + 1,
                "columns": len(selections),
                "columnsApp": min(3, len(selections)),
                "selections": selections,
            }
        )
    markets += sportpesa_markets(book.extra, event_id, book.suspended)
    sport_id, sport_name = SPORTS[match.sport]
    three = [
        {k: v for k, v in m.items() if k not in ("specValue", "order")} for m in markets if m["id"] == 10
    ]
    event = {
        "id": eid,
        "betradarId": sr or 0,
        "betgeniusId": 0,
        "smsId": eid % 10_000,
        "hasCustomBet": 0,
        "competitors": [
            {"id": match.home.pawa_id, "name": match.home.name},
            {"id": match.away.pawa_id, "name": match.away.name},
        ],
        "date": match.kickoff.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "dateTimestamp": int(match.kickoff.timestamp() * 1000),
        "sport": {"id": sport_id, "name": sport_name},
        "competition": {"id": match.league.tournament_id, "name": match.league.name},
        "country": {"id": match.league.category_id, "name": match.league.country, "iso": "int"},
        "marketsCount": len(markets),
        "markets": three if match.sport == "soccer" else [],
    }
    return {"event": event, "markets": {event_id: markets}}
