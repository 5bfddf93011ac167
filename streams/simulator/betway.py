"""Renders a book as Betway's split event: event info + markets (FORMATS-MORE.md §2).

The payload is the split-event envelope ``{"event": …, "markets": …}`` a scraper publishes
(docs/WIRE.md). ``marketId`` = event id + UOF market id + ``k=v~`` specifiers; a market with
several lines comes as a squashed parent plus one child per line (outcomes point at the
parent in ``marketId`` and at the child in ``originalMarketId``); ``outcomeId`` = line id +
UOF outcome id; ``prices[]`` carry ``priceDecimal`` (a JSON int when whole) and a fraction.
A suspended line's outcomes have ``isTradingActive`` false; ``expectedStartEpoch`` is in seconds.
"""

from __future__ import annotations

import json
from typing import Any

from streams.simulator.filler_more import betway_parts
from streams.simulator.markets import Line
from streams.simulator.sportybet import DESC, outcome_desc
from streams.simulator.state import BookState, Match, Quote


def _line_id(event_id: str, line: Line) -> str:
    tail = "".join(f"{pair}~" for pair in line.key.split("|")) if line.key else ""
    return f"{event_id}{line.market_id}{tail}"


def render(match: Match, book: BookState, *, event_id: str) -> dict[str, Any]:
    """The Betway event info and markets responses for ``match`` as ``book`` shows it."""
    eid = int(event_id)
    live = match.live
    by_market: dict[int, list[tuple[Line, Quote]]] = {}
    for line, q in book.quotes.items():
        by_market.setdefault(line.market_id, []).append((line, q))
    entries: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    prices: list[dict[str, Any]] = []
    producer = {"Producer": "1" if live else "3", "ProviderMarketGroups": json.dumps(["Main"])}
    for market_id, lines in by_market.items():
        parent = f"{event_id}{market_id}"
        squashed = len(lines) > 1
        ids = [_line_id(event_id, line) for line, _ in lines]
        base = {
            "subscriptionId": market_id,
            "name": f"[{DESC[market_id]}]",
            "eventId": eid,
            "marketTypeCName": "standard",
            "isActive": True,
            "isSuspended": False,
            "shouldDisplay": True,
            "additionalInfo": producer,
        }
        if squashed:
            entries.append(
                {
                    **base,
                    "marketId": parent,
                    "displayName": DESC[market_id],
                    "handicap": 0,
                    "isSquashedParent": True,
                    "defaultLine": ids[0],
                    "squashedMarketIds": ids,
                }
            )
        for (line, q), line_id in zip(lines, ids, strict=True):
            entries.append(
                {
                    **base,
                    "marketId": line_id,
                    "displayName": f"{DESC[market_id]} {line.key}".strip(),
                    "handicap": line.value,
                    "isSquashedMarket": squashed,
                }
            )
            trading = not (q.suspended or book.suspended)
            for oid, p in q.prices.items():
                outcome_id = line_id + oid
                outcomes.append(
                    {
                        "outcomeId": outcome_id,
                        "marketId": parent if squashed else line_id,
                        "originalMarketId": line_id,
                        "eventId": eid,
                        "name": outcome_desc(line, oid),
                        "displayName": outcome_desc(line, oid),
                        "sbv": "",
                        "handicap": line.value,
                        "isTradingActive": trading,
                        "shouldDisplay": True,
                    }
                )
                cents = round((p - 1) * 100)
                prices.append(
                    {
                        "outcomeId": outcome_id,
                        "priceDecimal": int(p) if p == int(p) else p,
                        "numerator": cents,
                        "denominator": 100,
                    }
                )
    more = betway_parts(book.extra, event_id, book.suspended, producer)
    entries, outcomes, prices = entries + more[0], outcomes + more[1], prices + more[2]
    state = {
        "score": [str(s) for s in match.score] if live else [],
        "state": match.status,
        "time": int(max(0.0, match.minute)),
        "comments": "RegularPeriod" if live else "NotStarted",
    }
    league = match.league
    info = {
        "eventId": eid,
        "name": f"{match.home.name} vs. {match.away.name}",
        "displayName": f"{match.home.name} vs. {match.away.name}",
        "homeTeam": match.home.name,
        "awayTeam": match.away.name,
        "expectedStartEpoch": int(match.kickoff.timestamp()),
        "sportId": match.sport,
        "regionId": league.country.lower(),
        "region": league.country,
        "leagueId": league.name.lower().replace(" ", "-"),
        "league": league.name,
        "sportSpecificProperties": {"Producer": "1" if live else "3"},
        "isActive": not live,
        "isLive": live,
        "isFinished": False,
        "isOutright": False,
        "gameStateTimeScore": state,
    }
    markets = {
        "marketGroupNames": ["Main"],
        "marketsInGroup": entries,
        "outcomes": outcomes,
        "prices": prices,
    }
    return {"event": {"sportEvent": info, "gameStateTimeScore": state}, "markets": markets}
