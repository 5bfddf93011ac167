"""Renders a book as SportyBet's ``factsCenter/event`` response (``docs/FORMATS.md``).

Shape: ``{"bizCode": 10000, "message": "0#0", "data": {...}}``; market ids and outcome
ids are UOF ids as strings, odds are decimal strings, ``isActive`` 1/0 (a suspended
outcome keeps its last odds string but is inactive), ``specifier`` only when the market
has one, ``estimateStartTime`` in epoch ms, ``status`` 0 prematch / 1 live.
"""

from __future__ import annotations

from typing import Any

from streams.simulator.filler import FillerMarket
from streams.simulator.markets import (
    CS_OTHER,
    CS_SCORES,
    HTFT,
    RESULT_CHARS,
    RESULT_TOTAL,
    Line,
    Size,
    fmt_dec,
)
from streams.simulator.state import BookState, Match, Quote

SPORTS = {
    "soccer": ("sr:sport:1", "Football"),
    "basketball": ("sr:sport:2", "Basketball"),
    "tennis": ("sr:sport:5", "Tennis"),
}
DESC = {
    1: "1X2", 10: "Double Chance", 11: "Draw No Bet", 18: "Over/Under", 16: "Asian Handicap",
    14: "Handicap", 29: "GG/NG", 45: "Correct Score", 47: "HT/FT", 60: "1st Half - 1X2",
    68: "1st Half - Over/Under", 19: "Home Team Over/Under", 20: "Away Team Over/Under",
    26: "Odd/Even", 8: "Next Goal", 37: "1X2 & Over/Under", 166: "Corners - Over/Under",
    219: "Winner (incl. overtime)", 223: "Handicap (incl. overtime)", 225: "Over/Under (incl. overtime)",
    186: "Winner", 187: "Game Handicap", 189: "Total Games", 314: "Total Sets",
}  # fmt: skip
GROUP = {1: "Main", 18: "Goals", 16: "Handicap", 14: "Handicap", 45: "Score", 47: "Half"}
GUIDE = (
    "Predict the outcome of this market at the end of regular time, injury time included but "
    "extra time and penalty shootouts excluded unless stated otherwise. If the match is abandoned "
    "or postponed, bets are void unless the outcome is already decided."
)
_WORD = {"1": "Home", "X": "Draw", "2": "Away"}
_FIXED = {
    "1": "Home", "2": "Draw", "3": "Away", "4": "Home", "5": "Away", "9": "Home or Draw",
    "10": "Home or Away", "11": "Draw or Away", "74": "Yes", "76": "No", "70": "Odd", "72": "Even",
    "6": "Home", "7": "None", "8": "Away", CS_OTHER: "Other",
}  # fmt: skip


def outcome_desc(line: Line, oid: str) -> str:
    v = line.value
    if oid in ("12", "13"):
        return f"{'Over' if oid == '12' else 'Under'} {fmt_dec(v)}"
    if oid in ("1714", "1715"):
        side = 1 if oid == "1714" else -1
        return f"{'Home' if side > 0 else 'Away'} ({'+' if side * v > 0 else ''}{fmt_dec(side * v)})"
    if oid in ("1711", "1712", "1713"):
        return f"{('Home', 'Draw', 'Away')[int(oid) - 1711]} ({line.key[4:]})"
    if line.market_id == 45 and oid in CS_SCORES:
        return "{}:{}".format(*CS_SCORES[oid])
    if line.market_id == 47:
        i, j = HTFT[oid]
        return f"{_WORD[RESULT_CHARS[i]]}/{_WORD[RESULT_CHARS[j]]}"
    if line.market_id == 37:
        i, over = RESULT_TOTAL[oid]
        return f"{_WORD[RESULT_CHARS[i]]} & {'Over' if over else 'Under'} {fmt_dec(v)}"
    return _FIXED[oid]


def _market(
    mid: str,
    specifier: str,
    desc: str,
    product: int,
    favourite: bool,
    changed_ms: int,
    outcomes: list[tuple[str, float, bool, str]],
    source: str = "BET_RADAR",
) -> dict[str, Any]:
    """One SportyBet market object; ``outcomes`` are (id, price, active, desc)."""
    total = sum(1 / p for _, p, _, _ in outcomes)
    market: dict[str, Any] = {"id": mid}
    if specifier:
        market["specifier"] = specifier
    group = GROUP.get(int(mid), "Main") if len(mid) < 5 else "Specials"
    market.update(
        product=product,
        desc=desc,
        status=0,
        group=group,
        groupId=f"{group.lower()}-{mid}",
        marketGuide=f"{desc}: {GUIDE}",
        title="1,2,3" if len(outcomes) == 3 else "",
        name=desc,
        favourite=1 if favourite else 0,
        outcomes=[
            {
                "id": oid,
                "odds": f"{p:.2f}",
                "probability": f"{1 / p / total:.10f}",
                "voidProbability": "0E-10",
                "isActive": 1 if active else 0,
                "desc": odesc,
                "cashOutIsActive": 1 if active else 0,
            }
            for oid, p, active, odesc in outcomes
        ],
        farNearOdds=0,
        sourceType=source,
        banned=False,
        lastOddsChangeTime=changed_ms,
    )
    return market


def _mapped(line: Line, q: Quote, product: int, event_suspended: bool, favourite: bool) -> dict[str, Any]:
    active = not (q.suspended or event_suspended)
    outcomes = [(oid, p, active, outcome_desc(line, oid)) for oid, p in q.prices.items()]
    return _market(
        str(line.market_id), line.key, DESC[line.market_id], product, favourite, q.changed_ms, outcomes
    )


def _filler(market: FillerMarket, product: int, event_suspended: bool) -> list[dict[str, Any]]:
    entry = market.entry
    source = "BET_GENIUS" if entry.genius else "BET_RADAR"
    out = []
    for ln in market.lines:
        if entry.kind == "spec":
            specifier, suffix = ln.param, ""
        else:
            specifier = f"{entry.kind}={ln.param}" if entry.kind else ""
            suffix = ln.param
        active = not (ln.suspended or event_suspended)
        outcomes = [
            (oid, p, active, f"{label} {suffix}".strip())
            for (oid, _, label), p in zip(entry.outcomes, ln.prices, strict=True)
        ]
        out.append(
            _market(entry.sporty_id, specifier, entry.name, product, False, ln.changed_ms, outcomes, source)
        )
    return out


def _favourites(book: BookState) -> set[Line]:
    """Per market with lines, the line whose two prices are closest (SportyBet's ``favourite``)."""
    best: dict[int, tuple[float, Line]] = {}
    for line, q in book.quotes.items():
        if line.key and len(q.prices) == 2:
            first, second = q.prices.values()
            gap = abs(first - second)
            if line.market_id not in best or gap < best[line.market_id][0]:
                best[line.market_id] = (gap, line)
    return {line for _, line in best.values()}


def render(
    match: Match, book: BookState, *, event_id: str, size: Size, now_ms: int, seed: int
) -> dict[str, Any]:
    """The ``factsCenter/event`` response for ``match`` as ``book`` shows it."""
    live = match.live
    product = 1 if live else 3
    fav = _favourites(book)
    markets = [_mapped(ln, q, product, book.suspended, ln in fav) for ln, q in book.quotes.items()]
    for fm in book.extra:
        markets += _filler(fm, product, book.suspended)
    sport_id, sport_name = SPORTS[match.sport]
    data: dict[str, Any] = {
        "eventId": event_id,
        "gameId": match.sporty_game_id,
        "productStatus": "0#0",
        "estimateStartTime": int(match.kickoff.timestamp() * 1000),
        "status": 1 if live else 0,
        "matchStatus": match.status,
        "homeTeamId": f"sr:competitor:{match.home.competitor_id}",
        "homeTeamName": match.home.name,
        "awayTeamId": f"sr:competitor:{match.away.competitor_id}",
        "awayTeamName": match.away.name,
        "sport": {
            "id": sport_id,
            "name": sport_name,
            "category": {
                "id": f"sr:category:{match.league.category_id}",
                "name": match.league.country,
                "tournament": {
                    "id": f"sr:tournament:{match.league.tournament_id}",
                    "name": match.league.name,
                },
            },
        },
        "totalMarketSize": len(markets),
        "markets": markets,
    }
    if live:
        data["setScore"] = match.score_text
        data["playedSeconds"] = match.played
    return {"bizCode": 10000, "message": "0#0", "data": data}
