"""Renders a book as Betika's listing response of one event (FORMATS-MORE.md §1).

Shape: ``{"data": [event], "meta": {...}}``. All lines of a market sit in one market object
(``sub_type_id``); each outcome carries its line in ``special_bet_value`` (``"total=2.5"``,
``""``) and ``parsed_special_bet_value`` (``{"": ""}`` without a line). ``start_time`` is
East Africa Time without offset. Ids and flags are strings in prematch and ints in live;
live adds ``odd_active``/``market_active`` and the event's ``active``; prematch has no
flags, so a suspended prematch line is left out.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from streams.simulator.filler_more import betika_markets
from streams.simulator.sportybet import DESC, outcome_desc
from streams.simulator.state import BookState, Match

SPORTS = {"soccer": ("14", "Soccer"), "basketball": ("30", "Basketball"), "tennis": ("28", "Tennis")}
EAT = timedelta(hours=3)


def render(match: Match, book: BookState, *, event_id: str, sr: int | None) -> dict[str, Any]:
    """The Betika listing response for ``match`` as ``book`` shows it."""
    live = match.live
    grouped: dict[int, list[dict[str, Any]]] = {}
    for line, q in book.quotes.items():
        if q.suspended and not live:  # prematch has no flags: a suspended line is not listed
            continue
        pairs = dict(part.split("=", 1) for part in line.key.split("|")) if line.key else {"": ""}
        for oid, p in q.prices.items():
            label = outcome_desc(line, oid)
            item: dict[str, Any] = {
                "outcome_id": int(oid) if live else oid,
                "display": label.upper(),
                "odd_key": label.lower(),
                "odd_def": label.lower(),
                "odd_value": f"{p:.2f}",
                "special_bet_value": line.key,
                "parsed_special_bet_value": pairs,
            }
            if live:
                item.update(odd_active=0 if q.suspended else 1, sequence_no=q.changed_ms, event_odd_id=None)
            grouped.setdefault(line.market_id, []).append(item)
    odds = []
    for market_id, items in grouped.items():
        market: dict[str, Any] = {
            "sub_type_id": market_id if live else str(market_id),
            "name": DESC[market_id].upper(),
            "odds": items,
        }
        if live:
            market["market_active"] = 1
        odds.append(market)
    odds += betika_markets(book.extra, live)
    sport_id, sport_name = SPORTS[match.sport]
    start = (match.kickoff + EAT).strftime("%Y-%m-%d %H:%M:%S")
    event: dict[str, Any] = {
        "match_id": int(event_id) if live else event_id,
        "game_id": str(event_id)[-5:],
        "parent_match_id": (sr if live else str(sr)) if sr else "",
        "home_team": match.home.name,
        "away_team": match.away.name,
        "start_time": start,
        "sport_id": int(sport_id) if live else sport_id,
        "sport_name": sport_name,
        "competition_id": str(match.league.tournament_id),
        "competition_name": match.league.name,
        "category": match.league.country,
        "home_odd": "0.00",
        "neutral_odd": None if match.sport == "tennis" else "0.00",
        "away_odd": "0.00",
        "side_bets": str(len(odds)),
        "is_esport": 0 if live else False,
        "is_srl": 0 if live else False,
        "odds": odds,
    }
    if live:
        event.update(
            match_time=match.played,
            event_status=match.status,
            current_score=match.score_text,
            active=0 if book.suspended else 1,
            bet_status="STARTED",
            match_status="ACTIVE",
        )
    return {"data": [event], "meta": {"limit": "1", "total": 1}}
