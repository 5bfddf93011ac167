"""Renders a book as MSport's event response (FORMATS-MORE.md §3).

Shape: ``{"bizCode": 10000, "message": "success", "innerMsg": null, "data": {...}}``; one
market object per line with the int UOF ``id``, ``specifiers`` (pairs joined by ``|``, ""
without), outcome ``id`` strings, ``odds`` decimal strings and ``isActive`` 1/0 (a
suspended outcome keeps its stale price and shows probability "0.0000"); ``startTime`` in
epoch ms, ``status`` 0 prematch / 1 live, Sportradar URNs for sport, category, tournament.
"""

from __future__ import annotations

from typing import Any

from streams.simulator.filler_more import msport_markets
from streams.simulator.markets import MARKETS
from streams.simulator.sportybet import DESC, outcome_desc
from streams.simulator.state import BookState, Match

SPORTS = {"soccer": ("sr:sport:1", "Soccer"), "basketball": ("sr:sport:2", "Basketball"),
          "tennis": ("sr:sport:5", "Tennis")}  # fmt: skip


def render(match: Match, book: BookState, *, event_id: str) -> dict[str, Any]:
    """The MSport event response for ``match`` as ``book`` shows it."""
    live = match.live
    markets = []
    for line, q in book.quotes.items():
        active = not (q.suspended or book.suspended)
        total = sum(1 / p for p in q.prices.values())
        markets.append(
            {
                "id": line.market_id,
                "name": DESC[line.market_id],
                "description": f"{DESC[line.market_id]} {line.key.partition('=')[2]}".strip(),
                "specifiers": line.key,
                "group": "Main",
                "product": 1 if live else 3,
                "status": 0,
                "title": MARKETS[line.market_id].key,
                "presentationType": 1,
                "priority": line.market_id,
                "outcomes": [
                    {
                        "id": oid,
                        "description": outcome_desc(line, oid),
                        "odds": f"{p:.2f}",
                        "probability": f"{1 / p / total:.4f}" if active else "0.0000",
                        "isActive": 1 if active else 0,
                    }
                    for oid, p in q.prices.items()
                ],
            }
        )
    markets += msport_markets(book.extra, live, book.suspended)
    sport_id, sport_name = SPORTS[match.sport]
    data: dict[str, Any] = {
        "eventId": event_id,
        "homeTeam": match.home.name,
        "awayTeam": match.away.name,
        "homeTeamId": f"sr:competitor:{match.home.competitor_id}",
        "awayTeamId": f"sr:competitor:{match.away.competitor_id}",
        "startTime": int(match.kickoff.timestamp() * 1000),
        "sport": sport_name,
        "sportId": sport_id,
        "category": match.league.country,
        "categoryId": f"sr:category:{match.league.category_id}",
        "tournament": match.league.name,
        "tournamentId": f"sr:tournament:{match.league.tournament_id}",
        "status": 1 if live else 0,
        "bookingStatus": "Booked",
        "marketsCount": len(markets) + 3,
        "markets": markets,
    }
    if live:
        data.update(playedTime=match.played, scoreOfWholeMatch=match.score_text, allScores=[])
    return {"bizCode": 10000, "message": "success", "innerMsg": None, "data": data}
